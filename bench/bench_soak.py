"""Soak: 10,000 jobs submitted over HTTP while 1,000 list calls run concurrently; latencies, errors, memory.

A local service runs in a child process (`ibmq-widgets serve`, 2 workers, job limit raised so nothing is refused
for it). Against it, over loopback HTTP with plain ``requests`` (what any client sends):
- 10,000 POST /jobs (tiny 1-qubit Sampler jobs on the ideal simulator) from 16 threads;
- meanwhile 1,000 GET /jobs?limit=100 from 50 threads, all in flight together as far as the threads allow;
- then GET /jobs/{id} for 1,000 of the jobs, and every job waited for until Completed.

Prints p50/p99 of submit, list and get, the error count (any status >= 500, or any unexpected 4xx), and the
service's memory (its process and worker processes, RSS) before and after. The reference figure is each call's
latency on the idle service, measured first in the same run: the ratio loaded p50 / idle p50 says what the load
costs a caller.

Usage: python bench/bench_soak.py [--jobs 10000] [--lists 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests
from qiskit import QuantumCircuit

from ibmq_widgets import wire


def start_serve(data_dir: Path, jobs: int) -> tuple[subprocess.Popen, dict]:
    config = {
        "account": "50a6" * 8,
        "instances": [{"name": "ibm-q-network/research/main", "plan": "premium", "job_limit": jobs + 100}],
    }
    (data_dir / "config.json").write_text(json.dumps(config))
    os.chmod(data_dir / "config.json", 0o600)
    child = subprocess.Popen(
        [sys.executable, "-m", "ibmq_widgets.cli", "serve", "--data-dir", str(data_dir), "--workers", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline()
    if not line.startswith("{"):
        raise RuntimeError("ibmq-widgets serve did not start")
    return child, json.loads(line)


def memory_mib(pid: int) -> float:
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        total += child.memory_info().rss
    return total / 2**20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Client:
    """Plain requests with a bearer token and the instance's CRN: what any HTTP client sends."""

    def __init__(self, info: dict) -> None:
        self.api = info["url"] + "/api/v1"
        form = {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": info["api_key"]}
        token = requests.post(info["url"] + "/identity/token", data=form, timeout=30).json()["access_token"]
        crn = next(i["crn"] for i in info["instances"] if i["name"] == "ibm-q-network/research/main")
        self.headers = {"Authorization": f"Bearer {token}", "Service-CRN": crn}
        self.errors: list[str] = []
        circuit = QuantumCircuit(1, 1)
        circuit.measure(0, 0)
        params = wire.sampler_params([(circuit, None, 16)])
        self.job_body = wire.dumps(
            {"program_id": "sampler", "backend": "ibmq_qasm_simulator", "params": params}
        )
        self.session = requests.Session()
        self.session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))

    def timed(self, method: str, path: str, **kwargs) -> tuple[float, requests.Response]:
        started = time.perf_counter()
        response = self.session.request(method, self.api + path, headers=self.headers, timeout=120, **kwargs)
        elapsed = time.perf_counter() - started
        if response.status_code >= 400:
            self.errors.append(f"{method} {path} -> {response.status_code}")
        return elapsed, response

    def submit(self, _: int = 0) -> tuple[float, str]:
        elapsed, response = self.timed("POST", "/jobs", data=self.job_body)
        return elapsed, response.json().get("id", "") if response.ok else ""

    def list_jobs(self, _: int = 0) -> float:
        return self.timed("GET", "/jobs", params={"limit": 100})[0]

    def get(self, job_id: str) -> float:
        return self.timed("GET", f"/jobs/{job_id}")[0]


def idle_baseline(client: Client, runs: int = 30) -> dict[str, float]:
    submits = [client.submit()[0] for _ in range(runs)]
    lists = [client.list_jobs() for _ in range(runs)]
    job_id = client.submit()[1]
    gets = [client.get(job_id) for _ in range(runs)]
    return {
        "submit": statistics.median(submits),
        "list": statistics.median(lists),
        "get": statistics.median(gets),
    }


def soak(client: Client, jobs: int, lists: int) -> dict[str, list[float]]:
    with ThreadPoolExecutor(16) as submitters, ThreadPoolExecutor(50) as listers:
        submitted = submitters.map(client.submit, range(jobs))
        listed = listers.map(client.list_jobs, range(lists))
        submit_results = list(submitted)
        list_times = list(listed)
    ids = [job_id for _, job_id in submit_results if job_id]
    with ThreadPoolExecutor(16) as getters:
        get_times = list(getters.map(client.get, ids[:: max(1, len(ids) // 1000)]))
    return {"submit": [t for t, _ in submit_results], "list": list_times, "get": get_times, "ids": ids}


def wait_all_done(client: Client, expected: int, timeout: float = 1800) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        body = client.session.get(
            client.api + "/jobs", headers=client.headers, params={"pending": "true", "limit": 1}, timeout=60
        ).json()
        if body.get("count", 1) == 0:
            return time.perf_counter() - started
        time.sleep(1.0)  # a benchmark's progress poll, not a test
    raise RuntimeError(f"jobs still pending after {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--lists", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        child, info = start_serve(Path(data), args.jobs)
        try:
            client = Client(info)
            before = memory_mib(child.pid)
            idle = idle_baseline(client)
            started = time.perf_counter()
            loaded = soak(client, args.jobs, args.lists)
            soak_seconds = time.perf_counter() - started
            drain = wait_all_done(client, len(loaded["ids"]))
            after = memory_mib(child.pid)
            completed = client.session.get(
                client.api + "/jobs", headers=client.headers, params={"limit": 1}, timeout=60
            ).json()["count"]
        finally:
            child.terminate()
            child.wait(60)
    print(f"\nsoak: {args.jobs} submissions and {args.lists} concurrent list calls in {soak_seconds:.1f} s")
    print(f"  every job finished {drain:.1f} s later; jobs stored: {completed}")
    print(f"  errors: {len(client.errors)} {sorted(set(client.errors))[:5]}")
    for kind in ("submit", "list", "get"):
        values = loaded[kind]
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(
            f"  {kind:6s} n={len(values):5d}  p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  "
            f"(idle p50 {idle[kind] * 1000:.1f} ms; loaded/idle {p50 / idle[kind]:.1f}x)"
        )
    print(f"  service memory with its workers: {before:.0f} MiB before, {after:.0f} MiB after")


if __name__ == "__main__":
    main()
