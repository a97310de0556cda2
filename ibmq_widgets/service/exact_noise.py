"""Device noise in the form a density-matrix simulation consumes as it is: a superoperator per noisy
instruction, and per qubit the probabilities of reading a measurement wrong.

Why: handed a ``NoiseModel``, qiskit-aer serialises it to a dict on every run (``NoiseModel.to_dict``) and its
C++ side parses that dict and turns every error (for a two-qubit gate of ibm_fez, 48 weighted circuits of Pauli,
reset and Kraus instructions) into a superoperator again, also on every run. For a 5-qubit GHZ on ibm_fez that
was about 15 times the simulation itself. Here each error becomes one superoperator once, per device and set
of active qubits (``noise.DeviceNoise`` keeps them), and a circuit carries it as an ordinary ``superop``
instruction after the gate it belongs to: aer then runs a noiseless simulation of a slightly longer circuit.

The errors are the ones ``NoiseModel.from_backend`` puts in its model (it gets them from the same public
functions, ``basic_device_gate_errors`` and ``basic_device_readout_errors``), applied where aer applies them:
a gate's error right after the gate, a readout error to each measurement's classical bit. The one part of the
device model not covered is relaxation during delays (a transpiler pass of the model): circuits with delays
keep the ``NoiseModel`` path, as do circuits that are not gates followed by measurements (see
``sampling.sample_noisy``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.circuit import Instruction, QuantumCircuit
from qiskit.transpiler import Target

__all__ = ["ExactNoise", "UnconvertibleError", "error_superop"]

_RESET_KRAUS = (np.array([[1, 0], [0, 0]], dtype=complex), np.array([[0, 1], [0, 0]], dtype=complex))
_NO_OP = frozenset({"id", "barrier"})


class UnconvertibleError(ValueError):
    """An error term holds an instruction whose channel is not known here."""


def _kraus_operators(operation: Any) -> tuple[np.ndarray, ...]:
    """The Kraus operators of one instruction of an error term (a gate, a reset or a Kraus channel)."""
    if operation.name == "reset":
        return _RESET_KRAUS
    if operation.name == "kraus":
        return tuple(np.asarray(matrix, dtype=complex) for matrix in operation.params)
    to_matrix = getattr(operation, "to_matrix", None)
    if to_matrix is None:
        raise UnconvertibleError(f"no channel for {operation.name!r} in a noise model's error")
    return (np.asarray(to_matrix(), dtype=complex),)


def _embed(matrix: np.ndarray, qargs: tuple[int, ...], num_qubits: int) -> np.ndarray:
    """``matrix`` acting on ``qargs`` (the first the least significant) as a matrix on ``num_qubits``."""
    k = len(qargs)
    if qargs == tuple(range(num_qubits)):
        return matrix
    operator = matrix.reshape([2] * (2 * k))
    identity = np.eye(2**num_qubits, dtype=complex).reshape([2] * (2 * num_qubits))
    # Tensor axes run from the most significant qubit down; the operator's input axes meet the identity's
    # output axes of the same qubits, and its output axes then take their place.
    axes = [num_qubits - 1 - q for q in reversed(qargs)]
    product = np.tensordot(operator, identity, axes=(list(range(k, 2 * k)), axes))
    return np.moveaxis(product, list(range(k)), axes).reshape(2**num_qubits, 2**num_qubits)


def _superop(kraus: Iterable[np.ndarray]) -> np.ndarray:
    """The superoperator of Kraus operators, in qiskit's column-stacking convention (aer's too):
    the sum of ``kron(conj(K), K)``."""
    stack = np.asarray(list(kraus))
    size = stack.shape[1]
    return np.einsum("kab,kcd->acbd", np.conj(stack), stack).reshape(size * size, size * size)


def _memo_key(name: str, qargs: tuple[int, ...], params: list) -> tuple | None:
    """A key for an instruction's superoperator: None if its parameters are matrices (a Kraus channel)."""
    if all(isinstance(param, (str, int, float)) for param in params):
        return (name, qargs, tuple(params))
    return None


def error_superop(error: Any) -> np.ndarray:
    """The superoperator of a qiskit-aer ``QuantumError``: its terms' channels weighted by their probabilities.

    Raises
    ------
    UnconvertibleError
        If a term holds an instruction with no known channel.
    """
    size = 4**error.num_qubits
    total = np.zeros((size, size), dtype=complex)
    known: dict[
        tuple[str, tuple[int, ...]], np.ndarray
    ] = {}  # the terms repeat the same few Paulis and resets
    for circuit, probability in zip(error.circuits, error.probabilities, strict=True):
        term = np.eye(size, dtype=complex)
        for inst in circuit.data:
            if inst.name in _NO_OP:
                continue
            qargs = tuple(circuit.find_bit(q).index for q in inst.qubits)
            key = _memo_key(inst.name, qargs, inst.params)
            matrix = known.get(key) if key is not None else None
            if matrix is None:
                kraus = [_embed(k, qargs, error.num_qubits) for k in _kraus_operators(inst.operation)]
                matrix = _superop(kraus)
                if key is not None:
                    known[key] = matrix
            term = matrix @ term
        total += probability * term
    return total


def _superop_instruction(matrix: np.ndarray) -> Instruction:
    """aer's ``superop`` instruction (density-matrix method) applying ``matrix``."""
    num_qubits = (matrix.shape[0].bit_length() - 1) // 2  # a superoperator on n qubits is 4**n wide
    return Instruction("superop", num_qubits, 0, [matrix])


@dataclass(frozen=True)
class ExactNoise:
    """A device's errors for a set of qubits, ready to put into circuits.

    ``errors[(name, qubits)]`` is the ``superop`` instruction of the error following that instruction on those
    qubits (absent: the instruction is ideal); ``readout[q][i, j]`` the probability of reading ``j`` when qubit
    ``q`` is in ``i`` (absent: read without error).
    """

    errors: dict[tuple[str, tuple[int, ...]], Instruction]
    readout: dict[int, np.ndarray]

    @classmethod
    def from_target(cls, target: Target) -> ExactNoise | None:
        """The errors ``NoiseModel.from_backend`` derives for a device with this target; None if one of them
        holds an instruction with no known channel (then the ``NoiseModel`` path must be taken)."""
        from qiskit_aer.noise.device import basic_device_gate_errors, basic_device_readout_errors

        readout = {
            qubits[0]: np.asarray(error.probabilities, dtype=float)
            for qubits, error in basic_device_readout_errors(target=target)
            if len(qubits) == 1
        }
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="qiskit_aer.noise")
            gate_errors = basic_device_gate_errors(target=target)
        matrices: dict[tuple[str, tuple[int, ...]], np.ndarray] = {}
        try:
            for name, qubits, error in gate_errors:
                key = (name, tuple(qubits))
                matrix = error_superop(error)
                # NoiseModel.add_quantum_error composes a second error on the same instruction after the first
                matrices[key] = matrix @ matrices[key] if key in matrices else matrix
        except UnconvertibleError:
            return None
        return cls({key: _superop_instruction(m) for key, m in matrices.items()}, readout)

    @property
    def nbytes(self) -> int:
        """Bytes held by the matrices."""
        return sum(inst.params[0].nbytes for inst in self.errors.values()) + sum(
            m.nbytes for m in self.readout.values()
        )

    def noisy_circuit(self, circuit: QuantumCircuit) -> QuantumCircuit:
        """``circuit`` without its measurements, each noisy gate followed by its error (same registers)."""
        from qiskit.circuit import CircuitInstruction

        index = {bit: i for i, bit in enumerate(circuit.qubits)}
        noisy = circuit.copy_empty_like()
        for inst in circuit.data:
            if inst.name == "measure":
                continue
            noisy._append(inst)
            error = self.errors.get((inst.name, tuple(index[q] for q in inst.qubits)))
            if error is not None:
                noisy._append(CircuitInstruction(error, inst.qubits))
        return noisy

    def flip_probabilities(self, qubit: int) -> tuple[float, float] | None:
        """(P(read 1 | 0), P(read 0 | 1)) of a measurement of ``qubit``, or None if it reads without error."""
        matrix = self.readout.get(qubit)
        if matrix is None:
            return None
        return float(matrix[0, 1]), float(matrix[1, 0])
