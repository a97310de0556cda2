"""The bar chart of one per-qubit property as an inline SVG: one bar per qubit, each with its value on hover.

The bars share the device map's colour rule (``quality``), so a bar and its qubit on the map have one colour.
The value axis shows the differences between qubits: error rates on a log axis (they span decades), T1 and T2
from zero, and a neutral figure such as frequency on a range around the data (every qubit near 5 GHz would
otherwise draw equal bars). Qubit numbers are integer ticks.
"""

from __future__ import annotations

import math

import numpy as np

from ibmq_widgets.widgets.feeds.backend_data import BackendData
from ibmq_widgets.widgets.htmltools import Markup, plural, render
from ibmq_widgets.widgets.quality import MISSING, QUBIT_METRICS, ColorScale, Metric

__all__ = ["draw_qubit_bars", "integer_ticks", "nice_ticks", "value_range"]

_WIDTH, _HEIGHT = 760.0, 230.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 70.0, 16.0, 34.0, 40.0
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values (steps of 1, 2, 2.5 or 5 times a power of ten) from ``low`` to ``high``."""
    if not high > low:
        return [low]
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step + 1e-9) + 1)]


def integer_ticks(n_qubits: int, most: int = 16) -> list[int]:
    """Qubit numbers to label on the axis: whole numbers, at most ``most`` of them, from 0."""
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000) if n_qubits / s <= most)
    return list(range(0, n_qubits, step))


def value_range(metric: Metric, values: np.ndarray) -> tuple[float, float]:
    """The value axis: decades around the data for a log metric, from zero for T1/T2, around the data for a
    neutral one (so differences show)."""
    finite = values[np.isfinite(values) & ((values > 0) if metric.log else True)]
    if finite.size == 0:
        return (1e-4, 1.0) if metric.log else (0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    if metric.log:
        low, high = 10.0 ** math.floor(math.log10(low)), 10.0 ** math.ceil(math.log10(high))
        return (low / 10, high) if low == high else (low, high)
    if metric.better == "neutral":
        pad = (high - low) * 0.1 or abs(high) * 0.01 or 1.0
        return low - pad, high + pad
    return 0.0, (high * 1.05 or 1.0)


def _log_label(value: float) -> str:
    return f"10{str(round(math.log10(value))).translate(_SUPERSCRIPT)}"


def draw_qubit_bars(data: BackendData, prop: str) -> Markup:
    """One bar per qubit of ``prop`` as an inline SVG.

    Parameters
    ----------
    data : BackendData
        The backend's calibration (``feeds.backend_data.load_backend_data``).
    prop : str
        A key of ``QUBIT_METRICS``: t1, t2, frequency, readout_error or gate_error.

    Returns
    -------
    Markup
        ``<svg class="ibmq-widgets-qubit-bars" data-backend=... data-property=...>`` with one ``rect.bar`` (and
        its ``<title>``) per qubit that reports a value, y-axis ticks and integer qubit ticks.
    """
    # Over 60 lines with its docstring: both axes, the bars and the labels share one geometry computed here.
    metric = QUBIT_METRICS[prop]
    n_qubits = max(data.n_qubits, 0)
    values = (data.qubits[prop].to_numpy(dtype=float) if prop in data.qubits else np.full(n_qubits, np.nan))[
        :n_qubits
    ]
    scale = ColorScale(metric, values)
    low, high = value_range(metric, values)
    plot_width, plot_height = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    bottom = _TOP + plot_height

    def y_of(value: float) -> float:
        if metric.log:
            fraction = (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))
        else:
            fraction = (value - low) / (high - low)
        return bottom - min(max(fraction, 0.0), 1.0) * plot_height

    band = plot_width / max(n_qubits, 1)
    gate = data.qubits.attrs.get("gate")
    label = f"{metric.title} ({gate})" if prop == "gate_error" and gate else metric.title
    bars = []
    bar_width = min(max(band * 0.8, 1.0), 40.0)  # a device of one or two qubits gets bars, not slabs
    for qubit, value in enumerate(values):
        x = _LEFT + (qubit + 0.5) * band - bar_width / 2
        if not math.isfinite(value) or (metric.log and value <= 0):
            title = f"Qubit {qubit}: no data"
            bars.append(
                {"x": x, "y": bottom - 2, "height": 2, "fill": MISSING, "title": title, "value": "nan"}
            )
            continue
        top = y_of(value)
        note = " (not operational)" if qubit in data.bad_qubits else ""
        bars.append(
            {
                "x": x,
                "y": top,
                "height": max(bottom - top, 1.0),
                "fill": scale.color(value),
                "title": f"Qubit {qubit}: {label} {metric.format(value)}{note}",
                "value": repr(float(value)),
            }
        )
    if metric.log:
        decades = range(round(math.log10(low)), round(math.log10(high)) + 1)
        y_ticks = [(y_of(10.0**k), _log_label(10.0**k)) for k in decades]
    else:
        y_ticks = [(y_of(v), f"{v:g}") for v in nice_ticks(low, high)]
    x_ticks = [(_LEFT + (q + 0.5) * band, str(q)) for q in integer_ticks(n_qubits)]
    return render(
        "qubit_bars.svg.j2",
        name=data.name,
        prop=prop,
        width=_WIDTH,
        height=_HEIGHT,
        left=_LEFT,
        right=_WIDTH - _RIGHT,
        top=_TOP,
        bottom=bottom,
        bar_width=bar_width,
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        y_label=label,
        heading=f"{data.name}: {label} per qubit ({plural(n_qubits, 'qubit')})",
    )
