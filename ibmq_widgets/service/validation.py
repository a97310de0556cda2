"""Checks a POST /jobs body against the backend before anything is stored.

Every problem becomes an :class:`~ibmq_widgets.service.errors.ApiError` with a 4xx status, a code from
docs/architecture.md and a message saying what was wrong and what to do. Circuits must be ISA circuits of the
device (its gates, its coupling map), as on the real platform: the message tells the caller to transpile.

The body is parsed as strict JSON by :func:`~ibmq_widgets.service.handlers.inputs.parse_json`; the limits
(tags, cost, session id) are documented in openapi.yaml.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ibmq_widgets import wire
from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.config import InstanceConfig
from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.service.handlers.inputs import check_tags, parse_json

__all__ = ["MAX_COST_SECONDS", "PROGRAMS", "JobValidator", "Submission", "check_backend_access"]

PROGRAMS = ("sampler", "estimator")
#: The largest ``cost`` (maximum execution seconds) a job may ask for: the platform's three hours. A job runs at
#: most the smaller of its cost and the service's job time limit.
MAX_COST_SECONDS = 10800.0
MAX_SESSION_ID_LENGTH = 256
#: Default for the most bytes one encoded circuit or array may inflate to (guards against zlib bombs).
MAX_INFLATED_BYTES = 256 * 1024 * 1024
_ENCODED_TYPES = ("QuantumCircuit", "Instruction", "ndarray")
# Allowed on every device although the configuration does not list them as gates.
_ALWAYS_ALLOWED = frozenset({"barrier", "measure"})


@dataclass
class Submission:
    """A checked job request, ready to become a JobRecord."""

    program: str
    backend: str
    params_text: str
    num_pubs: int
    tags: list[str] = field(default_factory=list)
    session_id: str | None = None
    private: bool = False
    max_seconds: float | None = None


def _bad(code: str, message: str, status: int = 400) -> ApiError:
    return ApiError(status, code, message)


def check_backend_access(catalog: Catalog, instance: InstanceConfig, backend: Any) -> dict[str, Any]:
    """The catalog summary of ``backend`` if ``instance`` may use it, else a 404 ``unknown_backend``."""
    if not isinstance(backend, str) or not backend:
        raise _bad(
            "bad_request", "The job needs a 'backend': the name of a backend from GET /api/v1/backends."
        )
    if not catalog.has(backend):
        raise _bad(
            "unknown_backend",
            f"There is no backend named {backend!r}; list the backends with GET /api/v1/backends.",
            404,
        )
    summary = catalog.summary(backend)
    if not instance.may_use(backend, summary["n_qubits"], summary["simulator"]):
        raise _bad(
            "unknown_backend",
            f"Backend {backend!r} is not available to instance {instance.name}; "
            "use one listed by GET /api/v1/backends or an instance that has it.",
            404,
        )
    return summary


def _encoded_values(node: Any) -> Iterator[str]:
    """The base64 strings of every QPY circuit or array envelope inside ``node``."""
    if isinstance(node, dict):
        if node.get("__type__") in _ENCODED_TYPES and isinstance(node.get("__value__"), str):
            yield node["__value__"]
        for value in node.values():
            yield from _encoded_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _encoded_values(value)


def _check_inflated_sizes(params: Any, limit: int) -> None:
    for text in _encoded_values(params):
        try:
            raw = base64.standard_b64decode(text)
        except (binascii.Error, ValueError):
            raise _bad("invalid_qpy", "A circuit or array in 'params' is not valid base64.") from None
        inflater = zlib.decompressobj()
        try:
            inflater.decompress(raw, limit + 1)
        except zlib.error:
            raise _bad(
                "invalid_qpy", "A circuit or array in 'params' is not valid zlib-compressed data."
            ) from None
        if inflater.unconsumed_tail:
            raise _bad(
                "payload_too_large",
                f"A circuit or array in 'params' inflates to more than {limit} bytes; split the job.",
                413,
            )


def _decode_params(params_text: str) -> dict[str, Any]:
    try:
        decoded = wire.loads(params_text)
    except Exception as exc:  # the decoder raises whatever QPY, numpy or base64 raise on garbage
        raise _bad(
            "invalid_qpy",
            f"Could not decode the circuits in 'params' ({type(exc).__name__}: {str(exc)[:200]}); encode "
            "pubs with qiskit_ibm_runtime's RuntimeEncoder (circuits as QPY).",
        ) from None
    return decoded


def _coerce_pubs(program: str, params: dict[str, Any]) -> list[Any]:
    from qiskit.circuit import QuantumCircuit
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    pubs = params.get("pubs")
    if not isinstance(pubs, list) or not pubs:
        raise _bad("bad_request", "'params.pubs' must be a non-empty list of pubs.")
    options = params.get("options", {})
    if not isinstance(options, dict):
        raise _bad("bad_request", "'params.options' must be an object (or left out).")
    default_shots = options.get("default_shots") or wire.DEFAULT_SHOTS
    coerced = []
    for index, pub in enumerate(pubs):
        if not isinstance(pub, (list, tuple)) or not pub or not isinstance(pub[0], QuantumCircuit):
            raise _bad(
                "bad_request", f"Pub {index} must be a list whose first item is a QPY-encoded QuantumCircuit."
            )
        try:
            if program == "sampler":
                coerced.append(SamplerPub.coerce(tuple(pub), default_shots))
            else:
                coerced.append(EstimatorPub.coerce(tuple(pub), options.get("default_precision")))
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise _bad("bad_request", f"Pub {index} is not a valid {program} pub: {exc}") from None
    return coerced


def _allowed_operations(summary: dict[str, Any]) -> frozenset[str]:
    return frozenset(summary["basis_gates"]) | frozenset(summary["supported_instructions"]) | _ALWAYS_ALLOWED


def _check_isa(
    index: int,
    circuit: Any,
    backend: str,
    summary: dict[str, Any],
    edges: frozenset | None,
    allowed: frozenset[str],
) -> None:
    if circuit.num_qubits > summary["n_qubits"]:
        raise _bad(
            "circuit_too_wide",
            f"Pub {index}: the circuit has {circuit.num_qubits} qubits, {backend} has {summary['n_qubits']}; "
            "choose a larger backend or a smaller circuit.",
        )
    stack = [circuit]
    while stack:
        current = stack.pop()
        # instruction.name, not instruction.operation.name: the latter builds a Python gate object each time
        for instruction in current.data:
            name = instruction.name
            if name not in allowed:
                raise _bad(
                    "unsupported_gate",
                    f"Pub {index}: {backend} does not support the instruction {name!r} "
                    f"(its gates: {', '.join(sorted(summary['basis_gates']))}). The circuit is not an ISA "
                    "circuit of the device; transpile it first, e.g. qiskit.transpile(circuit, backend) or a "
                    "preset pass manager for the backend.",
                )
            if instruction.is_control_flow():
                stack.extend(instruction.operation.blocks)
            if edges is not None and len(instruction.qubits) == 2 and name not in _ALWAYS_ALLOWED:
                pair = tuple(current.find_bit(q).index for q in instruction.qubits)
                if pair not in edges:
                    raise _bad(
                        "unsupported_gate",
                        f"Pub {index}: {name} on qubits {list(pair)} is not in the coupling map of "
                        f"{backend}; the circuit is not an ISA circuit of the device: transpile it first, "
                        "e.g. qiskit.transpile(circuit, backend).",
                    )


def _check_limits(program: str, pubs: list[Any], backend: str, summary: dict[str, Any]) -> None:
    if len(pubs) > summary["max_experiments"]:
        raise _bad(
            "too_many_experiments",
            f"The job has {len(pubs)} pubs but {backend} takes at most {summary['max_experiments']} per job; "
            "split them into several jobs.",
        )
    if program == "sampler":
        for index, pub in enumerate(pubs):
            if pub.shots > summary["max_shots"]:
                raise _bad(
                    "too_many_shots",
                    f"Pub {index} asks for {pub.shots} shots but {backend} allows at most "
                    f"{summary['max_shots']}; lower the shots or split the job.",
                )


def _optional_fields(body: dict[str, Any]) -> dict[str, Any]:
    tags = check_tags(body["tags"]) if body.get("tags") is not None else []
    session_id = body.get("session_id")
    if session_id is not None and (
        not isinstance(session_id, str) or not 0 < len(session_id) <= MAX_SESSION_ID_LENGTH
    ):
        raise _bad(
            "bad_request", f"'session_id' must be a string of 1 to {MAX_SESSION_ID_LENGTH} characters."
        )
    if not isinstance(body.get("log_level", ""), str):
        raise _bad("bad_request", "'log_level' must be a string such as WARNING.")
    private = body.get("private", False)
    if not isinstance(private, bool):
        raise _bad("bad_request", "'private' must be true or false.")
    cost = body.get("cost")
    if cost is not None and (
        isinstance(cost, bool) or not isinstance(cost, (int, float)) or not 0 < cost <= MAX_COST_SECONDS
    ):
        raise _bad(
            "bad_request",
            f"'cost' (the maximum execution time in seconds) must be a number above 0 and at most "
            f"{MAX_COST_SECONDS:g}.",
        )
    return {"tags": tags, "session_id": session_id, "private": private, "max_seconds": cost}


def _check_pub_count(params: dict[str, Any], backend: str, summary: dict[str, Any]) -> None:
    # Before decoding anything: a job of a million pubs is refused without decoding a million circuits.
    pubs = params.get("pubs")
    if isinstance(pubs, list) and len(pubs) > summary["max_experiments"]:
        raise _bad(
            "too_many_experiments",
            f"The job has {len(pubs)} pubs but {backend} takes at most {summary['max_experiments']} per job; "
            "split them into several jobs.",
        )


class JobValidator:
    """Checks POST /jobs bodies against the catalog; caches each device's coupling map.

    Parameters
    ----------
    catalog : Catalog
        The backends.
    max_inflated_bytes : int
        The most bytes one compressed circuit or array may inflate to.
    """

    def __init__(self, catalog: Catalog, *, max_inflated_bytes: int = MAX_INFLATED_BYTES) -> None:
        self._catalog = catalog
        self._max_inflated = max_inflated_bytes
        self._edges: dict[str, frozenset[tuple[int, ...]]] = {}

    def _coupling_edges(self, backend: str) -> frozenset[tuple[int, ...]]:
        edges = self._edges.get(backend)
        if edges is None:
            coupling = self._catalog.configuration(backend).get("coupling_map") or []
            edges = self._edges[backend] = frozenset(tuple(edge) for edge in coupling)
        return edges

    def validate(self, body: bytes, instance: InstanceConfig) -> Submission:
        """Check a POST /jobs body for ``instance``; the returned Submission is safe to store and run.

        Its cost grows with the body (JSON, QPY): call it off the IOLoop.

        Raises
        ------
        ApiError
            400 (invalid_json, invalid_qpy, unknown_program, too_many_shots, too_many_experiments,
            circuit_too_wide, unsupported_gate, bad_request), 404 (unknown_backend) or 413
            (payload_too_large).
        """
        request = parse_json(body)
        if not isinstance(request, dict):
            raise _bad("invalid_json", "The request body must be a JSON object.")
        program = request.get("program_id")
        if program not in PROGRAMS:
            raise _bad(
                "unknown_program",
                f"Unknown program_id {program!r}; this service runs the programs {', '.join(PROGRAMS)}.",
            )
        summary = check_backend_access(self._catalog, instance, request.get("backend"))
        backend = request["backend"]
        params = request.get("params")
        if not isinstance(params, dict):
            raise _bad("bad_request", "'params' must be an object with 'pubs' (and optionally 'options').")
        extra = _optional_fields(request)
        _check_pub_count(params, backend, summary)
        _check_inflated_sizes(params, self._max_inflated)
        params_text = json.dumps(params)
        pubs = _coerce_pubs(program, _decode_params(params_text))
        _check_limits(program, pubs, backend, summary)
        edges = None if summary["simulator"] else self._coupling_edges(backend)
        allowed = _allowed_operations(summary)
        for index, pub in enumerate(pubs):
            _check_isa(index, pub.circuit, backend, summary, edges, allowed)
        return Submission(
            program=program, backend=backend, params_text=params_text, num_pubs=len(pubs), **extra
        )
