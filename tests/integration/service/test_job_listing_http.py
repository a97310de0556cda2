"""GET /jobs over HTTP, assembled from kept job texts: byte for byte the listing built job by job with
``job_json``, for the IBM-API-Version sent (or none), and never stale after a cancel, a tag change, a delete or a
state change."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from service_http import RESEARCH, Api, crn_of, ghz, slow_pubs

from ibmq_widgets.service import store as store_module
from ibmq_widgets.service.handlers import job_listing
from ibmq_widgets.service.handlers.base import dumps
from ibmq_widgets.service.handlers.job_views import LATEST_API_VERSION, job_json
from ibmq_widgets.service.records import PENDING_STATES, JobRecord

T0 = datetime(2026, 12, 4, 9, 30, 0, 500000, tzinfo=timezone.utc)
NOW = T0 + timedelta(hours=1, microseconds=4321)
FILTERS: dict[str, Any] = {
    "limit": 200, "offset": 0, "backend": None, "pending": None, "statuses": None, "program": None, "tags": [],
    "created_after": None, "created_before": None, "ascending": False, "tags_any": False, "session_id": None,
}  # fmt: skip
# (GET /jobs query, the same filters as JobStore.list_jobs keywords)
QUERIES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"limit": 1000, "exclude_params": "true"}, {"limit": 1000}),
    ({}, {}),
    ({"pending": "true", "exclude_params": "true"}, {"pending": True}),
    (
        {"status": ["Failed", "Running"], "sort": "ASC"},
        {"statuses": ["Running", "Failed"], "ascending": True},
    ),
    ({"tags": "watch", "exclude_params": "true"}, {"tags": ["watch"]}),
    ({"session_id": "sess-1", "limit": 2, "offset": 1}, {"session_id": "sess-1", "limit": 2, "offset": 1}),
]


# The version each test's client sends: the latest (as the clients do), none (the latest, too), an old one.
VERSIONS = ["2026-04-15", None, "2026-02-01"]


@pytest.fixture(params=VERSIONS, ids=lambda version: version or "no-header")
def version(request) -> str | None:
    return request.param


@pytest.fixture
def api(private_service, version) -> Api:
    api = Api(private_service.url, private_service.api_key, crn_of(private_service, RESEARCH))
    if version is None:
        del api.session.headers["IBM-API-Version"]
    else:
        api.session.headers["IBM-API-Version"] = version
    return api


class FrozenQueue:
    """The scheduler's queue_infos for the injected jobs (it never saw them): fixed values."""

    def __init__(self) -> None:
        self.infos: dict[str, dict] = {}

    def __call__(self, job_ids: list[str]) -> dict[str, dict]:
        return {job_id: self.infos.get(job_id, {}) for job_id in job_ids}


def reference(
    state: Any, instance: str, filters: dict[str, Any], include: bool, version: str | None
) -> bytes:
    """GET /jobs as the handler wrote it before job texts were kept."""
    jobs, count = state.store.list_jobs(instance, **filters)
    infos = state.scheduler.queue_infos([job.id for job in jobs if job.status in PENDING_STATES])
    version = version or LATEST_API_VERSION
    items = [job_json(job, infos.get(job.id), include_params=include, version=version) for job in jobs]
    return dumps({"jobs": items, "count": count, "limit": len(items), "offset": filters["offset"]}).encode()


def record(job_id: str, minutes: int, **fields: Any) -> JobRecord:
    values: dict[str, Any] = {
        "instance": RESEARCH, "backend": "ibmq_manila", "program": "sampler", "num_pubs": 1,
        "params_text": json.dumps({"pubs": [[job_id]], "version": 2}), "created": T0 + timedelta(minutes=minutes),
    }  # fmt: skip
    values.update(fields)
    return JobRecord(id=job_id, **values)


def check_every_query(api: Api, state: Any) -> None:
    version = api.session.headers.get("IBM-API-Version")
    for query, filters in QUERIES:
        response = api.get("/jobs", params=query)
        assert response.status_code == 200, response.text
        expected = reference(state, RESEARCH, {**FILTERS, **filters}, "exclude_params" not in query, version)
        assert json.loads(response.content) == json.loads(expected), query
        assert response.content == expected, query


def listed(api: Api) -> dict[str, dict]:
    response = api.get("/jobs", params={"limit": 1000, "exclude_params": "true"})
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["jobs"]}


def test_listing_matches_the_uncached_listing_before_and_after_changes(
    private_service, api, version, monkeypatch
):
    state = private_service.state
    queue = FrozenQueue()
    monkeypatch.setattr(state.scheduler, "queue_infos", queue)
    monkeypatch.setattr(store_module, "utc_now", lambda: T0 + timedelta(minutes=20))  # state changes
    state.store.create_jobs(
        [
            record("inj-queued-a", 0, tags=["watch", "name:alpha"], session_id="sess-1"),
            record("inj-queued-b", 1, tags=["ünï ☃"], private=True, max_seconds=60.0),
            record("inj-running", 2, session_id="sess-1", program="estimator"),
            record("inj-done", 3, tags=["watch"], max_seconds=float("inf")),
            record("inj-cancelled", 4, session_id="sess-1"),
            record("inj-failed", 5, backend="ibm_fez"),
            record("inj-other", 6, instance="ibm-q/open/main"),
        ]
    )
    store = state.store
    store.set_status("inj-running", "Running")
    store.set_status("inj-done", "Running")
    store.set_result("inj-done", '{"results": []}')
    store.set_status("inj-cancelled", "Cancelled", reason="Cancelled by the user.")
    store.set_status("inj-failed", "Failed", reason="Job ran over its time limit.", reason_code=1305)
    queue.infos["inj-queued-a"] = {
        "position": 1, "estimated_start_time": NOW, "estimated_completion_time": NOW + timedelta(seconds=3),
    }  # fmt: skip
    queue.infos["inj-running"] = {"position": None, "estimated_completion_time": NOW + timedelta(seconds=1)}
    # Listings are at NOW: the reference's run_seconds and the listing's usage read the same clock.
    monkeypatch.setattr(store_module, "utc_now", lambda: NOW)
    monkeypatch.setattr(job_listing, "utc_now", lambda: NOW)

    check_every_query(api, state)
    check_every_query(api, state)  # from kept texts
    for job_id, item in listed(api).items():  # and the same JSON as GET /jobs/{id}
        assert api.job(job_id) == item

    assert api.post("/jobs/inj-queued-a/cancel").status_code == 204
    assert api.request("PUT", "/jobs/inj-done/tags", json={"tags": ["retagged"]}).status_code == 204
    assert api.request("DELETE", "/jobs/inj-cancelled").status_code == 204
    store.set_status("inj-running", "Failed", reason="The worker stopped.", reason_code=1517)
    store.set_status("inj-queued-b", "Running")
    jobs = listed(api)
    assert jobs["inj-queued-a"]["state"] == {"status": "Cancelled", "reason": "Cancelled by the user."}
    assert jobs["inj-done"]["tags"] == ["retagged"]
    assert "inj-cancelled" not in jobs
    assert jobs["inj-running"]["status"] == "Failed" and jobs["inj-queued-b"]["status"] == "Running"
    check_every_query(api, state)
    monkeypatch.setattr(store_module, "utc_now", lambda: NOW + timedelta(seconds=1.5))
    monkeypatch.setattr(job_listing, "utc_now", lambda: NOW + timedelta(seconds=1.5))
    check_every_query(api, state)  # a running job's usage moves on with the clock
    key = "seconds" if version == "2026-02-01" else "qpu_charge_time_seconds"
    assert listed(api)["inj-queued-b"]["usage"][key] > jobs["inj-queued-b"]["usage"][key]


@pytest.mark.parametrize("version", ["2026-04-15"], indirect=True)  # the state alone: one version is enough
def test_real_jobs_are_listed_with_their_current_state(private_service, api):
    """Jobs the scheduler runs: each listing shows the state the job has now, as GET /jobs/{id} does."""
    slow = api.submit_ok("ibmq_manila", slow_pubs(api, "ibmq_manila"), tags=["listing"])
    circuit = api.isa(ghz(2), "ibmq_manila")
    waiting = [api.submit_ok("ibmq_manila", [(circuit, None, 16)], tags=["listing"]) for _ in range(2)]
    jobs = listed(api)
    assert {jobs[job_id]["status"] for job_id in waiting} == {"Queued"}
    assert api.post(f"/jobs/{waiting[0]}/cancel").status_code == 204
    assert listed(api)[waiting[0]]["status"] == "Cancelled"
    assert api.post(f"/jobs/{slow}/cancel").status_code == 204
    assert listed(api)[slow]["status"] == "Cancelled"
    api.wait(waiting[1])
    jobs = listed(api)
    assert jobs[waiting[1]]["status"] == "Completed"
    for job_id in (slow, *waiting):
        assert api.job(job_id) == jobs[job_id]  # final: nothing in their JSON depends on the time
