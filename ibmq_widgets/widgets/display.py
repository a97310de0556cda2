"""Rich notebook display: HTML for backends, jobs, results and job sets, and a tabbed backend view (whose
tabs live in ``backend_tabs``).

The client reaches these functions through its presentation seam (``ibmq_widgets.client.presentation``), from
the ``_repr_html_`` and ``_repr_mimebundle_`` hooks of its objects. The HTML comes from the Jinja2 templates
of ``htmltools`` (autoescaped), and a failure to read something shows as a message in the output instead of a
traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ibmq_widgets.widgets.backend_tabs import backend_view, configuration_table
from ibmq_widgets.widgets.feeds.backend_data import backend_name, load_backend_data
from ibmq_widgets.widgets.htmltools import Markup, key_value_table, message, status_badge, table
from ibmq_widgets.widgets.job_set_table import top_outcomes

__all__ = [
    "backend_html",
    "backend_view",
    "job_html",
    "job_set_html",
    "managed_results_html",
    "result_html",
]

_MAX_ROWS = 20


def _safe(render: Callable[[], Markup], what: str) -> str:
    """Run ``render``; on any error, a clear message instead of a traceback in the notebook."""
    try:
        return str(render())
    except Exception as error:
        return str(message(f"Could not show {what}: {error}", "error"))


def _call(obj: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """``obj.method(*args)`` or None when the object has no such method."""
    function = getattr(obj, method, None)
    return function(*args, **kwargs) if callable(function) else None


# --- backends ---------------------------------------------------------------------------------------------
def backend_html(backend: Any) -> str:
    """A backend's one summary table: processor, qubits, status, limits, speed, quality and calibration."""

    def render() -> Markup:
        return configuration_table(backend, load_backend_data(backend))

    return _safe(render, f"backend {backend_name(backend)}")


# --- jobs and results -------------------------------------------------------------------------------------
def job_html(job: Any) -> str:
    """A job's id, name, backend, status, queue position, creation date, tags and error message."""

    def render() -> Markup:
        status = job.status(refresh=False)
        items: list[tuple[str, Any]] = [
            ("job id", job.job_id()),
            ("name", _call(job, "name") or ""),
            ("backend", _call(job, "backend_name") or ""),
            ("status", status_badge(status)),
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
