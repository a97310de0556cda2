"""Our client reads a job's usage in every API version's format: ``qpu_charge_time_seconds`` (2026-03-15 on,
what it asks for), and ``quantum_seconds``/``seconds`` from a service that answers the older format."""

from __future__ import annotations

import pytest
from client_live_helpers import bell

from ibmq_widgets.client import session as session_module
from ibmq_widgets.widgets.job_rows import JobRowData


@pytest.fixture(scope="module")
def done_job(local_service):
    from ibmq_widgets.client.account import AccountManager

    provider = AccountManager().enable_account(
        local_service.api_key, url=local_service.url, hub="ibm-q-network"
    )
    job = provider.get_backend("ibmq_qasm_simulator").run(
        bell("usage"), shots=64, job_tags=["usage-versions"]
    )
    job.result(timeout=120)
    return provider, job.job_id()


@pytest.mark.parametrize("version", ["2026-04-15", "2026-02-01"])
def test_usage_from_the_job_the_metrics_and_the_listing(done_job, monkeypatch, version):
    monkeypatch.setattr(session_module, "API_VERSION", version)  # the header our client sends
    provider, job_id = done_job
    job = provider.backends.retrieve_job(job_id)
    usage = job._data["usage"]
    expected = usage["quantum_seconds"] if version == "2026-02-01" else usage["qpu_charge_time_seconds"]
    assert ("qpu_charge_time_seconds" in usage) is (version != "2026-02-01")
    seconds = job.usage()
    assert isinstance(seconds, float) and seconds == expected >= 0
    assert job.usage(refresh=True) == seconds  # from the metrics
    listed = provider.backends.jobs(limit=10, job_tags=["usage-versions"])
    assert [JobRowData.from_job(item).usage for item in listed] == [seconds]
