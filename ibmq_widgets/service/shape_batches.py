"""Circuits that differ only in their gates' angles run in aer as one parameterized circuit.

Why: for a small circuit, aer's per-circuit set-up (turning each ``QuantumCircuit`` into its own circuit
format in Python, then configuring an experiment) costs several times the simulation: about 100 us of Python
per 3-qubit circuit. A job of a parameter sweep (the same gates, other angles, in every pub) pays it once per
pub. Here the circuits of one shape share one circuit whose angles are ``Parameter`` s, and aer binds each pub's
angles itself (``parameter_binds``), through its public ``run`` API: it then sets that circuit up once.

Only the saved probabilities are read from these runs, so a circuit's global phase (which changes no
probability) is left out of its shape; every other value stays as it was: the probabilities are those of the
circuits as given. Identical circuits run once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np

__all__ = ["saved_probabilities", "shape_groups"]

_LOG = logging.getLogger(__name__)
# The gates whose angles aer binds (checked against running each circuit alone, tests/unit/service). Aer 0.18
# binds the angles of controlled rotations (cp, crx, cry, crz, cu) to the wrong gate in some circuits, so
# theirs, like every other instruction's values, are part of a circuit's shape.
_DIRECTIVES = frozenset({"barrier", "delay", "save_probabilities"})
_ANGLE_GATES = frozenset({"rx", "ry", "rz", "p", "u", "u1", "u2", "u3", "r", "rxx", "ryy", "rzz", "rzx"})


def _shape(circuit: Any) -> tuple[tuple, list[float]] | None:
    """A circuit's shape (each instruction's name, qubits, clbits, and its values unless they are the angles
    of a gate in ``_ANGLE_GATES``) and those angles in order; None for a circuit that runs alone (a value still
    a parameter, a custom gate)."""
    qubit_index = {bit: i for i, bit in enumerate(circuit.qubits)}
    clbit_index = {bit: i for i, bit in enumerate(circuit.clbits)}
    shape: list[tuple] = [(circuit.num_qubits, circuit.num_clbits)]
    angles: list[float] = []
    for instruction in circuit.data:
        params = instruction.params
        wires = (
            instruction.name,
            tuple(qubit_index[bit] for bit in instruction.qubits),
            tuple(clbit_index[bit] for bit in instruction.clbits),
        )
        if params and instruction.name in _ANGLE_GATES and instruction.is_standard_gate():
            if not all(isinstance(value, Real) for value in params):
                return None  # a parameter left unbound: not a circuit this runs
            shape.append((*wires, len(params)))
            angles.extend(float(value) for value in params)
        elif instruction.is_standard_gate() or instruction.name in _DIRECTIVES:
            if not all(isinstance(value, Real) for value in params):
                return None
            shape.append((*wires, tuple(params)))
        else:
            return None  # a custom gate: two of one name may differ, so such a circuit runs alone
    return tuple(shape), angles


def shape_groups(circuits: Sequence[Any]) -> list[tuple[list[int], list[list[float]]]]:
    """The indices of ``circuits`` grouped by shape, in order of first appearance, each group with its
    circuits' angles; a circuit with nothing to share is a group of its own (without angles)."""
    groups: dict[Any, tuple[list[int], list[list[float]]]] = {}
    for index, circuit in enumerate(circuits):
        found = _shape(circuit)
        if found is None:
            groups[("alone", index)] = ([index], [])
            continue
        members, angles = groups.setdefault(found[0], ([], []))
        members.append(index)
        angles.append(found[1])
    return list(groups.values())


def _template(circuit: Any) -> tuple[Any, list[Any]]:
    """``circuit`` with its standard gates' angles replaced by new Parameters (in order) and no global phase."""
    from qiskit.circuit import CircuitInstruction, Parameter

    template = circuit.copy_empty_like()
    template.global_phase = 0.0
    parameters: list[Any] = []
    for instruction in circuit.data:
        if instruction.params and instruction.name in _ANGLE_GATES and instruction.is_standard_gate():
            new = [Parameter(f"a{len(parameters) + j}") for j in range(len(instruction.params))]
            parameters.extend(new)
            operation = instruction.operation.copy()
            operation.params = new
            template._append(CircuitInstruction(operation, instruction.qubits, instruction.clbits))
        else:
            template._append(instruction)
    return template, parameters


def saved_probabilities(
    simulator: Any, circuits: Sequence[Any], label: str, seed: int, method: str
) -> list[np.ndarray]:
    """The probabilities each circuit saves under ``label`` (one shot each), in one aer call, with the circuits
    of one shape run as one parameterized circuit."""
    groups = shape_groups(circuits)
    if len(groups) < len(circuits):
        try:
            return _run_grouped(simulator, circuits, groups, label, seed, method)
        except Exception as exc:  # aer refusing a parameterized form must not fail the job
            _LOG.warning("running the circuits one by one: aer refused their parameterized form (%s)", exc)
    result = simulator.run(list(circuits), shots=1, seed_simulator=seed, method=method).result()
    return [np.asarray(result.data(index)[label], dtype=float) for index in range(len(circuits))]


def _run_grouped(
    simulator: Any,
    circuits: Sequence[Any],
    groups: list[tuple[list[int], list[list[float]]]],
    label: str,
    seed: int,
    method: str,
) -> list[np.ndarray]:
    runs, binds, order = [], [], []
    for members, angles in groups:
        if len(members) == 1 or not angles[0]:  # alone, or identical circuits: one run serves them all
            runs.append(circuits[members[0]])
            binds.append({})
            order.append(members)
        else:
            template, parameters = _template(circuits[members[0]])
            runs.append(template)
            binds.append({parameter: [row[k] for row in angles] for k, parameter in enumerate(parameters)})
            order.extend([index] for index in members)
    # aer returns one experiment per binding, circuit after circuit, bindings in order
    result = simulator.run(runs, parameter_binds=binds, shots=1, seed_simulator=seed, method=method).result()
    probabilities: list[np.ndarray] = [np.empty(0)] * len(circuits)
    for experiment, indices in enumerate(order):
        saved = np.asarray(result.data(experiment)[label], dtype=float)
        for index in indices:
            probabilities[index] = saved
    return probabilities
