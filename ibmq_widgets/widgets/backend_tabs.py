"""The tabbed view of a backend (what a backend shows as the last expression of a cell), and its summary table.

Tabs: Configuration (one table: what the device is, how fast and how good, when calibrated, and the
instance's usage), Qubits (a scrolling table with a header that stays put), Two-qubit gates (sorted by pair,
broken couplers flagged), Map (the device map with its metric choices) and Recent jobs. The instance's usage
and the recent jobs are fetched on a worker thread (``feeds.background``), so showing a backend waits only for
its configuration and properties, which the client caches.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import ipywidgets as widgets

from ibmq_widgets.widgets.device_layout import undirected_edges
from ibmq_widgets.widgets.device_map import EDGE_METRICS, QUBIT_METRICS, draw_device_map, metric_choices
from ibmq_widgets.widgets.feeds.backend_data import (
    BackendData,
    backend_name,
    instance_usage,
    load_backend_data,
)
from ibmq_widgets.widgets.feeds.background import BackgroundWorker
from ibmq_widgets.widgets.feeds.properties import BROKEN_ERROR
from ibmq_widgets.widgets.htmltools import (
    Markup,
    age,
    key_value_table,
    message,
    number,
    plural,
    render_component,
    scroll_table,
    status_badge,
    table,
)

__all__ = ["BackendView", "backend_view", "configuration_table"]

_TABS = ("Configuration", "Qubits", "Two-qubit gates", "Map", "Recent jobs")
_BROKEN = "color:#b42318;font-weight:bold"


def _safe(render: Callable[[], Any], what: str) -> str:
    """Run ``render``; on any error, a clear message instead of a traceback in the notebook."""
    try:
        return str(render())
    except Exception as error:
        return str(message(f"Could not show {what}: {error}", "error"))


def _median_rows(data: BackendData) -> list[tuple[str, Any]]:
    medians, facts = data.medians, data.facts
    gate = data.qubits.attrs.get("gate") or "single-qubit gate"
    two = medians.two_qubit_gate or "two-qubit gate"
    two_text: Any = number(medians.two_qubit_error, 2, scientific=True)
    if medians.two_qubit_error >= BROKEN_ERROR:
        two_text = render_component("flagged", two_text, "broken: the median coupler is unusable")
    rows: list[tuple[str, Any]] = []
    if facts.layer_length:
        rows.append(
            (
                "EPLG (layer fidelity)",
                f"{number(facts.eplg, 2, True)} ({number(facts.layer_fidelity, 3)} over {facts.layer_length} qubits)",
            )
        )
    broken = sum(1 for value in data.pair_errors.values() if value >= BROKEN_ERROR)
    edges = undirected_edges(data.coupling_map)
    missing = sum(1 for edge in edges if edge not in data.pair_errors)
    rows += [
        ("median T1 / T2", f"{number(medians.t1)} / {number(medians.t2)} µs"),
        ("median readout error", number(medians.readout_error, 2, scientific=True)),
        (f"median {gate} error", number(medians.gate_error, 2, scientific=True)),
        (f"median {two} error", two_text),
        ("couplers", f"{len(edges)}, {broken + missing} broken" if broken + missing else str(len(edges))),
    ]
    if facts.calibrated is not None:
        when = facts.calibrated.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        rows.append(("calibrated", f"{when} ({age(facts.calibrated, datetime.now(timezone.utc))} ago)"))
    return rows


def configuration_table(backend: Any, data: BackendData, usage: Any = None) -> Markup:
    """One table of a backend: what it is, its status, limits, speed and quality, and (given) the usage.

    Parameters
    ----------
    backend : IBMQBackend
        The backend (its status is read: one request, or none when the client has the bulk listing).
    data : BackendData
        Its configuration and calibration.
    usage : Markup or str, optional
        The instance's usage line, if known.
    """
    status = backend.status()
    configuration, facts = data.configuration, data.facts
    dt = getattr(configuration, "dt", None)
    online = getattr(configuration, "online_date", None)
    items: list[tuple[str, Any]] = [
        ("processor", facts.processor or ("simulator" if data.simulator else "—")),
        ("qubits", data.n_qubits),
        (
            "status",
            render_component(
                "backend_status",
                getattr(status, "status_msg", "") or "?",
                getattr(status, "operational", False),
            ),
        ),
        ("pending jobs", getattr(status, "pending_jobs", "?")),
        ("version", getattr(configuration, "backend_version", None) or "—"),
        ("online since", online.strftime("%Y-%m-%d") if isinstance(online, datetime) else online or "—"),
        ("basis gates", ", ".join(getattr(configuration, "basis_gates", None) or []) or "—"),
        ("dt (sample time)", f"{number(dt * 1e9, 4)} ns" if isinstance(dt, (int, float)) else "—"),
        ("max shots", getattr(configuration, "max_shots", None) or "—"),
        ("max circuits per job", getattr(configuration, "max_experiments", None) or "—"),
        ("CLOPS", f"{facts.clops:,.0f}" if math.isfinite(facts.clops) else "—"),
        ("quantum volume", number(facts.quantum_volume, 6)),
    ]
    if data.has_properties:
        items += _median_rows(data)
    if usage is not None:
        items.append(("instance usage", usage))
    return key_value_table(items, caption=f"{data.name}{' (simulator)' if data.simulator else ''}")


def qubits_table(data: BackendData) -> Markup:
    """Every qubit's calibration in a box that scrolls, its header staying at the top."""
    if not data.has_properties:
        return message(data.no_properties_message(), "warning")
    frame = data.qubits
    rows, styles = [], []
    for qubit, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        bad = qubit in data.bad_qubits
        values = [
            number(getattr(row, key), metric.digits, metric.scientific)
            for key, metric in QUBIT_METRICS.items()
        ]
        rows.append([qubit, *values, "no" if bad else "yes"])
        styles.append(_BROKEN if bad else None)
    gate = frame.attrs.get("gate") or "1q gate"
    header = [
        "qubit",
        "T1 (µs)",
        "T2 (µs)",
        "frequency (GHz)",
        "readout error",
        f"{gate} error",
        "operational",
    ]
    return scroll_table(header, rows, row_styles=styles, caption=f"{plural(data.n_qubits, 'qubit')}")


def two_qubit_table(data: BackendData) -> Markup:
    """Every calibrated gate of the device's two-qubit gate, sorted by pair, broken couplers flagged; couplers
    of the coupling map with no calibrated gate are listed as broken too."""
    if not data.has_properties:
        return message(data.no_properties_message(), "warning")
    gate = data.medians.two_qubit_gate
    if data.two_qubit.empty and not data.coupling_map:
        return message(f"{data.name} reports no two-qubit gates.", "info")
    frame = data.two_qubit
    entries = [
        (min(a, b), max(a, b), a, b, error, length)
        for a, b, error, length in frame[["qubit_a", "qubit_b", "error", "length"]].itertuples(index=False)
    ]
    calibrated = {(low, high) for low, high, *_ in entries}
    entries += [
        (a, b, a, b, math.nan, math.nan)
        for a, b in undirected_edges(data.coupling_map)
        if (a, b) not in calibrated
    ]
    rows, styles = [], []
    for _, _, a, b, error, length in sorted(entries, key=lambda entry: entry[:4]):
        broken = math.isnan(error) or error >= BROKEN_ERROR
        state = "not calibrated" if math.isnan(error) else "broken (error ≥ 1)" if broken else "ok"
        rows.append([f"{a}-{b}", gate or "—", number(error, 2, True), number(length, 4), state])
        styles.append(_BROKEN if broken else None)
    broken_count = sum(style is not None for style in styles)
    caption = f"{plural(len(rows), 'gate')} ({gate}), sorted by pair" + (
        f"; {broken_count} broken, in red" if broken_count else ""
    )
    return scroll_table(
        ["pair", "gate", "error", "length (ns)", "state"], rows, row_styles=styles, caption=caption
    )


def jobs_table(jobs: list[Any]) -> Markup:
    """The most recent jobs of the backend from this instance."""
    if not jobs:
        return message("No jobs yet on this backend from this instance.", "info")
    rows = [
        [job.job_id(), job.name() or "", status_badge(job.status(refresh=False)), job.creation_date() or ""]
        for job in jobs
    ]
    return table(["job id", "name", "status", "created"], rows)


def usage_text(usage: Any) -> Markup | str:
    """The instance's usage in words; a warning when its limit is reached."""
    if usage is None:
        return "not reported"
    if getattr(usage, "limit_reached", False):
        return message(f"{usage}: new jobs are refused until the period renews.", "warning")
    return str(usage)


def _map_tab(data: BackendData) -> widgets.Widget:
    if data.n_qubits == 0:
        return widgets.HTML(str(message(f"{data.name} has no qubits to draw.", "warning")))
    if not data.coupling_map and data.n_qubits > 1:
        return widgets.HTML(
            str(message(f"{data.name} has no coupling map: any two qubits can interact.", "info"))
        )
    qubits = widgets.Dropdown(options=metric_choices(QUBIT_METRICS), value="t1", description="Qubits")
    edges = widgets.Dropdown(
        options=metric_choices(EDGE_METRICS, data.medians.two_qubit_gate),
        value="error",
        description="Couplers",
    )
    picture = widgets.HTML(str(draw_device_map(data)), layout=widgets.Layout(max_width="100%"))
    picture.add_class("ibmq-widgets-map")

    def redraw(_change: Any) -> None:  # memory only: the data is loaded
        picture.value = str(draw_device_map(data, qubits.value, edges.value))

    qubits.observe(redraw, "value")
    edges.observe(redraw, "value")
    return widgets.VBox([widgets.HBox([qubits, edges]), picture])


class BackendView(widgets.Tab):
    """The tabbed view of a backend (see ``backend_view``); ``wait()`` blocks until the usage and the recent
    jobs, fetched in the background, are shown."""

    _worker: BackgroundWorker | None = None

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until the background reads are shown; False on timeout."""
        return True if self._worker is None else self._worker.wait_idle(timeout)


def backend_view(backend: Any) -> BackendView:
    """A tabbed view of a backend: configuration, qubits, two-qubit gates, map and recent jobs.

    Parameters
    ----------
    backend : IBMQBackend
        The backend to show.

    Returns
    -------
    BackendView
        An ``ipywidgets.Tab`` with five tabs; a tab whose data cannot be read shows a message saying why.
    """
    name = backend_name(backend)
    try:
        data = load_backend_data(backend)
    except Exception as error:
        failure = str(
            message(f"Could not read {name}: {error}", "error", "Check the connection and try again.")
        )
        view = BackendView(children=[widgets.HTML(failure) for _ in _TABS])
    else:
        configuration = widgets.HTML(_safe(lambda: configuration_table(backend, data, "loading…"), name))
        jobs = widgets.HTML(str(message("Loading the recent jobs…", "info")))
        view = BackendView(
            children=[
                configuration,
                widgets.HTML(_safe(lambda: qubits_table(data), "the qubits")),
                widgets.HTML(_safe(lambda: two_qubit_table(data), "the gates")),
                _map_tab(data),
                jobs,
            ]
        )
        view._worker = BackgroundWorker("ibmq-widgets-backend-view", idle_timeout=5.0)

        def fetch() -> None:
            try:
                usage = usage_text(instance_usage(backend))
            except Exception as error:  # shown in the table, never raised into the notebook
                usage = f"could not be read: {error}"
            configuration.value = _safe(lambda: configuration_table(backend, data, usage), name)

        view._worker.submit(
            lambda: setattr(jobs, "value", _safe(lambda: jobs_table(backend.jobs(limit=10)), "the jobs"))
        )
        view._worker.submit(fetch)
    view.titles = _TABS
    view.add_class("ibmq-widgets-backend-view")
    return view
