"""Benchmarks 2-4 of the local service, each against a named reference measured in the same run.

2. Latency p50/p99 over loopback HTTP:
   - GET /api/v1/backends (69 backends), vs GET / of the same server (the HTTP floor: no auth, tiny body);
   - GET properties of ibm_fez (156 qubits), vs ``FakeFez().properties()`` (local testing mode reading the
     same snapshot from disk, no HTTP);
   - submit-to-done of a 1-shot job (ibmq_manila, noisy, POST then poll every 5 ms),
     vs ``SamplerV2(mode=FakeManilaV2()).run(..., shots=1)``.
3. Throughput: 200 small jobs (5-qubit GHZ, 100 shots, ibmq_manila) submitted at once from 16 threads, jobs/s
   until all are Completed, vs the same jobs run one after another in local testing mode (a 20-job sample).
4. Resident memory of an ``ibmq-widgets serve`` process after every device's properties were read once over
   HTTP (and of its worker processes), vs a Python process holding qiskit-ibm-runtime's fake backends with
   their properties loaded (what local testing mode keeps for the same data).

The service runs with 2 workers on a fresh temporary data directory whose job limit is raised to 1000 for the
throughput run. Usage: python bench/bench_service.py [--samples N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from qiskit import QuantumCircuit, transpile

from ibmq_widgets import wire


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(call, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def show(label: str, ours: list[float], reference: list[float], reference_name: str) -> None:
    p50, p99 = statistics.median(ours), percentile(ours, 0.99)
    ref50 = statistics.median(reference)
    print(
        f"{label:<34} p50 {p50 * 1000:8.2f} ms  p99 {p99 * 1000:8.2f} ms | {reference_name} p50 "
        f"{ref50 * 1000:8.2f} ms | ratio ours/reference {p50 / ref50:6.2f}"
    )


def ghz(n: int = 5) -> QuantumCircuit:
    circuit = QuantumCircuit(n)
    circuit.h(0)
    for qubit in range(n - 1):
        circuit.cx(qubit, qubit + 1)
    circuit.measure_all()
    return circuit


class Service:
    """``ibmq-widgets serve`` as a child process, and a research-instance session to it."""

    def __init__(self, data_dir: Path) -> None:
        from ibmq_widgets.service.config import load_config

        config_path = load_config(data_dir).data_dir / "config.json"
        raw = json.loads(config_path.read_text())
        for instance in raw["instances"]:
            instance["job_limit"] = 1000
        config_path.write_text(json.dumps(raw))
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ibmq_widgets.cli",
                "serve",
                "--data-dir",
                str(data_dir),
                "--workers",
                "2",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        info = json.loads(self.process.stdout.readline())
        self.url = info["url"]
        self.api = f"{self.url}/api/v1"
        crn = next(i["crn"] for i in info["instances"] if i["name"].endswith("research/main"))
        token = requests.post(
            f"{self.url}/identity/token", data={"apikey": info["api_key"]}, timeout=30
        ).json()
        self.headers = {"Authorization": f"Bearer {token['access_token']}", "Service-CRN": crn}
        self.session = self.new_session()

    def new_session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update(self.headers)
        return session

    def submit(self, session: requests.Session, circuit: QuantumCircuit, shots: int) -> str:
        body = wire.dumps(
            {
                "program_id": "sampler",
                "backend": "ibmq_manila",
                "params": wire.sampler_params([(circuit, None, shots)]),
            }
        )
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

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def reference_sampler_run(isa: QuantumCircuit, shots: int) -> None:
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        SamplerV2(mode=FakeManilaV2()).run([isa], shots=shots).result()


def bench_latency(service: Service, isa: QuantumCircuit, samples: int) -> None:
    from qiskit_ibm_runtime.fake_provider import FakeFez

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
    service.wait(service.submit(session, isa, 1))  # the worker's noise data for manila is built here
    ours = timed(lambda: service.wait(service.submit(session, isa, 1)), max(10, samples // 5))
    reference = timed(lambda: reference_sampler_run(isa, 1), 9)
    show("submit-to-done, 1 shot, manila", ours, reference, "local mode")


def bench_throughput(service: Service, isa: QuantumCircuit, jobs: int = 200) -> None:
    sessions = [service.new_session() for _ in range(16)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(lambda i: service.submit(sessions[i % 16], isa, 100), range(jobs)))
    submitted = time.perf_counter() - started
    while True:
        listed = service.session.get(f"{service.api}/jobs", params={"pending": "true", "limit": 1}).json()
        if listed["count"] == 0:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    done = service.session.get(f"{service.api}/jobs", params={"status": "Completed", "limit": 1}).json()[
        "count"
    ]
    assert done >= len(ids), f"only {done} of {len(ids)} jobs completed"
    sample = 20
    reference = sum(timed(lambda: reference_sampler_run(isa, 100), sample))
    ours_rate, ref_rate = jobs / elapsed, sample / reference
    print(
        f"throughput: {jobs} jobs in {elapsed:.2f} s (all submitted after {submitted:.2f} s) = "
        f"{ours_rate:.1f} jobs/s | local mode one by one {ref_rate:.1f} jobs/s | "
        f"ratio {ours_rate / ref_rate:.1f}x"
    )


def bench_memory(service: Service) -> None:
    import psutil

    names = [d["name"] for d in service.session.get(f"{service.api}/backends").json()["devices"]]
    for name in names:
        service.session.get(f"{service.api}/backends/{name}/properties").raise_for_status()
    process = psutil.Process(service.process.pid)
    rss = process.memory_info().rss
    workers = sum(child.memory_info().rss for child in process.children(recursive=True))
    code = (
        "import psutil, qiskit_ibm_runtime.fake_provider as f\n"
        "backends = f.FakeProviderForBackendV2().backends()\n"
        "props = [b.properties() for b in backends]\n"
        "print(psutil.Process().memory_info().rss)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    reference = int(output.split()[-1])
    print(
        f"memory after reading the properties of all {len(names)} backends: service {rss / 2**20:.0f} MiB "
        f"(+ {workers / 2**20:.0f} MiB in worker processes) | fake backends with properties in one process "
        f"{reference / 2**20:.0f} MiB | ratio service/reference {rss / reference:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="requests per latency figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        service = Service(Path(data))
        try:
            from qiskit_ibm_runtime.fake_provider import FakeManilaV2

            isa = transpile(ghz(), backend=FakeManilaV2(), optimization_level=1, seed_transpiler=5)
            bench_latency(service, isa, args.samples)
            bench_throughput(service, isa)
            bench_memory(service)
        finally:
            service.stop()


if __name__ == "__main__":
    main()
