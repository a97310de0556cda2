"""GET /backends, configuration, properties (with updated_before), status and job_limit over HTTP."""

from __future__ import annotations

from datetime import datetime, timezone

from ibmq_widgets.wire import parse_datetime


def test_liveness_needs_no_token(local_service):
    import requests

    response = requests.get(f"{local_service.url}/", timeout=10)
    assert response.status_code == 200
    assert response.json()["service"] == "ibmq_widgets"


def test_research_instance_lists_every_device_and_the_simulator(research_api):
    devices = research_api.get("/backends").json()["devices"]
    names = {device["name"] for device in devices}
    assert len(devices) == 69
    assert {"ibm_fez", "ibmq_manila", "ibmq_qasm_simulator"} <= names
    fez = next(device for device in devices if device["name"] == "ibm_fez")
    assert fez["qubits"] == 156 and fez["status"]["name"] == "online" and fez["queue_length"] >= 0
    simulator = next(device for device in devices if device["name"] == "ibmq_qasm_simulator")
    assert simulator["simulator"] is True


def test_open_instance_sees_devices_up_to_27_qubits_and_the_simulator(open_api):
    devices = open_api.get("/backends").json()["devices"]
    assert devices, "the open instance must see some backends"
    assert all(d["qubits"] <= 27 or d["simulator"] for d in devices)
    assert "ibmq_qasm_simulator" in {d["name"] for d in devices}
    assert "ibm_fez" not in {d["name"] for d in devices}
    response = open_api.get("/backends/ibm_fez/configuration")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_backend"


def test_configuration_names_the_backend_with_utc_dates(research_api):
    conf = research_api.get("/backends/ibm_fez/configuration").json()
    assert conf["backend_name"] == "ibm_fez"
    assert conf["n_qubits"] == 156
    assert parse_datetime(conf["online_date"]).utcoffset().total_seconds() == 0
    assert conf["online_date"].endswith(("Z", "+00:00"))


def test_unknown_backend_is_a_404_with_a_code(research_api):
    response = research_api.get("/backends/ibm_nowhere/properties")
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["code"] == "unknown_backend" and "ibm_nowhere" in body["error"]["message"]


def test_properties_dates_are_utc(research_api):
    props = research_api.get("/backends/ibmq_manila/properties").json()
    assert props["backend_name"] == "ibmq_manila"
    assert len(props["qubits"]) == 5
    dates = [item["date"] for qubit in props["qubits"] for item in qubit]
    assert dates and all(date.endswith(("Z", "+00:00")) for date in dates)


def test_properties_updated_before(research_api):
    props = research_api.get("/backends/ibmq_manila/properties").json()
    snapshot = parse_datetime(props["last_update_date"])
    before = research_api.get(
        "/backends/ibmq_manila/properties", params={"updated_before": "2019-01-01T00:00:00+00:00"}
    )
    assert before.status_code == 200 and before.json() == {}
    after = research_api.get(
        "/backends/ibmq_manila/properties",
        params={"updated_before": datetime(2030, 1, 1, tzinfo=timezone.utc).isoformat()},
    )
    assert snapshot < datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert after.json()["last_update_date"] == props["last_update_date"]
    bad = research_api.get("/backends/ibmq_manila/properties", params={"updated_before": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_parameter"


def test_simulator_has_no_properties(research_api):
    assert research_api.get("/backends/ibmq_qasm_simulator/properties").json() == {}


def test_status_reports_the_real_queue_length(research_api):
    status = research_api.get("/backends/ibmq_rome/status").json()
    assert status["state"] is True and status["status"] == "active"
    assert status["length_queue"] == 0
    isa = research_api.isa(_measure_one(), "ibmq_rome")
    ids = [research_api.submit_ok("ibmq_rome", [(isa, None, 8192)] * 30) for _ in range(3)]
    during = research_api.get("/backends/ibmq_rome/status").json()["length_queue"]
    listed = next(d for d in research_api.get("/backends").json()["devices"] if d["name"] == "ibmq_rome")
    # A job pending now was pending at the status read too (jobs only ever leave the pending states).
    still_pending = sum(
        research_api.job(job_id)["state"]["status"] in ("Queued", "Running") for job_id in ids
    )
    for job_id in ids:
        research_api.post(f"/jobs/{job_id}/cancel")
    assert still_pending <= during <= 3
    assert 0 <= listed["queue_length"] <= 3
    assert research_api.queue_length("ibmq_rome", 0) == 0


def _measure_one():
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(1, 1)
    circuit.x(0)
    circuit.measure(0, 0)
    return circuit


def test_job_limit_extension(open_api):
    body = open_api.get("/backends/ibmq_essex/job_limit").json()  # a device no other test uses
    assert body == {"maximum_jobs": 5, "running_jobs": 0}


def test_unknown_paths_and_methods_answer_json_errors(research_api):
    missing = research_api.get("/no/such/endpoint")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong_method = research_api.request("PUT", "/backends")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
