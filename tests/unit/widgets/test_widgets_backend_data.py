"""What the widgets know about one backend, read from its configuration and properties in one go."""

from __future__ import annotations

import math
from collections import Counter
from types import SimpleNamespace

from qiskit_ibm_runtime.fake_provider import FakeFez, FakeKyoto, FakeVigoV2
from widget_doubles import FakeBackend

from ibmq_widgets.widgets.feeds.backend_data import (
    backend_name,
    instance_usage,
    is_missing,
    is_test_device,
    load_backend_data,
    processor_label,
)


def test_backend_name_from_a_method_an_attribute_or_the_object():
    assert backend_name(FakeBackend(FakeVigoV2(), Counter())) == "fake_vigo"
    assert backend_name(SimpleNamespace(name="ibm_fez")) == "ibm_fez"
    assert backend_name("ibm_torino") == "ibm_torino"


def test_a_device_with_calibration():
    calls: Counter = Counter()
    data = load_backend_data(FakeBackend(FakeVigoV2(), calls))
    assert calls == Counter(configuration=1, properties=1)  # two requests, each once
    assert data.name == "fake_vigo" and data.n_qubits == 5 and not data.simulator
    assert data.has_properties and len(data.qubits) == 5
    assert data.medians.two_qubit_gate == "cx" and 0 < data.medians.two_qubit_error < 1
    assert set(data.pair_errors) == {(0, 1), (1, 2), (1, 3), (3, 4)}
    assert data.missing_properties() == []
    fez = load_backend_data(FakeBackend(FakeFez(), Counter()))
    assert fez.missing_properties() == ["frequency"]  # Heron devices do not report it


def test_a_simulator_has_no_calibration_and_says_what_to_do():
    data = load_backend_data(FakeBackend(None, Counter()))
    assert not data.has_properties and data.simulator and data.qubits.empty
    assert data.no_properties_message() == (
        "ibmq_qasm_simulator is a simulator without calibration data (no qubit properties): pick a device instead."
    )
    assert math.isnan(data.medians.t1)


def test_is_missing():
    assert is_missing(None) and is_missing(float("nan"))
    assert not is_missing(0.0) and not is_missing("x")


def test_device_facts_what_ibms_device_list_shows():
    fez = load_backend_data(FakeBackend(FakeFez(), Counter())).facts
    assert fez.processor == "Heron r2" and fez.clops == 195_000 and math.isnan(fez.quantum_volume)
    assert fez.layer_length == 100 and 0.001 < fez.eplg < 0.02
    assert fez.calibrated is not None and fez.calibrated.year == 2025
    vigo = load_backend_data(FakeBackend(FakeVigoV2(), Counter())).facts
    assert vigo.quantum_volume == 16 and vigo.layer_length == 0 and math.isnan(vigo.eplg)
    kyoto = load_backend_data(FakeBackend(FakeKyoto(), Counter())).facts
    assert kyoto.medians.two_qubit_error == 1.0  # every ecr broken: the picker flags it
    simulator = load_backend_data(FakeBackend(None, Counter())).facts
    assert simulator.processor == "" and simulator.calibrated is None


def test_processor_labels_test_devices_and_usage():
    assert processor_label({"family": "Heron", "revision": "2"}) == "Heron r2"
    assert processor_label({"family": "Falcon", "revision": "5.11", "segment": "H"}) == "Falcon r5.11H"
    assert processor_label({"family": "Eagle", "revision": 3}) == "Eagle r3"
    assert processor_label(None) == "" and processor_label({}) == ""
    assert is_test_device("fake_nighthawk") and is_test_device("alt_cairo") and not is_test_device("ibm_fez")
    assert instance_usage(SimpleNamespace(provider=lambda: SimpleNamespace(usage=lambda: "used"))) == "used"
    assert instance_usage(SimpleNamespace()) is None
