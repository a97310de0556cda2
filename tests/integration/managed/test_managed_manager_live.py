"""IBMQJobManager against the real local service over loopback HTTP: ranges, counts, retrieval, cancels, tags."""

from __future__ import annotations

import numpy as np
import pytest
from managed_live_helpers import basis_circuits, expected_bits, slow_circuit
from qiskit import QuantumCircuit

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.client.job import JobStatus
from ibmq_widgets.exceptions import (
    IBMQJobFailureError,
    IBMQJobResultTypeError,
    IBMQManagedResultDataNotAvailable,
)
from ibmq_widgets.managed import IBMQJobManager

SHOTS = 64


@pytest.fixture
def simulator(provider):
    return provider.get_backend("ibmq_qasm_simulator")


@pytest.mark.slow  # the first jobs of a session also warm the service's workers
def test_twenty_circuits_by_two_make_ten_jobs_with_the_right_ranges_and_counts(provider, simulator):
    circuits = basis_circuits(20)
    job_set = IBMQJobManager().run(
        circuits, simulator, name="bar", max_experiments_per_job=2, job_tags=["t-live"], shots=SHOTS
    )
    results = job_set.results(timeout=120)
    jobs = job_set.jobs()
    assert len(jobs) == 10 and all(job is not None for job in jobs)
    assert results.success
    # the tags the service stores are the set's membership, read back with one list request
    listed = provider.backends.jobs(limit=None, job_tags=[f"jobset:{job_set.job_set_id()}"])
    by_id = {job.job_id(): job for job in listed}
    assert set(by_id) == {job.job_id() for job in jobs}
    for index, job in enumerate(jobs):
        stored = by_id[job.job_id()]
        assert f"jobset-range:{2 * index}-{2 * index + 1}" in stored.tags()
        assert f"jobset-index:{index}" in stored.tags() and "t-live" in stored.tags()
        assert stored.name() == f"bar_{index}_"
        assert len(job.result().results) == 2
    for index in range(20):
        assert results.get_counts(index) == {expected_bits(index): SHOTS}
        assert results.get_counts(f"basis{index}") == {expected_bits(index): SHOTS}
    assert results.get_counts(circuits[13]) == {expected_bits(13): SHOTS}
    assert job_set.job(13) == (jobs[6], 1)
    frame = results.to_dataframe()
    assert len(frame) == 20 and list(frame["job_id"])[4] == jobs[2].job_id()
    assert frame.loc[19, "counts"] == {expected_bits(19): SHOTS}
    combined = results.combine_results()
    assert len(combined.results) == 20 and combined.get_counts(7) == {expected_bits(7): SHOTS}
    report = job_set.report()
    assert "Total jobs: 10" in report and "Successful jobs: 10" in report and "experiments: 18-19" in report


def test_a_set_retrieved_from_a_fresh_provider_equals_the_original(local_service, provider, simulator):
    job_set = IBMQJobManager().run(basis_circuits(9), simulator, name="again", max_experiments_per_job=4,
                                   job_tags=["keep"], shots=SHOTS, progress=False)  # fmt: skip
    original = job_set.results(timeout=120, progress=False)
    fresh = AccountManager().enable_account(
        local_service.api_key, url=local_service.url, hub="ibm-q-network", group="research", project="main"
    )
    before = fresh.session.request_count
    found = IBMQJobManager().retrieve_job_set(job_set.job_set_id(), fresh)
    assert fresh.session.request_count - before == 1  # one list request, no circuits, no per-job requests
    assert found.job_set_id() == job_set.job_set_id() and found.name() == "again" and found.tags() == ["keep"]
    assert [job.job_id() for job in found.jobs()] == [job.job_id() for job in job_set.jobs()]
    assert [(m.first, m.last) for m in found.managed_jobs()] == [(0, 3), (4, 7), (8, 8)]
    assert found.statuses() == [JobStatus.DONE] * 3
    again = found.results(timeout=60, progress=False)
    assert again.to_dataframe().equals(original.to_dataframe())
    assert again.get_counts("basis5") == {expected_bits(5): SHOTS}


def test_one_cancelled_job_gives_partial_results_and_a_clear_error(provider):
    device = provider.get_backend("ibmq_lima")
    circuits = basis_circuits(24, qubits=1)
    # The fourth job's circuits measure mid-circuit, so Aer simulates each noisy shot on its own: about 3 s a
    # circuit, 20 s for the job, which is still queued or running when it is cancelled a moment after it was
    # submitted, however fast or loaded the machine.
    circuits[18:24] = [slow_circuit(5, 20) for _ in range(6)]
    job_set = IBMQJobManager().run(circuits, device, max_experiments_per_job=6, shots=8192, progress=False)
    assert job_set.wait_for_submission(60)
    victim = job_set.jobs()[3]
    assert victim.cancel()
    with pytest.raises(IBMQJobFailureError, match=victim.job_id()):
        job_set.results(timeout=240, progress=False)
    results = job_set.results(partial=True, timeout=240, progress=False)
    assert not results.success
    assert victim.status() is JobStatus.CANCELLED
    with pytest.raises(IBMQManagedResultDataNotAvailable) as info:
        results.get_counts(20)
    assert victim.job_id() in str(info.value) and "CANCELLED" in str(info.value)
    assert max(results.get_counts(5), key=results.get_counts(5).get) == "1"
    frame = results.to_dataframe()
    assert list(frame["status"]) == ["DONE"] * 18 + ["CANCELLED"] * 6
    assert frame["counts"].isna().sum() == 6
    assert victim.job_id() in job_set.error_messages()


def test_update_name_and_tags_reach_the_service(provider, simulator):
    job_set = IBMQJobManager().run(basis_circuits(4), simulator, name="before", max_experiments_per_job=2,
                                   job_tags=["a"], shots=SHOTS, progress=False)  # fmt: skip
    job_set.wait_for_submission(60)
    job_set.update_name("after")
    job_set.update_tags(additional_tags=["b"])  # synchronous: the service has the tags when it returns
    listed = provider.backends.jobs(limit=None, job_tags=[f"jobset:{job_set.job_set_id()}"])
    assert len(listed) == 2
    for job in listed:
        assert "jobset-name:after" in job.tags() and {"a", "b"} <= set(job.tags())
    found = IBMQJobManager().retrieve_job_set(job_set.job_set_id(), provider)
    assert found.name() == "after" and found.tags() == ["a", "b"]
    job_set.results(timeout=60, progress=False)


def test_circuits_that_need_transpiling_submit_concurrently_without_failures(simulator):
    # ry is not a simulator basis gate: each job's circuits are transpiled while others are submitted
    circuits = []
    for index in range(200):
        circuit = QuantumCircuit(3, name=f"rot{index}")
        circuit.ry(3.14159265 * (index % 2), 0)
        circuit.h(1)
        circuit.h(1)
        circuit.cx(0, 2)
        circuit.measure_all()
        circuits.append(circuit)
    job_set = IBMQJobManager().run(
        circuits, simulator, max_experiments_per_job=20, shots=SHOTS, progress=False
    )
    results = job_set.results(timeout=180, progress=False)
    assert job_set.error_messages() is None and results.success
    for index in (0, 1, 77, 198, 199):
        expected = "101" if index % 2 else "000"
        assert results.get_counts(f"rot{index}") == {expected: SHOTS}


RETRIEVE_IN_A_NEW_PROCESS = """
import json, os, sys
from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.managed import IBMQJobManager

provider = AccountManager().enable_account(os.environ["T_KEY"], url=os.environ["T_URL"], hub="ibm-q-network",
                                           group="research", project="main")
before = provider.session.request_count
job_set = IBMQJobManager().retrieve_job_set(os.environ["T_SET"], provider)
requests = provider.session.request_count - before
results = job_set.results(partial=True, progress=False)
print(json.dumps({"requests": requests, "ids": [job.job_id() for job in job_set.jobs()],
                  "counts": [results.get_counts(i) for i in range(results.num_experiments)]}))
"""


@pytest.mark.slow
def test_a_set_is_retrieved_from_a_new_process(local_service, simulator):
    import json
    import os
    import subprocess
    import sys

    job_set = IBMQJobManager().run(basis_circuits(6), simulator, max_experiments_per_job=2, shots=SHOTS,
                                   progress=False)  # fmt: skip
    results = job_set.results(timeout=120, progress=False)
    env = {
        **os.environ,
        "T_KEY": local_service.api_key,
        "T_URL": local_service.url,
        "T_SET": job_set.job_set_id(),
    }
    done = subprocess.run(
        [sys.executable, "-c", RETRIEVE_IN_A_NEW_PROCESS],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["requests"] == 1
    assert answer["ids"] == [job.job_id() for job in job_set.jobs()]
    assert answer["counts"] == [dict(results.get_counts(i)) for i in range(6)]


def test_bad_run_options_are_reported_at_once_with_the_reason(provider, simulator):
    manager = IBMQJobManager()
    with pytest.warns(UserWarning, match="shots"):
        bad_shots = manager.run(
            basis_circuits(4), simulator, max_experiments_per_job=2, shots=0, progress=False
        )
    with pytest.warns(UserWarning, match="unknown options"):
        manager.run(basis_circuits(4), simulator, max_experiments_per_job=2, colour="red", progress=False)
    assert bad_shots.jobs() == [None, None] and "shots" in bad_shots.error_messages()
    with pytest.raises(IBMQJobFailureError, match="shots"):
        bad_shots.results(progress=False)


def estimator_experiments(count: int) -> list[tuple]:
    """(circuit, observables) tuples: experiment i rotates qubit 0 by i/4 and entangles it, so <ZI> = cos(i/4)
    and <ZZ> = 1; odd experiments estimate both."""
    experiments = []
    for index in range(count):
        circuit = QuantumCircuit(2, name=f"rot{index}")
        circuit.ry(index / 4, 0)
        circuit.cx(0, 1)
        experiments.append((circuit, ["ZI", "ZZ"]) if index % 2 else (circuit, "ZI"))
    return experiments


def test_estimator_experiments_run_as_a_set_and_are_retrieved(provider, simulator):
    experiments = estimator_experiments(7)
    job_set = IBMQJobManager().run(
        experiments, simulator, name="est", max_experiments_per_job=3, precision=0.005, progress=False
    )
    results = job_set.results(timeout=120, progress=False)
    assert results.success and results.estimator and len(job_set.jobs()) == 3
    assert all(job.program_id() == "estimator" for job in job_set.jobs())
    for index in range(7):
        values = np.atleast_1d(results.expectation_values(index))
        assert abs(values[0] - np.cos(index / 4)) < 0.03  # six standard errors
        assert (
            len(values) == 1 + index % 2 and abs(values[-1] - (1 if index % 2 else np.cos(index / 4))) < 0.03
        )
    frame = results.to_dataframe()
    assert {"expectation_value", "standard_error"} <= set(frame.columns) and frame["counts"].isna().all()
    assert len(frame.loc[3, "expectation_value"]) == 2 and frame.loc[2, "standard_error"] == pytest.approx(
        0.005
    )
    with pytest.raises(IBMQJobResultTypeError, match="Estimator job"):
        results.get_counts(0)
    again = (
        IBMQJobManager().retrieve_job_set(job_set.job_set_id(), provider).results(timeout=60, progress=False)
    )
    assert again.estimator and again.to_dataframe()["name"].tolist() == [f"rot{i}" for i in range(7)]
    np.testing.assert_allclose(again.expectation_values(5), results.expectation_values(5))


def test_a_batch_set_puts_every_job_in_one_batch_closed_once_all_are_submitted(provider):
    manila = provider.get_backend("ibmq_manila")
    job_set = IBMQJobManager().run(
        estimator_experiments(6),
        manila,
        max_experiments_per_job=2,
        mode="batch",
        precision=0.01,
        progress=False,
    )
    assert job_set.wait_for_submission(60)
    batch = job_set.session()
    assert batch.mode == "batch" and not batch.accepting_jobs
    assert batch.details()["accepting_jobs"] is False
    assert [job.session_id() for job in job_set.jobs()] == [batch.session_id] * 3
    assert {job.job_id() for job in batch.jobs()} == {job.job_id() for job in job_set.jobs()}
    results = job_set.results(timeout=120, progress=False)
    assert results.success and float(results.expectation_values(0)) > 0.9  # <ZI> = cos(0), with noise
    found = IBMQJobManager().retrieve_job_set(job_set.job_set_id(), provider)
    assert found.session_id() == batch.session_id
