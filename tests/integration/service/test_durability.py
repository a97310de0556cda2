"""kill -9 the service while jobs are queued and running; restart it on the same data directory."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from service_http import RESEARCH, Api, ServeProcess, ghz, slow_pubs


def _api(serve: ServeProcess) -> Api:
    crn = next(i["crn"] for i in serve.info["instances"] if i["name"] == RESEARCH)
    return Api(serve.url, serve.info["api_key"], crn)


@pytest.mark.slow
def test_kill_9_loses_nothing_and_interrupted_jobs_run_again(tmp_path):
    data = tmp_path / "data"
    first = ServeProcess(data, "--workers", "1")
    try:
        api = _api(first)
        isa_ghz = api.isa(ghz(5), "ibmq_manila")
        done_ids = [api.submit_ok("ibmq_manila", [(isa_ghz, None, 512)], tags=["done"]) for _ in range(2)]
        for job_id in done_ids:
            assert api.wait(job_id)["state"]["status"] == "Completed"
        results = {job_id: api.get(f"/jobs/{job_id}/results").content for job_id in done_ids}
        slow = slow_pubs(api, "ibmq_lima")
        pending_ids = [api.submit_ok("ibmq_lima", slow, tags=["interrupted"]) for _ in range(3)]
        deadline = time.monotonic() + 60
        while api.job(pending_ids[0])["state"]["status"] != "Running":
            assert time.monotonic() < deadline, "the first slow job never started"
            time.sleep(0.02)
        states = [api.job(job_id)["state"]["status"] for job_id in pending_ids]
        assert "Queued" in states and "Running" in states, states
        os.kill(first.process.pid, signal.SIGKILL)  # the service only; its workers are orphaned
        first.process.wait(timeout=30)
    finally:
        first.kill_group()
    # What the dead owner left: its service.json names it, so clients know a server (not a kernel) owned it.
    stale = json.loads((data / "service.json").read_text())
    assert stale["started_by"] == "serve" and stale["pid"] == first.process.pid

    second = ServeProcess(data, "--workers", "1")  # takes the dead owner's lock and service.json over
    try:
        announced = json.loads((data / "service.json").read_text())
        assert announced["pid"] == second.process.pid and announced["started_by"] == "serve"
        assert announced["url"] == second.url
        api = _api(second)
        listed = {job["id"] for job in api.get("/jobs", params={"limit": 100}).json()["jobs"]}
        assert listed == set(done_ids) | set(pending_ids)
        for job_id, text in results.items():
            assert api.get(f"/jobs/{job_id}/results").content == text  # byte-identical
        for job_id in pending_ids:
            job = api.wait(job_id, timeout=240)
            assert job["state"]["status"] == "Completed", job["state"]
            counts = api.result(job_id)[0].data.meas[0].get_counts()
            assert sum(counts.values()) == 8192 and counts.get("1", 0) > 7000
        metrics = api.get(f"/jobs/{pending_ids[0]}/metrics").json()
        assert metrics["timestamps"]["running"] and metrics["timestamps"]["finished"]
    finally:
        second.kill_group()
