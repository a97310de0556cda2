"""Sessions over HTTP: bad requests get a clear 4xx and change nothing; a session's jobs carry its id."""

from __future__ import annotations

import pytest
from service_http import OPEN, RESEARCH, Api, crn_of, ghz


@pytest.fixture
def research(local_service) -> Api:
    return Api(local_service.url, local_service.api_key, crn_of(local_service, RESEARCH))


@pytest.fixture
def open_api(local_service) -> Api:
    return Api(local_service.url, local_service.api_key, crn_of(local_service, OPEN))


def open_session(api: Api, backend: str = "ibmq_manila", **extra) -> str:
    response = api.post("/sessions", json={"backend": backend, "mode": "dedicated", **extra})
    assert response.status_code == 200, response.text
    return response.json()["id"]


@pytest.mark.parametrize("max_ttl", [0, -5, 28_801, 1.5, "60", True])
def test_a_bad_max_ttl_is_refused(research, max_ttl):
    response = research.post("/sessions", json={"backend": "ibmq_manila", "max_ttl": max_ttl})
    assert response.status_code == 400
    assert "max_ttl" in response.json()["error"]["message"]


@pytest.mark.parametrize("mode", ["exclusive", ""])
def test_an_unknown_mode_is_refused(research, mode):
    response = research.post("/sessions", json={"backend": "ibmq_manila", "mode": mode})
    assert response.status_code == 400 and "mode" in response.json()["error"]["message"]


def test_a_session_on_a_backend_the_instance_may_not_use_is_refused(open_api):
    response = open_api.post("/sessions", json={"backend": "ibm_fez", "mode": "dedicated"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_backend"


def test_another_instances_session_is_not_found(research, open_api):
    session_id = open_session(research)
    for response in (
        open_api.get(f"/sessions/{session_id}"),
        open_api.request("PATCH", f"/sessions/{session_id}", json={"accepting_jobs": False}),
        open_api.request("DELETE", f"/sessions/{session_id}/close"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "session_not_found"
    assert research.get(f"/sessions/{session_id}").json()["accepting_jobs"] is True  # untouched
    before = open_api.job_count()
    refused = open_api.submit(
        "ibmq_manila", [(open_api.isa(ghz(2), "ibmq_manila"), None, 10)], session_id=session_id
    )
    assert refused.status_code == 404 and open_api.job_count() == before


def test_a_job_for_a_closed_session_is_refused_and_not_stored(research):
    session_id = open_session(research)
    closed = research.request("PATCH", f"/sessions/{session_id}", json={"accepting_jobs": False})
    assert closed.status_code == 204
    details = research.get(f"/sessions/{session_id}").json()
    assert details["state"] == "closed" and details["accepting_jobs"] is False
    before = research.job_count()
    refused = research.submit(
        "ibmq_manila", [(research.isa(ghz(2), "ibmq_manila"), None, 10)], session_id=session_id
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "session_closed"
    assert "open a new one" in refused.json()["error"]["message"]
    assert research.job_count() == before


def test_a_job_for_another_backend_than_its_sessions_is_refused(research):
    session_id = open_session(research, backend="ibmq_manila")
    refused = research.submit("ibmq_qasm_simulator", [(ghz(2), None, 10)], session_id=session_id)
    assert refused.status_code == 400 and "ibmq_manila" in refused.json()["error"]["message"]


def test_a_sessions_jobs_carry_its_id_and_are_listed_by_it(research):
    session_id = open_session(research, max_ttl=600)
    job_id = research.submit_ok(
        "ibmq_manila", [(research.isa(ghz(2), "ibmq_manila"), None, 10)], session_id=session_id
    )
    research.wait(job_id)
    assert research.job(job_id)["session_id"] == session_id
    listed = research.get("/jobs", params={"session_id": session_id}).json()
    assert [job["id"] for job in listed["jobs"]] == [job_id]
    details = research.get(f"/sessions/{session_id}").json()
    assert details["max_ttl"] == 600 and details["activated_at"] is not None
    assert details["usage_time"] >= 0
    cancelled = research.request("DELETE", f"/sessions/{session_id}/close")
    assert cancelled.status_code == 204
    assert research.get(f"/sessions/{session_id}").json()["state"] == "closed"


@pytest.mark.parametrize("body", [{"accepting_jobs": True}, {}, {"accepting_jobs": False, "x": 1}, [1]])
def test_patch_takes_only_accepting_jobs_false(research, body):
    session_id = open_session(research)
    response = research.request("PATCH", f"/sessions/{session_id}", json=body)
    assert response.status_code == 400
    assert research.get(f"/sessions/{session_id}").json()["accepting_jobs"] is True
