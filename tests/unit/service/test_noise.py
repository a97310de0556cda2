"""Noise cut to a circuit's active qubits: same errors as the whole device's model, circuits cut exactly."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.quantum_info import Statevector
from qiskit_aer.noise import NoiseModel
from qiskit_ibm_runtime.fake_provider import FakeLagosV2, FakeManilaV2

from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.noise import (
    DeviceNoise,
    cut_to_active_qubits,
    reduce_pauli_terms,
    sub_target,
    used_instructions,
)


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def _errors(model: NoiseModel, qubit_map: dict[int, int] | None = None) -> list:
    """A model's errors as comparable data, qubits renumbered by ``qubit_map`` (errors off it dropped)."""
    found = []
    for error in model.to_dict()["errors"]:
        qubits = [tuple(q) for q in error["gate_qubits"]]
        if qubit_map is not None:
            if not all(q in qubit_map for qs in qubits for q in qs):
                continue
            qubits = [tuple(qubit_map[q] for q in qs) for qs in qubits]
        body = {k: v for k, v in error.items() if k not in ("id", "gate_qubits")}
        found.append(repr((sorted(qubits), body)))
    return sorted(found)


def test_whole_device_model_equals_the_reference_local_mode_model(catalog):
    reference = NoiseModel.from_backend(FakeManilaV2())
    ours = DeviceNoise(catalog.backend_v2("ibmq_manila")).noise_model((0, 1, 2, 3, 4))
    assert ours == reference
    assert "measure" in ours.noise_instructions  # readout errors


def test_cut_model_has_the_device_errors_of_those_qubits_renumbered(catalog):
    qubits = (1, 3, 5)
    reference = NoiseModel.from_backend(FakeLagosV2())
    ours = DeviceNoise(catalog.backend_v2("ibm_lagos")).noise_model(qubits)
    expected = _errors(reference, {old: new for new, old in enumerate(qubits)})
    assert _errors(ours) == expected
    assert any("'cx'" in item and "(0, 1)" in item for item in expected)  # the 1-3 edge became 0-1


def test_sub_target_keeps_only_gates_among_the_qubits(catalog):
    target = catalog.backend_v2("ibm_fez")
    small = sub_target(target, (3, 4, 16))
    assert small.num_qubits == 3
    assert set(small["cz"]) == {(0, 1), (1, 0), (0, 2), (2, 0)}  # 3-4 and 3-16 on ibm_fez
    assert small["measure"][(2,)].error == target["measure"][(16,)].error
    assert small.qubit_properties[1].t1 == target.qubit_properties[4].t1


def test_noise_for_just_the_instructions_used_gives_the_same_samples(catalog):
    from qiskit_aer import AerSimulator

    circuit = QuantumCircuit(3)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    circuit.measure_all()
    isa = transpile(circuit, target=catalog.backend_v2("ibm_lagos"), seed_transpiler=2)
    cut = cut_to_active_qubits(isa)
    used = used_instructions(cut.circuit)
    assert ("measure", (0,)) in used and all(name != "reset" for name, _ in used)
    noise = DeviceNoise(catalog.backend_v2("ibm_lagos"))
    lean, full = noise.noise_model(cut.qubits, used), noise.noise_model(cut.qubits)
    assert lean is not full and lean.basis_gates == full.basis_gates
    assert len(lean.to_dict()["errors"]) < len(full.to_dict()["errors"])
    counts = [
        AerSimulator(noise_model=model).run(cut.circuit, shots=2000, seed_simulator=5).result().get_counts()
        for model in (lean, full)
    ]
    assert counts[0] == counts[1]
    assert len(counts[0]) > 2  # noisy


def test_used_instructions_give_up_on_control_flow():
    circuit = QuantumCircuit(2, 1)
    circuit.measure(0, 0)
    with circuit.if_test((circuit.clbits[0], 1)):
        circuit.x(1)
    assert used_instructions(circuit) is None


def test_noise_models_are_cached_per_qubit_set(catalog):
    noise = DeviceNoise(catalog.backend_v2("ibmq_manila"))
    assert noise.noise_model((0, 1)) is noise.noise_model((0, 1))
    assert noise.noise_model((0, 1)) is not noise.noise_model((1, 2))


def test_cut_keeps_registers_and_drops_idle_qubits():
    qreg, creg, extra = QuantumRegister(10, "q"), ClassicalRegister(3, "c"), ClassicalRegister(2, "flags")
    circuit = QuantumCircuit(qreg, creg, extra, metadata={"ibmq_widgets.name": "x"})
    circuit.barrier()
    circuit.delay(100, 9)
    circuit.h(7)
    circuit.cx(7, 2)
    circuit.x(5)
    circuit.barrier()
    circuit.measure([2, 5, 7], creg)
    circuit.measure(7, extra[1])
    cut = cut_to_active_qubits(circuit)
    assert cut.qubits == (2, 5, 7) and cut.width == 10
    assert cut.circuit.num_qubits == 3
    assert [r.name for r in cut.circuit.cregs] == ["c", "flags"]
    assert cut.circuit.metadata == {"ibmq_widgets.name": "x"}
    assert "delay" not in cut.circuit.count_ops()
    without_measure = circuit.remove_final_measurements(inplace=False)
    small = cut.circuit.remove_final_measurements(inplace=False)
    # Same distribution over the active qubits.
    full = Statevector(without_measure).probabilities_dict(qargs=[2, 5, 7])
    assert Statevector(small).probabilities_dict() == pytest.approx(full)


def test_cut_of_a_transpiled_circuit_on_a_large_device(catalog):
    circuit = QuantumCircuit(3)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    circuit.measure_all()
    isa = transpile(circuit, target=catalog.backend_v2("ibm_fez"), seed_transpiler=7)
    assert isa.num_qubits == 156
    cut = cut_to_active_qubits(isa)
    assert len(cut.qubits) == 3 and cut.circuit.num_qubits == 3
    assert set(cut.qubits) == set(isa.layout.final_index_layout())


def test_reduce_pauli_terms_uses_the_zero_state_of_idle_qubits():
    circuit = QuantumCircuit(4)
    circuit.h(1)
    circuit.cx(1, 3)
    cut = cut_to_active_qubits(circuit)
    assert cut.qubits == (1, 3)
    # Labels are qubit 3..0 left to right.
    reduced = reduce_pauli_terms({"ZIZI": 0.5, "XIXZ": 2.0, "IIXI": 1.0, "IXII": 4.0}, cut)
    assert reduced == {"ZZ": 0.5, "XX": 2.0, "IX": 1.0}  # X on idle qubit 2 kills the last term
    assert reduce_pauli_terms({"IXII": 1.0}, cut) == {"II": 0.0}
    with pytest.raises(ValueError, match="apply the circuit's layout"):
        reduce_pauli_terms({"ZZ": 1.0}, cut)


def test_empty_circuit_keeps_one_qubit():
    cut = cut_to_active_qubits(QuantumCircuit(5, 1))
    assert cut.qubits == (0,) and cut.circuit.num_qubits == 1
    assert np.isclose(cut.circuit.global_phase, 0)
