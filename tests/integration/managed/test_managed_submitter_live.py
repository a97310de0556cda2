"""The submitter against a real service: a job limit of five paces a set of thirty jobs to completion."""

from __future__ import annotations

import pytest
from managed_live_helpers import basis_circuits, expected_bits, research_provider, write_config

from ibmq_widgets.managed import IBMQJobManager, SubmitState

SHOTS = 32


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
