"""What the BackendPicker's table says about each backend: its columns, cells, row tooltips and messages.

Pure text from the catalog's memory (``feeds.backend_catalog``), no widgets: the picker renders the cells with
``templates/backend_row.html.j2`` into its ``BackendTable``.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from ibmq_widgets.widgets.backend_table import Column
from ibmq_widgets.widgets.feeds.backend_catalog import BackendCatalog, BackendSummary
from ibmq_widgets.widgets.feeds.backend_data import DeviceFacts, is_test_device
from ibmq_widgets.widgets.feeds.properties import BROKEN_ERROR
from ibmq_widgets.widgets.htmltools import age, number, render_component

__all__ = ["COLUMNS", "describe_filters", "no_match_hint", "row_cells", "row_tooltip"]

COLUMNS = (
    Column("name", "Name", "150px", "name"),
    Column("qubits", "Qubits", "70px", "qubits", "Sort by number of qubits (most first)"),
    Column("processor", "Processor", "100px", "processor", "Processor family and revision"),
    Column("status", "Status", "64px", "status"),
    Column("queue", "Queue", "62px", "least_busy", "Sort by pending jobs (least busy first)"),
    Column(
        "eplg", "EPLG", "70px", "eplg", "Error per layered gate on the longest measured chain (lowest first)"
    ),
    Column("two_qubit", "2Q error", "124px", "two_qubit_error", "Median two-qubit gate error (lowest first)"),
    Column("clops", "CLOPS", "60px", "clops", "Circuit layer operations per second (highest first)"),
    Column("qv", "QV", "44px", "quantum_volume", "Quantum volume (highest first)"),
    Column("t1", "T1 µs", "56px", "t1", "Median T1 (highest first)"),
    Column("t2", "T2 µs", "56px", "t2", "Median T2 (highest first)"),
    Column("readout", "Readout", "70px", "readout_error", "Median readout error (lowest first)"),
    Column("calibrated", "Calibrated", "84px", "calibrated", "Age of the calibration data (newest first)"),
)
_BAD = "color:#b42318;font-weight:bold"
_FILTER_HINTS = {
    "min_qubits": "lower Min qubits to {largest} or less",
    "kind": "choose All instead of {kind}",
    "operational_only": "untick Operational only",
    "max_pending": "allow more than {max_pending} pending jobs",
    "name_search": "clear the search {name_search!r}",
    "include_test_devices": "tick Show test devices",
}


def _clops(value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value / 1000:.0f}K" if value >= 10_000 else f"{value:.0f}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def row_cells(summary: BackendSummary, catalog: BackendCatalog) -> list[dict[str, Any]]:
    """The cells of one row, in ``COLUMNS`` order: dicts of key, text (Markup or plain) and style."""
    facts = catalog.facts.get(summary.name)
    loading = facts is None and summary.name not in catalog.errors
    blank = "…" if loading else "—"  # still loading, or nothing to show (a simulator, a failed read)
    calibrated = facts is not None and summary.name not in catalog.no_properties
    name: Any = summary.name
    if is_test_device(summary.name):
        name = render_component("tag", summary.name, "test")
    cells = {
        "name": name,
        "qubits": summary.n_qubits,
        "processor": (facts.processor or "—") if facts else blank,
        "status": render_component("backend_status", summary.status, summary.operational),
        "queue": summary.pending_jobs,
    }
    styles = {}
    if calibrated:
        medians = facts.medians
        two = medians.two_qubit_error
        gate = f" {medians.two_qubit_gate}" if medians.two_qubit_gate else ""
        broken = two >= BROKEN_ERROR
        cells |= {
            "eplg": number(facts.eplg, 2, scientific=True),
            "two_qubit": f"{two:g}{gate} ⚠ broken" if broken else number(two, 2, scientific=True) + gate,
            "clops": _clops(facts.clops),
            "qv": number(facts.quantum_volume, 4),
            "t1": number(medians.t1, 3),
            "t2": number(medians.t2, 3),
            "readout": number(medians.readout_error, 2, scientific=True),
            "calibrated": age(facts.calibrated, _now()),
        }
        if broken:
            styles["two_qubit"] = _BAD
    else:
        cells |= dict.fromkeys(
            ("eplg", "two_qubit", "clops", "qv", "t1", "t2", "readout", "calibrated"), blank
        )
        if facts is not None:
            cells |= {"clops": _clops(facts.clops), "qv": number(facts.quantum_volume, 4)}
    return [{"key": c.key, "text": cells[c.key], "style": styles.get(c.key, "")} for c in COLUMNS]


def row_tooltip(summary: BackendSummary, catalog: BackendCatalog) -> str:
    """What hovering a row shows: the backend in a few lines, and that a click selects it."""
    facts: DeviceFacts | None = catalog.facts.get(summary.name)
    lines = [f"{summary.name}: click to select"]
    if is_test_device(summary.name):
        lines.append("a test snapshot (fake_* / alt_*), not a real device")
    kind = "simulator" if summary.simulator else (facts.processor if facts and facts.processor else "device")
    lines.append(f"{kind}, {summary.n_qubits} qubits, {summary.status}, {summary.pending_jobs} pending jobs")
    if facts is not None and summary.name not in catalog.no_properties:
        medians = facts.medians
        if facts.layer_length:
            lines.append(
                f"EPLG {number(facts.eplg, 2, True)} (layer fidelity {number(facts.layer_fidelity, 3)} over a "
                f"{facts.layer_length}-qubit chain)"
            )
        gate = medians.two_qubit_gate or "two-qubit"
        lines.append(f"median {gate} error {number(medians.two_qubit_error, 2, True)}")
        if medians.two_qubit_error >= BROKEN_ERROR:
            lines.append("BROKEN: the median coupler reports error 1 (unusable)")
        if facts.calibrated is not None:
            when = facts.calibrated.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            lines.append(f"calibrated {when} ({age(facts.calibrated, _now())} ago)")
    elif summary.name in catalog.errors:
        lines.append(f"could not read its calibration: {catalog.errors[summary.name]}")
    return "\n".join(lines)


def describe_filters(filters: dict[str, Any]) -> str:
    """The filters that are set, in words: ``"min qubits 500, devices, operational only"``."""
    kinds = {"device": "devices", "simulator": "simulators", "all": "all kinds"}
    parts = [f"min qubits {filters['min_qubits']}", kinds[filters["kind"]]]
    if filters["operational_only"]:
        parts.append("operational only")
    if filters["max_pending"] is not None:
        parts.append(f"pending ≤ {filters['max_pending']}")
    if filters["name_search"]:
        parts.append(f"name contains {filters['name_search']!r}")
    if not filters["include_test_devices"]:
        parts.append("no test devices")
    return ", ".join(parts)


def no_match_hint(filters: dict[str, Any], hints: list[tuple[str, int]], largest: int) -> str:
    """What to change when nothing matches, for the filters actually set: each one whose relaxing would show
    backends, with how many; or that several filters together hide everything."""
    if not hints:
        return "No single filter hides them all: clear several (or press Refresh)."
    kind = {"device": "Devices", "simulator": "Simulators", "all": "All"}[filters["kind"]]
    values = {**filters, "largest": largest, "kind": kind}
    parts = [f"{_FILTER_HINTS[name].format(**values)} ({count} would match)" for name, count in hints]
    return "Try: " + "; or ".join(parts) + "."
