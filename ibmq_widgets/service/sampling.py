"""Sampler pubs simulated as counts and handed back as per-shot bit arrays.

Shots are independent and identically distributed, so once their counts are known every order of them is
equally likely: shuffling the counted outcomes with the job's seed gives per-shot data with exactly the
distribution a shot-by-shot record would have. The simulator then only counts; asking it for per-shot memory (as
qiskit-aer's SamplerV2 does) converts every shot of every circuit in Python, which cost a 50-circuit job more
than the simulation itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_REGISTER_BITS", "countable", "sample_counts"]

#: Registers up to this wide are packed through 64-bit integers; wider ones take aer's SamplerV2 path.
MAX_REGISTER_BITS = 63


def countable(pub: Any) -> bool:
    """Whether a Sampler pub can run as counts: no parameters, a measurement (aer keeps no counts for a circuit
    without one), and every clbit in exactly one register."""
    circuit = pub.circuit
    if circuit.num_parameters or pub.parameter_values.num_parameters or pub.parameter_values.shape:
        return False
    if not any(instruction.operation.name == "measure" for instruction in circuit.data):
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


def _pack(values: np.ndarray, num_bits: int) -> np.ndarray:
    """Integers -> rows of bytes, big-endian, as qiskit's BitArray stores them."""
    num_bytes = (num_bits + 7) // 8
    shifts = (8 * np.arange(num_bytes - 1, -1, -1)).astype(np.uint64)
    return ((values[:, None] >> shifts) & np.uint64(0xFF)).astype(np.uint8)
