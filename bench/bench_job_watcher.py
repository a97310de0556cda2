"""Benchmark: watching 1,000 jobs on the local service, our JobWatcher against the predecessor's scheme.

Setup: a local service in its own process (so its CPU is not counted here) with one worker and a job limit
that allows 1,000 jobs; a long "blocker" job occupies the worker, then 1,000 tiny jobs are submitted to
``ibmq_qasm_simulator`` and stay queued behind it while everything is measured. All of it in the same run:

1. Requests, wall time and CPU time per poll (medians over several polls):
   - reference: the predecessor's scheme, written here: one thread per job, each sending one status request
     (``job.status()``, GET /jobs/{id}) every 2 s; a "poll" is one 2-s round over every job;
   - ours: the watcher's request alone, ``provider.backends.jobs(limit=1000, descending=True)`` (one GET
     /jobs listing the 1,000 jobs, the service building their JSON with queue positions and estimates), and
     ``JobWatcher`` polling once (``refresh()``: that request, then the panel updated).
   HTTP requests are counted with a response hook on the client's ``requests.Session`` (the public
   ``AccountManager(http_factory=...)`` seam); CPU is this process's ``time.process_time()`` plus the service
   process's CPU (its threads' run times from /proc/<pid>/task/*/schedstat, in nanoseconds; psutil's 10-ms
   ticks where that is missing; its worker, busy with the blocker at nice 19, is not counted), so "CPU per poll"
   covers client and service. Targets: 1 request per poll, at least 100x fewer than the reference; the
   request over 1,000 jobs under 50 ms wall and 20 ms CPU.
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
from ghz_common import blocker_circuit, tiny_circuit

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


# --- 1. requests and CPU per poll --------------------------------------------------------------------------
def predecessor_rounds(
    provider, session: CountingSession, job_ids: list[str], rounds: int, service_cpu
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
        count, cpu, service = session.count, time.process_time(), service_cpu()
        time.sleep(PREDECESSOR_PERIOD)
        requests_per_round.append(session.count - count)
        cpu_per_round.append(time.process_time() - cpu + service_cpu() - service)
    stop.set()
    for thread in threads:
        thread.join()
    return requests_per_round, cpu_per_round


def _schedstat_seconds(pid: int) -> float:
    """Seconds of CPU the threads of process ``pid`` have run, in nanoseconds as Linux counts them (the first
    field of each thread's /proc/<pid>/task/<tid>/schedstat)."""
    total = 0
    for task in os.scandir(f"/proc/{pid}/task"):
        try:
            with open(f"{task.path}/schedstat") as stat:
                total += int(stat.read().split()[0])
        except FileNotFoundError:  # a thread that just ended
            continue
    return total / 1e9


class Meter:
    """Wall time, this process's CPU and the service process's CPU (not its workers') of each call.

    The service's CPU comes from Linux's per-thread run times (nanoseconds) where there are any: psutil's
    ``cpu_times()`` counts clock ticks, 10 ms apart, too coarse for a 10-ms poll (a median of such samples is
    0, 10 or 20 ms).
    """

    def __init__(self, service_pid: int) -> None:
        import psutil

        self.service = psutil.Process(service_pid)
        try:
            _schedstat_seconds(service_pid)
            self.precise = True
        except (OSError, ValueError, IndexError):
            self.precise = False
        self.wall: list[float] = []
        self.cpu: list[float] = []  # client and service
        self.client: list[float] = []

    def service_cpu(self) -> float:
        """Seconds of CPU the service process has used."""
        if self.precise:
            return _schedstat_seconds(self.service.pid)
        times = self.service.cpu_times()
        return times.user + times.system

    def measure(self, call, times: int) -> None:
        for _ in range(times):
            wall, cpu, service = time.perf_counter(), time.process_time(), self.service_cpu()
            call()
            self.client.append(time.process_time() - cpu)
            self.cpu.append(self.client[-1] + self.service_cpu() - service)
            self.wall.append(time.perf_counter() - wall)

    def text(self) -> str:
        median = statistics.median
        client = median(self.client) * 1e3
        return (
            f"{median(self.wall) * 1e3:7.1f} ms wall, {median(self.cpu) * 1e3:6.1f} ms CPU (client "
            f"{client:.1f} + service {median(self.cpu) * 1e3 - client:.1f})"
        )


def renice_workers(service_pid: int) -> None:
    """The service's worker processes at the lowest priority: the blocker job runs, but the poll has a core."""
    import psutil

    for child in psutil.Process(service_pid).children(recursive=True):
        child.nice(19)


def watcher_polls(watcher, session: CountingSession, polls: int, meter: Meter) -> list[int]:
    requests_per_poll = []
    for _ in range(polls):
        count = session.count
        meter.measure(watcher.refresh, 1)
        requests_per_poll.append(session.count - count)
    return requests_per_poll


# --- 2. a trivial cell -------------------------------------------------------------------------------------
def cell_seconds(shell, cells: int) -> list[float]:
    times = []
    for _ in range(cells):
        started = time.perf_counter()
        shell.run_cell("x = sum(range(100))", store_history=False, silent=True)
        times.append(time.perf_counter() - started)
        time.sleep(0.005)  # spread the cells over several polls of the watcher
    return times


def bench_poll(ours, old, sessions: tuple[CountingSession, CountingSession], child, job_ids, polls: int):
    """1. Requests, wall and CPU per poll, ours against the predecessor's scheme; the watcher and the pending
    count."""
    from ibmq_widgets.widgets.job_watcher import JobWatcher

    ours_session, old_session = sessions
    renice_workers(child.pid)
    watcher = JobWatcher(ours, keep_finished=10, start=False)
    watcher.refresh()  # warm: first parse, widget creation
    pending = sum(1 for data in watcher.jobs() if not data.final)
    request = Meter(child.pid)
    request.measure(lambda: ours.backends.jobs(limit=1000, descending=True), polls)
    refresh = Meter(child.pid)
    ours_requests = watcher_polls(watcher, ours_session, polls, refresh)
    old_requests, old_cpu = predecessor_rounds(old, old_session, job_ids, polls, request.service_cpu)

    old_n, old_ms = statistics.median(old_requests), statistics.median(old_cpu) * 1e3
    new_n, new_ms = statistics.median(ours_requests), statistics.median(refresh.cpu) * 1e3
    print(f"\n1. one poll over {pending} pending jobs (median of {polls})")
    print(
        f"   predecessor (a thread and a status request per job every 2 s): {old_n:6.0f} requests, "
        f"{old_ms:8.1f} ms CPU (client + service)"
    )
    print(f"   the watcher's request, provider.backends.jobs(limit=1000): 1 request, {request.text()}")
    print(
        f"   JobWatcher.refresh() (the request + the panel):            {new_n:.0f} request, {refresh.text()}"
    )
    print(f"   ratio requests predecessor / ours: {old_n / max(new_n, 1):.0f}x")
    print(f"   ratio CPU predecessor / ours:      {old_ms / new_ms:.1f}x")
    return watcher, pending


def bench_cells(ours, pending: int, cells: int, blocks: int) -> None:
    """2. A trivial cell with and without a JobWatcher polling every 2 s."""
    from IPython.core.interactiveshell import InteractiveShell

    from ibmq_widgets.widgets.job_watcher import JobWatcher

    # Alternate blocks with and without a running watcher, so that drift in the machine's speed (other
    # processes, caches) falls on both sides alike. Each start polls at once, so the blocks with the
    # watcher see more polls than its 2-s rhythm would bring: a conservative measure.
    shell = InteractiveShell.instance()
    running = JobWatcher(ours, interval=2.0, start=False)
    without: list[float] = []
    with_watcher: list[float] = []
    for _ in range(blocks):
        without += cell_seconds(shell, cells)
        running.start()
        with_watcher += cell_seconds(shell, cells)
        running.stop()
    polls_during = running.fetches
    running.close()
    base, loaded = statistics.median(without), statistics.median(with_watcher)
    print(f"\n2. a trivial cell in an IPython shell (median of {len(without)} each way)")
    print(f"   without a watcher: {base * 1e6:8.1f} us")
    print(f"   with the watcher:  {loaded * 1e6:8.1f} us ({polls_during} polls of {pending} jobs meanwhile)")
    print(f"   ratio with / without: {loaded / base:.3f}x   (target <= 1.1x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs to watch (1000)")
    parser.add_argument("--polls", type=int, default=7, help="polls measured for each scheme (7)")
    parser.add_argument("--cells", type=int, default=200, help="trivial cells per block (200)")
    parser.add_argument("--blocks", type=int, default=8, help="blocks of cells timed each way (8)")
    args = parser.parse_args()

    from ibmq_widgets.client.account import AccountManager

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

        # The machine is shared: the load says how far the wall times are waiting for a core.
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        watcher, pending = bench_poll(ours, old, (ours_session, old_session), child, job_ids, args.polls)
        bench_cells(ours, pending, args.cells, args.blocks)
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        watcher.close()
        blocker.cancel()
    finally:
        child.stdin.close()
        child.wait(timeout=60)


if __name__ == "__main__":
    main()
