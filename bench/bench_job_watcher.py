"""Benchmark: watching 1,000 jobs on the local service, our JobWatcher against the predecessor's scheme.

Setup: a local service in its own process (so its CPU is not counted here) with one worker and a job limit
that allows 1,000 jobs; a long "blocker" job occupies the worker, then 1,000 tiny jobs are submitted to
``ibmq_qasm_simulator`` and stay queued behind it while everything is measured. All of it in the same run:

1. Requests and CPU time per poll (medians over several polls):
   - reference: the predecessor's scheme, written here: one thread per job, each sending one status request
     (``job.status()``, GET /jobs/{id}) every 2 s; a "poll" is one 2-s round over every job;
   - ours: ``JobWatcher`` polling once (``refresh()``), which lists the jobs and updates the panel.
   HTTP requests are counted with a response hook on the client's ``requests.Session`` (the public
   ``AccountManager(http_factory=...)`` seam); CPU time is this process's ``time.process_time()``.
   Target (issue 6): 1 request per poll, at least 100x fewer than the reference.
2. The time of a trivial cell in an IPython InteractiveShell, without and with a JobWatcher polling those
   1,000 jobs every 2 s (medians). Target: with the watcher within 1.1x of without.

Prints medians and the ratios.

Usage: python bench/bench_job_watcher.py [--jobs N] [--polls N] [--cells N] [--blocks N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import requests

RESEARCH = {"hub": "ibm-q-network", "group": "research", "project": "main"}
SIMULATOR = "ibmq_qasm_simulator"
PREDECESSOR_PERIOD = 2.0  # seconds between one job's status requests in the predecessor's watcher


class CountingSession(requests.Session):
    """A requests.Session that counts the responses it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self._lock = threading.Lock()
        self.hooks["response"].append(self._seen)

    def _seen(self, response, *args, **kwargs) -> None:
        with self._lock:
            self.count += 1


def start_service(data_dir: Path, jobs: int) -> tuple[subprocess.Popen, str, str]:
    """A service in a child process; returns it, its URL and its API key (read from the data directory)."""
    config = {
        "account": "cd" * 16,
        "instances": [{"name": "ibm-q-network/research/main", "plan": "premium", "job_limit": jobs + 100}],
    }
    (data_dir / "config.json").write_text(json.dumps(config))
    code = textwrap.dedent(
        f"""
        import sys, threading
        from ibmq_widgets.service import start
        if __name__ == "__main__":
            handle = start(data_dir={str(data_dir)!r}, port=0, workers=1)
            print(handle.url, flush=True)
            sys.stdin.read()  # until the benchmark closes our stdin
            handle.stop()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    url = child.stdout.readline().strip()
    if not url.startswith("http"):
        raise RuntimeError("the local service did not start")
    return child, url, (data_dir / "api_key").read_text().strip()


def blocker_circuit():
    """Minutes of simulation (mid-circuit measurements make Aer simulate shot by shot)."""
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(10, 10)
    for layer in range(20):
        for qubit in range(10):
            circuit.rx(0.1 * (qubit + layer + 1), qubit)
        for qubit in range(9):
            circuit.cx(qubit, qubit + 1)
        circuit.measure(0, 0)
    circuit.measure(range(10), range(10))
    return circuit


def tiny_circuit():
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(1, 1)
    circuit.measure(0, 0)
    return circuit


# --- 1. requests and CPU per poll --------------------------------------------------------------------------
def predecessor_rounds(
    provider, session: CountingSession, job_ids: list[str], rounds: int
) -> tuple[list, list]:
    """The predecessor's watcher: one thread per job, one status request per job every 2 s."""
    jobs = [provider.backends.retrieve_job(job_id) for job_id in job_ids]
    stop = threading.Event()

    def watch(job) -> None:
        while not stop.is_set():
            try:
                if job.status().name in ("DONE", "CANCELLED", "ERROR"):
                    return
            except Exception:  # the predecessor's threads died here silently; keep polling for the benchmark
                pass
            stop.wait(PREDECESSOR_PERIOD)

    threads = [threading.Thread(target=watch, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    time.sleep(PREDECESSOR_PERIOD)  # let every thread start its cycle
    requests_per_round, cpu_per_round = [], []
    for _ in range(rounds):
        count, cpu = session.count, time.process_time()
        time.sleep(PREDECESSOR_PERIOD)
        requests_per_round.append(session.count - count)
        cpu_per_round.append(time.process_time() - cpu)
    stop.set()
    for thread in threads:
        thread.join()
    return requests_per_round, cpu_per_round


def watcher_polls(watcher, session: CountingSession, polls: int) -> tuple[list, list, list]:
    requests_per_poll, cpu_per_poll, wall_per_poll = [], [], []
    for _ in range(polls):
        count, cpu, wall = session.count, time.process_time(), time.perf_counter()
        watcher.refresh()
        requests_per_poll.append(session.count - count)
        cpu_per_poll.append(time.process_time() - cpu)
        wall_per_poll.append(time.perf_counter() - wall)
    return requests_per_poll, cpu_per_poll, wall_per_poll


# --- 2. a trivial cell -------------------------------------------------------------------------------------
def cell_seconds(shell, cells: int) -> list[float]:
    times = []
    for _ in range(cells):
        started = time.perf_counter()
        shell.run_cell("x = sum(range(100))", store_history=False, silent=True)
        times.append(time.perf_counter() - started)
        time.sleep(0.005)  # spread the cells over several polls of the watcher
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs to watch (1000)")
    parser.add_argument("--polls", type=int, default=7, help="polls measured for each scheme (7)")
    parser.add_argument("--cells", type=int, default=200, help="trivial cells per block (200)")
    parser.add_argument("--blocks", type=int, default=8, help="blocks of cells timed each way (8)")
    args = parser.parse_args()

    from IPython.core.interactiveshell import InteractiveShell

    from ibmq_widgets.client.account import AccountManager
    from ibmq_widgets.widgets.job_watcher import JobWatcher

    data_dir = Path(tempfile.mkdtemp(prefix="bench-watcher-"))
    os.environ.setdefault("IBMQ_WIDGETS_DATA_DIR", str(data_dir / "unused"))
    child, url, api_key = start_service(data_dir, args.jobs)
    try:
        submitter = AccountManager().enable_account(api_key, url=url, **RESEARCH)
        backend = submitter.get_backend(SIMULATOR)
        blocker = backend.run(blocker_circuit(), shots=100_000, job_name="blocker")
        started = time.perf_counter()
        job_ids = [backend.run(tiny_circuit(), shots=1).job_id() for _ in range(args.jobs)]
        print(
            f"submitted {args.jobs} jobs in {time.perf_counter() - started:.1f} s; they wait behind a blocker"
        )

        ours_session, old_session = CountingSession(), CountingSession()
        ours = AccountManager(http_factory=lambda: ours_session).enable_account(api_key, url=url, **RESEARCH)
        old = AccountManager(http_factory=lambda: old_session).enable_account(api_key, url=url, **RESEARCH)

        watcher = JobWatcher(ours, keep_finished=10, start=False)
        watcher.refresh()  # warm: first parse, widget creation
        pending = sum(1 for data in watcher.jobs() if not data.final)
        ours_requests, ours_cpu, ours_wall = watcher_polls(watcher, ours_session, args.polls)
        old_requests, old_cpu = predecessor_rounds(old, old_session, job_ids, args.polls)

        old_n, old_ms = statistics.median(old_requests), statistics.median(old_cpu) * 1e3
        new_n, new_ms = statistics.median(ours_requests), statistics.median(ours_cpu) * 1e3
        wall_ms = statistics.median(ours_wall) * 1e3
        print(f"\n1. one poll over {pending} pending jobs (median of {args.polls})")
        print(
            f"   predecessor (a thread and a status request per job every 2 s): {old_n:6.0f} requests, "
            f"{old_ms:8.1f} ms CPU"
        )
        print(
            f"   JobWatcher (one list poll):                                    {new_n:6.0f} requests, "
            f"{new_ms:8.1f} ms CPU ({wall_ms:.0f} ms wall)"
        )
        print(f"   ratio requests predecessor / ours: {old_n / max(new_n, 1):.0f}x")
        print(f"   ratio CPU predecessor / ours:      {old_ms / new_ms:.1f}x")

        # Alternate blocks with and without a running watcher, so that drift in the machine's speed (other
        # processes, caches) falls on both sides alike. Each start polls at once, so the blocks with the
        # watcher see more polls than its 2-s rhythm would bring: a conservative measure.
        shell = InteractiveShell.instance()
        running = JobWatcher(ours, interval=2.0, start=False)
        without: list[float] = []
        with_watcher: list[float] = []
        for _ in range(args.blocks):
            without += cell_seconds(shell, args.cells)
            running.start()
            with_watcher += cell_seconds(shell, args.cells)
            running.stop()
        polls_during = running.fetches
        running.close()
        base, loaded = statistics.median(without), statistics.median(with_watcher)
        print(f"\n2. a trivial cell in an IPython shell (median of {len(without)} each way)")
        print(f"   without a watcher: {base * 1e6:8.1f} us")
        print(
            f"   with the watcher:  {loaded * 1e6:8.1f} us ({polls_during} polls of {pending} jobs meanwhile)"
        )
        print(f"   ratio with / without: {loaded / base:.3f}x   (target <= 1.1x)")
        watcher.close()
        blocker.cancel()
    finally:
        child.stdin.close()
        child.wait(timeout=60)


if __name__ == "__main__":
    main()
