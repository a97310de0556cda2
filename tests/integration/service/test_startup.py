"""start(): ready means warm, the data directory is owner-only, service.json names its owner, one atexit hook."""

from __future__ import annotations

import atexit
import json
import os
import stat
import subprocess
import sys

import pytest
from service_http import RESEARCH, Api, crn_of, ghz

from ibmq_widgets.service import start
from ibmq_widgets.service.store import JobStore


def test_start_returns_once_every_worker_is_warm(tmp_path):
    with start(data_dir=tmp_path / "data", port=0, workers=2) as service:
        scheduler = service.state.scheduler
        assert scheduler.ready_workers() == scheduler.workers == 2  # before: 0 of 2, for 3 to 6 s
        info = json.loads((tmp_path / "data" / "service.json").read_text())
        assert info["started_by"] == "embedded" == service.started_by and info["pid"] == os.getpid()
        assert info["url"] == service.url and "api_key" not in info
        api = Api(service.url, service.api_key, crn_of(service, RESEARCH))
        job_id = api.submit_ok("ibmq_qasm_simulator", [(ghz(2), None, 16)])
        assert api.wait(job_id, timeout=60)["state"]["status"] == "Completed"


def test_data_files_are_owner_only_and_loose_ones_are_tightened(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    raw = {
        "instances": [{"name": "acme/lab/team"}],
        "api_keys": [{"key": "team-key", "instances": ["acme/lab/team"]}],
    }
    (data / "config.json").write_text(json.dumps(raw))  # hand-written, with a key inside
    JobStore(data / "jobs.sqlite3").close()  # a store from before, as loose as a umask of 022 made it
    for path, mode in ((data, 0o755), (data / "config.json", 0o644), (data / "jobs.sqlite3", 0o644)):
        os.chmod(path, mode)
    with start(data_dir=data, port=0, workers=1):
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
        private = ["api_key", "secret", "config.json", "jobs.sqlite3", "jobs.sqlite3-wal", "jobs.sqlite3-shm"]
        for name in [*private, "service.json", "service.lock"]:
            assert stat.S_IMODE(os.stat(data / name).st_mode) == 0o600, name


def test_one_atexit_hook_however_many_services_start(tmp_path):
    before = atexit._ncallbacks()
    with start(data_dir=tmp_path / "a", port=0, workers=1), start(data_dir=tmp_path / "b", port=0, workers=1):
        assert atexit._ncallbacks() - before <= 1  # before: two per service (a weakref lambda each)


_LEFT_RUNNING = """
import sys
from ibmq_widgets.service import start
service = start(data_dir=sys.argv[1], port=0, workers=1)
print(service.url, flush=True)
"""


def test_a_service_left_running_is_stopped_at_interpreter_exit(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", _LEFT_RUNNING, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("http://127.0.0.1:")
    assert not (tmp_path / "data" / "service.json").exists()  # the exit hook stopped it cleanly


def test_started_by_names_a_known_owner(tmp_path):
    with pytest.raises(ValueError, match="started_by"):
        start(data_dir=tmp_path / "data", started_by="someone")
    assert not (tmp_path / "data" / "service.lock").exists()  # refused before anything was touched
