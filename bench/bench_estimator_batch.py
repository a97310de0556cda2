"""Benchmark: 20 Estimator jobs as one batch through the job manager, against qiskit-ibm-runtime's EstimatorV2.

Measured side by side in one run, against the same in-process local service on a free loopback port (2 workers,
the research instance's job limit raised to 40 so that the reference's 20 unpaced submissions are all taken):
- reference: qiskit-ibm-runtime's ``EstimatorV2(mode=backend)``, the strongest simple use of it: submit all 20
  jobs one after another, then collect the 20 results (``job.result()`` each, the client's own polling);
- ours: ``IBMQJobManager().run(pubs, backend, max_experiments_per_job=1, mode="batch", precision=...)
  .results()``: the same 20 jobs in one batch, closed once all are submitted.

Each job is one pub: a 3-qubit circuit (a different rotation per job, entangled) and 3 observables, transpiled for
the device beforehand (outside the clock) with the observables laid out, as the reference needs; ours gets the
same ISA circuits and observables. Wall time and HTTP requests from the first submission to the last result;
requests are counted by wrapping ``requests.Session.send``, which both clients use. The two contenders alternate;
medians of several runs; the ratio reference / ours. The results of both are checked to agree.

Usage: python bench/bench_estimator_batch.py [--runs N] [--backend ibmq_manila] [--mode batch|job]
(``--mode job`` runs ours without a batch, for a service that has no session endpoints).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import requests
from bench_client_backends import _counting_send as counting_send
from bench_client_backends import measure, reference_client
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.exceptions import IBMQSessionError
from ibmq_widgets.managed import IBMQJobManager
from ibmq_widgets.service import start
from ibmq_widgets.service.config import load_config

JOBS = 20
PRECISION = 0.01
LABELS = ("ZZI", "IZZ", "XXX")
RESEARCH = "ibm-q-network/research/main"


def raise_job_limit(data_dir: Path, job_limit: int) -> None:
    """Write the service's default config.json (by loading it) and raise the research instance's job limit."""
    load_config(data_dir)
    path = data_dir / "config.json"
    config = json.loads(path.read_text())
    for instance in config["instances"]:
        if instance["name"] == RESEARCH:
            instance["job_limit"] = job_limit
    path.write_text(json.dumps(config))


def ansatz(index: int) -> QuantumCircuit:
    """Three qubits: a rotation that differs per job on the first, a Bell pair on the others, entangled."""
    circuit = QuantumCircuit(3, name=f"ansatz{index}")
    circuit.ry(0.15 * index, 0)
    circuit.h(1)
    circuit.cx(1, 2)
    circuit.cx(0, 1)
    return circuit


def make_pubs(backend) -> list[tuple[QuantumCircuit, list[SparsePauliOp]]]:
    """JOBS (ISA circuit, laid-out observables) pairs for ``backend`` (a BackendV2: the reference's)."""
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=7)
    circuits = [manager.run(ansatz(index)) for index in range(JOBS)]
    return [(isa, [SparsePauliOp(label).apply_layout(isa.layout) for label in LABELS]) for isa in circuits]


def reference_run(estimator, pubs) -> list[np.ndarray]:
    jobs = [estimator.run([pub], precision=PRECISION) for pub in pubs]
    return [np.asarray(job.result()[0].data.evs) for job in jobs]


def ours_run(backend, pubs, mode: str) -> list[np.ndarray]:
    job_set = IBMQJobManager().run(
        list(pubs), backend, max_experiments_per_job=1, mode=mode, precision=PRECISION, progress=False
    )
    results = job_set.results(progress=False)
    if mode != "job":
        batch = job_set.session()
        assert batch is not None and not batch.accepting_jobs  # closed once every job was submitted
        assert {job.session_id() for job in job_set.jobs()} == {batch.session_id}
    return [np.asarray(results.expectation_values(i)) for i in range(len(pubs))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--backend", default="ibmq_manila", help="the device (default ibmq_manila)")
    parser.add_argument("--mode", default="batch", choices=("batch", "job"), help="ours in a batch or not")
    args = parser.parse_args()
    requests.Session.send = counting_send
    logging.getLogger("qiskit_ibm_runtime").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # EstimatorV2's deprecation notice

    from qiskit_ibm_runtime import EstimatorV2

    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        data_dir.chmod(0o700)
        raise_job_limit(data_dir, job_limit=2 * JOBS)
        with start(data_dir=data_dir, port=0, workers=2) as service:
            crn = next(i["crn"] for i in service.instances if i["name"] == RESEARCH)
            provider = AccountManager().enable_account(service.api_key, url=service.url, hub="ibm-q-network")
            backend = provider.get_backend(args.backend)
            runtime = reference_client(service.url, service.api_key, crn)
            reference_backend = runtime.backend(args.backend)
            estimator = EstimatorV2(mode=reference_backend)
            pubs = make_pubs(reference_backend)
            backend.configuration(), backend.properties()  # what ours caches, as the reference's backend has
            try:
                ours_run(backend, pubs[:1], args.mode)  # warm the service's workers and noise model
            except IBMQSessionError as error:
                sys.exit(f"the service has no session endpoints yet ({error}); run with --mode job meanwhile")
            times: dict[str, list[float]] = {"reference": [], "ours": []}
            counts: dict[str, list[int]] = {"reference": [], "ours": []}
            values: dict[str, list[np.ndarray]] = {}
            for run in range(args.runs):
                order = [
                    ("reference", lambda: reference_run(estimator, pubs)),
                    ("ours", lambda: ours_run(backend, pubs, args.mode)),
                ]
                for label, fn in order[:: -1 if run % 2 else 1]:
                    seconds, count, value = measure(fn)
                    times[label].append(seconds)
                    counts[label].append(count)
                    values[label] = value
    for mine, theirs in zip(values["ours"], values["reference"], strict=True):
        assert np.allclose(mine, theirs, atol=6 * PRECISION), (mine, theirs)  # same states, independent noise
    ref_t, our_t = statistics.median(times["reference"]), statistics.median(times["ours"])
    ref_n, our_n = statistics.median(counts["reference"]), statistics.median(counts["ours"])
    print(
        f"{JOBS} Estimator jobs on {args.backend} ({len(LABELS)} observables each), median of {args.runs} runs"
    )
    print(f"  reference EstimatorV2, submit all then collect: {ref_t:7.2f} s  {ref_n:5.0f} requests")
    print(
        f"  IBMQJobManager(mode={args.mode!r}):{' ' * (17 - len(args.mode))}{our_t:7.2f} s  {our_n:5.0f} requests"
    )
    print(f"  ratio reference/ours: {ref_t / our_t:.2f}x faster, {ref_n / max(our_n, 1):.2f}x fewer requests")
    print(
        f"  runs: reference {[round(t, 2) for t in times['reference']]}, ours {[round(t, 2) for t in times['ours']]}"
    )


if __name__ == "__main__":
    main()
