"""The per-qubit bar chart: axes that show differences, integer qubit ticks, one hover title per bar."""

from __future__ import annotations

from collections import Counter

import numpy as np
from qiskit_ibm_runtime.fake_provider import FakeArmonkV2, FakeKawasaki
from widget_doubles import FakeBackend, bar_values, svg_all, title_of

from ibmq_widgets.widgets.feeds.backend_data import load_backend_data
from ibmq_widgets.widgets.quality import QUBIT_METRICS
from ibmq_widgets.widgets.qubit_bars import draw_qubit_bars, integer_ticks, nice_ticks, value_range


def test_ticks_are_round_values_and_whole_qubit_numbers():
    assert nice_ticks(4.83, 5.65) == [5.0, 5.2, 5.4, 5.6]
    assert nice_ticks(0, 300) == [0, 100, 200, 300]
    assert integer_ticks(1) == [0] and integer_ticks(5) == [0, 1, 2, 3, 4]
    assert integer_ticks(156) == list(range(0, 156, 10))
    assert all(isinstance(tick, int) for tick in integer_ticks(127))


def test_value_ranges_show_the_differences():
    frequency = value_range(QUBIT_METRICS["frequency"], np.array([4.9, 5.3, 5.6]))
    assert 4.7 < frequency[0] < 4.9 and 5.6 < frequency[1] < 5.8  # around the data, not from 0 GHz
    assert value_range(QUBIT_METRICS["t1"], np.array([40.0, 300.0])) == (0.0, 315.0)
    assert value_range(QUBIT_METRICS["readout_error"], np.array([0.004, 0.06])) == (0.001, 0.1)
    assert value_range(QUBIT_METRICS["t1"], np.array([np.nan])) == (0.0, 1.0)


def test_one_bar_per_qubit_with_its_value_on_hover():
    data = load_backend_data(FakeBackend(FakeKawasaki(), Counter()))
    markup = draw_qubit_bars(data, "t1")
    bars = svg_all(markup, "rect", "bar")
    assert len(bars) == 127
    np.testing.assert_allclose(bar_values(markup), data.qubits["t1"].to_numpy())
    assert title_of(bars[5]).startswith("Qubit 5: T1 (µs) ") and "µs" in title_of(bars[5])
    assert "(127 qubits)" in str(markup)


def test_a_one_qubit_device_reads_1_qubit_and_gets_a_narrow_bar():
    data = load_backend_data(FakeBackend(FakeArmonkV2(), Counter()))
    markup = draw_qubit_bars(data, "t1")
    assert "(1 qubit)" in str(markup) and "1 qubits" not in str(markup)
    (bar,) = svg_all(markup, "rect", "bar")
    assert float(bar.get("width")) <= 40
    labels = [
        t.text for g in svg_all(markup, "g", "x-axis") for t in g.iter("{http://www.w3.org/2000/svg}text")
    ]
    assert labels == ["0", "qubit"]  # one whole-number tick, no 0.5 or 0.25
