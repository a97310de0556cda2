"""Benchmark 1 over HTTP: a noisy 5-qubit GHZ, 1024 shots, end to end through the local service's REST API.

Measured side by side in one run:
- reference: qiskit-ibm-runtime's local testing mode, ``SamplerV2(mode=FakeFez())`` / ``FakeManilaV2()``;
- ours: an in-process local service on a free loopback port; one job is POST /jobs, polling GET /jobs/{id}
  every 10 ms until Completed, then GET /jobs/{id}/results decoded with the wire codec (what a client does).

Both get the same ISA circuit (transpiled before timing starts). Prints medians of several runs and the ratio
reference / ours; our first run on a device (noise data not yet cached by the worker) is shown on its own.
Targets (issue 2): at least 50x faster on ibm_fez, no slower on the 5-qubit device.
(bench/bench_noisy_ghz.py measures the engine alone, without HTTP.)

Usage: python bench/bench_ghz_http.py [--runs N] [--reference-runs-fez N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings

import requests
from qiskit import QuantumCircuit, transpile

from ibmq_widgets import wire
from ibmq_widgets.service import start

SHOTS = 1024
DEVICES = (("ibm_fez", "FakeFez"), ("ibmq_manila", "FakeManilaV2"))


def ghz(n: int = 5) -> QuantumCircuit:
    circuit = QuantumCircuit(n)
    circuit.h(0)
    for qubit in range(n - 1):
        circuit.cx(qubit, qubit + 1)
    circuit.measure_all()
    return circuit


def ghz_share(counts: dict[str, int]) -> float:
    return (counts.get("00000", 0) + counts.get("11111", 0)) / max(1, sum(counts.values()))


def run_reference(fake_name: str, runs: int) -> tuple[list[float], float]:
    """Seconds per run of SamplerV2 in local testing mode, and the GHZ share of the last counts."""
    from qiskit_ibm_runtime import SamplerV2, fake_provider

    backend = getattr(fake_provider, fake_name)()
    isa = transpile(ghz(), backend=backend, optimization_level=1, seed_transpiler=5)
    times, counts = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            result = SamplerV2(mode=backend).run([isa], shots=SHOTS).result()
        times.append(time.perf_counter() - started)
        counts = result[0].data.meas.get_counts()
    return times, ghz_share(counts)


class HttpSampler:
    """Runs Sampler jobs on the local service with plain requests and the wire codec."""

    def __init__(self, url: str, api_key: str, crn: str) -> None:
        self.api = f"{url}/api/v1"
        self.session = requests.Session()
        token = self.session.post(f"{url}/identity/token", data={"apikey": api_key}, timeout=30).json()
        self.session.headers.update({"Authorization": f"Bearer {token['access_token']}", "Service-CRN": crn})

    def isa(self, backend: str) -> QuantumCircuit:
        from qiskit_ibm_runtime.models import BackendProperties, QasmBackendConfiguration
        from qiskit_ibm_runtime.utils.backend_converter import convert_to_target

        conf = self.session.get(f"{self.api}/backends/{backend}/configuration", timeout=30).json()
        props = self.session.get(f"{self.api}/backends/{backend}/properties", timeout=30).json()
        target = convert_to_target(
            QasmBackendConfiguration.from_dict(conf), BackendProperties.from_dict(props)
        )
        return transpile(ghz(), target=target, optimization_level=1, seed_transpiler=5)

    def run(self, backend: str, circuit: QuantumCircuit) -> dict[str, int]:
        body = wire.dumps(
            {
                "program_id": "sampler",
                "backend": backend,
                "params": wire.sampler_params([(circuit, None, SHOTS)]),
            }
        )
        job_id = self.session.post(f"{self.api}/jobs", data=body, timeout=60).json()["id"]
        while True:
            state = self.session.get(f"{self.api}/jobs/{job_id}", params={"exclude_params": "true"}).json()
            status = state["state"]["status"]
            if status == "Completed":
                break
            if status in ("Failed", "Cancelled"):
                raise RuntimeError(f"job {job_id} ended {status}: {state['state'].get('reason')}")
            time.sleep(0.01)
        result = wire.loads(self.session.get(f"{self.api}/jobs/{job_id}/results", timeout=60).text)
        return result[0].data.meas.get_counts()


def run_ours(sampler: HttpSampler, backend: str, runs: int) -> tuple[float, list[float], float]:
    """First-run seconds, warm seconds per run, and the GHZ share of the last counts."""
    isa = sampler.isa(backend)
    times, counts = [], {}
    for _ in range(runs + 1):
        started = time.perf_counter()
        counts = sampler.run(backend, isa)
        times.append(time.perf_counter() - started)
    return times[0], times[1:], ghz_share(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="warm runs of ours per device")
    parser.add_argument("--reference-runs", type=int, default=5, help="reference runs on the 5-qubit device")
    parser.add_argument("--reference-runs-fez", type=int, default=3, help="reference runs on ibm_fez (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, start(data_dir=data, port=0, workers=2) as service:
        crn = next(i["crn"] for i in service.instances if i["name"].endswith("research/main"))
        sampler = HttpSampler(service.url, service.api_key, crn)
        print(
            f"noisy 5-qubit GHZ, {SHOTS} shots, end to end over HTTP vs qiskit-ibm-runtime local testing mode"
        )
        for backend, fake_name in DEVICES:
            first, ours, our_share = run_ours(sampler, backend, args.runs)
            runs = args.reference_runs_fez if backend == "ibm_fez" else args.reference_runs
            reference, ref_share = run_reference(fake_name, runs)
            ours_median, ref_median = statistics.median(ours), statistics.median(reference)
            target = "target >= 50x" if backend == "ibm_fez" else "target >= 1x"
            print(
                f"{backend:<12} ours median {ours_median * 1000:8.1f} ms (first run {first * 1000:.0f} ms, "
                f"{len(ours)} runs) | local mode ({fake_name}) median {ref_median * 1000:8.1f} ms "
                f"({runs} runs) | "
                f"ratio {ref_median / ours_median:6.1f}x faster ({target}); first run "
                f"{ref_median / first:.1f}x | GHZ share ours {our_share:.2f}, local mode {ref_share:.2f}"
            )


if __name__ == "__main__":
    main()
