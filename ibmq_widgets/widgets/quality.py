"""One colour rule for every calibration figure the widgets draw: the same colour always means the same quality.

Each metric says which way is better (``"low"`` for errors and gate lengths, ``"high"`` for T1 and T2,
``"neutral"`` for a frequency, which is neither). A value's place on its device's range becomes a quality from
0 (worst on the device) to 1 (best), and one diverging scale paints it: blue is good, pale yellow middling, red
bad, whatever the metric and whether it is a qubit, a bar or a coupler. Neutral metrics get a separate
single-hue purple scale, so they never read as good or bad. Error rates are placed on a log scale (they span
decades). Broken couplers, qubits reported not operational and missing values are not on any scale: they get
marks of their own (``BROKEN``, ``BAD_QUBIT``, ``MISSING``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ibmq_widgets.widgets.feeds.properties import BROKEN_ERROR, QUBIT_PROPERTIES

__all__ = [
    "BAD_QUBIT",
    "BROKEN",
    "EDGE_METRICS",
    "MISSING",
    "QUBIT_METRICS",
    "ColorScale",
    "Metric",
    "text_color",
]

# ColorBrewer RdYlBu, from its blue end (good) to its red end (bad): colour-blind safe, and hot means bad.
_GOOD_TO_BAD = np.array(
    [
        (0x31, 0x36, 0x95),
        (0x45, 0x75, 0xB4),
        (0x74, 0xAD, 0xD1),
        (0xAB, 0xD9, 0xE9),
        (0xE0, 0xF3, 0xF8),
        (0xFF, 0xFF, 0xBF),
        (0xFE, 0xE0, 0x90),
        (0xFD, 0xAE, 0x61),
        (0xF4, 0x6D, 0x43),
        (0xD7, 0x30, 0x27),
        (0xA5, 0x00, 0x26),
    ],
    dtype=float,
)
# ColorBrewer Purples from light to dark (low to high), for metrics that are neither good nor bad.
_NEUTRAL = np.array(
    [(0xDA, 0xDA, 0xEB), (0xBC, 0xBD, 0xDC), (0x9E, 0x9A, 0xC8), (0x6A, 0x51, 0xA3), (0x3F, 0x00, 0x7D)]
)
MISSING = "#c9c9c9"  #: no value reported
BROKEN = "#222222"  #: a coupler with error >= 1 or none calibrated (drawn dashed)
BAD_QUBIT = "#6e6e6e"  #: a qubit reported not operational (drawn crossed out)


@dataclass(frozen=True)
class Metric:
    """A calibration figure: its label and unit, which way is better, and how it is shown."""

    key: str
    label: str
    unit: str = ""
    better: str = "low"  # "low", "high" or "neutral"
    log: bool = False
    digits: int = 3
    scientific: bool = False

    @property
    def title(self) -> str:
        """The label with its unit: ``"T1 (µs)"``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def format(self, value: float) -> str:
        """A value as a table or tooltip shows it, with its unit; ``"—"`` when missing."""
        if value is None or not math.isfinite(value):
            return "—"
        text = f"{value:.{self.digits - 1}e}" if self.scientific else f"{value:.{self.digits}g}"
        return f"{text} {self.unit}" if self.unit else text


# Which way is better for each qubit property, and how it is shown: (better, log, digits, scientific).
_QUBIT_RULES = {
    "t1": ("high", False, 3, False),
    "t2": ("high", False, 3, False),
    "frequency": ("neutral", False, 4, False),
    "readout_error": ("low", True, 2, True),
    "gate_error": ("low", True, 2, True),
}
QUBIT_METRICS: dict[str, Metric] = {
    key: Metric(key, *QUBIT_PROPERTIES[key], *_QUBIT_RULES[key]) for key in QUBIT_PROPERTIES
}
EDGE_METRICS: dict[str, Metric] = {
    "error": Metric("error", "Two-qubit error", "", "low", True, 2, True),
    "length": Metric("length", "Two-qubit gate length", "ns", "low", False, 3),
}


def _hex(rgb: np.ndarray) -> str:
    r, g, b = (round(float(channel)) for channel in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def _sample(anchors: np.ndarray, position: float) -> np.ndarray:
    """The colour at ``position`` (0 to 1) along evenly spaced anchor colours, linearly interpolated."""
    scaled = min(max(position, 0.0), 1.0) * (len(anchors) - 1)
    low = min(int(scaled), len(anchors) - 2)
    return anchors[low] + (scaled - low) * (anchors[low + 1] - anchors[low])


def text_color(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (``#rrggbb``)."""
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


class ColorScale:
    """The colours of one metric over one device: its range, each value's quality and colour.

    Parameters
    ----------
    metric : Metric
        What is shown (its direction and whether it is placed on a log scale).
    values : iterable of float
        The device's values; missing ones (NaN) and, for errors, broken ones (>= 1) do not set the range.
    """

    def __init__(self, metric: Metric, values: Iterable[float]) -> None:
        self.metric = metric
        array = np.asarray(list(values), dtype=float)
        keep = np.isfinite(array)
        if metric.log:
            keep &= array > 0
        if metric.better == "low" and metric.log:
            keep &= array < BROKEN_ERROR
        finite = array[keep]
        self.low = float(finite.min()) if finite.size else math.nan
        self.high = float(finite.max()) if finite.size else math.nan

    @property
    def empty(self) -> bool:
        """Whether no value set the range (nothing to colour)."""
        return math.isnan(self.low)

    def position(self, value: float) -> float:
        """Where ``value`` sits between the device's lowest (0) and highest (1) value; NaN if missing."""
        if value is None or not math.isfinite(value) or self.empty:
            return math.nan
        if self.high == self.low:
            return 0.5
        if self.metric.log:
            value = max(value, self.low)
            span = math.log(self.high) - math.log(self.low)
            return min(max((math.log(value) - math.log(self.low)) / span, 0.0), 1.0)
        return min(max((value - self.low) / (self.high - self.low), 0.0), 1.0)

    def quality(self, value: float) -> float:
        """1 for the device's best value, 0 for its worst; NaN if missing or the metric is neutral."""
        position = self.position(value)
        if self.metric.better == "neutral" or math.isnan(position):
            return math.nan
        return position if self.metric.better == "high" else 1.0 - position

    def color(self, value: float) -> str:
        """The fill colour of ``value``: good to bad on the diverging scale, purple for neutral metrics."""
        position = self.position(value)
        if math.isnan(position):
            return MISSING
        if self.metric.better == "neutral":
            return _hex(_sample(_NEUTRAL, position))
        return _hex(_sample(_GOOD_TO_BAD, 1.0 - self.quality(value)))

    def legend(self, stops: int = 11) -> list[tuple[float, str]]:
        """Gradient stops (offset 0 to 1, colour) from left to right: good to bad, or low to high if neutral."""
        anchors = _NEUTRAL if self.metric.better == "neutral" else _GOOD_TO_BAD
        return [(i / (stops - 1), _hex(_sample(anchors, i / (stops - 1)))) for i in range(stops)]

    def ends(self) -> tuple[float, float]:
        """The values at the legend's left and right ends (best and worst; lowest and highest if neutral)."""
        if self.metric.better == "high":
            return self.high, self.low
        return self.low, self.high
