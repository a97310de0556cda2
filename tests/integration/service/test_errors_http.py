"""A busy job store is a 503 with Retry-After, never a 500, and what needs no store keeps being answered."""

from __future__ import annotations

import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from service_http import RESEARCH, Api, crn_of

try:
    from ibmq_widgets.service.store import StoreBusyError

    REAL_BUSY_ERROR = True
except ImportError:  # the HTTP layer matches the class by name
    REAL_BUSY_ERROR = False

    class StoreBusyError(Exception):  # type: ignore[no-redef]
        retry_after = 1


def _busy(*args, **kwargs):
    error = StoreBusyError.__new__(StoreBusyError)
    Exception.__init__(error, "database is locked")
    error.retry_after = 2
    raise error


@pytest.fixture
def api(private_service) -> Api:
    return Api(private_service.url, private_service.api_key, crn_of(private_service, RESEARCH))


def _assert_busy(response: requests.Response, retry_after: str = "2") -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == retry_after
    assert response.json()["error"]["code"] == "service_busy"
    assert "retry" in response.json()["error"]["message"]


def test_store_busy_is_503_with_retry_after(private_service, api, manila_ghz, monkeypatch):
    job_id = api.submit_ok("ibmq_manila", [(manila_ghz, None, 16)])
    store = private_service.state.store
    for name in ("get_job", "list_jobs", "find_by_idempotency_key", "create_job", "usage_seconds"):
        monkeypatch.setattr(store, name, _busy)
    _assert_busy(api.get("/jobs"))
    _assert_busy(api.get(f"/jobs/{job_id}"))
    _assert_busy(api.request("PUT", f"/jobs/{job_id}/tags", json={"tags": ["a"]}))
    _assert_busy(api.submit("ibmq_manila", [(manila_ghz, None, 16)], headers={"Idempotency-Key": "k1"}))
    _assert_busy(api.get("/instances/usage"))
    monkeypatch.undo()
    assert api.get(f"/jobs/{job_id}").status_code == 200


def test_the_service_answers_while_the_store_waits(private_service, api, monkeypatch):
    entered, release = threading.Event(), threading.Event()

    def stuck(*args, **kwargs):
        entered.set()
        assert release.wait(60)
        _busy()

    monkeypatch.setattr(private_service.state.store, "list_jobs", stuck)
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(api.get, "/jobs")
        try:
            assert entered.wait(30)
            # The IOLoop is free: what needs no store is answered while the store call waits.
            root = requests.get(f"{private_service.url}/", timeout=10)
            assert root.status_code == 200 and json.loads(root.text)["service"] == "ibmq_widgets"
            assert api.get("/backends/ibmq_manila/configuration", timeout=10).status_code == 200
            assert api.get("/backends/ibmq_manila/status", timeout=10).status_code == 200
        finally:
            release.set()
        _assert_busy(waiting.result(timeout=60))


@pytest.mark.skipif(not REAL_BUSY_ERROR, reason="the store has no bounded busy wait yet")
def test_a_database_locked_by_another_process_is_503(private_service, api, manila_ghz):
    job_id = api.submit_ok("ibmq_manila", [(manila_ghz, None, 16)])
    other = sqlite3.connect(private_service.data_dir / "jobs.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock, as another process would
        response = api.request("PUT", f"/jobs/{job_id}/tags", json={"tags": ["a"]})
        assert response.status_code == 503, response.text
        assert int(response.headers["Retry-After"]) >= 1
        assert api.get(f"/jobs/{job_id}").status_code == 200  # readers are not blocked (WAL)
    finally:
        other.rollback()
        other.close()
    assert api.request("PUT", f"/jobs/{job_id}/tags", json={"tags": ["a"]}).status_code == 204
