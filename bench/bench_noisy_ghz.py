"""Benchmark 1: a warm noisy 5-qubit GHZ, 1,024 shots, on ibm_fez (156 qubits), layer by layer, each layer
against the strongest simple alternative, measured side by side in the same run.

All get the same ISA circuit (transpiled once, before timing). Figures are medians of several runs; the
variants of one layer are interleaved run by run, so a change in machine load hits them alike.

1. The simulation step: what a worker does with the pub, ``worker._Engine.sample`` on the circuit cut to its
   5 active qubits (the device's errors kept as superoperators, shots drawn from the exact noisy distribution).
   References, on the same cut circuit:
   - aer alone with a prebuilt noise model: ``AerSimulator(noise_model=NoiseModel.from_backend(...))`` for those
     5 qubits, built once, then ``run(cut, shots=1024)``: the strongest simple thing a user would write;
   - an ideal aer run (no noise at all): the floor. Target: the step within 2x of it.
2. The engine: a job put into the service's store and scheduler, run by a worker process (decode, cut,
   simulate, encode), timed from submission until the store says Completed. Target: under 10 ms.
3. Over HTTP: an in-process service, POST /jobs, GET /jobs/{id} every 2 ms until Completed, GET the results
   decoded with the wire codec.
4. The reference of 2 and 3: qiskit-ibm-runtime's local testing mode, ``SamplerV2(mode=FakeFez())`` (aer with the
   whole device's noise model). Target: 3 more than 500x faster.
The first run on a device (its noise data built by a worker that is already warm) is shown apart.

Usage: python bench/bench_noisy_ghz.py [--runs N] [--reference-runs N] [--device NAME FAKE_CLASS]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

from ghz_common import SHOTS, fake_backend, ghz, ghz_share, local_mode_run, median_ms, research_sampler, timed
from qiskit import QuantumCircuit, transpile

from ibmq_widgets import wire
from ibmq_widgets.service import start
from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.scheduler import Scheduler
from ibmq_widgets.service.store import JobRecord, JobStore


class Engine:
    """The service's store and scheduler with one worker process, in a temporary data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.catalog = Catalog()
        self.store = JobStore(data_dir / "jobs.sqlite3")
        self.scheduler = Scheduler(self.store, self.catalog, workers=1, default_time_limit=600)
        self.scheduler.start()
        self.scheduler.wait_until_warm()

    def run(self, backend: str, params_text: str) -> float:
        """Seconds from submission until the store says Completed."""
        job = JobRecord(
            id=uuid.uuid4().hex[:20],
            instance="ibm-q-network/research/main",
            backend=backend,
            program="sampler",
            params_text=params_text,
            num_pubs=1,
        )
        started = time.perf_counter()
        self.store.create_job(job)
        self.scheduler.enqueue(job)
        while (status := self.store.get_job(job.id).status) in ("Queued", "Running"):
            time.sleep(0.0002)
        elapsed = time.perf_counter() - started
        if status != "Completed":
            raise RuntimeError(f"job failed: {self.store.get_job(job.id).reason}")
        return elapsed

    def close(self) -> None:
        self.scheduler.stop()
        self.store.close()


def bench_step(catalog: Catalog, device: str, isa: QuantumCircuit, runs: int) -> dict[str, float]:
    """1. The worker's simulation step against aer with a prebuilt noise model and an ideal aer run (ms)."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    from ibmq_widgets.service.noise import cut_to_active_qubits, sub_target
    from ibmq_widgets.service.worker import _Engine

    cut = cut_to_active_qubits(isa)
    engine = _Engine()
    engine.sample(device, [cut], SHOTS, 1)  # builds this device's noise data

    class CutBackend:  # what NoiseModel.from_backend reads: the device's target for those qubits
        version = 2
        target = sub_target(catalog.backend_v2(device), cut.qubits)
        operation_names = list(target.operation_names)
        dt = target.dt

    noisy = AerSimulator(noise_model=NoiseModel.from_backend(CutBackend()), max_parallel_threads=1)
    ideal = AerSimulator(max_parallel_threads=1)
    variants = {
        "ours": lambda: engine.sample(device, [cut], SHOTS, 1),
        "aer_noise_model": lambda: noisy.run(cut.circuit, shots=SHOTS, seed_simulator=1).result(),
        "aer_ideal": lambda: ideal.run(cut.circuit, shots=SHOTS, seed_simulator=1).result(),
    }
    for call in variants.values():
        call()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, call in variants.items():
            times[name] += timed(call, 1)
    return {name: median_ms(values) for name, values in times.items()}


def bench_engine(device: str, params_text: str, runs: int) -> tuple[float, list[float]]:
    """2. The engine: the first run on the device (warm worker) and warm runs, seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Path(tmp))
        try:
            first = engine.run(device, params_text)
            return first, [engine.run(device, params_text) for _ in range(runs)]
        finally:
            engine.close()


def bench_http(device: str, isa: QuantumCircuit, runs: int) -> tuple[float, list[float], float]:
    """3. Over HTTP: the first run on the device, warm runs (seconds) and the GHZ share of the last counts."""
    with tempfile.TemporaryDirectory() as data, start(data_dir=data, port=0, workers=1) as service:
        sampler = research_sampler(service, interval=0.002)
        sampler.run("ibmq_qasm_simulator", ghz(), 16)  # the worker is warm (start waited); this warms HTTP
        first = timed(lambda: sampler.run(device, isa), 1)[0]
        counts: dict[str, int] = {}

        def run() -> None:
            counts.update(sampler.run(device, isa))

        return first, timed(run, runs), ghz_share(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs of ours per figure")
    parser.add_argument("--reference-runs", type=int, default=3, help="local-mode runs (slow on ibm_fez)")
    parser.add_argument("--device", nargs=2, default=("ibm_fez", "FakeFez"), metavar=("NAME", "FAKE_CLASS"))
    args = parser.parse_args()
    device, fake_name = args.device
    catalog = Catalog()
    isa = transpile(ghz(), target=catalog.backend_v2(device), optimization_level=1, seed_transpiler=11)
    params_text = wire.dumps(wire.sampler_params([(isa, None, SHOTS)]))
    print(f"warm noisy 5-qubit GHZ on {device}, {SHOTS} shots; medians")

    step = bench_step(catalog, device, isa, args.runs)
    print(
        f"1. simulation step: ours {step['ours']:.2f} ms | aer + prebuilt noise model "
        f"{step['aer_noise_model']:.2f} ms ({step['aer_noise_model'] / step['ours']:.1f}x slower than ours) | "
        f"ideal aer {step['aer_ideal']:.2f} ms (ours/ideal {step['ours'] / step['aer_ideal']:.2f}x, target <= 2x)"
    )
    engine_first, engine_runs = bench_engine(device, params_text, args.runs)
    engine_ms = median_ms(engine_runs)
    print(f"2. engine (store, scheduler, worker): {engine_ms:.2f} ms (target < 10 ms); first run on the device "
          f"{engine_first * 1000:.0f} ms")  # fmt: skip
    http_first, http_runs, our_share = bench_http(device, isa, args.runs)
    http_ms = median_ms(http_runs)
    print(f"3. over HTTP: {http_ms:.2f} ms; first run on the device {http_first * 1000:.0f} ms")
    backend = fake_backend(fake_name)
    reference_counts: dict[str, int] = {}
    reference = timed(lambda: reference_counts.update(local_mode_run(backend, isa)), args.reference_runs)
    reference_ms = median_ms(reference)
    print(
        f"4. local testing mode SamplerV2(mode={fake_name}()): {reference_ms:.0f} ms | ratio local mode / ours: "
        f"engine {reference_ms / engine_ms:.0f}x, HTTP {reference_ms / http_ms:.0f}x (target > 500x), "
        f"HTTP first run {reference_ms / (http_first * 1000):.0f}x"
    )
    summary = {
        "device": device,
        "step_ms": round(step["ours"], 3),
        "aer_prebuilt_noise_model_ms": round(step["aer_noise_model"], 3),
        "aer_ideal_ms": round(step["aer_ideal"], 3),
        "engine_ms": round(engine_ms, 3),
        "engine_first_ms": round(engine_first * 1000, 1),
        "http_ms": round(http_ms, 3),
        "http_first_ms": round(http_first * 1000, 1),
        "local_mode_ms": round(reference_ms, 1),
        "runs": args.runs,
        "reference_runs": len(reference),
        "ghz_share_ours": round(our_share, 3),
        "ghz_share_local_mode": round(ghz_share(reference_counts), 3),
        "engine_min_max_ms": [round(min(engine_runs) * 1000, 2), round(max(engine_runs) * 1000, 2)],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
