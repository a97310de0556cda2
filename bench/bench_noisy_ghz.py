"""Benchmark 1: a noisy 5-qubit GHZ, 1024 shots, on ibm_fez (156 qubits) and ibmq_manila (5 qubits).

Measured side by side in one run:
- reference: qiskit-ibm-runtime's local testing mode, ``SamplerV2(mode=FakeFez())`` / ``FakeManilaV2()``
  (qiskit-aer with the whole device's noise model);
- ours: the local service's engine, a job submitted to the job store and scheduler, run by a worker process
  (circuit cut to its active qubits, noise model for those qubits), timed from submission until the store
  says Completed.

Both get the same ISA circuit (transpiled once, before timing starts). Prints the medians of several runs and
the ratio reference / ours; the engine's first run on a device (noise model not yet cached in the worker) is
shown separately. Targets (issue 2): at least 50x faster on ibm_fez, no slower on the 5-qubit device.

Usage: python bench/bench_noisy_ghz.py [--runs N] [--reference-runs-fez N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
import warnings
from pathlib import Path

from qiskit import QuantumCircuit, transpile

from ibmq_widgets import wire
from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.scheduler import Scheduler
from ibmq_widgets.service.store import JobRecord, JobStore

SHOTS = 1024
DEVICES = (("ibm_fez", "FakeFez"), ("ibmq_manila", "FakeManilaV2"))


def ghz(n: int = 5) -> QuantumCircuit:
    circuit = QuantumCircuit(n)
    circuit.h(0)
    for i in range(n - 1):
        circuit.cx(i, i + 1)
    circuit.measure_all()
    return circuit


def run_reference(fake_name: str, isa: QuantumCircuit, runs: int) -> tuple[list[float], dict]:
    """Seconds per run of SamplerV2 in local testing mode on the fake backend."""
    from qiskit_ibm_runtime import SamplerV2, fake_provider

    backend = getattr(fake_provider, fake_name)()
    times, counts = [], {}
    for _ in range(runs):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            result = SamplerV2(mode=backend).run([isa], shots=SHOTS).result()
        times.append(time.perf_counter() - start)
        counts = result[0].data.meas.get_counts()
    return times, counts


class Engine:
    """The service's store and scheduler with one worker process, in a temporary data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.catalog = Catalog()
        self.store = JobStore(data_dir / "jobs.sqlite3")
        self.scheduler = Scheduler(self.store, self.catalog, workers=1, default_time_limit=600)
        self.scheduler.start()

    def run(self, backend: str, params_text: str) -> tuple[float, str]:
        job = JobRecord(
            id=uuid.uuid4().hex[:20],
            instance="ibm-q-network/research/main",
            backend=backend,
            program="sampler",
            params_text=params_text,
            num_pubs=1,
        )
        start = time.perf_counter()
        self.store.create_job(job)
        self.scheduler.enqueue(job)
        while True:
            status = self.store.get_job(job.id).status
            if status not in ("Queued", "Running"):
                break
            time.sleep(0.001)
        elapsed = time.perf_counter() - start
        if status != "Completed":
            raise RuntimeError(f"job failed: {self.store.get_job(job.id).reason}")
        return elapsed, self.store.get_result(job.id) or ""

    def close(self) -> None:
        self.scheduler.stop()
        self.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per device and tool")
    parser.add_argument("--reference-runs-fez", type=int, default=3, help="local-mode runs on ibm_fez (slow)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Path(tmp))
        try:
            # Warm-up: wait for the worker process (imports) with a job on the ideal simulator.
            engine.run("ibmq_qasm_simulator", wire.dumps(wire.sampler_params([(ghz(), None, 16)])))
            print(f"noisy 5-qubit GHZ, {SHOTS} shots; medians of several runs (seconds)")
            for device, fake_name in DEVICES:
                # One ISA circuit for both (the fake backend and the catalog serve the same snapshot).
                target = engine.catalog.backend_v2(device)
                isa = transpile(ghz(), target=target, optimization_level=1, seed_transpiler=11)
                params_text = wire.dumps(wire.sampler_params([(isa, None, SHOTS)]))
                cold, _ = engine.run(device, params_text)
                ours = []
                for _ in range(args.runs):
                    elapsed, text = engine.run(device, params_text)
                    ours.append(elapsed)
                our_counts = wire.loads(text)[0].data.meas.get_counts()
                reference_runs = args.reference_runs_fez if device == "ibm_fez" else args.runs
                reference, reference_counts = run_reference(fake_name, isa, reference_runs)
                ours_median, reference_median = statistics.median(ours), statistics.median(reference)
                share = lambda c: (c.get("00000", 0) + c.get("11111", 0)) / SHOTS  # noqa: E731
                print(
                    json.dumps(
                        {
                            "device": device,
                            "reference": f"qiskit-ibm-runtime local mode SamplerV2(mode={fake_name}())",
                            "reference_median_s": round(reference_median, 4),
                            "reference_runs": len(reference),
                            "ours_median_s": round(ours_median, 4),
                            "ours_runs": len(ours),
                            "ours_first_run_s": round(cold, 4),
                            "speedup": round(reference_median / ours_median, 1),
                            "speedup_first_run": round(reference_median / cold, 1),
                            "ghz_share_reference": round(share(reference_counts), 3),
                            "ghz_share_ours": round(share(our_counts), 3),
                        }
                    )
                )
        finally:
            engine.close()


if __name__ == "__main__":
    main()
