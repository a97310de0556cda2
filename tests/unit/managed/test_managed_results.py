"""ManagedResults on hand-built jobs: global indices, names, circuits, failed jobs, one table, one Result."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from managed_fakes import circuits, estimator_result
from qiskit.result import Counts

from ibmq_widgets.client.estimator_result import EstimatorResult
from ibmq_widgets.client.job import JobStatus
from ibmq_widgets.client.managed.managed_job import ManagedJob, SubmitState
from ibmq_widgets.client.managed.results import (
    DATAFRAME_COLUMNS,
    ESTIMATOR_COLUMNS,
    ManagedResults,
    locate_experiment,
)
from ibmq_widgets.client.result import ExperimentHeader, ExperimentResult, Result
from ibmq_widgets.exceptions import (
    IBMQJobManagerInvalidStateError,
    IBMQJobManagerValueError,
    IBMQJobResultTypeError,
    IBMQManagedResultDataNotAvailable,
)


def done_job(index: int, first: int, last: int, experiments: list) -> ManagedJob:
    """A job of the set whose result counts ``{"1": global index}`` for each experiment."""
    job = SimpleNamespace(job_id=lambda: f"job-{index}", status=lambda refresh=False: JobStatus.DONE)
    mjob = ManagedJob(index, first, last, experiments, job)
    mjob.result_data = Result(
        [
            ExperimentResult(ExperimentHeader(circuit.name), 8, Counts({"1": first + i}))
            for i, circuit in enumerate(experiments)
        ],
        job_id=f"job-{index}",
        backend_name="fake",
    )
    return mjob


@pytest.fixture
def jobs() -> list[ManagedJob]:
    experiments = circuits(5)
    missing = ManagedJob(2, 4, 4)
    missing.submit_state, missing.submit_error = SubmitState.FAILED, "IBMQBackendValueError: too many shots"
    return [done_job(0, 0, 1, experiments[0:2]), done_job(1, 2, 3, experiments[2:4]), missing]


def results_of(jobs: list[ManagedJob]) -> ManagedResults:
    return ManagedResults(SimpleNamespace(job_set_id=lambda: "set-1"), jobs, "fake")


def test_locate_by_global_index_negative_index_name_and_circuit(jobs):
    starts = [mjob.first for mjob in jobs]
    assert locate_experiment(3, jobs, starts, None) == (jobs[1], 1)
    assert locate_experiment(-1, jobs, starts, None) == (jobs[2], 0)
    assert locate_experiment("c2", jobs, starts, {"c2": 2}) == (jobs[1], 0)
    same_name = jobs[0].experiments[1]
    assert locate_experiment(same_name, jobs, starts, {"c1": 0}) == (jobs[0], 1)  # the very object wins


@pytest.mark.parametrize(
    ("experiment", "match"), [(5, "out of range"), (True, "an index"), ("nope", "no experiment")]
)
def test_locate_refuses_what_is_not_there(jobs, experiment, match):
    with pytest.raises(IBMQJobManagerValueError, match=match):
        locate_experiment(experiment, jobs, [mjob.first for mjob in jobs], {})


def test_counts_by_index_and_name_and_a_clear_error_for_a_failed_job(jobs):
    results = results_of(jobs)
    assert not results.success and results.num_experiments == 5
    assert results.get_counts(3) == {"1": 3} and results.get_counts("c1") == {"1": 1}
    assert results.names() == ["c0", "c1", "c2", "c3", None]
    with pytest.raises(IBMQManagedResultDataNotAvailable, match="too many shots") as info:
        results.get_counts(4)
    assert "job 2 of the set" in str(info.value)


def test_one_table_with_a_row_per_experiment(jobs):
    frame = results_of(jobs).to_dataframe()
    assert list(frame.columns) == list(DATAFRAME_COLUMNS)
    assert list(frame["index"]) == [0, 1, 2, 3, 4] and list(frame["job_index"]) == [0, 0, 1, 1, 2]
    assert frame["counts"][2] == {"1": 2} and frame["counts"][4] is None
    assert list(frame["status"]) == ["DONE"] * 4 + ["submission failed"]


def test_combine_results_needs_every_job(jobs):
    with pytest.raises(IBMQJobManagerInvalidStateError, match="1 did not: job 2"):
        results_of(jobs).combine_results()
    combined = results_of(jobs[:2]).combine_results()
    assert [r.header.name for r in combined.results] == ["c0", "c1", "c2", "c3"]
    assert combined.get_counts(3) == {"1": 3} and combined.metadata["job_ids"] == ["job-0", "job-1"]


def test_a_repeated_name_warns_and_gives_the_first(jobs):
    jobs[1].experiments[0].name = "c0"
    with pytest.warns(UserWarning, match="several experiments are named 'c0'"):
        assert results_of(jobs).get_counts("c0") == {"1": 0}


def estimator_job(index: int, first: int, experiments: list) -> ManagedJob:
    """A job of Estimator experiments whose values are their global index."""
    job = SimpleNamespace(job_id=lambda: f"job-{index}", status=lambda refresh=False: JobStatus.DONE)
    mjob = ManagedJob(index, first, first + len(experiments) - 1, experiments, job)
    names = [circuit.name for circuit, *_ in experiments]
    mjob.result_data = estimator_result(f"job-{index}", names, first, [obs for _, obs, _ in experiments])
    return mjob


def test_estimator_results_read_values_and_tabulate_them():
    experiments = [(circuit, ["Z", "X"] if i == 1 else "Z", None) for i, circuit in enumerate(circuits(4))]
    failed = ManagedJob(2, 4, 4, [(circuits(5)[4], "Z", None)])
    failed.submit_state, failed.submit_error = SubmitState.FAILED, "IBMQBackendValueError: precision"
    jobs = [estimator_job(0, 0, experiments[:2]), estimator_job(1, 2, experiments[2:]), failed]
    results = results_of(jobs)
    assert results.estimator and results.expectation_values("c3") == 3.0
    assert results.standard_errors(0) == 0.01 and results.job(experiments[3][0])[1] == 1
    frame = results.to_dataframe()
    assert list(frame.columns) == list(ESTIMATOR_COLUMNS)
    assert frame["expectation_value"].iloc[0] == 0.0 and list(frame["expectation_value"].iloc[1]) == [
        1.0,
        1.0,
    ]
    assert frame["expectation_value"].iloc[4] is None and frame["name"].tolist()[:2] == ["c0", "c1"]
    with pytest.raises(IBMQManagedResultDataNotAvailable, match="precision"):
        results.expectation_values(4)
    with pytest.raises(IBMQJobResultTypeError):
        results.get_counts(0)
    whole = results_of(jobs[:2]).combine_results()
    assert isinstance(whole, EstimatorResult) and whole.expectation_values(2) == 2.0 and len(whole) == 4


def test_expectation_values_of_a_sampler_set_is_a_clear_error(jobs):
    results = results_of(jobs)
    assert not results.estimator
    with pytest.raises(IBMQJobResultTypeError, match="Sampler job"):
        results.expectation_values(0)
