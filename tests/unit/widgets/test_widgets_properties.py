"""Per-qubit and two-qubit calibration tables from every gate set the devices have used."""

from __future__ import annotations

import math

import pytest
from qiskit_ibm_runtime.fake_provider import FakeArmonkV2, FakeFez, FakeKawasaki, FakeRochesterV2

from ibmq_widgets.widgets.device_layout import undirected_edges
from ibmq_widgets.widgets.feeds import properties as calibration
from ibmq_widgets.widgets.feeds.properties import (
    backend_medians,
    pair_errors,
    qubit_dataframe,
    single_qubit_gate_name,
    two_qubit_gate_name,
)


@pytest.mark.parametrize(
    ("device", "one", "two"),
    [
        (FakeFez, "sx", "cz"),
        (FakeKawasaki, "sx", "ecr"),
        (FakeRochesterV2, "u2", "cx"),
        (FakeArmonkV2, "sx", None),
    ],
)
def test_the_devices_own_gates_are_found(device, one, two):
    properties = device().properties()
    assert single_qubit_gate_name(properties) == one
    assert two_qubit_gate_name(properties) == two


def test_qubit_dataframe_converts_units_and_marks_missing_values():
    properties = FakeKawasaki().properties()
    frame = qubit_dataframe(properties)
    assert list(frame.columns) == ["t1", "t2", "frequency", "readout_error", "gate_error"]
    assert len(frame) == 127 and frame.index.name == "qubit"
    assert frame.loc[5, "t1"] == pytest.approx(properties.t1(5) * 1e6)  # seconds -> µs
    assert frame.loc[5, "frequency"] == pytest.approx(properties.frequency(5) / 1e9)  # Hz -> GHz
    assert frame.loc[5, "readout_error"] == pytest.approx(properties.readout_error(5))
    assert frame.loc[5, "gate_error"] == pytest.approx(properties.gate_error("sx", 5))
    fez = qubit_dataframe(FakeFez().properties())
    assert fez["frequency"].isna().all()  # Heron devices do not report qubit frequencies
    assert fez["t1"].notna().all()


def test_pair_errors_cover_the_coupling_map_once_per_pair():
    device = FakeRochesterV2()
    errors = pair_errors(device.properties())
    assert set(errors) == set(undirected_edges(device.configuration().coupling_map))
    assert all(0 <= value <= 1 for value in errors.values())


def test_medians_and_no_properties():
    medians = backend_medians(FakeFez().properties())
    assert medians.two_qubit_gate == "cz"
    assert 50 < medians.t1 < 400 and 0 < medians.two_qubit_error < 0.05
    empty = backend_medians(None)
    assert math.isnan(empty.t1) and empty.two_qubit_gate is None


def test_gate_lengths_bad_qubits_and_layer_fidelity():
    properties = FakeFez().properties()
    lengths = calibration.pair_lengths(properties)
    assert set(lengths) == set(pair_errors(properties)) and all(20 < v < 1000 for v in lengths.values())
    assert calibration.bad_qubits(properties) == set()  # every qubit of the snapshot is operational
    length, fidelity = calibration.layer_fidelity(properties)
    assert length == 100 and 0 < fidelity < 1
    assert calibration.eplg(properties) == pytest.approx(1 - fidelity ** (1 / 99))
    old = FakeRochesterV2().properties()
    assert math.isnan(calibration.eplg(old)) and calibration.layer_fidelity(old) is None


def test_a_qubit_reported_not_operational_is_found():
    properties = FakeFez().properties()
    flag = type(properties.qubits[0][0])(properties.qubits[0][0].date, "operational", "", 0)
    properties.qubits[3].append(flag)
    assert calibration.bad_qubits(properties) == {3}
