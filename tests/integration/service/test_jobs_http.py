"""POST /jobs and every job endpoint over HTTP: results, list filters, cancel, delete, tags, metrics, logs."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from service_http import ghz, slow_pubs

from ibmq_widgets.wire import format_datetime, parse_datetime


def _dominated_by_ghz_outcomes(counts: dict[str, int], n: int) -> bool:
    total = sum(counts.values())
    return counts.get("0" * n, 0) + counts.get("1" * n, 0) > 0.7 * total


def test_sampler_job_runs_end_to_end(research_api, manila_ghz):
    tag = f"e2e-{uuid.uuid4().hex[:8]}"
    job_id = research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 1024)], tags=[tag, "sampler"])
    job = research_api.wait(job_id)
    assert job["state"]["status"] == "Completed"
    assert job["program"]["id"] == "sampler" and job["backend"] == "ibmq_manila"
    assert set(job["tags"]) == {tag, "sampler"}
    assert job["queue_info"] == {
        "position": None,
        "estimated_start_time": None,
        "estimated_completion_time": None,
    }
    assert job["ibmq_widgets"] == {"num_pubs": 1}
    assert "params" not in job
    with_params = research_api.get(f"/jobs/{job_id}").json()
    assert with_params["params"]["pubs"][0][0]["__type__"] == "QuantumCircuit"
    result = research_api.result(job_id)
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 1024
    assert _dominated_by_ghz_outcomes(counts, 5)
    assert 0 < counts["00000"] < 1024 and 0 < counts["11111"] < 1024
    assert result[0].metadata["shots"] == 1024
    # Served byte for byte the same every time.
    assert (
        research_api.get(f"/jobs/{job_id}/results").text == research_api.get(f"/jobs/{job_id}/results").text
    )


def test_metrics_logs_and_usage(research_api, manila_ghz):
    usage_before = research_api.get("/instances/usage").json()["usage_consumed_seconds"]
    job_id = research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 256)])
    research_api.wait(job_id)
    metrics = research_api.get(f"/jobs/{job_id}/metrics").json()
    stamps = {key: parse_datetime(value) for key, value in metrics["timestamps"].items() if value}
    assert {"created", "queued", "running", "completed", "finished"} <= set(stamps)
    assert stamps["created"] <= stamps["running"] <= stamps["finished"]
    assert stamps["completed"] == stamps["finished"]
    assert metrics["usage"]["qpu_charge_time_seconds"] >= 0 and metrics["num_circuits"] == 1
    logs = research_api.get(f"/jobs/{job_id}/logs")
    assert logs.headers["Content-Type"].startswith("text/plain")
    assert "running on ibmq_manila" in logs.text and "completed" in logs.text
    usage = research_api.get("/instances/usage").json()
    assert usage["usage_consumed_seconds"] >= usage_before and usage["usage_limit_reached"] is False


def test_estimator_job(research_api):
    from qiskit.quantum_info import SparsePauliOp

    isa = research_api.isa(ghz(3, measure=False), "ibmq_quito")
    observables = [SparsePauliOp(label).apply_layout(isa.layout) for label in ("ZZI", "IZZ", "ZII")]
    pubs = [(isa, [{str(op.paulis[0]): 1.0} for op in observables], None, 0.02)]
    job_id = research_api.submit_ok("ibmq_quito", pubs, program="estimator")
    job = research_api.wait(job_id)
    assert job["state"]["status"] == "Completed", job["state"]
    values = research_api.result(job_id)[0].data.evs
    assert values[0] > 0.6 and values[1] > 0.6  # GHZ correlations survive the noise
    assert abs(values[2]) < 0.3  # single-qubit Z of a GHZ state averages to 0


def test_job_list_filters_and_count(research_api, manila_ghz):
    run = f"list-{uuid.uuid4().hex[:8]}"
    tag_a, tag_b = f"{run}-a", f"{run}-b"  # unique: other tests share this service
    simulator_circuit = ghz(3)
    ids = []
    ids.append(research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 32)], tags=[run, tag_a]))
    ids.append(
        research_api.submit_ok(
            "ibmq_qasm_simulator", [(simulator_circuit, None, 32)], tags=[run, tag_a, tag_b]
        )
    )
    # a batch on the simulator: the platform takes a session_id only of a session that exists
    batch = research_api.post("/sessions", json={"backend": "ibmq_qasm_simulator", "mode": "batch"}).json()[
        "id"
    ]
    ids.append(
        research_api.submit_ok(
            "ibmq_qasm_simulator", [(simulator_circuit, None, 32)], tags=[run, tag_b], session_id=batch
        )
    )
    for job_id in ids:
        research_api.wait(job_id)

    def listed(**params):
        body = research_api.get("/jobs", params={"exclude_params": "true", **params}).json()
        return [job["id"] for job in body["jobs"]], body["count"]

    assert listed(tags=[run]) == (ids[::-1], 3)  # newest first
    assert listed(tags=[run], sort="ASC") == (ids, 3)
    assert listed(tags=[run, tag_a]) == ([ids[1], ids[0]], 2)  # jobs carrying every tag
    assert listed(tags=[run, tag_b], backend="ibmq_qasm_simulator")[1] == 2
    assert listed(tags=[run], backend="ibmq_manila") == ([ids[0]], 1)
    assert listed(tags=[run], program="sampler")[1] == 3 and listed(tags=[run], program="estimator")[1] == 0
    assert listed(tags=[run], pending="true")[1] == 0 and listed(tags=[run], pending="false")[1] == 3
    assert listed(tags=[run], status="Completed")[1] == 3
    assert listed(tags=[run], status=["Queued", "Running"])[1] == 0
    page = listed(tags=[run], limit=1, offset=1)
    assert page == ([ids[1]], 3)  # count is of every match, not of the page
    assert listed(tags=[run], limit=2, offset=2) == ([ids[0]], 3)
    created = [parse_datetime(research_api.job(job_id)["created"]) for job_id in ids]
    after = format_datetime(created[1])
    assert listed(tags=[run], created_after=after, sort="ASC") == (ids[1:], 2)
    assert listed(tags=[run], created_before=format_datetime(created[1]), sort="ASC") == (ids[:2], 2)
    later = format_datetime(created[2] + timedelta(hours=1))
    assert listed(tags=[run], created_after=later) == ([], 0)
    assert listed(tags=[run, tag_a], tags_operator="OR")[1] == 3
    assert listed(session_id=batch) == ([ids[2]], 1)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": "ten"}, "invalid_parameter"),
        ({"limit": "-1"}, "invalid_parameter"),
        ({"offset": "x"}, "invalid_parameter"),
        ({"pending": "maybe"}, "invalid_parameter"),
        ({"sort": "SIDEWAYS"}, "invalid_parameter"),
        ({"status": "Sleeping"}, "invalid_parameter"),
        ({"created_after": "last week"}, "invalid_parameter"),
    ],
)
def test_bad_list_parameters_are_400(research_api, params, code):
    response = research_api.get("/jobs", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_cancel_a_queued_or_running_job(research_api):
    ids = [research_api.submit_ok("ibmq_bogota", slow_pubs(research_api, "ibmq_bogota")) for _ in range(3)]
    deadline = time.monotonic() + 120
    while research_api.job(ids[0])["state"]["status"] == "Queued":  # workers may still be starting
        assert time.monotonic() < deadline
        time.sleep(0.02)
    # The session service has 2 workers: the third job waits in the queue behind the first two.
    queued = research_api.job(ids[2])
    assert queued["state"]["status"] == "Queued" and queued["queue_info"]["position"] >= 1
    for job_id in (ids[2], ids[0]):
        response = research_api.post(f"/jobs/{job_id}/cancel")
        assert response.status_code in (204, 409)  # 409 only if it finished before the cancel
    assert research_api.wait(ids[2])["state"]["status"] == "Cancelled"
    assert research_api.wait(ids[0])["state"]["status"] in ("Cancelled", "Completed")
    assert research_api.wait(ids[1])["state"]["status"] == "Completed"
    conflict = research_api.get(f"/jobs/{ids[2]}/results")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "invalid_state"
    assert research_api.queue_length("ibmq_bogota", 0) == 0


def test_cancel_a_finished_job_is_409(research_api, manila_ghz):
    job_id = research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 16)])
    research_api.wait(job_id)
    response = research_api.post(f"/jobs/{job_id}/cancel")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
    assert research_api.job(job_id)["state"]["status"] == "Completed"


def test_delete_and_tags(research_api, manila_ghz):
    job_id = research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 16)], tags=["before"])
    research_api.wait(job_id)
    response = research_api.request("PUT", f"/jobs/{job_id}/tags", json={"tags": ["after", "name:x"]})
    assert response.status_code == 204
    assert research_api.job(job_id)["tags"] == ["after", "name:x"]
    assert research_api.get("/jobs", params={"tags": "name:x"}).json()["count"] >= 1
    bad = research_api.request("PUT", f"/jobs/{job_id}/tags", json={"tags": "after"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    assert research_api.request("DELETE", f"/jobs/{job_id}").status_code == 204
    gone = research_api.get(f"/jobs/{job_id}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "job_not_found"


def test_idempotency_key_returns_the_first_job(research_api, manila_ghz):
    key = f"submit-{uuid.uuid4().hex}"
    count = research_api.job_count()
    first = research_api.submit("ibmq_manila", [(manila_ghz, None, 16)], headers={"Idempotency-Key": key})
    second = research_api.submit("ibmq_manila", [(manila_ghz, None, 16)], headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert research_api.job_count() == count + 1
    research_api.wait(first.json()["id"])


def test_job_limit_is_429_without_retry_after(tmp_path):
    import json

    from service_http import RESEARCH, Api, crn_of

    from ibmq_widgets.service import start
    from ibmq_widgets.service.config import load_config

    config_path = load_config(tmp_path / "data").data_dir / "config.json"
    raw = json.loads(config_path.read_text())
    raw["instances"][1]["job_limits"] = {"ibmq_lima": 1}
    config_path.write_text(json.dumps(raw))
    with start(data_dir=tmp_path / "data", port=0, workers=1) as service:
        api = Api(service.url, service.api_key, crn_of(service, RESEARCH))
        first = api.submit_ok("ibmq_lima", slow_pubs(api, "ibmq_lima"))
        second = api.submit("ibmq_lima", slow_pubs(api, "ibmq_lima"))
        first_state = api.job(first)["state"]["status"]
        assert first_state in ("Queued", "Running")
        assert second.status_code == 429
        assert second.json()["error"]["code"] == "job_limit_reached"
        assert "Retry-After" not in second.headers
        assert api.get("/backends/ibmq_lima/job_limit").json() == {"maximum_jobs": 1, "running_jobs": 1}
        assert api.job_count() == 1
        api.post(f"/jobs/{first}/cancel")
        deadline = time.monotonic() + 30
        while api.get("/backends/ibmq_lima/job_limit").json()["running_jobs"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert api.submit("ibmq_lima", slow_pubs(api, "ibmq_lima")[:1]).status_code == 200
