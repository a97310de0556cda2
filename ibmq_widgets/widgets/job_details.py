"""The job watcher's details panel: one job's fields and, once it is done, its result drawn inline.

A click on a job id in the watcher shows the job here at once (from what the poll listed) and its result when
the watcher's worker thread has fetched it: a counts histogram for a Sampler job, expectation values with their
standard errors for an Estimator job, a dropdown to pick the experiment when there are several. The panel never
makes a request itself: the watcher fetches and calls ``show_result``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets
import numpy as np

from ibmq_widgets.widgets.htmltools import key_value_table, message, note, number, table
from ibmq_widgets.widgets.job_rows import JobRowData
from ibmq_widgets.widgets.job_values import (
    counts_png,
    expectation_png,
    format_duration,
    format_shots,
    format_usage,
)

__all__ = ["JobDetails", "result_shots"]

_MAX_VALUES = 40  # expectation values listed in the table at most


def result_shots(result: Any) -> int | None:
    """Shots per circuit of a Sampler result (None for an Estimator one, or when circuits differ)."""
    shots = {getattr(experiment, "shots", None) for experiment in getattr(result, "results", [])}
    shots.discard(None)
    return shots.pop() if len(shots) == 1 else None


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class JobDetails(widgets.VBox):
    """A job's details and result; hidden until ``show_job`` is called.

    Parameters
    ----------
    on_close : callable, optional
        Called when the user closes the panel.
    on_close_session : callable, optional
        Called with the shown job's id when the user presses "close session" (shown for a job run in a
        session or batch); the watcher closes it on its worker thread and reports with ``show_session``.

    Both are attributes too, read at each click, so that whoever fills the panel can set them afterwards.
    """

    def __init__(self, on_close: Any = None, on_close_session: Any = None, **kwargs: Any) -> None:
        self.on_close, self.on_close_session = on_close, on_close_session
        self.job_id: str | None = None
        self._result: Any = None
        self._title = widgets.HTML().add_class("ibmq-job-details-title")
        self._fields = widgets.HTML().add_class("ibmq-job-details-fields")
        self._message = widgets.HTML().add_class("ibmq-job-details-message")
        self._experiment = widgets.Dropdown(description="experiment", layout=widgets.Layout(display="none"))
        self._plot = widgets.Image(format="png", layout=widgets.Layout(display="none", max_width="680px"))
        self._plot.add_class("ibmq-job-details-plot")
        self._values = widgets.HTML().add_class("ibmq-job-details-values")
        close = widgets.Button(description="close", tooltip="hide these details")
        close.on_click(lambda _button: (self.hide(), self.on_close() if self.on_close else None))
        self._close_session = widgets.Button(
            description="close session",
            tooltip="the job's session or batch accepts no more jobs; its queued and running jobs still finish",
            layout=widgets.Layout(display="none"),
        ).add_class("ibmq-job-details-close-session")
        self._close_session.on_click(lambda _button: self._closing_session())
        self._experiment.observe(lambda _change: self._draw(), names="value")
        header = widgets.HBox([self._title, self._close_session, close])
        children = [header, self._fields, self._message, self._experiment, self._plot, self._values]
        super().__init__(children=children, layout=widgets.Layout(display="none"), **kwargs)
        self.add_class("ibmq-job-details")

    def _closing_session(self) -> None:
        if self.job_id is None or self.on_close_session is None:
            return
        self._close_session.disabled = True  # one request per press; the answer comes through show_session
        self._close_session.description = "closing session…"
        self.on_close_session(self.job_id)

    def show_session(self, job_id: str, text: str, closed: bool) -> None:
        """Say how closing the session of job ``job_id`` went (``closed``: it accepts no more jobs)."""
        if job_id != self.job_id:
            return
        self._close_session.description = "session closed" if closed else "close session"
        self._close_session.disabled = closed
        self._message.value = str(message(text, "info" if closed else "error"))

    def hide(self) -> None:
        """Hide the panel and forget its job."""
        self.job_id, self._result = None, None
        self.layout.display = "none"

    def show_job(self, data: JobRowData, note_text: str = "", error: str = "") -> None:
        """Show a job's fields, with a note (``"loading the result…"``) or an error in place of the result."""
        if data.job_id != self.job_id:
            self._result = None
            self._close_session.disabled = False
            self._close_session.description = "close session"
            self._close_session.layout.display = "flex" if data.session_id else "none"
            self._experiment.layout.display = self._plot.layout.display = "none"
            self._values.value = ""
        self.job_id = data.job_id
        self._title.value = f"<b>{data.name or data.job_id}</b>"
        self._fields.value = str(key_value_table(self._items(data)))
        if error:
            self._message.value = str(message(error, "error" if data.status == "ERROR" else "info"))
        else:
            self._message.value = str(note(note_text)) if note_text else ""
        self.layout.display = "flex"

    def show_problem(self, text: str) -> None:
        """Say in the panel what went wrong (a result that could not be drawn)."""
        if self.job_id is not None:
            self._message.value = str(message(text, "error"))

    @staticmethod
    def _items(data: JobRowData) -> list[tuple[str, Any]]:
        items: list[tuple[str, Any]] = [
            ("job id", data.job_id),
            ("status", data.status.lower()),
            ("instance", data.instance),
            ("backend", data.backend),
            ("program", data.program),
            ("created", _when(data.created)),
            ("ended", _when(data.ended)),
            ("elapsed", format_duration(data.elapsed)),
            ("shots", format_shots(data.shots)),
            ("usage", format_usage(data.usage)),
        ]
        if data.tags:
            items.append(("tags", ", ".join(data.tags)))
        if data.session_id:
            items.append(("session", data.session_id))
        return items

    def show_result(self, data: JobRowData, result: Any) -> None:
        """Show a finished job's result: a histogram of counts, or expectation values."""
        self.show_job(data)
        if self.job_id != data.job_id:
            return
        experiments = list(getattr(result, "results", []) or [])
        names = [
            (f"{index}: {getattr(getattr(exp, 'header', None), 'name', '') or index}", index)
            for index, exp in enumerate(experiments)
        ]
        self._result = None  # no drawing while the choices change
        self._experiment.options = names
        self._experiment.index = 0 if names else None
        self._experiment.layout.display = "flex" if len(names) > 1 else "none"
        self._result = result
        self._draw()

    def _draw(self) -> None:
        result, index = self._result, self._experiment.value
        if result is None or index is None:
            return
        experiment = result.results[index]
        title = getattr(getattr(experiment, "header", None), "name", "") or f"experiment {index}"
        if hasattr(experiment, "expectation_values"):
            self._draw_expectations(experiment, title)
        else:
            counts = result.get_counts(index)
            self._plot.value = counts_png(counts, f"{title}: {sum(counts.values()):,} shots")
            self._values.value = ""
        self._plot.layout.display = "block"

    def _draw_expectations(self, experiment: Any, title: str) -> None:
        values = np.ravel(np.asarray(experiment.expectation_values, dtype=float))
        errors = np.ravel(np.broadcast_to(np.asarray(experiment.standard_errors, dtype=float), values.shape))
        observables = [str(label) for label in getattr(experiment, "observables", None) or []]
        labels = observables if len(observables) == len(values) else [str(i) for i in range(len(values))]
        self._plot.value = expectation_png(
            values[:_MAX_VALUES], errors[:_MAX_VALUES], labels[:_MAX_VALUES], title
        )
        rows = [
            (label, number(value, 4), number(error, 3))
            for label, value, error in zip(labels[:_MAX_VALUES], values, errors, strict=False)
        ]
        caption = f"first {_MAX_VALUES} of {len(values)}" if len(values) > _MAX_VALUES else None
        self._values.value = str(
            table(["observable", "expectation value", "standard error"], rows, caption=caption)
        )
