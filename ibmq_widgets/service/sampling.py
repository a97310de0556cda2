"""Sampler pubs simulated as counts or probabilities and handed back as per-shot bit arrays.

Shots are independent and identically distributed, so once their counts are known every order of them is
equally likely: shuffling the counted outcomes with the job's seed gives per-shot data with exactly the
distribution a shot-by-shot record would have. The simulator then only counts; asking it for per-shot memory (as
qiskit-aer's SamplerV2 does) converts every shot of every circuit in Python, which cost a 50-circuit job more
than the simulation itself.

Without noise, a circuit of gates followed by measurements needs no simulated shots at all: aer saves the
probabilities of the measured qubits once, and the shots are drawn from them with the job's seed. Aer's own
counting costs about 0.6 us per shot (a 1,024-shot, 3-qubit circuit: 0.7 ms); drawing them costs microseconds.

With a device's noise the same holds for a density matrix: ``sample_noisy`` puts each gate's error into the
circuit as a superoperator (``exact_noise``), saves the probabilities once and applies the readout errors to
the drawn bits, instead of handing aer the device's ``NoiseModel``, which it would serialise, parse and convert
on every run (for a small circuit several times the cost of the simulation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ibmq_widgets.service.shape_batches import saved_probabilities

__all__ = [
    "MAX_DENSITY_QUBITS",
    "MAX_EXACT_QUBITS",
    "MAX_REGISTER_BITS",
    "countable",
    "sample_counts",
    "sample_noisy",
    "sample_registers",
    "terminal_measurements",
]

#: Registers up to this wide are packed through 64-bit integers; wider ones take aer's SamplerV2 path.
MAX_REGISTER_BITS = 63
#: Circuits measuring more qubits than this are counted instead: their probabilities have 2**n entries.
MAX_EXACT_QUBITS = 20
#: Noisy circuits on more qubits than this are counted: their density matrix has 4**n entries (10: 16 MiB).
MAX_DENSITY_QUBITS = 10
_ALWAYS_DENSE = 6  # up to this many qubits a density matrix is cheaper than any number of shots
_PROBABILITIES = "ibmq_widgets_probabilities"


def countable(pub: Any) -> bool:
    """Whether a Sampler pub can run as counts: no parameters, a measurement (aer keeps no counts for a circuit
    without one), and every clbit in exactly one register."""
    circuit = pub.circuit
    if circuit.num_parameters or pub.parameter_values.num_parameters or pub.parameter_values.shape:
        return False
    if not any(instruction.name == "measure" for instruction in circuit.data):
        return False
    registers = circuit.cregs
    if not registers or any(not 0 < reg.size <= MAX_REGISTER_BITS for reg in registers):
        return False
    in_registers = [bit for reg in registers for bit in reg]
    return len(in_registers) == circuit.num_clbits == len(set(in_registers))


def sample_counts(simulator: Any, circuits: Sequence[Any], shots: int, seed: int) -> list[dict[str, Any]]:
    """Run ``circuits`` (all ``countable``) on an AerSimulator and return, per circuit, the bit arrays of its
    registers by name, each of ``shots`` shots in a seeded random order."""
    from qiskit.primitives import BitArray

    result = simulator.run(list(circuits), shots=shots, seed_simulator=seed).result()
    rng = np.random.default_rng(seed)
    arrays = []
    for index, circuit in enumerate(circuits):
        counts = result.get_counts(index)
        keys = list(counts)
        order = rng.permutation(np.repeat(np.arange(len(keys)), [counts[key] for key in keys]))
        # aer joins registers with spaces, the last register first
        parts = [key.split(" ") for key in keys]
        registers = circuit.cregs
        fields = {}
        for position, register in enumerate(registers):
            values = np.array([int(p[len(registers) - 1 - position], 2) for p in parts], dtype=np.uint64)
            fields[register.name] = BitArray(_pack(values[order], register.size), register.size)
        arrays.append(fields)
    return arrays


def terminal_measurements(circuit: Any) -> list[tuple[int, int]] | None:
    """The (qubit, clbit) indices of every measurement, in order, if ``circuit`` is gates followed by
    measurements: nothing but measurements, barriers and delays touches a qubit once it is measured, and no
    instruction is random or classical (reset, control flow). Else None."""
    from qiskit.circuit import Gate

    qubit_index = {bit: i for i, bit in enumerate(circuit.qubits)}
    clbit_index = {bit: i for i, bit in enumerate(circuit.clbits)}
    measured: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for instruction in circuit.data:
        name = instruction.name  # not instruction.operation.name, which builds a Python gate each time
        qubits = [qubit_index[qubit] for qubit in instruction.qubits]
        if name == "measure":
            measured.add(qubits[0])
            pairs.append((qubits[0], clbit_index[instruction.clbits[0]]))
        elif name in ("barrier", "delay"):
            continue
        elif instruction.clbits or measured.intersection(qubits):
            return None
        elif not (instruction.is_standard_gate() or isinstance(instruction.operation, Gate)):
            return None  # is_standard_gate first: it answers without building the gate's Python object
    return pairs


def sample_registers(
    simulator: Any, circuits: Sequence[Any], shots: int, seed: int, *, noiseless: bool
) -> list[dict[str, Any]]:
    """Per circuit (all ``countable``), the bit arrays of its registers by name, each of ``shots`` shots.

    With ``noiseless`` (no noise model, dense method), circuits whose measurements all come last are drawn from
    their probabilities; the others are counted by the simulator (``sample_counts``).
    """
    plans = [terminal_measurements(circuit) if noiseless else None for circuit in circuits]
    plans = [
        plan if plan is not None and len({qubit for qubit, _ in plan}) <= MAX_EXACT_QUBITS else None
        for plan in plans
    ]
    arrays = _draw(simulator, circuits, plans, shots, seed, None)
    counted = [i for i, fields in enumerate(arrays) if fields is None]
    if counted:
        for index, fields in zip(
            counted, sample_counts(simulator, [circuits[i] for i in counted], shots, seed), strict=True
        ):
            arrays[index] = fields
    return arrays


def sample_noisy(
    simulator: Any, circuits: Sequence[Any], shots: int, seed: int, noise: Any
) -> list[dict[str, Any] | None]:
    """Per circuit (all ``countable``), the bit arrays of its registers drawn from its exact noisy
    distribution, or None for a circuit this cannot draw (the caller counts it with the noise model).

    ``noise`` is an ``exact_noise.ExactNoise`` for the circuits' qubits; ``simulator`` a noiseless AerSimulator.
    A circuit is drawn when it is gates followed by measurements, has no delay (the device model's relaxation
    during delays is not in ``noise``), and a density matrix is the cheaper way to simulate it: at most
    ``MAX_DENSITY_QUBITS`` qubits, and more shots than its ``2**qubits`` outcomes (the rule aer itself uses to
    choose its density-matrix method for noisy circuits) or a handful of qubits. Its distribution is the one aer
    computes from the device's ``NoiseModel``: each gate's error after the gate, each measurement's readout
    error on its own bit.
    """
    plans = []
    for circuit in circuits:
        small = circuit.num_qubits <= _ALWAYS_DENSE or 2**circuit.num_qubits < shots
        dense = small and circuit.num_qubits <= MAX_DENSITY_QUBITS
        plan = terminal_measurements(circuit) if dense else None
        if plan is not None and any(instruction.name == "delay" for instruction in circuit.data):
            plan = None
        plans.append(plan)
    return _draw(simulator, circuits, plans, shots, seed, noise)


def _draw(
    simulator: Any,
    circuits: Sequence[Any],
    plans: Sequence[list[tuple[int, int]] | None],
    shots: int,
    seed: int,
    noise: Any,
) -> list[dict[str, Any] | None]:
    """``_sample_exactly`` for the circuits with a plan; None for the others."""
    chosen = [i for i, plan in enumerate(plans) if plan is not None]
    arrays: list[dict[str, Any] | None] = [None] * len(circuits)
    if chosen:
        drawn = _sample_exactly(
            simulator, [circuits[i] for i in chosen], [plans[i] for i in chosen], shots, seed, noise
        )
        for index, fields in zip(chosen, drawn, strict=True):
            arrays[index] = fields
    return arrays


def _probability_circuit(circuit: Any, qubits: list[int], noise: Any) -> Any:
    """``circuit``'s gates (with their errors, if ``noise``), then saving the probabilities of ``qubits``."""
    from qiskit.circuit import CircuitInstruction
    from qiskit_aer.library import SaveProbabilities

    if noise is not None:
        prepared = noise.noisy_circuit(circuit)
    else:
        prepared = circuit.copy_empty_like()
        for instruction in circuit.data:
            if instruction.name != "measure":
                prepared._append(instruction)
    prepared._append(
        CircuitInstruction(
            SaveProbabilities(len(qubits), label=_PROBABILITIES), [prepared.qubits[q] for q in qubits]
        )
    )
    return prepared


def _sample_exactly(
    simulator: Any,
    circuits: Sequence[Any],
    plans: Sequence[list[tuple[int, int]]],
    shots: int,
    seed: int,
    noise: Any = None,
) -> list[dict[str, Any]]:
    """Draw each circuit's shots from the probabilities of its measured qubits, computed once by aer (a
    statevector; with ``noise`` a density matrix), then, with ``noise``, flip each measurement's bit with
    its qubit's readout error. One shot each: the saved probabilities are exact whatever the shots."""
    from qiskit.primitives import BitArray

    measured_qubits = [sorted({qubit for qubit, _ in plan}) for plan in plans]
    prepared = [
        _probability_circuit(circuit, qubits, noise)
        for circuit, qubits in zip(circuits, measured_qubits, strict=True)
    ]
    if noise is None:  # a sweep's circuits (the same gates, other angles) run as one parameterized circuit
        saved = saved_probabilities(simulator, prepared, _PROBABILITIES, seed, "statevector")
    else:
        result = simulator.run(prepared, shots=1, seed_simulator=seed, method="density_matrix").result()
        saved = [
            np.asarray(result.data(index)[_PROBABILITIES], dtype=float) for index in range(len(prepared))
        ]
    rng = np.random.default_rng(seed)
    arrays = []
    for raw, circuit, plan, qubits in zip(saved, circuits, plans, measured_qubits, strict=True):
        probabilities = np.clip(raw, 0.0, None)
        # Bit j of an outcome is the j-th measured qubit (aer's little-endian order of the saved qubits).
        outcomes = rng.choice(len(probabilities), size=shots, p=probabilities / probabilities.sum())
        outcomes = outcomes.astype(np.uint64)
        position = {qubit: j for j, qubit in enumerate(qubits)}
        source = {clbit: qubit for qubit, clbit in plan}  # the last measurement into a clbit wins
        clbit_index = {bit: i for i, bit in enumerate(circuit.clbits)}
        fields = {}
        for register in circuit.cregs:
            values = np.zeros(shots, dtype=np.uint64)
            for bit_number, bit in enumerate(register):
                qubit = source.get(clbit_index[bit])
                if qubit is None:
                    continue
                bits = (outcomes >> np.uint64(position[qubit])) & np.uint64(1)
                if noise is not None:
                    bits = _read_out(bits, noise.flip_probabilities(qubit), rng)
                values |= bits << np.uint64(bit_number)
            fields[register.name] = BitArray(_pack(values, register.size), register.size)
        arrays.append(fields)
    return arrays


def _read_out(bits: np.ndarray, flips: tuple[float, float] | None, rng: np.random.Generator) -> np.ndarray:
    """The bits a measurement records: each true bit flipped with its readout error (P(1|0), P(0|1))."""
    if flips is None:
        return bits
    threshold = np.where(bits == 1, flips[1], flips[0])
    return bits ^ (rng.random(bits.shape[0]) < threshold).astype(np.uint64)


def _pack(values: np.ndarray, num_bits: int) -> np.ndarray:
    """Integers -> rows of bytes, big-endian, as qiskit's BitArray stores them."""
    num_bytes = (num_bits + 7) // 8
    shifts = (8 * np.arange(num_bytes - 1, -1, -1)).astype(np.uint64)
    return ((values[:, None] >> shifts) & np.uint64(0xFF)).astype(np.uint8)
