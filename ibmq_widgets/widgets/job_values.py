"""How the job watcher shows a job's values: short texts for times, durations, shots and usage ("—" for what is
not known), and a result drawn small, a counts histogram or expectation values with their errors.

Plots are ``matplotlib.figure.Figure`` objects rendered to PNG bytes (never pyplot's global state), so they can be
drawn on any thread and shown in a ``widgets.Image``.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

__all__ = [
    "MAX_BARS",
    "UNKNOWN",
    "counts_png",
    "expectation_png",
    "format_created",
    "format_duration",
    "format_eta",
    "format_shots",
    "format_usage",
    "top_counts",
]

UNKNOWN = "—"


def format_duration(seconds: float | None) -> str:
    """``"42 s"``, ``"3 m 05 s"``, ``"2 h 04 m"``; ``"—"`` when unknown."""
    if seconds is None:
        return UNKNOWN
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} m {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} m"


def format_eta(start: dt.datetime | None, now: dt.datetime) -> str:
    """The estimated start relative to now: ``"in 40 s"``, ``"any moment"``; ``""`` when unknown."""
    if start is None:
        return ""
    left = (start - now).total_seconds()
    return "any moment" if left < 1 else f"in {format_duration(left)}"


def format_created(created: dt.datetime | None, now: dt.datetime) -> str:
    """When a job was created, in local time: ``"14:03:22"`` today, ``"03 Mar 14:03"`` before."""
    if created is None:
        return UNKNOWN
    local, today = created.astimezone(), now.astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%d %b %H:%M")


def format_usage(seconds: float | None) -> str:
    """Quantum seconds used: ``"0.4 s"``, ``"12 s"``, ``"3 m 05 s"``; ``"—"`` when nobody says."""
    if seconds is None:
        return UNKNOWN
    return f"{seconds:.1f} s" if seconds < 10 else format_duration(seconds)


def format_shots(shots: int | None) -> str:
    """``"1,024"``; ``"—"`` when not known."""
    return UNKNOWN if shots is None else f"{shots:,}"


# --- plots --------------------------------------------------------------------------------------------------
MAX_BARS = 16  # more outcomes than this: the most frequent ones and one "others" bar
_BAR_COLOR = "#6929c4"  # IBM's purple, as the platform's own histograms
_SIZE = (6.4, 2.8)


def top_counts(counts: Mapping[str, int], limit: int = MAX_BARS) -> list[tuple[str, int]]:
    """The outcomes to draw: all of them in bit-string order if few, else the most frequent and "others"."""
    items = sorted(counts.items())
    if len(items) <= limit:
        return items
    ranked = sorted(items, key=lambda item: (-item[1], item[0]))
    kept = sorted(ranked[: limit - 1])
    return [*kept, (f"{len(ranked) - limit + 1} others", sum(count for _key, count in ranked[limit - 1 :]))]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return buffer.getvalue()


def counts_png(counts: Mapping[str, int], title: str = "") -> bytes:
    """A histogram of measurement counts as probabilities, each bar labelled with its count."""
    bars = top_counts(counts)
    total = sum(counts.values()) or 1
    figure = Figure(figsize=_SIZE)
    axes = figure.add_subplot()
    labels = [key for key, _count in bars]
    heights = [count / total for _key, count in bars]
    drawn = axes.bar(range(len(bars)), heights, color=_BAR_COLOR)
    axes.bar_label(drawn, labels=[str(count) for _key, count in bars], fontsize=8)
    axes.set_xticks(range(len(bars)), labels, rotation=60 if len(bars) > 8 else 0, fontsize=8)
    axes.set_ylabel("probability")
    axes.set_ylim(0, min(1.0, max(heights, default=0) * 1.2) or 1.0)
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def expectation_png(
    values: Sequence[float], errors: Sequence[float], labels: Sequence[str], title: str = ""
) -> bytes:
    """Expectation values as points with their standard errors, one per observable (or parameter value)."""
    figure = Figure(figsize=_SIZE)
    axes = figure.add_subplot()
    positions = range(len(values))
    error_bars = [0.0 if error is None or math.isnan(error) else error for error in errors]
    axes.errorbar(positions, values, yerr=error_bars, fmt="o", color=_BAR_COLOR, capsize=3)
    axes.axhline(0, color="#8d8d8d", linewidth=0.8)
    axes.set_xticks(positions, labels, rotation=60 if len(values) > 8 else 0, fontsize=8)
    axes.set_ylabel("expectation value")
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
