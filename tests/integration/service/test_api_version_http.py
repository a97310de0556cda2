"""The job views follow the IBM-API-Version the client sends, over HTTP: from 2026-03-15 usage is
``{qpu_charge_time_seconds, status}`` (no ``seconds``, ``quantum_seconds`` or ``bss``), from 2026-04-15 the metrics
carry ``circuits_execution_time_ns`` at their root; no header means the latest; a malformed one is a clear 400. The
unmodified qiskit-ibm-runtime reads usage and metrics from the local service as from the platform."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from service_http import RESEARCH, Api, crn_of, reference_runtime

from ibmq_widgets.service import store as store_module
from ibmq_widgets.service.records import JobRecord

pytestmark = pytest.mark.filterwarnings(
    "ignore:The (Sampler|Estimator)V2 class is deprecated:DeprecationWarning"
)
REMOVED_IN_2026_03_15 = {"seconds", "quantum_seconds"}


@pytest.fixture(scope="module")
def finished_job(local_service) -> str:
    from service_http import ghz

    api = Api(local_service.url, local_service.api_key, crn_of(local_service, RESEARCH))
    job_id = api.submit_ok("ibmq_qasm_simulator", [(ghz(2), None, 64)], tags=["api-version"])
    assert api.wait(job_id)["status"] == "Completed"
    return job_id


def api_with(service, version: str | None) -> Api:
    """An API view of the research instance that sends ``version`` as IBM-API-Version (None: no header)."""
    api = Api(service.url, service.api_key, crn_of(service, RESEARCH))
    del api.session.headers["IBM-API-Version"]
    if version is not None:
        api.session.headers["IBM-API-Version"] = version
    return api


def views(api: Api, job_id: str) -> tuple[dict, dict, dict]:
    """The job as GET /jobs/{id}, as listed by GET /jobs, and its metrics."""
    job = api.job(job_id)
    listing = api.get("/jobs", params={"tags": "api-version", "exclude_params": "true"})
    assert listing.status_code == 200, listing.text
    listed = next(item for item in listing.json()["jobs"] if item["id"] == job_id)
    metrics = api.get(f"/jobs/{job_id}/metrics")
    assert metrics.status_code == 200, metrics.text
    return job, listed, metrics.json()


@pytest.mark.parametrize(
    "version", ["2026-04-15", None, "2026-06-01"], ids=["2026-04-15", "no-header", "later"]
)
def test_the_latest_format_has_none_of_the_removed_fields(local_service, finished_job, version):
    job, listed, metrics = views(api_with(local_service, version), finished_job)
    for usage in (job["usage"], listed["usage"], metrics["usage"]):
        assert set(usage) == {"qpu_charge_time_seconds", "status"}, usage
        assert usage["status"] == "final" and usage["qpu_charge_time_seconds"] >= 0
    assert job == listed
    assert "bss" not in metrics
    ns = metrics["circuits_execution_time_ns"]
    assert type(ns) is int and ns >= 0
    assert abs(ns / 1e9 - metrics["usage"]["qpu_charge_time_seconds"]) <= 0.0005


def test_2026_03_15_has_the_nanoseconds_in_usage(local_service, finished_job):
    job, listed, metrics = views(api_with(local_service, "2026-03-15"), finished_job)
    for usage in (job["usage"], listed["usage"], metrics["usage"]):
        assert set(usage) == {"qpu_charge_time_seconds", "status", "circuits_execution_time_ns"}, usage
    assert "bss" not in metrics and "circuits_execution_time_ns" not in metrics


@pytest.mark.parametrize("version", ["2026-02-01", "2026-03-14", "2020-01-01"])
def test_older_versions_keep_the_fields_of_then(local_service, finished_job, version):
    job, listed, metrics = views(api_with(local_service, version), finished_job)
    assert job["usage"] == listed["usage"] and set(job["usage"]) == REMOVED_IN_2026_03_15
    assert set(metrics["usage"]) >= REMOVED_IN_2026_03_15 and metrics["bss"]["seconds"] >= 0
    assert "circuits_execution_time_ns" not in metrics
    latest = views(api_with(local_service, None), finished_job)[2]["usage"]["qpu_charge_time_seconds"]
    assert job["usage"]["quantum_seconds"] == metrics["bss"]["seconds"] == latest  # the same seconds


@pytest.mark.parametrize("value", ["", "latest", "2026-4-15", "2026/04/15", "2026-02-30", "2026-04-15 beta"])
def test_a_malformed_version_is_a_400_naming_the_header_and_the_format(local_service, finished_job, value):
    api = api_with(local_service, value)
    for method, path in [("GET", f"/jobs/{finished_job}"), ("GET", "/jobs"), ("POST", "/jobs"),
                         ("GET", f"/jobs/{finished_job}/metrics"), ("DELETE", f"/jobs/{finished_job}")]:  # fmt: skip
        response = api.request(method, path, data=b"{}" if method == "POST" else None)
        assert response.status_code == 400, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid_parameter"
        assert "IBM-API-Version" in error["message"] and "YYYY-MM-DD" in error["message"]
    assert api_with(local_service, None).job(finished_job)["status"] == "Completed"  # nothing was deleted
    # Routes whose answers do not depend on the version ignore it, as documented.
    assert api.get("/backends").status_code == 200


def test_the_reference_client_reads_usage_and_metrics(private_service, monkeypatch):
    from qiskit import QuantumCircuit
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.api.rest.base import RestAdapterBase

    assert RestAdapterBase._HEADER_API_VERSION == {"IBM-API-Version": "2026-04-15"}  # what it sends
    runtime = reference_runtime(private_service, RESEARCH, monkeypatch)
    backend = runtime.backend("ibmq_manila")
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=3).run(circuit)
    job = SamplerV2(mode=backend).run([isa], shots=128)
    assert sum(job.result()[0].data.meas.get_counts().values()) == 128

    metrics = job.metrics()
    seconds = metrics["usage"]["qpu_charge_time_seconds"]
    assert metrics["usage"]["status"] == "final" and isinstance(seconds, float) and seconds >= 0
    assert job.usage() == seconds == job.usage(partial=True)
    assert type(metrics["circuits_execution_time_ns"]) is int
    assert abs(metrics["circuits_execution_time_ns"] / 1e9 - seconds) <= 0.0005
    assert "bss" not in metrics and "quantum_seconds" not in json.dumps(metrics)
    assert {"created", "running", "finished"} <= set(metrics["timestamps"])


def test_the_reference_client_reads_a_pending_usage_as_zero(private_service, monkeypatch):
    """A job still running: usage() is 0 until the usage is final, usage(partial=True) the seconds so far."""
    now = datetime(2026, 12, 4, 12, 0, 0, tzinfo=timezone.utc)
    started = now - timedelta(seconds=90.25)
    private_service.state.store.create_jobs(
        [
            JobRecord(
                id="ref-running", instance=RESEARCH, backend="ibmq_manila", program="sampler",
                params_text=json.dumps({"pubs": [], "version": 2}), status="Running", num_pubs=1,
                created=started - timedelta(seconds=5), timestamps={"running": started},
            )
        ]
    )  # fmt: skip
    monkeypatch.setattr(store_module, "utc_now", lambda: now)  # the service's clock, for the usage so far
    job = reference_runtime(private_service, RESEARCH, monkeypatch).job("ref-running")
    assert job.metrics()["usage"] == {"qpu_charge_time_seconds": 90.25, "status": "pending"}
    assert job.usage() == 0
    assert job.usage(partial=True) == 90.25
