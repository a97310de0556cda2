"""Benchmark: the job manager against one-job-at-a-time, and ManagedResults.to_dataframe() against a loop.

1. 1,000 experiments, 50 per job (20 jobs), on the ideal simulator ``ibmq_qasm_simulator`` of an in-process
   local service (2 workers, the default job limit of 5 per backend), measured side by side in one run:
   - reference: the sequential loop a user writes with the same client: submit one job, wait for its result,
     fetch it, next (``backend.run(chunk).result()``, the client's default polling);
   - ours: ``IBMQJobManager().run(circuits, backend, max_experiments_per_job=50).results()``.
   Wall time and HTTP requests from the first submission to the last result. Requests are counted by a
   ``requests`` response hook on the client's session (``provider.session.http``), which both use.
   Target (issue 4): at least 3x faster, with no more requests.
2. ``to_dataframe()`` of a set of 10,000 experiments against building the same DataFrame with a loop of
   ``get_counts(i)`` (and ``job(i)`` for the job id) over every experiment.

Medians of several runs (the two contenders alternate); prints seconds, requests and the ratios.

Usage: python bench/bench_job_manager.py [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd
import psutil
from qiskit import QuantumCircuit, transpile

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.managed import IBMQJobManager

EXPERIMENTS = 1_000
PER_JOB = 50
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


class RequestCounter:
    """Counts HTTP responses through a response hook on the client's requests.Session."""

    def __init__(self, http) -> None:
        self.count = 0
        http.hooks["response"].append(self._hook)

    def _hook(self, response, *args, **kwargs):
        self.count += 1
        return response


def sequential(backend, circuits: list[QuantumCircuit]) -> list:
    """The reference: one job at a time, each waited for and fetched before the next is submitted."""
    results = []
    for first in range(0, len(circuits), PER_JOB):
        job = backend.run(circuits[first : first + PER_JOB], shots=SHOTS)
        results.append(job.result())
    return results


def managed(backend, circuits: list[QuantumCircuit]):
    job_set = IBMQJobManager().run(
        circuits, backend, max_experiments_per_job=PER_JOB, shots=SHOTS, progress=False
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


def measure(counter: RequestCounter, cpu: CpuMeter, run) -> tuple[float, int, float, object]:
    """Seconds, HTTP requests and CPU seconds (client + service) of one call of ``run``."""
    before, cpu_before = counter.count, cpu.total()
    started = time.perf_counter()
    value = run()
    return time.perf_counter() - started, counter.count - before, cpu.total() - cpu_before, value


def bench_run_to_results(backend, counter: RequestCounter, cpu: CpuMeter, runs: int) -> None:
    circuits = make_circuits(backend, EXPERIMENTS)
    ref_times, ref_requests, our_times, our_requests = [], [], [], []
    ref_cpu, our_cpu, ref_busy, our_busy = [], [], [], []
    for run in range(runs):
        order = [("ref", sequential), ("ours", managed)]
        if run % 2:
            order.reverse()
        for label, fn in order:
            seconds, count, used, value = measure(counter, cpu, lambda fn=fn: fn(backend, circuits))
            if label == "ref":
                ref_times.append(seconds)
                ref_requests.append(count)
                ref_cpu.append(used / seconds)
                assert sum(len(result.results) for result in value) == EXPERIMENTS
                ref_busy.append(
                    worker_busy_fraction([backend.retrieve_job(r.job_id) for r in value], seconds)
                )
            else:
                our_times.append(seconds)
                our_requests.append(count)
                our_cpu.append(used / seconds)
                job_set, results = value
                assert results.success and len(results.to_dataframe()) == EXPERIMENTS
                our_busy.append(worker_busy_fraction(job_set.jobs(), seconds))
    ref_t, our_t = statistics.median(ref_times), statistics.median(our_times)
    ref_r, our_r = statistics.median(ref_requests), statistics.median(our_requests)
    print(f"run() to all results, {EXPERIMENTS} experiments, {PER_JOB} per job, {runs} runs (median)")
    print(f"  sequential reference: {ref_t:7.2f} s  {ref_r:5.0f} requests   (runs: {fmt(ref_times)})")
    print(f"  IBMQJobManager:       {our_t:7.2f} s  {our_r:5.0f} requests   (runs: {fmt(our_times)})")
    print(
        f"  speed-up: {ref_t / our_t:.2f}x (target >= 3x); "
        f"requests ours/reference: {our_r / ref_r:.2f} (<= 1)"
    )
    cores = os.cpu_count()
    print(
        f"  CPU busy (client + service + workers, of {cores} cores): reference "
        f"{statistics.median(ref_cpu):.2f} cores, job manager {statistics.median(our_cpu):.2f} cores"
    )
    print(
        f"  service workers busy running jobs: reference {statistics.median(ref_busy):.0%}, "
        f"job manager {statistics.median(our_busy):.0%} (2 workers)"
    )


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
        bench_run_to_results(backend, counter, cpu, args.runs)
        if not args.skip_frame:
            bench_dataframe(backend, args.runs)


if __name__ == "__main__":
    main()
