"""Benchmark: the job manager against what a user writes by hand, and ManagedResults.to_dataframe() against a loop.

1. 1,000 experiments on the ideal simulator ``ibmq_qasm_simulator`` of a local service in its own process
   (2 workers, the default job limit of 5 unfinished jobs per backend), 1,024 shots, measured side by side in
   one run with the same client and provider:
   - sequential: one job of 50 at a time, each waited for and fetched before the next is submitted
     (``backend.run(chunk).result()``, the client's default polling): the naive loop;
   - few big jobs at once: ``jobs = [backend.run(chunk) for chunk in 5 chunks of 200]`` then
     ``[job.result() for job in jobs]``. This is the strongest simple thing a user would write: as few jobs as
     the job limit lets run at once (so the fewest submissions, result downloads and status polls), all
     submitted before the first is waited for, so the service's workers never wait for the client;
   - ours: ``IBMQJobManager().run(circuits, backend).results()`` with its default job size (the job limit's
     slots, capped by the backend's max_experiments), and, for reference, with ``max_experiments_per_job=50``.
   Wall time and HTTP requests from the call to the last result. Requests are counted by a
   ``requests`` response hook on the client's session (``provider.session.http``), which all of them use, and
   split by kind (submissions, lists, per-job status, result downloads, job-limit queries).
   Targets (issue 14): ours no slower than "few big jobs at once" with no more requests, and at least 3x faster
   than the sequential loop.
   With ``--small-sets``: sets of 20 to 400 experiments at several job sizes, the measurement behind the
   default split's floor of 50 experiments per job.
2. ``to_dataframe()`` of a set of 10,000 experiments against building the same DataFrame with a loop of
   ``get_counts(i)`` (and ``job(i)`` for the job id) over every experiment.

Medians of several runs (the contenders take turns first); prints seconds, requests and the ratios, and, as
the machine's load changes from run to run, the median of the per-run ratios of ours to "few big jobs at
once" (the two run one after the other in each run) and in how many runs ours was the quicker.

Usage: python bench/bench_job_manager.py [--runs N] [--skip-frame] [--skip-per-50] [--small-sets]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

import pandas as pd
import psutil
from qiskit import QuantumCircuit, transpile

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.managed import IBMQJobManager

EXPERIMENTS = 1_000
PER_JOB = 50  # the sequential loop's job size (and the job manager's former figure)
BIG_JOBS = 5  # "few big jobs at once": as many as the default job limit lets run at once
SHOTS = 1_024
FRAME_EXPERIMENTS = 10_000


def make_circuits(backend, count: int) -> list[QuantumCircuit]:
    """Small, distinct 3-qubit circuits (a rotation that differs per circuit, entangled, measured), transpiled
    for the backend beforehand as the seed tutorial does (``transpile(circuits, backend=sim_backend)``)."""
    circuits = []
    for index in range(count):
        circuit = QuantumCircuit(3, name=f"exp{index}")
        circuit.ry(0.001 * index, 0)
        circuit.h(1)
        circuit.cx(1, 2)
        circuit.cx(0, 1)
        circuit.measure_all()
        circuits.append(circuit)
    return transpile(circuits, backend=backend, optimization_level=1)


def request_kind(method: str, url: str) -> str:
    """What a request was for: submit, list, status, result, metrics, job limit or its path."""
    path = urlsplit(url).path
    if re.search(r"/jobs/?$", path):
        return "submit" if method == "POST" else "list"
    if re.search(r"/jobs/[^/]+/results$", path):
        return "result"
    if re.search(r"/jobs/[^/]+/metrics$", path):
        return "metrics"  # time_per_step(), usage(): per job
    if re.search(r"/jobs/[^/]+$", path):
        return "status"
    if path.endswith("/job_limit"):
        return "job limit"
    return f"{method} {path}"


class RequestCounter:
    """Counts HTTP responses, by kind, through a response hook on the client's requests.Session."""

    def __init__(self, http) -> None:
        self.kinds: Counter[str] = Counter()
        self._lock = threading.Lock()  # the job manager's threads answer concurrently
        http.hooks["response"].append(self._hook)

    @property
    def count(self) -> int:
        with self._lock:
            return sum(self.kinds.values())

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.kinds)

    def _hook(self, response, *args, **kwargs):
        with self._lock:
            self.kinds[request_kind(response.request.method, response.request.url)] += 1
        return response


def sequential(backend, circuits: list[QuantumCircuit]) -> list:
    """The naive loop: one job at a time, each waited for and fetched before the next is submitted."""
    results = []
    for first in range(0, len(circuits), PER_JOB):
        job = backend.run(circuits[first : first + PER_JOB], shots=SHOTS)
        results.append(job.result())
    return results


def big_jobs_at_once(backend, circuits: list[QuantumCircuit]) -> list:
    """The strongest simple strategy: the job limit's worth of big jobs submitted at once, then result()."""
    size = -(-len(circuits) // BIG_JOBS)
    jobs = [
        backend.run(circuits[first : first + size], shots=SHOTS) for first in range(0, len(circuits), size)
    ]
    return [job.result() for job in jobs]


def managed(backend, circuits: list[QuantumCircuit], per_job: int | None = None):
    """The job manager, with its default job size unless ``per_job`` is given."""
    job_set = IBMQJobManager().run(
        circuits, backend, max_experiments_per_job=per_job, shots=SHOTS, progress=False
    )
    return job_set, job_set.results(progress=False)


def worker_busy_fraction(jobs: list, seconds: float, workers: int = 2) -> float:
    """Share of the service's worker time spent running these jobs (from each job's running..done times)."""
    busy = 0.0
    for job in jobs:
        steps = job.time_per_step()
        busy += (steps["DONE"] - steps["RUNNING"]).total_seconds()
    return busy / (workers * seconds)


class CpuMeter:
    """CPU seconds used by this process plus the service process and its workers (all on this machine)."""

    def __init__(self, service_pid: int) -> None:
        self._service = psutil.Process(service_pid)

    def total(self) -> float:
        used = time.process_time()
        for process in [self._service, *self._service.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            used += times.user + times.system
        return used


class Contender:
    """One way to run the 1,000 experiments, and what each of its runs measured."""

    def __init__(self, label: str, run: Callable[[], object], jobs_of: Callable[[object], list]) -> None:
        self.label = label
        self.run = run
        self.jobs_of = jobs_of  # the value of run() -> its IBMQJob objects (checks the results too)
        self.times: list[float] = []
        self.requests: list[int] = []
        self.kinds: list[Counter[str]] = []
        self.cpu: list[float] = []
        self.busy: list[float] = []
        self.num_jobs = 0

    def measure(self, counter: RequestCounter, cpu: CpuMeter) -> None:
        before, cpu_before = counter.snapshot(), cpu.total()
        started = time.perf_counter()
        value = self.run()
        seconds = time.perf_counter() - started
        used = cpu.total() - cpu_before
        kinds = counter.snapshot() - before
        jobs = self.jobs_of(value)
        self.times.append(seconds)
        self.requests.append(sum(kinds.values()))
        self.kinds.append(kinds)
        self.cpu.append(used / seconds)
        self.busy.append(worker_busy_fraction(jobs, seconds))
        self.num_jobs = len(jobs)

    def median_time(self) -> float:
        return statistics.median(self.times)

    def median_requests(self) -> float:
        return statistics.median(self.requests)

    def typical_kinds(self) -> str:
        """The request kinds of the run with the median number of requests."""
        kinds = sorted(self.kinds, key=lambda k: sum(k.values()))[len(self.kinds) // 2]
        return ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]))


def contenders(backend, circuits: list[QuantumCircuit], per_50: bool) -> list[Contender]:
    def plain_jobs(results: list) -> list:
        assert sum(len(result.results) for result in results) == EXPERIMENTS
        return [backend.retrieve_job(result.job_id) for result in results]

    def set_jobs(value) -> list:
        job_set, results = value
        assert results.success and len(results.to_dataframe()) == EXPERIMENTS
        return job_set.jobs()

    chosen = [
        Contender("sequential loop, jobs of 50", lambda: sequential(backend, circuits), plain_jobs),
        Contender("5 big jobs at once, result()", lambda: big_jobs_at_once(backend, circuits), plain_jobs),
        Contender("IBMQJobManager, default sizes", lambda: managed(backend, circuits), set_jobs),
    ]
    if per_50:
        chosen.append(
            Contender("IBMQJobManager, 50 per job", lambda: managed(backend, circuits, PER_JOB), set_jobs)
        )
    return chosen


def bench_run_to_results(backend, counter: RequestCounter, cpu: CpuMeter, runs: int, per_50: bool) -> None:
    circuits = make_circuits(backend, EXPERIMENTS)
    entries = contenders(backend, circuits, per_50)
    for run in range(runs):
        shift = run % len(entries)  # each takes its turn first: none always runs on a machine just woken
        for entry in entries[shift:] + entries[:shift]:
            entry.measure(counter, cpu)
    print(f"run() to all results, {EXPERIMENTS} experiments, {SHOTS} shots, {runs} runs (median)")
    for entry in entries:
        print(
            f"  {entry.label:32s} {entry.num_jobs:3d} jobs {entry.median_time():6.2f} s "
            f"{entry.median_requests():5.0f} requests  CPU {statistics.median(entry.cpu):.2f} cores  "
            f"workers busy {statistics.median(entry.busy):4.0%}"
        )
        print(f"  {'':32s} runs: {fmt(entry.times)}; requests: {entry.typical_kinds()}")
    naive, best, ours = entries[0], entries[1], entries[2]
    print(
        f"  ours vs 5 big jobs: time {ours.median_time() / best.median_time():.2f}x (target <= 1), "
        f"requests {ours.median_requests():.0f} vs {best.median_requests():.0f} (target <=)"
    )
    paired = [mine / theirs for mine, theirs in zip(ours.times, best.times, strict=True)]
    print(
        f"  per run, ours / 5 big jobs: median {statistics.median(paired):.2f}x, ours quicker in "
        f"{sum(ratio < 1 for ratio in paired)} of {runs} runs, fewer or as many requests in "
        f"{sum(m <= t for m, t in zip(ours.requests, best.requests, strict=True))} of {runs}"
    )
    print(
        f"  ours vs sequential: {naive.median_time() / ours.median_time():.2f}x faster (target >= 3), "
        f"requests {ours.median_requests() / naive.median_requests():.2f}x"
    )
    print(f"  load average (1, 5, 15 min) after the runs: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


def loop_dataframe(results) -> pd.DataFrame:
    """The same table as to_dataframe(), one experiment at a time through the public per-experiment calls."""
    names = results.names()
    rows = {name: [] for name in ("index", "name", "job_index", "job_id", "status", "counts")}
    for index in range(results.num_experiments):
        job, _local = results.job(index)
        rows["index"].append(index)
        rows["name"].append(names[index])
        rows["job_index"].append(
            int(next(t for t in job.tags() if t.startswith("jobset-index:")).split(":")[1])
        )
        rows["job_id"].append(job.job_id())
        rows["status"].append(job.status(refresh=False).name)
        rows["counts"].append(results.get_counts(index))
    return pd.DataFrame(rows)


def bench_dataframe(backend, runs: int) -> None:
    circuits = make_circuits(backend, FRAME_EXPERIMENTS)
    job_set = IBMQJobManager().run(circuits, backend, max_experiments_per_job=300, shots=64, progress=False)
    results = job_set.results(progress=False)
    ours, loop = [], []
    for _ in range(max(runs, 5)):
        started = time.perf_counter()
        frame = results.to_dataframe()
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        reference = loop_dataframe(results)
        loop.append(time.perf_counter() - started)
    pd.testing.assert_frame_equal(frame, reference)
    ours_t, loop_t = statistics.median(ours), statistics.median(loop)
    print(
        f"to_dataframe(), {FRAME_EXPERIMENTS} experiments in {len(job_set.jobs())} jobs "
        f"(median of {len(ours)})"
    )
    print(f"  get_counts() loop: {loop_t * 1000:8.1f} ms")
    print(f"  to_dataframe():    {ours_t * 1000:8.1f} ms")
    print(f"  speed-up: {loop_t / ours_t:.1f}x")


def bench_small_sets(backend, counter: RequestCounter, runs: int) -> None:
    """Why the default split keeps at least split.MIN_EXPERIMENTS_PER_JOB per job: small sets, several sizes."""
    circuits = make_circuits(backend, 400)
    print(f"small sets: time and requests of run() to results by job size (median of {runs})")
    for count in (20, 50, 100, 200, 400):
        sizes = sorted({count, -(-count // BIG_JOBS), min(50, count), min(100, count)}, reverse=True)
        times: dict[int, list[float]] = {size: [] for size in sizes}
        requests: dict[int, list[int]] = {size: [] for size in sizes}
        for run in range(runs):
            for size in sizes if run % 2 == 0 else sizes[::-1]:
                before, started = counter.count, time.perf_counter()
                managed(backend, circuits[:count], size)
                times[size].append(time.perf_counter() - started)
                requests[size].append(counter.count - before)
        cells = [
            f"{-(-count // size)} x {size}: {statistics.median(times[size]) * 1000:.0f} ms "
            f"{statistics.median(requests[size]):.0f} req"
            for size in sizes
        ]
        print(f"  {count:3d} experiments: " + "; ".join(cells))


def fmt(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


@contextlib.contextmanager
def service_process(data_dir: str):
    """``ibmq-widgets serve`` in its own process (as the Jupyter server extension runs it for a kernel).

    Its HTTP handling then does not share the client's interpreter. Yields (url, api_key, pid).
    """
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ibmq_widgets.cli",
            "serve",
            "--port",
            "0",
            "--data-dir",
            data_dir,
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(process.stdout.readline())
        yield ready["url"], ready["api_key"], process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each contender (default 3)")
    parser.add_argument("--skip-frame", action="store_true", help="only the run-to-results comparison")
    parser.add_argument("--skip-per-50", action="store_true", help="leave out the job manager at 50 per job")
    parser.add_argument("--small-sets", action="store_true", help="also time small sets at several job sizes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir, service_process(data_dir) as (url, api_key, pid):
        provider = AccountManager().enable_account(
            api_key, url=url, hub="ibm-q-network", group="research", project="main"
        )
        backend = provider.get_backend("ibmq_qasm_simulator")
        counter = RequestCounter(provider.session.http)
        cpu = CpuMeter(pid)
        backend.run(make_circuits(backend, 2), shots=10).result()  # warm the workers and the client's caches
        managed(backend, make_circuits(backend, 100))  # and the job manager's code paths
        big_jobs_at_once(backend, make_circuits(backend, 100))
        print(f"load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
        bench_run_to_results(backend, counter, cpu, args.runs, per_50=not args.skip_per_50)
        if args.small_sets:
            bench_small_sets(backend, counter, max(args.runs, 5))
        if not args.skip_frame:
            bench_dataframe(backend, args.runs)


if __name__ == "__main__":
    main()
