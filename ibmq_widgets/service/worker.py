"""What runs inside a worker process: decode a job's pubs, simulate them, encode the result.

A worker process serves one job at a time over a socket (see ``serve``; the messages are the records of
``worker_messages``, the scheduler's side is ``worker_process.WorkerProcess``); the scheduler kills it to
stop a job (cancel, time limit) and starts a fresh one, so a runaway or crashing simulation costs only its own
job.

Simulation: qiskit-aer on the circuit cut to its active qubits, with the device's noise for those qubits
(``noise.DeviceNoise``, built once per device per process and kept in the forms aer consumes), or ideal for
``ibmq_qasm_simulator``. Sampler pubs without parameters become per-shot bit arrays drawn from exact
probabilities: a statevector on the ideal simulator, a density matrix with the device's errors as
superoperators on a device (``sampling.sample_noisy``), or else from aer's counts with the device's noise model;
the others, and Estimator pubs, run through aer's V2 primitives.
Results look like the real primitives': a ``PrimitiveResult`` of ``SamplerPubResult`` (one ``BitArray`` per
classical register, named as the register) or of ``PubResult`` (``evs``, ``stds``), each pub's metadata
``{"shots" or "target_precision", "circuit_metadata"}``. Each job is seeded from its id, so a rerun (after a
restart) gives the same result.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import os
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from ibmq_widgets.service.worker_messages import JobDone, JobFailed, Ready, RunJob
from ibmq_widgets.wire import DEFAULT_SHOTS

__all__ = [
    "DEFAULT_PRECISION",
    "DEFAULT_RUNNER",
    "DEFAULT_SHOTS",
    "UnrunnableJobError",
    "execute_job",
    "job_seed",
    "main",
    "serve",
]

#: Target precision of an estimator pub that names none, as on the real platform.
DEFAULT_PRECISION = 0.015625
#: The function a worker runs for each job, as "module:function".
DEFAULT_RUNNER = "ibmq_widgets.service.worker:execute_job"
# Above this many active qubits, dense simulation of noise is out of reach: use matrix product states.
_DENSE_QUBIT_LIMIT = 24
_DEVICES_KEPT = 16  # device noise data kept per worker process


class UnrunnableJobError(Exception):
    """A job that cannot run as submitted; the message is the reason the user sees."""


def job_seed(job_id: str) -> int:
    """The simulator seed of a job: derived from its id, so reruns reproduce the result."""
    return int.from_bytes(hashlib.sha256(job_id.encode()).digest()[:4], "big")


# The simulation stack (qiskit, qiskit-aer) is imported inside the functions below: the scheduler imports
# this module for WorkerProcess, and the service process should not pay for what only workers use.


class _Engine:
    """Per-process simulation state: the catalog and the noise of recent devices, built on first use."""

    def __init__(self) -> None:
        from ibmq_widgets.service.catalog import Catalog

        self.catalog = Catalog()
        self._noise: OrderedDict[str, Any] = OrderedDict()

    def device_noise(self, backend: str) -> Any:
        """The ``noise.DeviceNoise`` of ``backend``, built on first use; the last ``_DEVICES_KEPT`` are kept."""
        from ibmq_widgets.service.noise import DeviceNoise

        noise = self._noise.get(backend)
        if noise is None:
            noise = self._noise[backend] = DeviceNoise(self.catalog.backend_v2(backend))
            if len(self._noise) > _DEVICES_KEPT:
                self._noise.popitem(last=False)
        else:
            self._noise.move_to_end(backend)
        return noise

    def options_key(self, backend: str, cut: Any) -> tuple:
        """Cut circuits with equal keys can share one simulator: the same method and the same noise."""
        dense = len(cut.qubits) <= _DENSE_QUBIT_LIMIT
        if self.catalog.is_simulator(backend):
            return (dense,)
        return (dense, cut.qubits, cut.used)

    def backend_options(self, backend: str, cut: Any) -> dict[str, Any]:
        """AerSimulator options for a cut circuit on ``backend``: its noise unless it is the simulator."""
        options: dict[str, Any] = {"max_parallel_threads": 1}
        if len(cut.qubits) > _DENSE_QUBIT_LIMIT:
            options["method"] = "matrix_product_state"
        if not self.catalog.is_simulator(backend):
            noise = self.device_noise(backend)
            options["noise_model"] = noise.noise_model(cut.qubits, cut.used)
        return options

    def sample(self, backend: str, cuts: list[Any], shots: int, seed: int) -> list[dict[str, Any]]:
        """The register bit arrays of countable cut circuits sharing one ``options_key`` (see ``sampling``).

        On a device, circuits a density matrix simulates cheaply are drawn with the device's errors as
        superoperators (``sampling.sample_noisy``); the others are counted by aer with the ``NoiseModel``.
        """
        from qiskit_aer import AerSimulator

        from ibmq_widgets.service.sampling import sample_counts, sample_noisy, sample_registers

        circuits = [cut.circuit for cut in cuts]
        if self.catalog.is_simulator(backend):
            noiseless = len(cuts[0].qubits) <= _DENSE_QUBIT_LIMIT
            return sample_registers(
                AerSimulator(**self.backend_options(backend, cuts[0])),
                circuits,
                shots,
                seed,
                noiseless=noiseless,
            )
        exact = self.device_noise(backend).exact(cuts[0].qubits, cuts[0].used)
        arrays = [None] * len(cuts)
        if exact is not None:
            arrays = sample_noisy(AerSimulator(max_parallel_threads=1), circuits, shots, seed, exact)
        rest = [i for i, fields in enumerate(arrays) if fields is None]
        if rest:
            simulator = AerSimulator(**self.backend_options(backend, cuts[0]))
            counted = sample_counts(simulator, [circuits[i] for i in rest], shots, seed)
            for index, fields in zip(rest, counted, strict=True):
                arrays[index] = fields
        return arrays


_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def _run_sampler(engine: _Engine, backend: str, params: dict, seed: int) -> Any:
    from qiskit.primitives import DataBin, PrimitiveResult, SamplerPubResult
    from qiskit.primitives.containers.sampler_pub import SamplerPub
    from qiskit_aer.primitives import SamplerV2

    from ibmq_widgets.service.noise import cut_to_active_qubits
    from ibmq_widgets.service.sampling import countable

    options = params.get("options") or {}
    default_shots = int(options.get("default_shots") or DEFAULT_SHOTS)
    pubs = [
        SamplerPub.coerce(tuple(raw) if isinstance(raw, list) else raw, default_shots)
        for raw in params.get("pubs") or []
    ]
    cuts = [cut_to_active_qubits(pub.circuit) for pub in pubs]
    # Pubs that need the same simulator (all of them on the ideal simulator; on a device, those on the same
    # qubits with the same gates) and the same shots run in one Aer call: for small circuits the per-call
    # set-up dominates. Pubs without parameters are sampled (see sampling.py); the others run through SamplerV2.
    groups: dict[Any, list[int]] = {}
    for index, (pub, cut) in enumerate(zip(pubs, cuts, strict=True)):
        key = (engine.options_key(backend, cut), countable(pub), pub.shots)
        groups.setdefault(key, []).append(index)
    data: list[Any] = [None] * len(pubs)
    for (_, as_counts, shots), indices in groups.items():
        first = indices[0]
        if as_counts:
            sampled = engine.sample(backend, [cuts[i] for i in indices], shots, seed + first)
            for index, fields in zip(indices, sampled, strict=True):
                data[index] = DataBin(**fields, shape=())
            continue
        backend_options = engine.backend_options(backend, cuts[first])
        sampler = SamplerV2(seed=seed + first, options={"backend_options": backend_options})
        small = [
            SamplerPub(cuts[i].circuit, pubs[i].parameter_values, pubs[i].shots, validate=False)
            for i in indices
        ]
        for index, result in zip(indices, sampler.run(small).result(), strict=True):
            data[index] = result.data
    results = [
        SamplerPubResult(data[i], metadata={"shots": pub.shots, "circuit_metadata": pub.circuit.metadata})
        for i, pub in enumerate(pubs)
    ]
    return PrimitiveResult(results, metadata={"version": 2})


def _reduced_observables(observables: Any, cut: Any) -> Any:
    from qiskit.primitives.containers.observables_array import ObservablesArray

    from ibmq_widgets.service.noise import reduce_pauli_terms

    reduced = np.empty(observables.shape, dtype=object)
    for position in np.ndindex(*observables.shape):
        reduced[position] = reduce_pauli_terms(observables[position], cut)
    return ObservablesArray(reduced.tolist() if reduced.shape else reduced.item())


def _default_precision(options: dict) -> float:
    """The precision of estimator pubs that name none: the option, else 1/sqrt(default_shots), else 1/64."""
    if options.get("default_precision"):
        return float(options["default_precision"])
    if options.get("default_shots"):
        return 1.0 / float(options["default_shots"]) ** 0.5
    return DEFAULT_PRECISION


def _run_estimator(engine: _Engine, backend: str, params: dict, seed: int) -> Any:
    from qiskit.primitives import PrimitiveResult, PubResult
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit_aer.primitives import EstimatorV2

    from ibmq_widgets.service.noise import cut_to_active_qubits

    options = params.get("options") or {}
    default_precision = _default_precision(options)
    results = []
    for index, raw in enumerate(params.get("pubs") or []):
        pub = EstimatorPub.coerce(tuple(raw) if isinstance(raw, list) else raw, default_precision)
        cut = cut_to_active_qubits(pub.circuit)
        observables = _reduced_observables(pub.observables, cut)
        small = EstimatorPub(cut.circuit, observables, pub.parameter_values, pub.precision, validate=False)
        estimator = EstimatorV2(
            options={
                "backend_options": engine.backend_options(backend, cut),
                "run_options": {"seed_simulator": seed + index},
            }
        )
        result = estimator.run([small]).result()[0]
        results.append(
            PubResult(
                result.data,
                metadata={"target_precision": pub.precision, "circuit_metadata": pub.circuit.metadata},
            )
        )
    return PrimitiveResult(results, metadata={"version": 2})


def execute_job(job: dict[str, Any]) -> str:
    """Run one job and return its result encoded for the wire.

    Parameters
    ----------
    job : dict
        ``id``, ``backend``, ``program`` ("sampler" or "estimator") and ``params_text`` (the JSON of the
        POST /jobs ``params``, as stored).

    Raises
    ------
    UnrunnableJobError
        If the job cannot run as submitted (the message says why).
    """
    from ibmq_widgets.wire import dumps, loads

    engine = _engine()
    try:
        params = loads(job["params_text"])
    except ValueError as exc:
        raise UnrunnableJobError(f"The job's params could not be decoded: {exc}") from None
    if not isinstance(params, dict) or not isinstance(params.get("pubs"), list):
        raise UnrunnableJobError("The job's params have no list of 'pubs'.")
    runners: dict[str, Callable[[_Engine, str, dict, int], Any]] = {
        "sampler": _run_sampler,
        "estimator": _run_estimator,
    }
    runner = runners.get(job["program"])
    if runner is None:
        raise UnrunnableJobError(f"Unknown program {job['program']!r}; use 'sampler' or 'estimator'.")
    try:
        result = runner(engine, job["backend"], params, job_seed(job["id"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise UnrunnableJobError(f"The pubs could not be run: {exc}") from None
    return dumps(result)


def _resolve(path: str) -> Callable[[dict[str, Any]], str]:
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def _warm_up() -> None:
    """Import the simulation stack, run one tiny noisy simulation and load the catalog before saying ready,
    so that time limits measure simulation only and a broken install shows before any job is given out.
    """
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

    import ibmq_widgets.wire  # noqa: F401

    noise = NoiseModel()
    noise.add_all_qubit_quantum_error(depolarizing_error(0.01, 1), ["sx"])
    noise.add_all_qubit_readout_error(ReadoutError([[0.99, 0.01], [0.02, 0.98]]))
    circuit = QuantumCircuit(1)
    circuit.sx(0)
    circuit.measure_all()
    AerSimulator(noise_model=noise, max_parallel_threads=1).run(circuit, shots=8, seed_simulator=1).result()
    _engine()


def _exit_with_parent() -> None:
    """End this process when its parent dies (e.g. a kill -9 of the service), even mid-simulation."""
    parent = os.getppid()

    def watch() -> None:
        """Poll for the parent's death (reparenting changes our parent pid) and exit then."""
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="ibmq-widgets-parent-watch", daemon=True).start()


def _answer(runner: Callable[[dict[str, Any]], str], job: RunJob) -> JobDone | JobFailed:
    """Run ``job`` through ``runner``; the failure a user sees if it cannot run (never a traceback)."""
    try:
        return JobDone(job.job_id, runner(job.runner_input()))
    except UnrunnableJobError as exc:
        return JobFailed(job.job_id, str(exc))
    except MemoryError:
        return JobFailed(job.job_id, "The simulation ran out of memory; use fewer active qubits.")
    except Exception as exc:
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return JobFailed(job.job_id, f"The simulation failed: {detail}")


def serve(
    conn: Connection, runner_path: str = DEFAULT_RUNNER, watch_parent: bool = False, freeze_heap: bool = False
) -> None:
    """The worker process main loop: run the jobs the scheduler sends until told to stop.

    Protocol (the records of ``worker_messages`` over ``conn``): the worker sends ``Ready()`` once warmed
    up; then for each ``RunJob`` it answers ``JobDone`` or ``JobFailed``; ``Stop()`` or a closed connection
    ends it. With ``watch_parent`` (in a worker process) the process also ends as soon as the process that
    started it is gone, so no orphan keeps simulating. With ``freeze_heap`` (a worker process of its own)
    what the warm-up built is hidden from the garbage collector.

    Parameters
    ----------
    conn : Connection
        This end of the connection to the scheduler.
    runner_path : str
        ``"module:function"`` run for each job with ``RunJob.runner_input()``, returning the result text.
    watch_parent, freeze_heap : bool
        See above.
    """
    if watch_parent:
        _exit_with_parent()
    runner = _resolve(runner_path)
    _warm_up()
    if freeze_heap:
        # qiskit, aer and the catalog live as long as the process; left in view, the collector walks their
        # ~170,000 objects again and again while jobs allocate (about 5 of 32 ms of CPU per 50-circuit job).
        gc.freeze()
    conn.send(Ready())
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if not isinstance(message, RunJob):
            return
        try:
            conn.send(_answer(runner, message))
        except (BrokenPipeError, OSError):
            return


def main(argv: list[str] | None = None) -> None:
    """Entry point of a worker process: ``python -c "...worker import main; main()" FD RUNNER``.

    ``FD`` is this process's end of a socket pair to the scheduler (see ``worker_process.WorkerProcess``).
    """
    import signal
    import sys
    from multiprocessing.connection import Connection

    # The scheduler alone stops workers. A notebook's interrupt or Ctrl-C in a terminal reaches the whole
    # process group; without this each worker of an embedded service would print a KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, runner = (argv if argv is not None else sys.argv[1:])[:2]
    serve(Connection(int(fd)), runner, watch_parent=True, freeze_heap=True)
