"""IBMQJobManager over in-memory fakes: what it runs and refuses, the sets it remembers, retrieval by id."""

from __future__ import annotations

import pytest
from managed_fakes import FakeService, circuits

from ibmq_widgets.client.managed import IBMQJobManager
from ibmq_widgets.exceptions import IBMQJobManagerValueError, IBMQJobResultTypeError


def test_job_sets_filter_by_name_and_bad_arguments_submit_nothing():
    service = FakeService()
    manager = IBMQJobManager()
    manager.run(circuits(2), service.backend, name="x", progress=False)
    manager.run(circuits(2), service.backend, name="y", progress=False)
    assert [js.name() for js in manager.job_sets(name="y")] == ["y"]
    assert len(manager.job_sets()) == 2
    with pytest.raises(IBMQJobManagerValueError):
        manager.run(circuits(2), service.backend, max_experiments_per_job=0)
    with pytest.raises(IBMQJobManagerValueError):
        manager.run(circuits(2), service.backend, job_tags="one")
    with pytest.raises(IBMQJobManagerValueError):
        manager.run(circuits(2), "ibmq_qasm_simulator")
    assert len(manager.job_sets()) == 2


def test_when_every_job_is_refused_for_one_reason_run_warns_and_the_set_says_why():
    service = FakeService(reject_indices={0, 1, 2})
    manager = IBMQJobManager()
    with pytest.warns(UserWarning, match="no job of set 'x' could be submitted"):
        job_set = manager.run(circuits(1), service.backend, name="x", progress=False)
    assert job_set.jobs() == [None] and service.jobs == {}
    assert "gate 'foo'" in job_set.error_messages()


def test_retrieve_job_set_uses_one_list_request_and_caches_unless_refreshed():
    service = FakeService(per_tick=10)
    manager = IBMQJobManager()
    original = manager.run(
        circuits(6), service.backend, name="again", max_experiments_per_job=2, progress=False
    )
    original.results(progress=False)
    assert manager.retrieve_job_set(original.job_set_id(), service.provider) is original
    other = IBMQJobManager()
    before = service.list_calls
    found = other.retrieve_job_set(original.job_set_id(), service.provider)
    assert service.list_calls - before == 1
    assert [job.job_id() for job in found.jobs()] == [job.job_id() for job in original.jobs()]
    assert [(m.first, m.last) for m in found.managed_jobs()] == [
        (m.first, m.last) for m in original.managed_jobs()
    ]
    assert found.results(progress=False).get_counts(4) == original.results(progress=False).get_counts(4)
    refreshed = other.retrieve_job_set(original.job_set_id(), service.provider, refresh=True)
    assert refreshed is not found and other.job_sets() == [refreshed]


def estimator_experiments(count: int) -> list[tuple]:
    """(circuit, observables) tuples: one observable for even experiments, two for odd ones."""
    return [(circuit, ["Z", "X"] if i % 2 else "Z") for i, circuit in enumerate(circuits(count))]


def test_a_batch_set_of_estimator_experiments_joins_one_batch_closed_once_all_are_submitted():
    service = FakeService(job_limit=1, per_tick=1)  # jobs wait for slots: the last ones go in the background
    manager = IBMQJobManager()
    job_set = manager.run(
        estimator_experiments(7),
        service.backend,
        max_experiments_per_job=3,
        mode="batch",
        precision=0.01,
        progress=False,
    )
    (batch,) = service.backend.batches
    assert job_set.session() is batch and job_set.session_id() == "batch-0"
    assert job_set.wait_for_submission(10)
    assert batch.closed_after == 3  # closed once, after the third and last job was submitted
    assert [call["session"] for call in service.backend.run_calls] == [batch] * 3
    assert {call["precision"] for call in service.backend.run_calls} == {0.01}
    results = job_set.results(timeout=30, progress=False)
    assert results.estimator and results.expectation_values(4) == 4.0
    assert list(results.expectation_values(5)) == [5.0, 5.0]
    frame = results.to_dataframe()
    assert frame["expectation_value"].iloc[4] == 4.0 and list(frame["expectation_value"].iloc[5]) == [
        5.0,
        5.0,
    ]
    assert frame["standard_error"].iloc[0] == 0.01 and frame["counts"].isna().all()
    with pytest.raises(IBMQJobResultTypeError, match="Estimator job"):
        results.get_counts(0)
    found = IBMQJobManager().retrieve_job_set(job_set.job_set_id(), service.provider)
    again = found.results(timeout=30, progress=False)
    assert again.estimator and again.to_dataframe()["expectation_value"].iloc[6] == 6.0
    assert found.session_id() == "batch-0"


def test_a_refused_set_opens_no_batch_and_a_bad_mode_is_refused():
    service = FakeService()
    manager = IBMQJobManager()
    with pytest.raises(IBMQJobManagerValueError):
        manager.run([(circuits(1)[0], "Z"), circuits(1)[0]], service.backend, mode="batch")
    with pytest.raises(IBMQJobManagerValueError, match="mode must be one of"):
        manager.run(circuits(2), service.backend, mode="dedicated")
    with pytest.raises(IBMQJobManagerValueError, match="not both"):
        manager.run(circuits(2), service.backend, mode="batch", session=object())
    assert service.backend.batches == [] and service.jobs == {}
    job_set = manager.run(circuits(2), service.backend, progress=False)
    assert job_set.session() is None and job_set.session_id() is None
