"""The local service as a child process, and jobs written straight into its store: what bench_service.py uses.

Not a benchmark itself (``python bench/<name>.py`` puts bench/ on the path, so the scripts import it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests
from qiskit import QuantumCircuit

from ibmq_widgets import wire

RESEARCH = "ibm-q-network/research/main"
SIMULATOR = "ibmq_qasm_simulator"


class Service:
    """``ibmq-widgets serve`` as a child process on a data directory, and a research-instance session to it."""

    def __init__(self, data_dir: Path, workers: int = 2) -> None:
        from ibmq_widgets.service.config import load_config

        self.data_dir = data_dir
        self.store_path = data_dir / "jobs.sqlite3"
        self.workers = workers
        config_path = load_config(data_dir).data_dir / "config.json"
        raw = json.loads(config_path.read_text())
        for instance in raw["instances"]:
            instance["job_limit"] = 100_000
        config_path.write_text(json.dumps(raw))

    def start(self) -> Service:
        """Start ``ibmq-widgets serve``; returns once it printed its ready line (its workers are warm)."""
        command = [sys.executable, "-m", "ibmq_widgets.cli", "serve", "--data-dir", str(self.data_dir)]
        command += ["--workers", str(self.workers)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        info = json.loads(self.process.stdout.readline())  # printed once the workers are warm
        self.url = info["url"]
        self.api = f"{self.url}/api/v1"
        crn = next(i["crn"] for i in info["instances"] if i["name"] == RESEARCH)
        token = requests.post(f"{self.url}/identity/token", data={"apikey": info["api_key"]}, timeout=30)
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}", "Service-CRN": crn}
        self.session = self.new_session()
        return self

    def new_session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update(self.headers)
        return session

    def submit(self, session: requests.Session, circuit: QuantumCircuit, shots: int, backend: str) -> str:
        params = wire.sampler_params([(circuit, None, shots)])
        body = wire.dumps({"program_id": "sampler", "backend": backend, "params": params})
        response = session.post(f"{self.api}/jobs", data=body, timeout=120)
        response.raise_for_status()
        return response.json()["id"]

    def wait(self, job_id: str, interval: float = 0.005) -> None:
        while True:
            status = self.session.get(f"{self.api}/jobs/{job_id}", params={"exclude_params": "true"}).json()
            if status["state"]["status"] in ("Completed", "Failed", "Cancelled"):
                assert status["state"]["status"] == "Completed", status["state"]
                return
            time.sleep(interval)

    def memory(self) -> tuple[int, int]:
        """Resident bytes of the service process and of all its children (the worker processes)."""
        import psutil

        process = psutil.Process(self.process.pid)
        return process.memory_info().rss, sum(c.memory_info().rss for c in process.children(recursive=True))

    def renice_workers(self) -> None:
        """The worker processes at the lowest priority (blocker jobs run, requests still get a core)."""
        import psutil

        for child in psutil.Process(self.process.pid).children(recursive=True):
            child.nice(19)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def stored_jobs(first: int, count: int, **fields) -> list:
    """``count`` jobs of the research instance, numbered from ``first`` (finished ones unless told)."""
    from ibmq_widgets.service.store import JobRecord, utc_now

    start = utc_now() - timedelta(days=30)
    jobs = []
    for number in range(first, first + count):
        created = start + timedelta(seconds=number)
        status = fields.get("status", ("Completed", "Completed", "Failed", "Cancelled")[number % 4])
        stamps = {"created": created}
        if status != "Queued":
            stamps |= {"running": created + timedelta(seconds=1), "finished": created + timedelta(seconds=3)}
        jobs.append(
            JobRecord(
                id=f"bench{number:09d}x", instance=RESEARCH, backend=fields.get("backend", SIMULATOR),
                program="sampler", params_text=fields.get("params_text", '{"pubs": []}'), status=status,
                created=created, timestamps=stamps, num_pubs=1, tags=[f"name:bench-{number % 50}"],
            )
        )  # fmt: skip
    return jobs


def fill_store(path: Path, have: int, want: int, **fields) -> None:
    """Insert jobs straight into the store file until it holds ``want`` of ours (in batches of 10,000)."""
    from ibmq_widgets.service.store import JobStore

    store = JobStore(path, busy_timeout=30)
    try:
        for first in range(have, want, 10_000):
            store.create_jobs(stored_jobs(first, min(10_000, want - first), **fields))
    finally:
        store.close()
