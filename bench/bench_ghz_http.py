"""Benchmark 1 over HTTP: a noisy 5-qubit GHZ, 1024 shots, end to end through the local service's REST API.

Measured side by side in one run:
- reference: qiskit-ibm-runtime's local testing mode, ``SamplerV2(mode=FakeFez())`` / ``FakeManilaV2()``, the
  strongest simple thing a user would do instead (aer with the whole device's noise model, in process);
- ours: an in-process local service (2 worker processes) on a free loopback port; one job is POST /jobs,
  polling GET /jobs/{id} every 10 ms until Completed, then GET /jobs/{id}/results decoded with the wire codec
  (what a client does).

Both get the same ISA circuit (transpiled before timing starts). ``start()`` returns once both workers are
warm (imports done, a tiny simulation run), and a job on the ideal simulator is run first; so "first run on a
device" is the worker building that device's noise data (its calibration as a Target, the errors of the
qubits used), nothing else. Before the warm runs each worker has run the device once (two jobs at a time),
so no warm run pays for a build. Prints medians and the ratio reference / ours.
Targets (issue 2): at least 50x faster on ibm_fez, no slower on the 5-qubit device.
(bench/bench_noisy_ghz.py measures each layer of the service on its own.)

Usage: python bench/bench_ghz_http.py [--runs N] [--reference-runs N] [--reference-runs-fez N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from concurrent.futures import ThreadPoolExecutor

from ghz_common import (
    SHOTS,
    HttpSampler,
    fake_backend,
    ghz,
    ghz_share,
    local_mode_run,
    research_sampler,
    timed,
)
from qiskit import QuantumCircuit, transpile

from ibmq_widgets.service import start

DEVICES = (("ibm_fez", "FakeFez"), ("ibmq_manila", "FakeManilaV2"))


def run_reference(fake_name: str, runs: int) -> tuple[list[float], float]:
    """Seconds per run of SamplerV2 in local testing mode, and the GHZ share of the last counts."""
    backend = fake_backend(fake_name)
    isa = transpile(ghz(), backend=backend, optimization_level=1, seed_transpiler=5)
    counts: dict[str, int] = {}
    times = timed(lambda: counts.update(local_mode_run(backend, isa)), runs)
    return times, ghz_share(counts)


def isa_circuit(sampler: HttpSampler, backend: str) -> QuantumCircuit:
    """The GHZ transpiled for ``backend`` from the configuration and properties the service serves."""
    from qiskit_ibm_runtime.models import BackendProperties, QasmBackendConfiguration
    from qiskit_ibm_runtime.utils.backend_converter import convert_to_target

    conf = sampler.session.get(f"{sampler.api}/backends/{backend}/configuration", timeout=30).json()
    props = sampler.session.get(f"{sampler.api}/backends/{backend}/properties", timeout=30).json()
    target = convert_to_target(QasmBackendConfiguration.from_dict(conf), BackendProperties.from_dict(props))
    return transpile(ghz(), target=target, optimization_level=1, seed_transpiler=5)


def run_ours(sampler: HttpSampler, backend: str, runs: int, workers: int) -> tuple[float, list[float], float]:
    """First-run seconds, warm seconds per run, and the GHZ share of the last counts."""
    isa = isa_circuit(sampler, backend)
    first = timed(lambda: sampler.run(backend, isa), 1)[0]
    # Every worker builds the device's noise data once (jobs sent together go to different workers).
    for _ in range(2):
        ids = [sampler.submit(backend, isa) for _ in range(workers)]
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(sampler.result_counts, ids))
    counts: dict[str, int] = {}
    times = timed(lambda: counts.update(sampler.run(backend, isa)), runs)
    return first, times, ghz_share(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="warm runs of ours per device")
    parser.add_argument("--reference-runs", type=int, default=5, help="reference runs on the 5-qubit device")
    parser.add_argument("--reference-runs-fez", type=int, default=3, help="reference runs on ibm_fez (slow)")
    args = parser.parse_args()
    workers = 2
    with tempfile.TemporaryDirectory() as data, start(data_dir=data, port=0, workers=workers) as service:
        sampler = research_sampler(service, interval=0.01)
        sampler.run("ibmq_qasm_simulator", ghz(), 16)
        print(
            f"noisy 5-qubit GHZ, {SHOTS} shots, end to end over HTTP vs qiskit-ibm-runtime local testing mode"
        )
        for backend, fake_name in DEVICES:
            first, ours, our_share = run_ours(sampler, backend, args.runs, workers)
            runs = args.reference_runs_fez if backend == "ibm_fez" else args.reference_runs
            reference, ref_share = run_reference(fake_name, runs)
            ours_median, ref_median = statistics.median(ours), statistics.median(reference)
            target = "target >= 50x" if backend == "ibm_fez" else "target >= 1x"
            print(
                f"{backend:<12} ours median {ours_median * 1000:8.1f} ms ({len(ours)} runs; first run on the "
                f"device, noise data built by a warm worker: {first * 1000:.0f} ms) | local mode ({fake_name}) "
                f"median {ref_median * 1000:8.1f} ms ({runs} runs) | ratio {ref_median / ours_median:6.1f}x "
                f"faster ({target}); first run {ref_median / first:.1f}x | GHZ share ours {our_share:.2f}, "
                f"local mode {ref_share:.2f}"
            )


if __name__ == "__main__":
    main()
