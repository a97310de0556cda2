"""Rich notebook display: HTML for backends, jobs, results and job sets, and a tabbed backend view.

The client's ``_repr_html_`` hooks call these functions. All HTML is built with ``htmltools`` (escaped), and a
failure to read something shows as a message in the output instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ibmq_widgets.widgets.backend_data import BackendData, backend_name, load_backend_data
from ibmq_widgets.widgets.htmltools import Markup, key_value_table, message, number, table, tag
from ibmq_widgets.widgets.job_set_table import top_outcomes

_STATUS_COLORS = {
    "DONE": "#1a7f37",
    "RUNNING": "#1e6bb8",
    "QUEUED": "#9a6700",
    "ERROR": "#b42318",
    "CANCELLED": "#6e7781",
}
_MAX_ROWS = 20


def _safe(render: Callable[[], Markup], what: str) -> str:
    """Run ``render``; on any error, a clear message instead of a traceback in the notebook."""
    try:
        return str(render())
    except Exception as error:
        return str(message(f"Could not show {what}: {error}", "error"))


def _status_badge(status: Any) -> Markup:
    name = getattr(status, "name", None) or str(status)
    return tag("span", name, style=f"color:{_STATUS_COLORS.get(name, '#333')};font-weight:bold")


def _call(obj: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """``obj.method(*args)`` or None when the object has no such method."""
    function = getattr(obj, method, None)
    return function(*args, **kwargs) if callable(function) else None


# --- backends ---------------------------------------------------------------------------------------------
def _backend_summary(backend: Any, data: BackendData | None = None) -> Markup:
    status = backend.status()
    configuration = backend.configuration()
    items: list[tuple[str, Any]] = [
        ("qubits", getattr(configuration, "n_qubits", "?")),
        ("kind", "simulator" if getattr(configuration, "simulator", False) else "device"),
        ("operational", "yes" if getattr(status, "operational", False) else "no"),
        ("pending jobs", getattr(status, "pending_jobs", "?")),
        ("status", getattr(status, "status_msg", "")),
        ("basis gates", ", ".join(getattr(configuration, "basis_gates", []) or [])),
    ]
    if data is not None and data.has_properties:
        medians = data.medians
        items += [
            ("median T1 / T2 (µs)", f"{number(medians.t1)} / {number(medians.t2)}"),
            ("median readout error", number(medians.readout_error, 2, scientific=True)),
            (
                f"median {medians.two_qubit_gate or 'two-qubit'} error",
                number(medians.two_qubit_error, 2, scientific=True),
            ),
        ]
    return key_value_table(items, caption=backend_name(backend))


def backend_html(backend: Any) -> str:
    """A summary table of a backend: qubits, status, pending jobs, basis gates and median calibration."""

    def render() -> Markup:
        data = load_backend_data(backend)
        return _backend_summary(backend, data)

    return _safe(render, f"backend {backend_name(backend)}")


def _configuration_html(backend: Any) -> Markup:
    configuration = backend.configuration()
    fields = [
        "backend_name",
        "backend_version",
        "n_qubits",
        "simulator",
        "basis_gates",
        "max_shots",
        "max_experiments",
        "online_date",
        "processor_type",
        "dt",
    ]
    items = []
    for name in fields:
        value = getattr(configuration, name, None)
        if value is not None:
            items.append((name, ", ".join(map(str, value)) if isinstance(value, list) else value))
    return key_value_table(items)


def _qubits_html(data: BackendData) -> Markup:
    if not data.has_properties:
        return message(data.no_properties_message(), "warning")
    frame = data.qubits
    rows = [
        [
            qubit,
            number(row.t1),
            number(row.t2),
            number(row.frequency, 4),
            number(row.readout_error, 2, True),
            number(row.gate_error, 2, True),
        ]
        for qubit, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    ]
    gate = frame.attrs.get("gate") or "1q gate"
    header = ["qubit", "T1 (µs)", "T2 (µs)", "frequency (GHz)", "readout error", f"{gate} error"]
    return table(header, rows)


def _two_qubit_html(data: BackendData) -> Markup:
    if not data.has_properties:
        return message(data.no_properties_message(), "warning")
    if data.two_qubit.empty:
        return message(f"{data.name} reports no two-qubit gates.", "info")
    rows = [
        [f"{row.qubit_a}-{row.qubit_b}", row.gate, number(row.error, 2, True)]
        for row in data.two_qubit.itertuples(index=False)
    ]
    return table(["pair", "gate", "error"], rows)


def _jobs_table(jobs: list[Any]) -> Markup:
    if not jobs:
        return message("No jobs yet on this backend from this instance.", "info")
    rows = [
        [
            job.job_id(),
            _call(job, "name") or "",
            _status_badge(job.status(refresh=False)),
            _call(job, "creation_date") or "",
        ]
        for job in jobs
    ]
    return table(["job id", "name", "status", "created"], rows)


def _map_widget(data: BackendData) -> widgets.Widget:
    from matplotlib.figure import Figure

    from ibmq_widgets.widgets.device_map import draw_device_map
    from ibmq_widgets.widgets.qubit_plot import figure_png

    if data.n_qubits == 0:
        return widgets.HTML(str(message(f"{data.name} has no qubits to draw.", "warning")))
    values = data.qubits["t1"].to_numpy() if data.has_properties else None
    figure = Figure(figsize=(8.0, 5.0), layout="constrained")
    gate = data.medians.two_qubit_gate or "two-qubit"
    draw_device_map(
        figure,
        data.n_qubits,
        data.coupling_map,
        values,
        data.pair_errors,
        qubit_label="T1 (µs)",
        edge_label=f"{gate} error",
        title=f"{data.name} coupling map",
    )
    return widgets.Image(value=figure_png(figure), format="png", layout=widgets.Layout(max_width="100%"))


def backend_view(backend: Any) -> widgets.Tab:
    """A tabbed view of a backend: configuration, qubits, two-qubit gates, map and recent jobs.

    Parameters
    ----------
    backend : IBMQBackend
        The backend to show.

    Returns
    -------
    ipywidgets.Tab
        Five tabs; a tab whose data cannot be read shows a message saying why.
    """
    name = backend_name(backend)
    try:
        data = load_backend_data(backend)
    except Exception as error:
        data = None
        failure = message(f"Could not read {name}: {error}", "error", "Check the connection and try again.")
    tabs: list[tuple[str, Callable[[], widgets.Widget]]] = [
        ("Configuration", lambda: widgets.HTML(_safe(lambda: _backend_summary(backend, data), name))),
        ("Qubits", lambda: widgets.HTML(_safe(lambda: _qubits_html(data), "the qubits"))),
        ("Two-qubit gates", lambda: widgets.HTML(_safe(lambda: _two_qubit_html(data), "the gates"))),
        ("Map", lambda: _map_widget(data)),
        ("Recent jobs", lambda: widgets.HTML(_safe(lambda: _jobs_table(backend.jobs(limit=10)), "the jobs"))),
    ]
    children = []
    for title, build in tabs:
        if data is None and title != "Recent jobs":
            children.append(widgets.HTML(str(failure)))
            continue
        try:
            children.append(build())
        except Exception as error:
            children.append(widgets.HTML(str(message(f"Could not show {title.lower()}: {error}", "error"))))
    if data is not None:
        extra = widgets.HTML(_safe(lambda: _configuration_html(backend), "the configuration"))
        children[0] = widgets.VBox([children[0], extra])
    view = widgets.Tab(children=children)
    for index, (title, _) in enumerate(tabs):
        view.set_title(index, title)
    view.add_class("ibmq-widgets-backend-view")
    return view


# --- jobs and results -------------------------------------------------------------------------------------
def job_html(job: Any) -> str:
    """A job's id, name, backend, status, queue position, creation date, tags and error message."""

    def render() -> Markup:
        status = job.status(refresh=False)
        items: list[tuple[str, Any]] = [
            ("job id", job.job_id()),
            ("name", _call(job, "name") or ""),
            ("backend", _call(job, "backend_name") or ""),
            ("status", _status_badge(status)),
            ("created", _call(job, "creation_date") or ""),
        ]
        if getattr(status, "name", "") == "QUEUED":
            items.append(("queue position", _call(job, "queue_position") or "unknown"))
        tags = _call(job, "tags")
        if tags:
            items.append(("tags", ", ".join(tags)))
        if getattr(status, "name", "") in ("ERROR", "CANCELLED"):
            items.append(("error", _call(job, "error_message") or ""))
        return key_value_table(items, caption="IBMQJob")

    return _safe(render, "the job")


def result_html(result: Any) -> str:
    """A result's success and each experiment's most frequent outcomes (first 20 experiments)."""

    def render() -> Markup:
        experiments = list(getattr(result, "results", []) or [])
        rows = []
        for index, experiment in enumerate(experiments[:_MAX_ROWS]):
            header = getattr(experiment, "header", None)
            name = getattr(header, "name", None) or ""
            try:
                outcomes = top_outcomes(result.get_counts(index))
            except Exception as error:
                outcomes = f"no counts: {error}"
            rows.append([index, name, outcomes])
        caption = f"Result: {'success' if getattr(result, 'success', False) else 'not successful'}"
        if len(experiments) > _MAX_ROWS:
            caption += f" (first {_MAX_ROWS} of {len(experiments)} experiments)"
        return table(["experiment", "name", "top outcomes"], rows, caption=caption)

    return _safe(render, "the result")


def job_set_html(job_set: Any) -> str:
    """A job set's id, name, backend and one row per job (experiment range, job id, state)."""

    def render() -> Markup:
        rows = []
        for mjob in job_set.managed_jobs()[:_MAX_ROWS]:
            rows.append(
                [
                    mjob.index,
                    f"{mjob.first}-{mjob.last}",
                    mjob.job_id() or "not submitted",
                    mjob.state_label(),
                ]
            )
        backend = _call(job_set, "backend")
        caption = (
            f"Job set {job_set.name()!r} ({job_set.job_set_id()})"
            f" on {backend_name(backend) if backend is not None else 'unknown backend'}"
        )
        return table(["job", "experiments", "job id", "state"], rows, caption=caption)

    return _safe(render, "the job set")


def managed_results_html(results: Any) -> str:
    """Managed results: success and the first 20 experiments with their job, status and top outcomes."""

    def render() -> Markup:
        frame = results.to_dataframe()
        rows = [
            [row.index, row.name or "", row.job_id or "", row.status, top_outcomes(row.counts)]
            for row in frame.head(_MAX_ROWS).itertuples(index=False)
        ]
        state = "all experiments succeeded" if getattr(results, "success", False) else "partial results"
        caption = f"ManagedResults: {len(frame)} experiments, {state}"
        return table(["experiment", "name", "job id", "status", "top outcomes"], rows, caption=caption)

    return _safe(render, "the results")
