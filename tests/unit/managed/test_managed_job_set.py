"""The job set's logic over in-memory fakes: splitting, pacing, waiting together, partial results, reports."""

from __future__ import annotations

import pytest
from managed_fakes import FakeService, circuits

from ibmq_widgets.client.job import JobStatus
from ibmq_widgets.client.managed import IBMQJobManager, SubmitState
from ibmq_widgets.exceptions import (
    IBMQJobFailureError,
    IBMQJobManagerInvalidStateError,
    IBMQJobManagerValueError,
    IBMQManagedResultDataNotAvailable,
)


def test_twenty_experiments_by_two_make_ten_tagged_jobs():
    service = FakeService()
    job_set = IBMQJobManager().run(
        circuits(20),
        service.backend,
        name="bar",
        max_experiments_per_job=2,
        job_tags=["mine"],
        shots=100,
        progress=False,
    )
    assert job_set.wait_for_submission(5)
    jobs = job_set.jobs()
    assert len(jobs) == 10 and all(job is not None for job in jobs)
    for index, mjob in enumerate(job_set.managed_jobs()):
        assert (mjob.first, mjob.last) == (2 * index, 2 * index + 1)
        tags = mjob.job.tags()
        assert f"jobset:{job_set.job_set_id()}" in tags
        assert f"jobset-index:{index}" in tags and f"jobset-range:{2 * index}-{2 * index + 1}" in tags
        assert "jobset-name:bar" in tags and "jobset-size:10-20" in tags and "mine" in tags
        assert mjob.job.name() == f"bar_{index}_"
    assert {call["n"] for call in service.backend.run_calls} == {2}
    assert all(call["shots"] == 100 for call in service.backend.run_calls)
    results = job_set.results(progress=False)
    assert results.success
    assert results.get_counts(13) == {"0": 13, "1": 1}
    assert results.get_counts("c7") == {"0": 7, "1": 1}


def test_the_backend_maximum_caps_the_jobs():
    service = FakeService(max_experiments=3)
    job_set = IBMQJobManager().run(circuits(7), service.backend, max_experiments_per_job=50, progress=False)
    job_set.wait_for_submission(5)
    assert [(m.first, m.last) for m in job_set.managed_jobs()] == [(0, 2), (3, 5), (6, 6)]


def test_a_job_limit_paces_submission_and_never_fails():
    service = FakeService(job_limit=2, per_tick=1)
    job_set = IBMQJobManager().run(circuits(14), service.backend, max_experiments_per_job=2, progress=False)
    # run() returns with the limit full and the rest visibly waiting for a slot
    states = [m.submit_state for m in job_set.managed_jobs()]
    assert SubmitState.WAITING_FOR_SLOT in states
    assert "waiting for a slot" in job_set.report(detailed=False).lower()
    results = job_set.results(timeout=30, progress=False)
    assert results.success and len(job_set.jobs()) == 7
    assert service.max_active <= 2
    assert results.get_counts(13) == {"0": 13, "1": 1}


def test_a_limit_error_from_a_race_requeues_the_job():
    # the backend claims 10 free slots but refuses beyond 2: refused jobs wait and go later
    service = FakeService(job_limit=2, per_tick=1, advertised_remaining=10)
    job_set = IBMQJobManager().run(circuits(10), service.backend, max_experiments_per_job=2, progress=False)
    results = job_set.results(timeout=30, progress=False)
    assert service.limit_refusals >= 1
    assert results.success and all(job is not None for job in job_set.jobs())
    assert job_set.error_messages() is None


def test_a_failed_submission_leaves_none_and_loses_no_other_job():
    service = FakeService(reject_indices={2})
    job_set = IBMQJobManager().run(circuits(10), service.backend, max_experiments_per_job=2, progress=False)
    job_set.wait_for_submission(5)
    jobs = job_set.jobs()
    assert jobs[2] is None and sum(job is not None for job in jobs) == 4
    assert job_set.statuses()[2] is None
    assert "unsupported" in job_set.error_messages() or "gate 'foo'" in job_set.error_messages()
    with pytest.raises(IBMQJobFailureError, match="partial=True"):
        job_set.results(progress=False)
    results = job_set.results(partial=True, progress=False)
    assert not results.success
    assert results.get_counts(9) == {"0": 9, "1": 1}
    with pytest.raises(IBMQManagedResultDataNotAvailable, match=r"never submitted|gate 'foo'"):
        results.get_counts(4)


def test_a_failed_job_gives_partial_results_naming_the_job_and_its_reason():
    service = FakeService(fail_indices={1}, per_tick=3)
    job_set = IBMQJobManager().run(circuits(6), service.backend, max_experiments_per_job=2, progress=False)
    results = job_set.results(partial=True, progress=False)
    failed_id = job_set.jobs()[1].job_id()
    with pytest.raises(IBMQManagedResultDataNotAvailable) as info:
        results.get_counts(3)
    assert failed_id in str(info.value) and "out of memory" in str(info.value)
    assert results.get_counts(5) == {"0": 5, "1": 1}
    frame = results.to_dataframe()
    assert list(frame.columns) == ["index", "name", "job_index", "job_id", "status", "counts"]
    assert frame.loc[3, "status"] == "ERROR" and frame.loc[3, "counts"] is None
    assert frame.loc[4, "counts"] == {"0": 4, "1": 1} and frame.loc[4, "job_id"] == job_set.jobs()[2].job_id()
    with pytest.raises(IBMQJobManagerInvalidStateError, match="every job"):
        results.combine_results()
    assert "out of memory" in job_set.error_messages()


def test_results_wait_for_all_jobs_with_one_list_request_per_poll():
    service = FakeService(per_tick=2)
    job_set = IBMQJobManager().run(circuits(40), service.backend, max_experiments_per_job=2, progress=False)
    job_set.wait_for_submission(5)
    before = service.list_calls
    job_set.results(wait=0.001, progress=False)
    polls = service.list_calls - before
    # 20 jobs finishing 2 per poll need about 10 polls, not one status request per job per poll
    assert 5 <= polls <= 12
    assert all(job.result_calls == 1 for job in service.jobs.values())


def test_job_lookup_by_index_name_and_circuit():
    service = FakeService()
    experiments = circuits(9)
    job_set = IBMQJobManager().run(experiments, service.backend, max_experiments_per_job=4, progress=False)
    job_set.wait_for_submission(5)
    jobs = job_set.jobs()
    assert job_set.job(5) == (jobs[1], 1)
    assert job_set.job(-1) == (jobs[2], 0)
    assert job_set.job("c3") == (jobs[0], 3)
    assert job_set.job(experiments[8]) == (jobs[2], 0)
    with pytest.raises(IBMQJobManagerValueError, match="out of range"):
        job_set.job(9)
    with pytest.raises(IBMQJobManagerValueError, match="no experiment named"):
        job_set.job("nope")


def test_the_very_circuit_object_is_found_even_among_equal_names():
    service = FakeService()
    same = circuits(1)[0]
    twins = [same.copy() for _ in range(4)]
    job_set = IBMQJobManager().run(twins, service.backend, max_experiments_per_job=2, progress=False)
    results = job_set.results(progress=False)
    assert results.get_counts(twins[3]) == {"0": 3, "1": 1}
    with pytest.warns(UserWarning, match="several experiments"):
        assert results.get_counts("c0") == {"0": 0, "1": 1}


def test_report_counts_states_and_lists_every_job():
    service = FakeService(fail_indices={0}, per_tick=10)
    manager = IBMQJobManager()
    job_set = manager.run(circuits(4), service.backend, name="foo", max_experiments_per_job=2, progress=False)
    job_set.results(partial=True, progress=False)
    text = job_set.report()
    assert text.startswith(f"Job set name: foo, ID: {job_set.job_set_id()}")
    assert "Total jobs: 2" in text and "Successful jobs: 1" in text and "Failed jobs: 1" in text
    assert "experiments: 2-3" in text and f"job ID: {job_set.jobs()[1].job_id()}" in text
    assert "error: simulation failed: out of memory" in text
    assert "Detail report" not in job_set.report(detailed=False)
    whole = manager.report()
    assert "Total jobs: 2" in whole and "Job set name: foo" in whole


def test_update_name_and_tags_rewrite_every_job_keeping_the_managed_tags():
    service = FakeService()
    job_set = IBMQJobManager().run(
        circuits(4), service.backend, name="old", max_experiments_per_job=2, job_tags=["a"], progress=False
    )
    job_set.wait_for_submission(5)
    job_set.update_name("new")
    assert job_set.update_tags(additional_tags=["b"], removal_tags=["a"]) == ["b"]
    for job in job_set.jobs():
        tags = job.tags()
        assert "jobset-name:new" in tags and "b" in tags and "a" not in tags
        assert f"jobset:{job_set.job_set_id()}" in tags
    with pytest.raises(IBMQJobManagerValueError):
        job_set.update_tags(additional_tags=["jobset:other"])
    with pytest.raises(IBMQJobManagerValueError):
        job_set.update_name("  ")


def test_cancel_stops_jobs_waiting_for_a_slot_from_being_submitted():
    service = FakeService(job_limit=1, per_tick=0)
    job_set = IBMQJobManager().run(circuits(6), service.backend, max_experiments_per_job=2, progress=False)
    assert [m.submit_state for m in job_set.managed_jobs()][1:] == [SubmitState.WAITING_FOR_SLOT] * 2
    job_set.cancel()
    assert len(service.jobs) == 1
    assert job_set.jobs()[0].status(refresh=False) is JobStatus.CANCELLED
    results = job_set.results(partial=True, progress=False)
    assert not results.success
    assert "cancelled before it was submitted" in job_set.error_messages()


def test_a_timeout_keeps_what_arrived_and_a_later_call_goes_on():
    from ibmq_widgets.exceptions import IBMQJobManagerTimeoutError

    service = FakeService(per_tick=0)  # nothing finishes until we say so
    job_set = IBMQJobManager().run(circuits(4), service.backend, max_experiments_per_job=2, progress=False)
    with pytest.raises(
        IBMQJobManagerTimeoutError, match=r"2 of 2 jobs still pending.*call results\(\) again"
    ):
        job_set.results(timeout=0.05, progress=False)
    assert isinstance(IBMQJobManagerTimeoutError("x"), TimeoutError)
    service.per_tick = 5
    assert job_set.results(timeout=10, progress=False).get_counts(3) == {"0": 3, "1": 1}


def test_rich_display_of_sets_and_results_is_html_naming_the_set():
    service = FakeService(per_tick=5)
    job_set = IBMQJobManager().run(circuits(4), service.backend, name="shown", max_experiments_per_job=2,
                                   progress=False)  # fmt: skip
    results = job_set.results(progress=False)
    html = job_set._repr_html_()
    assert "shown" in html and job_set.job_set_id() in html and "<" in html
    assert "4 experiments" in results._repr_html_() or "c3" in results._repr_html_()
    assert job_set.job_set_id() in repr(results) and "4 experiments in 2 jobs" in repr(results)
