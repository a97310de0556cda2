"""backend.run(): check the arguments, transpile what the device cannot run as is, submit one Sampler job.

The checks, transpiling and POST are shared with ``backend.estimate()`` (:mod:`ibmq_widgets.client.estimator`).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client import events
from ibmq_widgets.client.job import IBMQJob
from ibmq_widgets.client.session import RetryMode
from ibmq_widgets.client.sessions import session_id_for, session_refusal

if TYPE_CHECKING:
    from ibmq_widgets.client.backend import IBMQBackend

__all__ = [
    "DEFAULT_SHOTS",
    "NAME_METADATA_KEY",
    "NAME_TAG_PREFIX",
    "RUN_OPTIONS",
    "EncodedSubmission",
    "check_common",
    "encode_run",
    "encode_submission",
    "job_body",
    "prepare_circuits",
    "prepare_marked",
    "send_submission",
    "simulator_options",
]

#: Where each circuit's name travels (the API echoes a circuit's metadata in its pub result).
NAME_METADATA_KEY = "ibmq_widgets.name"
#: The API has no job name; it travels as this tag.
NAME_TAG_PREFIX = "name:"
#: Shots per circuit when run() is not told.
DEFAULT_SHOTS = wire.DEFAULT_SHOTS
#: The options of run() and estimate() besides their own arguments.
RUN_OPTIONS = ("seed_simulator", "optimization_level", "seed_transpiler", "max_execution_time")


def _as_circuit_list(circuits: Any) -> list[QuantumCircuit]:
    if isinstance(circuits, QuantumCircuit):
        return [circuits]
    if isinstance(circuits, (list, tuple)) and all(isinstance(c, QuantumCircuit) for c in circuits):
        if not circuits:
            raise exc.IBMQBackendValueError("run() got an empty list of circuits; pass at least one")
        return list(circuits)
    raise exc.IBMQBackendValueError(
        f"run() takes a QuantumCircuit or a list of them, not {type(circuits).__name__}; "
        "Qobj and assemble() are gone from Qiskit, so pass the circuits themselves"
    )


def check_common(
    backend: IBMQBackend,
    circuits: list[QuantumCircuit],
    job_name: Any,
    job_tags: Any,
    options: dict,
    *,
    call: str = "run()",
    takes: str = "shots, job_name, job_tags, session",
    allowed: Sequence[str] = RUN_OPTIONS,
) -> list[str]:
    """Raise IBMQBackendValueError for what the service would reject of any job; return the job's tags.

    Checks the options (only ``allowed`` ones), the number of circuits and their width, the name and tags.
    """
    name = backend.name()
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise exc.IBMQBackendValueError(
            f"{call} got unknown options {unknown}; it takes {takes} and {', '.join(allowed)}"
        )
    configuration = backend.configuration()
    max_experiments = int(getattr(configuration, "max_experiments", 0) or 0)
    if max_experiments and len(circuits) > max_experiments:
        raise exc.IBMQBackendValueError(
            f"{len(circuits)} circuits are more than one job on {name} may hold ({max_experiments}); "
            "split them, or let IBMQJobManager do it"
        )
    for circuit in circuits:
        if circuit.num_qubits > configuration.n_qubits:
            raise exc.IBMQBackendValueError(
                f"circuit {circuit.name!r} needs {circuit.num_qubits} qubits but {name} has "
                f"{configuration.n_qubits}; pick a bigger backend (provider.backends(min_num_qubits=...))"
            )
    _check_options(options)
    if job_name is not None and (not isinstance(job_name, str) or not job_name):
        raise exc.IBMQBackendValueError(f"job_name must be a non-empty string, not {job_name!r}")
    tags = list(job_tags or [])
    if isinstance(job_tags, str) or not all(isinstance(t, str) and t for t in tags):
        raise exc.IBMQBackendValueError(f"job_tags must be a list of non-empty strings, not {job_tags!r}")
    if any(t.startswith(NAME_TAG_PREFIX) for t in tags):
        raise exc.IBMQBackendValueError(f"tags starting with {NAME_TAG_PREFIX!r} are reserved; use job_name=")
    if job_name:
        tags.insert(0, f"{NAME_TAG_PREFIX}{job_name}")
    return tags


def _check_sampler(backend: IBMQBackend, circuits: list[QuantumCircuit], shots: Any) -> None:
    """Raise IBMQBackendValueError for shots out of bounds or a circuit that measures nothing."""
    max_shots = int(getattr(backend.configuration(), "max_shots", 0) or 0)
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise exc.IBMQBackendValueError(f"shots must be a positive integer, not {shots!r}")
    if max_shots and shots > max_shots:
        raise exc.IBMQBackendValueError(
            f"shots={shots} is more than {backend.name()} allows ({max_shots}); ask for fewer"
        )
    for circuit in circuits:
        # i.name, not i.operation.name: the latter builds a Python gate object for every instruction
        if circuit.num_clbits == 0 or not any(i.name == "measure" for i in circuit.data):
            raise exc.IBMQBackendValueError(
                f"circuit {circuit.name!r} measures nothing, so it would have no counts; "
                "add measurements (e.g. circuit.measure_all()), or estimate expectation values with "
                "backend.estimate()"
            )


def _is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_options(options: dict) -> None:
    """Refuse run options the service or the transpiler would choke on, naming the option."""
    limit = options.get("max_execution_time")
    if limit is not None and (
        isinstance(limit, bool)
        or not isinstance(limit, (int, float, np.integer, np.floating))
        or not math.isfinite(limit)
        or limit <= 0
    ):
        raise exc.IBMQBackendValueError(
            f"max_execution_time must be a positive, finite number of seconds, not {limit!r}"
        )
    level = options.get("optimization_level")
    if level is not None and (not _is_integer(level) or not 0 <= level <= 3):
        raise exc.IBMQBackendValueError(f"optimization_level must be 0, 1, 2 or 3, not {level!r}")
    for seed in ("seed_simulator", "seed_transpiler"):
        value = options.get(seed)
        if value is not None and (not _is_integer(value) or value < 0):
            raise exc.IBMQBackendValueError(f"{seed} must be a non-negative integer or None, not {value!r}")


def prepare_circuits(
    backend: IBMQBackend, circuits: list[QuantumCircuit], options: dict
) -> list[QuantumCircuit]:
    """The circuits ready to send: each transpiled for the device unless it is ISA already, its original name
    stored in its metadata under ``"ibmq_widgets.name"``.

    Raises
    ------
    IBMQBackendValueError
        If a circuit cannot be transpiled for the device.
    """
    return [circuit for circuit, _ in prepare_marked(backend, circuits, options)]


def prepare_marked(
    backend: IBMQBackend, circuits: list[QuantumCircuit], options: dict
) -> list[tuple[QuantumCircuit, bool]]:
    """``prepare_circuits``, each circuit with whether it was transpiled here (its observables then need its
    layout)."""
    target = backend.target
    # Qiskit's Target is not safe to transpile against from several threads: for an all-to-all target each
    # build_coupling_map() briefly stores a graph and drops it, so a concurrent transpile can fail. Transpiling
    # holds the GIL anyway, so one lock per backend costs nothing; encoding and HTTP still overlap.
    with backend.transpile_lock:
        return [_prepared(backend, target, circuit, options) for circuit in circuits]


def _prepared(
    backend: IBMQBackend, target: Any, circuit: QuantumCircuit, options: dict
) -> tuple[QuantumCircuit, bool]:
    from qiskit import transpile
    from qiskit.transpiler.exceptions import TranspilerError
    from qiskit_ibm_runtime.utils.utils import is_isa_circuit

    original_name = circuit.name
    transpiled = bool(
        is_isa_circuit(circuit, target)
    )  # a reason why not; "" when the device can run it as is
    if transpiled:
        try:
            circuit = transpile(
                circuit,
                backend=backend,
                optimization_level=options.get("optimization_level", 1),
                seed_transpiler=options.get("seed_transpiler"),
            )
        except (TranspilerError, ValueError, TypeError) as error:
            raise exc.IBMQBackendValueError(
                f"circuit {original_name!r} cannot run on {backend.name()}: {error}"
            ) from None
    else:
        circuit = circuit.copy()
    circuit.name = original_name
    circuit.metadata = {**(circuit.metadata or {}), NAME_METADATA_KEY: original_name}
    return circuit, transpiled


@dataclass(frozen=True)
class EncodedSubmission:
    """A job checked and encoded, ready to POST: sending it again (after a lost answer) sends the same
    Idempotency-Key, so the service creates the job once."""

    backend: IBMQBackend
    body: str
    tags: list[str]
    circuit_names: list[str]
    idempotency_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: "sampler" or "estimator".
    program: str = "sampler"
    #: The session or batch the job joins.
    session_id: str | None = None


def job_body(
    backend: IBMQBackend,
    program: str,
    params: dict[str, Any],
    tags: list[str],
    options: dict[str, Any],
    session_id: str | None,
) -> dict[str, Any]:
    """The JSON of a POST /jobs (a session's id only when there is one: the sampler body stays as it was)."""
    body: dict[str, Any] = {"program_id": program, "backend": backend.name(), "params": params}
    if session_id is not None:
        body["session_id"] = session_id
    body["tags"] = tags
    if options.get("max_execution_time") is not None:
        body["cost"] = options["max_execution_time"]  # the API's per-job time limit, in seconds
    return body


def simulator_options(options: dict[str, Any]) -> dict[str, Any]:
    """The primitive options a run's ``seed_simulator`` becomes (empty without one)."""
    if options.get("seed_simulator") is None:
        return {}
    return {"simulator": {"seed_simulator": int(options["seed_simulator"])}}


def encode_submission(
    backend: IBMQBackend,
    circuits: Any,
    *,
    shots: int,
    job_name: str | None,
    job_tags: Sequence[str] | None,
    options: dict[str, Any],
    session: Any = None,
) -> EncodedSubmission:
    """Check and prepare one Sampler V2 job (one pub per circuit) without sending it.

    Raises
    ------
    IBMQBackendValueError
        If an argument or circuit cannot run on ``backend``.
    IBMQSessionValueError, IBMQSessionClosedError
        If ``session`` is not a session of ``backend`` that accepts jobs.
    """
    circuit_list = _as_circuit_list(circuits)
    tags = check_common(backend, circuit_list, job_name, job_tags, options)
    _check_sampler(backend, circuit_list, shots)
    session_id = session_id_for(session, backend)
    prepared = prepare_circuits(backend, circuit_list, options)
    params = wire.sampler_params([(c, None, shots) for c in prepared], simulator_options(options))
    body = job_body(backend, "sampler", params, tags, options, session_id)
    return EncodedSubmission(
        backend, wire.dumps(body), tags, [c.name for c in prepared], session_id=session_id
    )


def send_submission(encoded: EncodedSubmission) -> IBMQJob:
    """POST an encoded job; emits ``events.job_submitted`` and returns the job.

    Raises
    ------
    IBMQSessionClosedError
        If the service refused the job because its session has ended.
    """
    backend = encoded.backend
    provider = backend.provider()
    try:
        response = provider.session.request(
            "POST",
            "/jobs",
            data=encoded.body,
            headers={"Content-Type": "application/json", "Idempotency-Key": encoded.idempotency_key},
            retry=RetryMode.SUBMISSION,
        )
    except exc.IBMQError as error:
        refusal = session_refusal(error, encoded.session_id) if encoded.session_id else None
        if refusal is None:
            raise
        raise refusal from error
    answer = response.json()
    job = IBMQJob(
        provider,
        {
            "id": answer["id"],
            "backend": answer.get("backend", backend.name()),
            "state": {"status": "Queued"},
            "program": {"id": encoded.program},
            "session_id": encoded.session_id,
            "tags": list(encoded.tags),
            "ibmq_widgets": {"num_pubs": len(encoded.circuit_names)},
        },
        backend=backend,
        circuit_names=list(encoded.circuit_names),
    )
    events.job_submitted.emit(job)
    return job


def encode_run(
    backend: IBMQBackend,
    circuits: Any,
    shots: int = DEFAULT_SHOTS,
    job_name: str | None = None,
    job_tags: Sequence[str] | None = None,
    session: Any = None,
    **options: Any,
) -> EncodedSubmission:
    """What ``backend.run`` with the same arguments would send, encoded but not sent."""
    return encode_submission(
        backend, circuits, shots=shots, job_name=job_name, job_tags=job_tags, options=options, session=session
    )
