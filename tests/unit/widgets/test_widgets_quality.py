"""The one colour rule: a metric's direction decides which end of one good-to-bad scale a value gets."""

from __future__ import annotations

import math

from ibmq_widgets.widgets.quality import EDGE_METRICS, MISSING, QUBIT_METRICS, ColorScale, text_color

BEST, WORST = "#313695", "#a50026"


def test_high_is_good_for_coherence_and_low_is_good_for_errors():
    t1 = ColorScale(QUBIT_METRICS["t1"], [50.0, 100.0, 300.0])
    assert (t1.color(300.0), t1.color(50.0)) == (BEST, WORST)
    assert t1.quality(300.0) == 1.0 and t1.quality(50.0) == 0.0 and t1.ends() == (300.0, 50.0)
    error = ColorScale(EDGE_METRICS["error"], [1e-3, 1e-2, 1.0])  # 1.0 is broken: not on the scale
    assert (error.color(1e-3), error.color(1e-2)) == (BEST, WORST) and error.high == 1e-2
    assert abs(error.quality(math.sqrt(1e-5)) - 0.5) < 1e-9  # halfway on a log scale
    readout = ColorScale(QUBIT_METRICS["readout_error"], [0.01, 0.1])
    assert readout.color(0.01) == t1.color(300.0)  # the same quality, the same colour, any metric


def test_neutral_metrics_are_neither_good_nor_bad_and_missing_values_are_grey():
    frequency = ColorScale(QUBIT_METRICS["frequency"], [4.8, 5.0, 5.2])
    colours = {frequency.color(v) for v in (4.8, 5.0, 5.2)}
    assert len(colours) == 3 and not colours & {BEST, WORST}
    assert math.isnan(frequency.quality(5.0))
    assert frequency.color(math.nan) == MISSING and frequency.color(None) == MISSING
    empty = ColorScale(QUBIT_METRICS["t1"], [math.nan])
    assert empty.empty and empty.color(5.0) == MISSING
    single = ColorScale(QUBIT_METRICS["t1"], [7.0])
    assert single.position(7.0) == 0.5
    assert len(frequency.legend()) == 11 and frequency.legend()[0][0] == 0.0


def test_text_colour_reads_on_its_fill_and_values_format_with_units():
    assert text_color(BEST) == "#ffffff" and text_color("#ffffbf") == "#000000"
    assert QUBIT_METRICS["t1"].format(123.456) == "123 µs"
    assert (
        EDGE_METRICS["error"].format(0.00391) == "3.9e-03" and EDGE_METRICS["error"].format(math.nan) == "—"
    )
    assert QUBIT_METRICS["frequency"].title == "Frequency (GHz)"
