"""``ibmq-widgets serve``: a JSON line when ready, clean exit on SIGTERM/SIGINT, one service per data dir,
a clear one-line refusal of a corrupt job database."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
import requests
from service_http import ServeProcess


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_one_json_line_and_stops_cleanly(tmp_path, signum):
    serve = ServeProcess(tmp_path / "data", "--workers", "1")
    try:
        info = serve.info
        assert set(info) == {"url", "api_key", "instances", "cloud_urls"}
        assert set(info["cloud_urls"]) == {
            "IAM_URL",
            "GLOBAL_SEARCH_URL",
            "GLOBAL_CATALOG_URL",
            "RESOURCE_CONTROLLER_URL",
        }
        assert all(url.startswith(info["url"]) for url in info["cloud_urls"].values())
        assert info["url"].startswith("http://127.0.0.1:")
        assert {i["name"] for i in info["instances"]} == {"ibm-q/open/main", "ibm-q-network/research/main"}
        assert all(i["crn"].startswith("crn:v1:bluemix:public:quantum-computing:") for i in info["instances"])
        assert info["api_key"] == (tmp_path / "data" / "api_key").read_text().strip()
        assert requests.get(info["url"] + "/", timeout=10).json()["service"] == "ibmq_widgets"
        announced = json.loads((tmp_path / "data" / "service.json").read_text())
        assert announced["started_by"] == "serve" and announced["pid"] == serve.process.pid
        assert announced["url"] == info["url"] and "api_key" not in announced
        serve.process.send_signal(signum)
        assert serve.process.wait(timeout=30) == 0
        assert not (tmp_path / "data" / "service.json").exists()
        assert info["api_key"] not in serve.process.stderr.read()
    finally:
        serve.kill_group()


def test_second_serve_on_the_same_data_dir_fails_naming_the_first(tmp_path):
    first = ServeProcess(tmp_path / "data", "--workers", "1")
    try:
        second = subprocess.run(
            [sys.executable, "-m", "ibmq_widgets.cli", "serve", "--data-dir", str(tmp_path / "data")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 1
        assert "already running" in second.stderr
        assert str(first.process.pid) in second.stderr and first.url in second.stderr
        assert second.stdout == ""
    finally:
        first.kill_group()


def _serve_once(data_dir) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ibmq_widgets.cli", "serve", "--data-dir", str(data_dir), "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "the file is empty"), (b"\x89PNG garbage, not a database\n" * 64, "not an SQLite database")],
)
def test_serve_refuses_a_corrupt_job_database_in_one_line(tmp_path, content, problem):
    data = tmp_path / "data"
    data.mkdir()
    database = data / "jobs.sqlite3"
    database.write_bytes(content)
    done = _serve_once(data)
    assert done.returncode != 0 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(database) in lines[0] and problem in lines[0] and "move it aside" in lines[0]
    assert database.read_bytes() == content  # never replaced, never started empty over
    assert not (data / "service.json").exists()


def test_serve_accepts_an_extra_api_key(tmp_path):
    serve = ServeProcess(tmp_path / "data", "--workers", "1", "--api-key", "my-own-key-123")
    try:
        assert serve.info["api_key"] == "my-own-key-123"
        response = requests.post(serve.url + "/identity/token", data={"apikey": "my-own-key-123"}, timeout=10)
        assert response.status_code == 200
    finally:
        serve.kill_group()


@pytest.mark.slow
def test_demo_runs_a_noisy_ghz_end_to_end(tmp_path):
    demo = subprocess.run(
        [sys.executable, "-m", "ibmq_widgets.cli", "demo", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    assert "69 backends" in demo.stdout
    counts = {}
    for line in demo.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 5 and set(parts[0]) <= {"0", "1"}:
            counts[parts[0]] = int(parts[1])
    assert counts["00000"] + counts["11111"] > 0.6 * 1024
    assert not (tmp_path / "data" / "service.json").exists()  # stopped cleanly
