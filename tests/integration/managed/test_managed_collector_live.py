"""The result collector against a real service that is killed and restarted: no job of a set is lost."""

from __future__ import annotations

import time

import pytest
from managed_live_helpers import ServeProcess, basis_circuits, expected_bits, research_provider

from ibmq_widgets.managed import IBMQJobManager


@pytest.mark.slow
def test_a_killed_and_restarted_service_loses_no_job_of_a_set(tmp_path):
    data = tmp_path / "data"
    first = ServeProcess(data, workers=1)
    second = None
    try:
        provider = research_provider(first.url, first.info["api_key"])
        device = provider.get_backend("ibmq_lima")
        circuits = basis_circuits(16, qubits=2)
        # Mid-circuit measurements make each noisy shot its own simulation: jobs of about half a second, so
        # the service is killed with jobs queued, running and waiting for a slot. Two CNOTs (an identity, but
        # noisy gates) before each measurement keep the simulator from sampling X-and-measure circuits at once.
        for circuit in circuits:
            for _ in range(10):
                circuit.cx(0, 1)
                circuit.cx(0, 1)
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
