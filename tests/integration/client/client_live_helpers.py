"""Circuits shared by the client's live tests."""

from __future__ import annotations

from qiskit import QuantumCircuit


def bell(name: str = "bell") -> QuantumCircuit:
    """A Bell pair measured into two bits: counts of "00" and "11"."""
    circuit = QuantumCircuit(2, 2, name=name)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def ghz(n: int, name: str = "ghz") -> QuantumCircuit:
    """An n-qubit GHZ state, every qubit measured."""
    circuit = QuantumCircuit(n, name=name)
    circuit.h(0)
    for q in range(1, n):
        circuit.cx(0, q)
    circuit.measure_all()
    return circuit
