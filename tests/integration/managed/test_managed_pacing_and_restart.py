"""A job limit paces a big set to completion; a killed and restarted service loses no job of a set."""

from __future__ import annotations

import time

import pytest
from managed_live_helpers import RESEARCH, ServeProcess, basis_circuits, expected_bits, write_config

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.managed import IBMQJobManager, SubmitState

SHOTS = 32


def research_provider(url: str, api_key: str):
    hub, group, project = RESEARCH
    return AccountManager().enable_account(api_key, url=url, hub=hub, group=group, project=project)


@pytest.mark.slow
def test_a_job_limit_of_five_paces_thirty_jobs_to_completion(tmp_path):
    from ibmq_widgets.service import start

    write_config(tmp_path / "data", job_limit=5)
    with start(data_dir=tmp_path / "data", port=0, workers=2) as service:
        provider = research_provider(service.url, service.api_key)
        simulator = provider.get_backend("ibmq_qasm_simulator")
        assert simulator.job_limit().maximum_jobs == 5
        job_set = IBMQJobManager().run(basis_circuits(30), simulator, max_experiments_per_job=1, shots=SHOTS,
                                       progress=False)  # fmt: skip
        waiting = [m for m in job_set.managed_jobs() if m.submit_state is SubmitState.WAITING_FOR_SLOT]
        assert len(waiting) >= 20  # run() returned with the limit full, the rest visibly waiting, none failed
        assert "Waiting for a slot" in job_set.report(detailed=False)
        results = job_set.results(timeout=300, progress=False)
        assert results.success and job_set.error_messages() is None
        assert [results.get_counts(i) for i in range(30)] == [{expected_bits(i): SHOTS} for i in range(30)]
        # never more than five unfinished at once: the jobs' own created..finished intervals say so
        events = []
        for job in job_set.jobs():
            steps = job.time_per_step()
            events += [(steps["CREATED"], 1), (steps["DONE"], -1)]
        active = peak = 0
        for _, change in sorted(events, key=lambda event: (event[0], event[1])):
            active += change
            peak = max(peak, active)
        assert peak <= 5


@pytest.mark.slow
def test_a_killed_and_restarted_service_loses_no_job_of_a_set(tmp_path):
    data = tmp_path / "data"
    first = ServeProcess(data, workers=1)
    second = None
    try:
        provider = research_provider(first.url, first.info["api_key"])
        device = provider.get_backend("ibmq_lima")
        circuits = basis_circuits(16, qubits=2)
        # Mid-circuit measurements make each noisy shot its own simulation: jobs of about a second, so the
        # service is killed with jobs queued, running and waiting for a slot.
        for circuit in circuits:
            for _ in range(10):
                circuit.measure_all(add_bits=False, inplace=True)
        job_set = IBMQJobManager().run(
            circuits, device, max_experiments_per_job=2, shots=4096, progress=False
        )
        deadline = time.monotonic() + 60
        while not any(
            job is not None and job.status() is not None and job.running() for job in job_set.jobs()
        ):
            assert time.monotonic() < deadline, "no job of the set started"
            time.sleep(0.05)
        submitted_before = [job.job_id() for job in job_set.jobs() if job is not None]
        unfinished = [m for m in job_set.managed_jobs() if m.job is None or not m.job.in_final_state()]
        assert len(unfinished) >= 4  # killed with jobs queued, running and still waiting for a slot
        first.kill_service_only()
        time.sleep(1.0)
        second = ServeProcess(data, port=first.port, workers=1)  # same data directory, same port
        results = job_set.results(timeout=300, progress=False)  # the set rides out the outage
        assert results.success and job_set.error_messages() is None
        ids = [job.job_id() for job in job_set.jobs()]
        assert len(ids) == 8 and set(submitted_before) <= set(ids)
        for index in range(16):
            counts = results.get_counts(index)
            assert max(counts, key=counts.get) == expected_bits(index, 2)
        fresh = research_provider(second.url, second.info["api_key"])
        found = IBMQJobManager().retrieve_job_set(job_set.job_set_id(), fresh)
        assert [job.job_id() for job in found.jobs()] == ids
        again = found.results(timeout=120, progress=False)
        assert [again.get_counts(i) for i in range(16)] == [results.get_counts(i) for i in range(16)]
    finally:
        first.kill_group()
        if second is not None:
            second.kill_group()
