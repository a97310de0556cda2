"""backend.estimate(): expectation values of observables as one Estimator V2 job.

Each circuit becomes one pub ``[circuit, observables, parameter values, precision]``, as qiskit-ibm-runtime's
EstimatorV2 sends it (observables as ``{"ZZ": 1.0}`` dicts, parameter values as an array whose last axis runs
over the circuit's parameters in their sorted order). Every argument is checked before anything is sent; a
circuit the device cannot run as it is gets transpiled, and its observables follow the transpiler's layout.
Final measurements are removed first (an Estimator measures by itself), so a circuit written for ``run()``
works here as well.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client.sessions import session_id_for
from ibmq_widgets.client.submission import (
    EncodedSubmission,
    check_common,
    job_body,
    prepare_marked,
    simulator_options,
)

if TYPE_CHECKING:
    from qiskit.primitives.containers.observables_array import ObservablesArray

    from ibmq_widgets.client.backend import IBMQBackend

__all__ = ["OBSERVABLES_METADATA_KEY", "check_precision", "encode_estimate", "observable_label"]

#: Where a circuit's observable labels travel (the API echoes a circuit's metadata in its pub result), so that
#: tables of a retrieved job still name them.
OBSERVABLES_METADATA_KEY = "ibmq_widgets.observables"
_MAX_LABELS = 64  # beyond this many observables in a pub the labels would weigh more than they help
_TAKES = "observables, parameter_values, precision, job_name, job_tags, session"


def _bad(message: str) -> exc.IBMQBackendValueError:
    return exc.IBMQBackendValueError(message)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def _per_circuit(circuits: Any, observables: Any, parameter_values: Any) -> tuple[list, list, list]:
    """The circuits and, for each, its observables and its parameter values (None where it has none)."""
    if isinstance(circuits, QuantumCircuit):
        return [circuits], [observables], [parameter_values]
    if not isinstance(circuits, (list, tuple)) or not all(isinstance(c, QuantumCircuit) for c in circuits):
        raise _bad(f"estimate() takes a QuantumCircuit or a list of them, not {type(circuits).__name__}")
    if not circuits:
        raise _bad("estimate() got an empty list of circuits; pass at least one")
    count = len(circuits)
    if not _is_sequence(observables):
        observables = [observables] * count  # one observable for every circuit
    elif len(observables) != count:
        raise _bad(
            f"observables has {len(observables)} entries for {count} circuits; give one entry (an observable "
            "or a list of them) per circuit, or a single observable for all of them"
        )
    if parameter_values is None:
        parameter_values = [None] * count
    elif not _is_sequence(parameter_values) or len(parameter_values) != count:
        raise _bad(
            f"parameter_values must be a list with one entry per circuit ({count}), None for a circuit "
            "without parameters"
        )
    return list(circuits), list(observables), list(parameter_values)


def check_precision(precision: Any) -> float | None:
    """``precision`` as a float, or None.

    Raises
    ------
    IBMQBackendValueError
        If it is not a positive, finite number.
    """
    if precision is None:
        return None
    if (
        isinstance(precision, bool)
        or not isinstance(precision, (int, float, np.integer, np.floating))
        or not math.isfinite(precision)
        or precision <= 0
    ):
        raise _bad(
            f"precision must be a positive number (the standard error to aim for, e.g. 0.01), not {precision!r}"
        )
    return float(precision)


def _input_width(circuit: QuantumCircuit) -> int | None:
    """The width of the circuit before its layout, for an ISA circuit someone transpiled (else None)."""
    layout = getattr(circuit, "layout", None)
    return getattr(layout, "_input_qubit_count", None) if layout is not None else None


def _observables(index: int, observables: Any, circuit: QuantumCircuit) -> ObservablesArray:
    """One circuit's observables as an ObservablesArray, checked against the circuit's width."""
    from qiskit.primitives.containers.observables_array import ObservablesArray

    where = f"observables[{index}]" if index >= 0 else "observables"
    if observables is None:
        raise _bad(f"{where} is missing: give an observable such as 'ZZ' or SparsePauliOp('ZZ')")
    try:
        array = ObservablesArray.coerce(observables)
    except (TypeError, ValueError) as error:
        raise _bad(
            f"{where} is not an observable or an array of them ({error}); use Pauli strings such as 'ZZ', "
            "SparsePauliOp or dicts like {'ZZ': 1.0}"
        ) from None
    widths = {circuit.num_qubits, _input_width(circuit)}
    if array.num_qubits not in widths:
        raise _bad(
            f"{where} acts on {array.num_qubits} qubits but circuit {circuit.name!r} has {circuit.num_qubits}; "
            "an observable must be as wide as its circuit"
        )
    return array


def _parameter_values(index: int, values: Any, circuit: QuantumCircuit) -> np.ndarray | None:
    """One circuit's parameter values as an array of shape (..., number of parameters), or None."""
    where = f"parameter_values[{index}]" if index >= 0 else "parameter_values"
    count = circuit.num_parameters
    names = ", ".join(p.name for p in circuit.parameters)
    if values is None:
        if count:
            raise _bad(f"circuit {circuit.name!r} has parameters ({names}): give their values in {where}")
        return None
    if isinstance(values, Mapping):
        from qiskit.primitives.containers.bindings_array import BindingsArray

        try:
            return BindingsArray.coerce(values).as_array(circuit.parameters)
        except (TypeError, ValueError, KeyError) as error:
            raise _bad(
                f"{where} does not bind the parameters of {circuit.name!r} ({names}): {error}"
            ) from None
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise _bad(f"{where} must be numbers, not {values!r}") from None
    if count == 0:
        if array.size:
            raise _bad(f"{where} gives values but circuit {circuit.name!r} has no parameters; pass None")
        return None
    if array.ndim == 0 and count == 1:
        array = array.reshape(1)
    if array.ndim == 0 or array.shape[-1] != count:
        raise _bad(
            f"{where} has shape {array.shape} but circuit {circuit.name!r} has {count} parameter(s) ({names}): "
            f"the last axis must have {count} value(s), one per parameter in that order"
        )
    return array


def _check_broadcast(index: int, observables: ObservablesArray, values: np.ndarray | None) -> None:
    if values is None:
        return
    try:
        np.broadcast_shapes(observables.shape, values.shape[:-1])
    except ValueError:
        suffix = f"[{index}]" if index >= 0 else ""
        raise _bad(
            f"observables{suffix} of shape {observables.shape} and parameter_values{suffix} of shape "
            f"{values.shape} (that is {values.shape[:-1]} sets of values) do not broadcast together; "
            "give one set of values per observable, or arrays numpy can broadcast"
        ) from None


def observable_label(terms: Mapping[str, float]) -> str:
    """A short label of one observable given as ``{pauli: coefficient}``: ``"ZZ"``, ``"0.5*XX + -1*YY"``."""
    items = list(terms.items())
    if len(items) == 1 and complex(items[0][1]) == 1:
        return items[0][0]
    return " + ".join(f"{complex(c).real:g}*{label}" for label, c in items)


def _laid_out(observables: ObservablesArray, circuit: QuantumCircuit, transpiled: bool) -> ObservablesArray:
    """The observables in the qubits of the circuit that is sent (its layout applied where it has one)."""
    if circuit.layout is not None and (transpiled or observables.num_qubits != circuit.num_qubits):
        return observables.apply_layout(circuit.layout, circuit.num_qubits)
    return observables


def _isa_values(original: QuantumCircuit, circuit: QuantumCircuit, values: np.ndarray | None) -> np.ndarray:
    """The values of the parameters the sent circuit still has (transpiling may optimise one away)."""
    if values is None:
        return np.empty((0,))  # what EstimatorV2 sends for a circuit without parameters
    columns = {parameter.name: i for i, parameter in enumerate(original.parameters)}
    kept = [columns[parameter.name] for parameter in circuit.parameters]
    return values if len(kept) == values.shape[-1] else values[..., kept]


def encode_estimate(
    backend: IBMQBackend,
    circuits: Any,
    observables: Any,
    parameter_values: Any = None,
    precision: float | None = None,
    job_name: str | None = None,
    job_tags: Sequence[str] | None = None,
    session: Any = None,
    **options: Any,
) -> EncodedSubmission:
    """What ``backend.estimate`` with the same arguments would send, checked and encoded but not sent.

    Raises
    ------
    IBMQBackendValueError
        For observables of the wrong width, parameter values of the wrong shape, a precision not above 0, or
        anything ``run()`` would refuse.
    IBMQSessionValueError, IBMQSessionClosedError
        If ``session`` is not a session of ``backend`` that accepts jobs.
    """
    single = isinstance(circuits, QuantumCircuit)
    circuit_list, observable_list, value_list = _per_circuit(circuits, observables, parameter_values)
    target_precision = check_precision(precision)
    arrays, values = [], []
    for index, circuit in enumerate(circuit_list):
        position = -1 if single else index
        arrays.append(_observables(position, observable_list[index], circuit))
        values.append(_parameter_values(position, value_list[index], circuit))
        _check_broadcast(position, arrays[-1], values[-1])
    tags = check_common(backend, circuit_list, job_name, job_tags, options, call="estimate()", takes=_TAKES)
    session_id = session_id_for(session, backend)
    unmeasured = [c.remove_final_measurements(inplace=False) if c.num_clbits else c for c in circuit_list]
    pubs = []
    for original, array, value, (circuit, transpiled) in zip(
        circuit_list, arrays, values, prepare_marked(backend, unmeasured, options), strict=True
    ):
        labels = [observable_label(terms) for terms in array.ravel().tolist()]
        if len(labels) <= _MAX_LABELS:
            circuit.metadata = {**circuit.metadata, OBSERVABLES_METADATA_KEY: labels}
        sent = _laid_out(array, circuit, transpiled)
        pubs.append([circuit, sent.tolist(), _isa_values(original, circuit, value), target_precision])
    params = wire.estimator_params(pubs, simulator_options(options))
    body = job_body(backend, "estimator", params, tags, options, session_id)
    names = [circuit.name for circuit in circuit_list]
    return EncodedSubmission(
        backend, wire.dumps(body), tags, names, program="estimator", session_id=session_id
    )
