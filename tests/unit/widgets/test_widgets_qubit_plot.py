"""QubitPropertyPlot on backends of the local service: bars and map as SVG, the dropdowns, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from traitlets import TraitError
from widget_doubles import bar_values, svg_all, svg_tree

from ibmq_widgets import QubitPropertyPlot
from ibmq_widgets.widgets.device_layout import undirected_edges


@pytest.fixture(scope="module")
def fez(research_provider):
    return research_provider.get_backend("ibm_fez")


@pytest.fixture
def plot(fez):
    plot = QubitPropertyPlot(fez, property="t1")
    assert plot.wait(60)
    yield plot
    plot.close()


def test_one_bar_per_qubit_and_the_map_both_svg(plot, fez):
    values = bar_values(plot.bars_svg)
    assert len(values) == fez.configuration().n_qubits == 156
    np.testing.assert_allclose(values, plot.dataframe["t1"].to_numpy())
    np.testing.assert_allclose(values[7], fez.properties().t1(7) * 1e6)
    assert svg_tree(plot.bars_svg).get("data-property") == "t1"
    assert len(svg_all(plot.map_svg, "g", "qubit")) == 156
    assert len(svg_all(plot.map_svg, "line", "coupler")) == len(
        undirected_edges(fez.configuration().coupling_map)
    )
    assert plot.status.startswith("ibm_fez: 156 qubits, T1 (µs)") and "7 broken couplers" in plot.status


def test_dropdowns_switch_the_property_and_the_coupler_metric(plot):
    before = plot.map_svg
    plot._dropdown.set_state({"index": 1})  # as the browser sends it
    assert plot.property == "t2"
    assert plot.wait(60)
    assert svg_tree(plot.map_svg).get("data-qubit-metric") == "t2" and plot.map_svg != before
    plot.property = "readout_error"
    assert plot._dropdown.get_state()["index"] == 3
    assert plot.wait(60)
    assert "10⁻²" in plot.bars_svg  # error rates on a log axis: decade ticks
    plot._edges.set_state({"index": 1})
    assert plot.edge_metric == "length" and plot.wait(60)
    assert svg_tree(plot.map_svg).get("data-edge-metric") == "length"
    assert "Couplers: cz gate length (ns)" in plot.map_svg  # the legend names the device's own gate
    plot.property = "t2"  # redrawing keeps the coupler metric chosen
    assert plot.wait(60) and plot.edge_metric == "length" and 'data-edge-metric="length"' in plot.map_svg


def test_single_qubit_gate_error_names_the_devices_gate(plot):
    plot.property = "gate_error"
    assert plot.wait(60)
    assert "(sx)" in plot.bars_svg


def test_a_property_the_device_lacks_is_a_message_not_a_traceback(plot):
    plot.property = "frequency"
    assert plot.wait(60)
    assert "ibm_fez does not report Frequency" in plot._message.value
    assert "Try: T1, T2" in plot.status
    assert np.isnan(bar_values(plot.bars_svg)).all() and len(bar_values(plot.bars_svg)) == 156


def test_a_simulator_has_no_properties_and_no_backend_clears_the_plot(research_provider, plot):
    plot.backend = research_provider.get_backend("ibmq_qasm_simulator")
    assert plot.wait(60)
    assert plot.map_svg == "" and plot.bars_svg == ""
    assert "ibmq_qasm_simulator is a simulator without calibration data" in plot._message.value
    assert plot.dataframe.empty
    plot.backend = None  # e.g. a linked picker whose filters match nothing
    assert plot.wait(60) and plot.map_svg == "" and "No backend selected" in plot.status


def test_no_backend_and_unknown_property(fez):
    plot = QubitPropertyPlot()
    assert "No backend selected" in plot._message.value and plot.dataframe.empty
    with pytest.raises(TraitError):
        plot.property = "t3"
    plot.close()
    with pytest.raises(TraitError):
        QubitPropertyPlot(fez, property="colour")


def test_other_gate_sets_and_frequency_axes_around_the_data(research_provider):
    plot = QubitPropertyPlot(research_provider.get_backend("ibm_kawasaki"), property="frequency")
    assert plot.wait(60)
    assert plot.data.medians.two_qubit_gate == "ecr" and len(bar_values(plot.bars_svg)) == 127
    axis = next(g for g in svg_all(plot.bars_svg, "g", "y-axis"))
    ticks = [float(t.text) for t in axis.iter("{http://www.w3.org/2000/svg}text") if t.text[0].isdigit()]
    assert min(ticks) > 4  # the axis starts near the data, not at 0 GHz...
    heights = [float(bar.get("height")) for bar in svg_all(plot.bars_svg, "rect", "bar")]
    assert max(heights) > 5 * min(heights)  # ...so the bars show the differences between qubits
    plot.close()
