"""The device map: the coupling graph as an inline SVG, laid out in the lattice's own rows, coloured by quality.

Vector output stays sharp at any zoom, and every qubit and coupler carries an SVG ``<title>``: hovering shows
all of its calibration values. Qubits are coloured by one per-qubit property and couplers by one per-pair
metric (two-qubit error or gate length), both on the one colour rule of ``quality`` (blue good, red bad,
purple for a neutral figure such as frequency). Broken couplers (error >= 1, or none calibrated) are dashed
black and qubits reported not operational are crossed out, whatever the metric. The markup comes from
``templates/device_map.svg.j2`` through the autoescaped Jinja2 environment.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from ibmq_widgets.widgets.device_layout import device_layout, undirected_edges
from ibmq_widgets.widgets.feeds.backend_data import BackendData
from ibmq_widgets.widgets.feeds.properties import BROKEN_ERROR, QUBIT_PROPERTIES
from ibmq_widgets.widgets.htmltools import Markup, plural, render
from ibmq_widgets.widgets.quality import (
    BAD_QUBIT,
    BROKEN,
    EDGE_METRICS,
    MISSING,
    QUBIT_METRICS,
    ColorScale,
    Metric,
    text_color,
)

__all__ = ["EDGE_METRICS", "QUBIT_METRICS", "draw_device_map", "undirected_edges"]

_MARGIN = 28.0  # px around the lattice
_MIN_WIDTH = 560.0  # px: room for the two legends side by side
_LEGEND_HEIGHT = 84.0
_ids = itertools.count()  # gradient ids unique per page (a map in a hidden tab must not own the one in use)


def _unit(width: float, height: float) -> float:
    """Pixels per grid step: 48 at 16 columns (156 qubits, numbers 11 px high), up to 72 for small devices."""
    return float(min(max(720.0 / max(width, height, 1.0), 40.0), 72.0))


def _qubit_title(data: BackendData, qubit: int) -> str:
    lines = [f"Qubit {qubit}"]
    if data.has_properties and qubit < len(data.qubits):
        row = data.qubits.iloc[qubit]
        gate = data.qubits.attrs.get("gate")
        for key, metric in QUBIT_METRICS.items():
            label = f"{gate} error" if key == "gate_error" and gate else metric.label
            lines.append(f"{label}: {metric.format(float(row[key]))}")
        lines.append("not operational" if qubit in data.bad_qubits else "operational")
    else:
        lines.append("no calibration data")
    return "\n".join(lines)


def _coupler(data: BackendData, edge: tuple[int, int], scale: ColorScale) -> dict[str, Any]:
    error = data.pair_errors.get(edge, math.nan)
    length = data.pair_lengths.get(edge, math.nan)
    gate = data.medians.two_qubit_gate or "two-qubit gate"
    broken = data.has_properties and (math.isnan(error) or error >= BROKEN_ERROR)
    lines = [f"Coupler {edge[0]}-{edge[1]} ({gate})"]
    if not data.has_properties:
        lines.append("no calibration data")
    elif math.isnan(error):
        lines.append("BROKEN: no calibrated gate on this pair")
    else:
        lines.append(f"error: {EDGE_METRICS['error'].format(error)}" + (" — BROKEN" if broken else ""))
    if not math.isnan(length):
        lines.append(f"gate length: {EDGE_METRICS['length'].format(length)}")
    value = error if scale.metric.key == "error" else length
    return {
        "broken": broken,
        "color": BROKEN if broken else scale.color(value),
        "title": "\n".join(lines),
        "pair": f"{edge[0]}-{edge[1]}",
        "value": repr(float(value)),
    }


def _legend(scale: ColorScale, what: str, x: float, y: float, width: float, gate: str | None = None) -> dict:
    metric = scale.metric
    label = metric.title.replace("Two-qubit", gate) if gate else metric.title
    left, right = scale.ends()
    neutral = metric.better == "neutral"
    captions = ("low", "high · neither better nor worse") if neutral else ("good", "bad")
    return {
        "id": f"ibmq-widgets-scale-{next(_ids)}",
        "x": x,
        "y": y,
        "width": width,
        "title": f"{what}: {label}" + ("" if not scale.empty else " — not reported"),
        "stops": scale.legend(),
        "left": f"{captions[0]} {metric.format(left)}".strip() if not scale.empty else "",
        "right": f"{metric.format(right)} {captions[1]}".strip() if not scale.empty else "",
        "empty": scale.empty,
    }


def _qubit_values(data: BackendData, key: str) -> list[float]:
    """One value per qubit (NaN where the device reports none, or has no calibration at all)."""
    values = [math.nan] * data.n_qubits
    if key in data.qubits:
        for qubit, value in enumerate(data.qubits[key].to_numpy(dtype=float)[: data.n_qubits]):
            values[qubit] = float(value)
    return values


def draw_device_map(
    data: BackendData, qubit_metric: str = "t1", edge_metric: str = "error", *, title: str | None = None
) -> Markup:
    """The device map of ``data`` as an inline SVG element.

    Parameters
    ----------
    data : BackendData
        The backend's configuration and calibration (``feeds.backend_data.load_backend_data``).
    qubit_metric : str
        The per-qubit property colouring the qubits: a key of ``QUBIT_METRICS`` (t1, t2, frequency,
        readout_error, gate_error).
    edge_metric : str
        The per-pair metric colouring the couplers: ``"error"`` (two-qubit gate error) or ``"length"``.
    title : str, optional
        The heading above the map (default: the backend's name and qubit count).

    Returns
    -------
    Markup
        ``<svg class="ibmq-widgets-device-map" data-backend=... >`` with one ``g.qubit`` (circle, number and
        ``<title>``) per qubit and one ``line.coupler`` (with ``<title>``) per coupler.
    """
    # Over 60 lines with its docstring: the geometry (unit, offsets, legend rows) is shared by every element.
    if qubit_metric not in QUBIT_METRICS or edge_metric not in EDGE_METRICS:
        raise ValueError(
            f"unknown metric {qubit_metric!r}/{edge_metric!r}; qubits: {', '.join(QUBIT_METRICS)}; "
            f"couplers: {', '.join(EDGE_METRICS)}"
        )
    n_qubits = data.n_qubits
    positions = device_layout(n_qubits, data.coupling_map)
    span = positions.max(axis=0) if n_qubits else (0.0, 0.0)
    unit = _unit(float(span[0]), float(span[1]))
    lattice_width = float(span[0]) * unit + 2 * _MARGIN
    width = max(lattice_width, _MIN_WIDTH)
    left = (width - lattice_width) / 2 + _MARGIN
    radius = unit * 0.31
    top = 44.0 + radius  # below the heading
    points = [(left + x * unit, top + y * unit) for x, y in positions]
    qubit_scale = ColorScale(QUBIT_METRICS[qubit_metric], _qubit_values(data, qubit_metric))
    pair_values = data.pair_errors if edge_metric == "error" else data.pair_lengths
    edge_scale = ColorScale(EDGE_METRICS[edge_metric], pair_values.values())
    couplers: list[dict[str, Any]] = []
    for edge in undirected_edges(data.coupling_map):
        if edge[1] < n_qubits:
            (x1, y1), (x2, y2) = points[edge[0]], points[edge[1]]
            couplers.append({"x1": x1, "y1": y1, "x2": x2, "y2": y2, **_coupler(data, edge, edge_scale)})
    qubits = []
    values = _qubit_values(data, qubit_metric)
    for qubit, (x, y) in enumerate(points):
        bad = qubit in data.bad_qubits
        fill = BAD_QUBIT if bad else qubit_scale.color(values[qubit])
        hover = _qubit_title(data, qubit)
        qubits.append({"x": x, "y": y, "fill": fill, "text": text_color(fill), "bad": bad, "title": hover})
        qubits[-1]["value"] = repr(values[qubit])
    lattice_bottom = top + float(span[1]) * unit + radius + 22.0
    half = (width - 3 * _MARGIN) / 2
    legends = [
        _legend(qubit_scale, "Qubits", _MARGIN, lattice_bottom, half),
        _legend(
            edge_scale, "Couplers", 2 * _MARGIN + half, lattice_bottom, half, data.medians.two_qubit_gate
        ),
    ]
    label = QUBIT_PROPERTIES[qubit_metric][0]
    return render(
        "device_map.svg.j2",
        name=data.name,
        heading=title if title is not None else f"{data.name}: {plural(n_qubits, 'qubit')}",
        width=round(width, 1),
        height=round(lattice_bottom + _LEGEND_HEIGHT, 1),
        radius=round(radius, 2),
        font_size=round(min(unit * 0.3, 16.0), 1),
        stroke=round(max(unit * 0.15, 4.0), 1),
        qubits=qubits,
        couplers=couplers,
        legends=legends,
        marks={"broken": BROKEN, "bad": BAD_QUBIT, "missing": MISSING},
        qubit_metric=qubit_metric,
        edge_metric=edge_metric,
        aria=f"Device map of {data.name}: qubits coloured by {label}, couplers by {EDGE_METRICS[edge_metric].label}",
    )


def metric_choices(metrics: dict[str, Metric], gate: str | None = None) -> list[tuple[str, str]]:
    """Dropdown options (label, key) for ``metrics``, naming the device's own gate where it has one."""
    options = []
    for key, metric in metrics.items():
        label = metric.title
        if gate and key in ("gate_error", "error", "length"):
            label = f"{label} ({gate})"
        options.append((label, key))
    return options
