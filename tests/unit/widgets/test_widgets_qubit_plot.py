"""QubitPropertyPlot on backends of the local service: bars per qubit, the map, the dropdown, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from traitlets import TraitError
from widget_doubles import bar_heights

from ibmq_widgets import QubitPropertyPlot
from ibmq_widgets.widgets.device_map import undirected_edges


@pytest.fixture(scope="module")
def fez(research_provider):
    return research_provider.get_backend("ibm_fez")


@pytest.fixture
def plot(fez):
    plot = QubitPropertyPlot(fez, property="t1")
    assert plot.wait(60)
    yield plot
    plot.close()


def test_one_bar_per_qubit_with_the_qubits_values(plot, fez):
    bars_axes, map_axes = plot.figure.axes[0], plot.figure.axes[1]
    n_qubits = fez.configuration().n_qubits
    assert len(bar_heights(plot.figure)) == n_qubits == 156
    heights = np.array(bar_heights(plot.figure))
    np.testing.assert_allclose(heights, plot.dataframe["t1"].to_numpy())
    np.testing.assert_allclose(heights[7], fez.properties().t1(7) * 1e6)
    assert bars_axes.get_ylabel() == "T1 (µs)"
    lines = next(c for c in map_axes.collections if isinstance(c, LineCollection))
    assert len(lines.get_segments()) == len(undirected_edges(fez.configuration().coupling_map))
    assert plot._image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot.status.startswith("ibm_fez: 156 qubits")


def test_dropdown_switches_the_property(plot):
    before = bytes(plot._image.value)
    plot._dropdown.set_state({"index": 1})  # as the browser sends it
    assert plot.property == "t2"
    assert plot.wait(60)
    assert plot.figure.axes[0].get_ylabel() == "T2 (µs)"
    assert bytes(plot._image.value) != before
    plot.property = "readout_error"
    assert plot._dropdown.get_state()["index"] == 3
    assert plot.wait(60)
    assert plot.figure.axes[0].get_yscale() == "log"  # error rates span decades


def test_single_qubit_gate_error_uses_the_devices_gate(plot):
    plot.property = "gate_error"
    assert plot.wait(60)
    assert "(sx)" in plot.figure.axes[0].get_ylabel()


def test_a_property_the_device_lacks_is_a_message_not_a_traceback(plot):
    plot.property = "frequency"
    assert plot.wait(60)
    assert "ibm_fez does not report Frequency" in plot._message.value
    assert "Try: T1, T2" in plot.status
    assert len(bar_heights(plot.figure)) == 156  # the map and (empty) bars still drawn


def test_a_simulator_has_no_properties_message(research_provider, plot):
    plot.backend = research_provider.get_backend("ibmq_qasm_simulator")
    assert plot.wait(60)
    assert plot.figure is None and plot._image.value == b""
    assert "ibmq_qasm_simulator is a simulator without calibration data" in plot._message.value
    assert plot.dataframe.empty


def test_no_backend_and_unknown_property(fez):
    plot = QubitPropertyPlot()
    assert "No backend selected" in plot._message.value and plot.dataframe.empty
    with pytest.raises(TraitError):
        plot.property = "t3"
    plot.close()
    with pytest.raises(TraitError):
        QubitPropertyPlot(fez, property="colour")


def test_other_gate_sets(research_provider):
    plot = QubitPropertyPlot(research_provider.get_backend("ibm_kawasaki"))
    assert plot.wait(60)
    assert plot.data.medians.two_qubit_gate == "ecr"
    assert len(bar_heights(plot.figure)) == 127
    assert any(axes.get_ylabel() == "ecr error" for axes in plot.figure.axes)
    plot.close()
