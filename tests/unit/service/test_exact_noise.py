"""Device noise in the forms aer consumes directly: the same channels and the same distributions as the
``NoiseModel`` path, cached per device and qubit set, with bounded memory. No timing here (see bench/)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import CircuitInstruction
from qiskit.quantum_info import SuperOp
from qiskit_aer import AerSimulator
from qiskit_aer.library import SaveProbabilities
from qiskit_aer.noise import NoiseModel, depolarizing_error
from service_unit_helpers import ghz

from ibmq_widgets.service import noise as noise_module
from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.exact_noise import ExactNoise, error_superop
from ibmq_widgets.service.noise import DeviceNoise, FrozenNoiseModel, cut_to_active_qubits
from ibmq_widgets.service.sampling import MAX_DENSITY_QUBITS, sample_counts, sample_noisy

SHOTS = 20_000


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


@pytest.fixture(scope="module")
def fez(catalog):
    return DeviceNoise(catalog.backend_v2("ibm_fez"))


@pytest.fixture(scope="module")
def fez_ghz(catalog):
    isa = transpile(ghz(), target=catalog.backend_v2("ibm_fez"), optimization_level=1, seed_transpiler=11)
    return cut_to_active_qubits(isa)


def total_variation(first: dict[str, int], second: dict[str, int]) -> float:
    keys = set(first) | set(second)
    n1, n2 = sum(first.values()), sum(second.values())
    return 0.5 * sum(abs(first.get(k, 0) / n1 - second.get(k, 0) / n2) for k in keys)


def test_each_error_becomes_the_superoperator_of_its_channel(fez, fez_ghz):
    model = fez.noise_model(fez_ghz.qubits, fez_ghz.used)
    errors = [
        (name, qubits, error)
        for name, per in model._local_quantum_errors.items()
        for qubits, error in per.items()
    ]
    assert {name for name, _, _ in errors} == {"sx", "cz"}
    exact = fez.exact(fez_ghz.qubits, fez_ghz.used)
    for name, qubits, error in errors:
        expected = SuperOp(error.to_quantumchannel()).data
        assert np.allclose(error_superop(error), expected, atol=1e-12)
        assert np.allclose(exact.errors[(name, qubits)].params[0], expected, atol=1e-12)
    for qubit in range(len(fez_ghz.qubits)):
        readout = np.asarray(model._local_readout_errors[(qubit,)].probabilities)
        assert exact.flip_probabilities(qubit) == (readout[0, 1], readout[1, 0])


def test_the_noisy_state_is_the_one_aer_computes_from_the_noise_model(fez, fez_ghz):
    circuit = fez_ghz.circuit
    exact = fez.exact(fez_ghz.qubits, fez_ghz.used)

    def probabilities(prepared: QuantumCircuit, **options) -> np.ndarray:
        prepared._append(CircuitInstruction(SaveProbabilities(5, label="p"), prepared.qubits))
        simulator = AerSimulator(method="density_matrix", max_parallel_threads=1, **options)
        return np.asarray(simulator.run(prepared, shots=1, seed_simulator=1).result().data(0)["p"])

    without_measurements = circuit.copy_empty_like()
    for instruction in circuit.data:
        if instruction.name != "measure":
            without_measurements._append(instruction)
    reference = probabilities(without_measurements, noise_model=fez.noise_model(fez_ghz.qubits, fez_ghz.used))
    ours = probabilities(exact.noisy_circuit(circuit))
    assert np.allclose(ours, reference, atol=1e-12)
    assert 0.8 < ours[0] + ours[-1] < 0.999  # the device's noise is there


def test_drawn_shots_follow_the_distribution_of_todays_noise_model_path(fez, fez_ghz):
    exact = fez.exact(fez_ghz.qubits, fez_ghz.used)
    circuits = [fez_ghz.circuit]
    shots = 100_000
    ours = sample_noisy(AerSimulator(max_parallel_threads=1), circuits, shots, 7, exact)[0]["meas"]
    noisy = AerSimulator(noise_model=fez.noise_model(fez_ghz.qubits, fez_ghz.used), max_parallel_threads=1)
    reference = sample_counts(noisy, circuits, shots, 7)[0]["meas"]
    # Seeds are fixed, so this is deterministic. Two samples of 100,000 shots of one distribution sit 0.001 to
    # 0.004 apart in total variation; leaving out the gate errors moves it to about 0.019, the readout errors 0.044.
    assert total_variation(ours.get_counts(), reference.get_counts()) < 0.008
    again = sample_noisy(AerSimulator(max_parallel_threads=1), circuits, shots, 7, exact)[0]["meas"]
    other = sample_noisy(AerSimulator(max_parallel_threads=1), circuits, shots, 8, exact)[0]["meas"]
    assert np.array_equal(ours.array, again.array) and not np.array_equal(ours.array, other.array)


def test_readout_errors_flip_each_measurement_on_its_own():
    """One qubit measured twice: its two bits agree unless a readout error flips one, as in aer."""
    model = NoiseModel()
    model.add_all_qubit_readout_error([[0.8, 0.2], [0.3, 0.7]])
    circuit = QuantumCircuit(1, 2)
    circuit.x(0)
    circuit.measure(0, 0)
    circuit.measure(0, 1)
    exact = ExactNoise({}, {0: np.array([[0.8, 0.2], [0.3, 0.7]])})
    ours = sample_noisy(AerSimulator(), [circuit], SHOTS, 3, exact)[0]["c"].get_counts()
    reference = sample_counts(AerSimulator(noise_model=model), [circuit], SHOTS, 3)[0]["c"].get_counts()
    assert total_variation(ours, reference) < 0.025
    assert abs(ours["11"] / SHOTS - 0.49) < 0.02 and abs(ours["00"] / SHOTS - 0.09) < 0.02


def test_circuits_the_density_matrix_path_does_not_cover_are_left_to_the_noise_model():
    exact = ExactNoise({}, {})
    mid = QuantumCircuit(1, 2)
    mid.measure(0, 0)
    mid.x(0)  # a gate after a measurement
    mid.measure(0, 1)
    delayed = QuantumCircuit(1, 1)
    delayed.delay(100, 0)  # relaxation during delays is a pass of the noise model
    delayed.measure(0, 0)
    wide = QuantumCircuit(MAX_DENSITY_QUBITS + 1)
    wide.x(0)
    wide.measure_all()
    plain = QuantumCircuit(1, 1)
    plain.x(0)
    plain.measure(0, 0)
    drawn = sample_noisy(AerSimulator(), [mid, delayed, wide, plain], 100, 1, exact)
    assert drawn[:3] == [None, None, None]
    assert drawn[3]["c"].get_counts() == {"1": 100}


def test_noise_is_kept_per_device_and_qubit_set(catalog, fez, fez_ghz):
    first = fez.exact(fez_ghz.qubits, fez_ghz.used)
    assert fez.exact(fez_ghz.qubits, fez_ghz.used) is first
    assert fez.noise_model(fez_ghz.qubits, fez_ghz.used) is fez.noise_model(fez_ghz.qubits, fez_ghz.used)
    moved = tuple(q + 20 for q in fez_ghz.qubits)  # other qubits: other calibration, another entry
    assert fez.exact(moved, None) is not first
    assert fez.exact(moved, None).readout[0].tolist() != first.readout[0].tolist()
    manila = DeviceNoise(catalog.backend_v2("ibmq_manila")).exact((0, 1), None)
    assert manila.readout[0].tolist() != first.readout[0].tolist()


def test_the_noise_kept_per_device_is_bounded(catalog, monkeypatch):
    monkeypatch.setattr(noise_module, "_NOISE_MODELS_KEPT", 4)
    device = DeviceNoise(catalog.backend_v2("ibmq_manila"))
    kept = [device.exact((qubit,), None) for qubit in range(5)]
    assert len(device) == 4 and sum(entry.nbytes for entry in kept) > 0
    assert device.exact((4,), None) is kept[4]  # the newest stay
    assert device.exact((0,), None) is not kept[0]  # the oldest was dropped and is built again


def test_worker_engine_keeps_a_bounded_number_of_devices(monkeypatch):
    from ibmq_widgets.service import worker

    monkeypatch.setattr(worker, "_DEVICES_KEPT", 2)
    engine = worker._Engine()
    for name in ("ibmq_manila", "ibmq_lima", "ibmq_belem"):
        engine.device_noise(name)
    assert list(engine._noise) == ["ibmq_lima", "ibmq_belem"]


def test_a_frozen_model_serialises_once_and_forgets_it_when_changed(monkeypatch):
    base = NoiseModel()
    base.add_all_qubit_quantum_error(depolarizing_error(0.1, 1), ["sx"])
    frozen = FrozenNoiseModel(base)
    calls = []
    original = NoiseModel.to_dict

    def counted(self: NoiseModel, serializable: bool = False) -> dict:
        calls.append(1)
        return original(self, serializable)

    monkeypatch.setattr(NoiseModel, "to_dict", counted)
    assert frozen.to_dict(serializable=True) == base.to_dict(serializable=True)
    frozen.to_dict(serializable=True)
    assert len(calls) == 2  # one for the frozen model, one for the plain one it was compared with
    frozen.add_all_qubit_quantum_error(depolarizing_error(0.2, 1), ["x"])
    assert "x" in str(frozen.to_dict(serializable=True)) and len(calls) == 3
    plain = copy.deepcopy(frozen)  # what aer does before adding errors a circuit carries
    assert type(plain) is NoiseModel and plain.to_dict() == frozen.to_dict()


def test_a_frozen_model_gives_the_same_counts_as_the_model_it_freezes():
    model = NoiseModel()
    model.add_all_qubit_quantum_error(depolarizing_error(0.05, 1), ["x", "h"])
    model.add_all_qubit_readout_error([[0.9, 0.1], [0.2, 0.8]])
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.x(1)
    circuit.measure_all()
    counts = [
        AerSimulator(noise_model=m).run(circuit, shots=500, seed_simulator=4).result().get_counts()
        for m in (model, FrozenNoiseModel(model), FrozenNoiseModel(model))
    ]
    assert counts[0] == counts[1] == counts[2]
