"""Sampler pubs as per-shot bit arrays: drawn from exact probabilities without noise, else counted by aer."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit_aer import AerSimulator

from ibmq_widgets.service.sampling import (
    MAX_EXACT_QUBITS,
    sample_counts,
    sample_registers,
    terminal_measurements,
)


@pytest.fixture(scope="module")
def simulator():
    return AerSimulator(max_parallel_threads=1)


def two_registers() -> QuantumCircuit:
    """Deterministic outcome on two registers, measured out of order and one clbit written twice."""
    circuit = QuantumCircuit(QuantumRegister(4), ClassicalRegister(3, "low"), ClassicalRegister(2, "high"))
    circuit.x([1, 3])
    circuit.measure(3, 0)  # low[0] = 1
    circuit.measure(0, 1)  # low[1] = 0
    circuit.measure(1, 4)  # high[1] = 1
    circuit.measure(2, 2)  # low[2] = 0 ...
    circuit.measure(3, 2)  # ... then 1: the last measurement into a clbit wins
    return circuit


def test_gates_then_measurements_are_recognised_and_anything_else_is_not():
    assert terminal_measurements(two_registers()) == [(3, 0), (0, 1), (1, 4), (2, 2), (3, 2)]
    mid = QuantumCircuit(2, 2)
    mid.h(0)
    mid.measure(0, 0)
    mid.x(0)  # a gate on a measured qubit: the measurement is not terminal
    mid.measure(0, 1)
    assert terminal_measurements(mid) is None
    reset = QuantumCircuit(1, 1)
    reset.h(0)
    reset.reset(0)  # random in a statevector: not a gate
    reset.measure(0, 0)
    assert terminal_measurements(reset) is None
    conditioned = QuantumCircuit(2, 2)
    conditioned.measure(0, 0)
    with conditioned.if_test((conditioned.clbits[0], 1)):
        conditioned.x(1)
    assert terminal_measurements(conditioned) is None
    fenced = QuantumCircuit(2, 2)
    fenced.h(0)
    fenced.measure(0, 0)
    fenced.barrier()
    fenced.measure(0, 1)  # measuring again after a barrier is still terminal
    assert terminal_measurements(fenced) == [(0, 0), (0, 1)]


def test_exact_draws_put_every_bit_where_the_counted_path_puts_it(simulator):
    circuit = two_registers()
    exact = sample_registers(simulator, [circuit], 50, seed=3, noiseless=True)[0]
    counted = sample_counts(simulator, [circuit], 50, seed=3)[0]
    for name in ("low", "high"):
        assert exact[name].get_counts() == counted[name].get_counts()
    assert exact["low"].get_counts() == {"101": 50}
    assert exact["high"].get_counts() == {"10": 50}


def test_exact_draws_follow_the_probabilities_and_the_seed(simulator, monkeypatch):
    import ibmq_widgets.service.sampling as sampling

    def refuse(*args, **kwargs):
        raise AssertionError(
            "a noiseless circuit of gates then measurements must not be counted shot by shot"
        )

    monkeypatch.setattr(sampling, "sample_counts", refuse)
    circuit = QuantumCircuit(2)
    circuit.ry(2 * np.arcsin(np.sqrt(0.2)), 0)  # P(qubit 0 = 1) = 0.2
    circuit.cx(0, 1)
    circuit.measure_all()
    first = sample_registers(simulator, [circuit], 20_000, seed=11, noiseless=True)[0]["meas"]
    again = sample_registers(simulator, [circuit], 20_000, seed=11, noiseless=True)[0]["meas"]
    other = sample_registers(simulator, [circuit], 20_000, seed=12, noiseless=True)[0]["meas"]
    counts = first.get_counts()
    assert set(counts) == {"00", "11"}  # entangled: never 01 or 10
    assert abs(counts["11"] / 20_000 - 0.2) < 0.015
    assert np.array_equal(first.array, again.array)
    assert not np.array_equal(first.array, other.array)
    assert np.count_nonzero(np.diff(first.array[:, 0].astype(int))) > 1_000  # shots in random order


def test_circuits_that_cannot_be_drawn_exactly_are_counted_in_the_same_call(simulator):
    mid = QuantumCircuit(1, 2)
    mid.x(0)
    mid.measure(0, 0)
    mid.x(0)
    mid.measure(0, 1)
    wide = QuantumCircuit(MAX_EXACT_QUBITS + 1)
    wide.x(0)
    wide.measure_all()
    plain = QuantumCircuit(1)
    plain.x(0)
    plain.measure_all()
    mixed = sample_registers(simulator, [mid, wide, plain], 30, seed=5, noiseless=True)
    assert mixed[0]["c"].get_counts() == {"01": 30}
    assert mixed[1]["meas"].get_counts() == {"0" * MAX_EXACT_QUBITS + "1": 30}
    assert mixed[2]["meas"].get_counts() == {"1": 30}


def test_with_noise_every_circuit_is_counted_by_the_simulator(simulator, monkeypatch):
    import ibmq_widgets.service.sampling as sampling

    def refuse(*args, **kwargs):
        raise AssertionError("a noisy circuit must not be drawn from probabilities")

    monkeypatch.setattr(sampling, "_sample_exactly", refuse)
    plain = QuantumCircuit(1)
    plain.x(0)
    plain.measure_all()
    assert sample_registers(simulator, [plain], 10, seed=1, noiseless=False)[0]["meas"].get_counts() == {
        "1": 10
    }
