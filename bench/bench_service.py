"""Benchmarks of the local service as a whole (``ibmq-widgets serve`` in child processes, requests over loopback
from this process), each figure beside a reference measured in the same run; medians.

1. Bookkeeping as the store grows: three services (1 worker each) on stores holding 100, 10,000 and 100,000
   finished jobs of the research instance (written with ``JobStore.create_jobs`` before each starts), asked in
   turn, one request each, so that load changes hit all three alike: p50 of GET /instances/usage,
   GET /jobs?limit=100 and POST /jobs (a 1-shot job on ibmq_qasm_simulator). References: the same server's
   GET / (the HTTP floor: no auth, tiny body), and what the store did before it kept counts, run on the same
   file: the SQL scan summing every job's run time, and COUNT(*) of every job of the instance. The ratio
   100,000 / 100 jobs says whether a request is flat (target: about 1).
2. POST /jobs with 5,000 jobs queued against 100 queued (two services side by side, each worker held by a
   blocker job at nice 19, so that it leaves the service a core); the reference is the queue scan the
   job-limit check did before (counting the instance's queued jobs one by one).
3.-5. on one service with its default 2 workers.
3. Latency p50/p99: GET /backends (69 backends) vs GET /; ibm_fez properties vs ``FakeFez().properties()``;
   submit-to-done of a 1-shot job on ibmq_manila vs ``SamplerV2(mode=FakeManilaV2()).run(..., shots=1)``.
4. Throughput: 200 small jobs (5-qubit GHZ, 100 shots, ibmq_manila) submitted at once from 16 threads, jobs/s
   until all are Completed, vs local testing mode running them one after another (a 20-job sample).
5. Memory of the service WITH its worker processes (``psutil``: resident memory of the service process plus all
   its children), idle after start and after one noisy GHZ job on each of 10 devices, vs a Python process
   that ran the same 10 jobs in local testing mode (``SamplerV2(mode=Fake...())``), the strongest simple thing
   a user would do instead; also beside the earlier reference, a process holding every fake backend with its
   properties (no simulator run). Resident sizes of separate processes count shared library pages once per
   process, so the sum over the service's three processes overstates what they take together.

Usage: python bench/bench_service.py [--samples N] [--skip SECTION ...]
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ghz_common import blocker_circuit, ghz, local_mode_run, timed, tiny_circuit
from qiskit import QuantumCircuit, qpy, transpile
from service_common import RESEARCH, SIMULATOR, Service, fill_store

from ibmq_widgets import wire

SIZES = (100, 10_000, 100_000)
MEMORY_DEVICES = (
    ("ibm_fez", "FakeFez"), ("ibmq_manila", "FakeManilaV2"), ("ibmq_lima", "FakeLimaV2"),
    ("ibmq_belem", "FakeBelemV2"), ("ibmq_quito", "FakeQuitoV2"), ("ibm_lagos", "FakeLagosV2"),
    ("ibm_nairobi", "FakeNairobiV2"), ("ibm_perth", "FakePerth"), ("ibm_oslo", "FakeOslo"),
    ("ibmq_guadalupe", "FakeGuadalupeV2"),
)  # fmt: skip


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def show(label: str, ours: list[float], reference: list[float], reference_name: str) -> None:
    p50, p99 = statistics.median(ours), percentile(ours, 0.99)
    ref50 = statistics.median(reference)
    print(
        f"{label:<34} p50 {p50 * 1000:8.2f} ms  p99 {p99 * 1000:8.2f} ms | {reference_name} p50 "
        f"{ref50 * 1000:8.2f} ms | ratio ours/reference {p50 / ref50:6.2f}"
    )


def scan_references(path: Path, samples: int) -> tuple[float, float]:
    """ms of the SQL the store ran before it kept counts: usage summed over every job, COUNT(*) of them all."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    usage = (
        "SELECT SUM(MAX(0.0, 86400.0 * (julianday(json_extract(timestamps, '$.finished'))"
        " - julianday(json_extract(timestamps, '$.running'))))) FROM jobs WHERE instance = ?"
        " AND status NOT IN ('Queued', 'Running') AND json_extract(timestamps, '$.running') IS NOT NULL"
        " AND json_extract(timestamps, '$.finished') IS NOT NULL"
    )
    count = "SELECT COUNT(*) FROM jobs WHERE instance = ?"
    figures = tuple(
        ms(timed(lambda q=q: conn.execute(q, (RESEARCH,)).fetchone(), samples)) for q in (usage, count)
    )
    conn.close()
    return figures


@contextlib.contextmanager
def services(root: Path, stores: dict[str, Callable[[Path], None]]) -> Iterator[dict[str, Service]]:
    """One service (1 worker) per named store, each store filled by its function before the service starts."""
    running: dict[str, Service] = {}
    try:
        for name, fill in stores.items():
            service = Service(root / name, workers=1)
            fill(service.store_path)
            running[name] = service.start()
        yield running
    finally:
        for service in running.values():
            service.stop()


def interleaved(calls: dict[str, Callable[[], object]], samples: int) -> dict[str, float]:
    """p50 ms of each call, taking one sample of each in turn so that load changes hit them alike."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(samples):
        for name, call in calls.items():
            times[name] += timed(call, 1)
    return {name: ms(values) for name, values in times.items()}


def bench_bookkeeping(root: Path, samples: int) -> None:
    print("1. bookkeeping as the store grows (p50 ms over loopback; references: SQL scans on the same file)")
    stores = {f"{size}": (lambda path, size=size: fill_store(path, 0, size)) for size in SIZES}
    with services(root, stores) as running:
        calls = {}
        for size, service in running.items():
            session = service.session
            service.wait(service.submit(session, tiny_circuit(), 1, SIMULATOR))
            calls |= {
                (size, "floor"): lambda s=service: s.session.get(f"{s.url}/"),
                (size, "usage"): lambda s=service: s.session.get(
                    f"{s.api}/instances/usage"
                ).raise_for_status(),
                (size, "list"): lambda s=service: s.session.get(
                    f"{s.api}/jobs", params={"limit": 100}
                ).json(),
                (size, "post"): lambda s=service: s.submit(s.session, tiny_circuit(), 1, SIMULATOR),
            }
        results = interleaved(calls, samples)
        for size, service in running.items():
            scan_usage, scan_count = scan_references(service.store_path, max(5, samples // 10))
            r = {name: results[(size, name)] for name in ("floor", "usage", "list", "post")}
            print(
                f"   {int(size):>7} jobs: usage {r['usage']:6.2f} | GET /jobs?limit=100 {r['list']:6.2f} | POST "
                f"/jobs {r['post']:6.2f} | GET / floor {r['floor']:5.2f} || before: usage scan {scan_usage:7.2f}"
                f", COUNT(*) {scan_count:6.2f}"
            )
    low, high = str(SIZES[0]), str(SIZES[-1])
    for name, label in (("usage", "usage"), ("list", "GET /jobs?limit=100"), ("post", "POST /jobs")):
        top, floor = results[(high, name)], results[(high, "floor")]
        flat = f"{SIZES[-1]:,} / {SIZES[0]} jobs: {top / results[(low, name)]:5.2f}x"
        print(f"   {label:<20} {flat}; at {SIZES[-1]:,}: {top / floor:5.1f}x the floor")


def bench_queue(root: Path, samples: int) -> None:
    """POST /jobs with 100 and with 5,000 jobs queued behind a blocker, the two services side by side."""
    from ibmq_widgets.service.records import JobRecord

    blocker = wire.dumps(wire.sampler_params([(blocker_circuit(), None, 100_000)]))
    tiny = wire.dumps(wire.sampler_params([(tiny_circuit(), None, 1)]))

    def queue(path: Path, count: int) -> None:
        fill_store(path, 0, 1, status="Queued", params_text=blocker)  # the oldest: the worker takes it first
        fill_store(path, 1, 1 + count, status="Queued", params_text=tiny)

    print("2. POST /jobs against the queue (p50 ms; reference: the queue scan it did before, in process)")
    counts = (100, 5_000)
    stores = {f"q{count}": (lambda path, count=count: queue(path, count)) for count in counts}
    with services(root, stores) as running:
        for service in running.values():
            service.renice_workers()
        calls = {
            name: (lambda s=s: s.submit(s.session, tiny_circuit(), 1, SIMULATOR))
            for name, s in running.items()
        }
        results = interleaved(calls, samples)
    for count in counts:
        jobs = [
            JobRecord(id=str(i), instance=RESEARCH, backend=SIMULATOR, program="sampler", params_text="")
            for i in range(count)
        ]
        scan = ms(timed(lambda jobs=jobs: sum(1 for j in jobs if j.instance == RESEARCH), 50))
        print(
            f"   {count:>5} queued: POST /jobs {results[f'q{count}']:6.2f} ms | the scan alone {scan:6.3f} ms"
        )


def bench_latency(service: Service, isa: QuantumCircuit, samples: int) -> None:
    from qiskit_ibm_runtime.fake_provider import FakeFez, FakeManilaV2

    session = service.session
    session.get(f"{service.api}/backends").raise_for_status()  # warm the catalog
    floor = timed(lambda: session.get(f"{service.url}/"), samples)
    show(
        "GET /backends", timed(lambda: session.get(f"{service.api}/backends"), samples), floor, "GET / floor"
    )
    session.get(f"{service.api}/backends/ibm_fez/properties").raise_for_status()
    props = timed(lambda: session.get(f"{service.api}/backends/ibm_fez/properties").json(), samples)
    show(
        "GET ibm_fez properties (+ decode)",
        props,
        timed(lambda: FakeFez().properties(), 9),
        "FakeFez().properties()",
    )
    service.wait(service.submit(session, isa, 1, "ibmq_manila"))  # the worker's noise data for manila
    ours = timed(lambda: service.wait(service.submit(session, isa, 1, "ibmq_manila")), max(10, samples // 5))
    manila = FakeManilaV2()
    reference = timed(lambda: local_mode_run(manila, isa, 1), 9)
    show("submit-to-done, 1 shot, manila", ours, reference, "local mode")


def bench_throughput(service: Service, isa: QuantumCircuit, jobs: int = 200) -> None:
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    sessions = [service.new_session() for _ in range(16)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(lambda i: service.submit(sessions[i % 16], isa, 100, "ibmq_manila"), range(jobs)))
    submitted = time.perf_counter() - started
    for job_id in ids:
        service.wait(job_id, interval=0.02)
    elapsed = time.perf_counter() - started
    manila, sample = FakeManilaV2(), 20
    reference = sum(timed(lambda: local_mode_run(manila, isa, 100), sample))
    ours_rate, ref_rate = jobs / elapsed, sample / reference
    print(
        f"throughput: {jobs} jobs in {elapsed:.2f} s (all submitted after {submitted:.2f} s) = "
        f"{ours_rate:.1f} jobs/s | local mode one by one {ref_rate:.1f} jobs/s | ratio {ours_rate / ref_rate:.1f}x"
    )


# The references: local mode running the jobs (a qpy file of circuits, then the fake backends' class names), or
# with --properties a process holding every fake backend with its properties loaded.
_REFERENCE_MEMORY = """
import sys, warnings, psutil
from qiskit import qpy
from qiskit_ibm_runtime import SamplerV2, fake_provider
warnings.simplefilter("ignore")
if sys.argv[1] == "--properties":
    backends = fake_provider.FakeProviderForBackendV2().backends()
    properties = [backend.properties() for backend in backends]
else:
    with open(sys.argv[1], "rb") as handle:
        circuits = qpy.load(handle)
    for name, circuit in zip(sys.argv[2:], circuits):
        SamplerV2(mode=getattr(fake_provider, name)()).run([circuit], shots=1024).result()
print(psutil.Process().memory_info().rss)
"""


def bench_memory(service: Service) -> None:
    from ibmq_widgets.service.catalog import Catalog

    catalog = Catalog()
    isas = [
        transpile(ghz(), target=catalog.backend_v2(name), optimization_level=1, seed_transpiler=5)
        for name, _ in MEMORY_DEVICES
    ]
    service.stop()  # a fresh start: idle means nothing run yet
    service.start()
    idle, idle_workers = service.memory()
    ids = [
        service.submit(service.session, isa, 1024, name)
        for (name, _), isa in zip(MEMORY_DEVICES, isas, strict=True)
    ]
    for job_id in ids:
        service.wait(job_id, interval=0.05)
    busy, busy_workers = service.memory()
    with tempfile.NamedTemporaryFile(suffix=".qpy") as handle:
        qpy.dump(isas, handle)
        handle.flush()
        reference = reference_rss([handle.name, *(fake for _, fake in MEMORY_DEVICES)])
    properties = reference_rss(["--properties"])
    mib, ours_idle, ours_busy = 2**20, idle + idle_workers, busy + busy_workers
    print(
        f"memory, service + its 2 worker processes: idle {idle / mib:.0f} + {idle_workers / mib:.0f} = "
        f"{ours_idle / mib:.0f} MiB; after a job on each of {len(MEMORY_DEVICES)} devices {busy / mib:.0f} + "
        f"{busy_workers / mib:.0f} = {ours_busy / mib:.0f} MiB | local mode after the same jobs, one process: "
        f"{reference / mib:.0f} MiB | ratio ours/reference: idle {ours_idle / reference:.2f}x, after the jobs "
        f"{ours_busy / reference:.2f}x | (a process holding every fake backend's properties, the earlier "
        f"reference: {properties / mib:.0f} MiB; ours idle {ours_idle / properties:.2f}x of it)"
    )


def reference_rss(arguments: list[str]) -> int:
    """Resident bytes of a Python process running ``_REFERENCE_MEMORY`` with ``arguments``."""
    command = [sys.executable, "-c", _REFERENCE_MEMORY, *arguments]
    return int(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="requests per latency figure")
    sections = ["bookkeeping", "queue", "latency", "throughput", "memory"]
    parser.add_argument("--skip", nargs="*", default=[], choices=sections, help="sections not to run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        root = Path(data)
        if "bookkeeping" not in args.skip:
            bench_bookkeeping(root, args.samples)
        if "queue" not in args.skip:
            bench_queue(root, max(20, args.samples // 4))
        service = Service(root / "main").start()
        try:
            from qiskit_ibm_runtime.fake_provider import FakeManilaV2

            isa = transpile(ghz(), backend=FakeManilaV2(), optimization_level=1, seed_transpiler=5)
            sections = {
                "latency": lambda: bench_latency(service, isa, args.samples),
                "throughput": lambda: bench_throughput(service, isa),
                "memory": lambda: bench_memory(service),
            }
            for name, section in sections.items():
                if name not in args.skip:
                    section()
        finally:
            service.stop()


if __name__ == "__main__":
    main()
