"""The rows of the job watcher: what one row shows (JobRowData, read from a job without a request) and the
pooled row widgets that show it.

Rows are created once, up front, and bound to a job while it is listed: values change in place (a value set to
what it already is sends nothing). A pending job's cancel button is a ``ToggleButton`` made for that job alone:
pressing it marks it pressed in the browser at once, before the kernel hears of it (the watcher's stylesheet
then reads "cancel queued"), and a press that reaches the kernel late can only ever cancel the job it was drawn
for. Finished jobs have no button.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import ToggleButtonStyle
from ipywidgets.widgets.widget_string import LabelStyle

from ibmq_widgets.client.job import usage_seconds
from ibmq_widgets.widgets.job_values import (
    format_created,
    format_duration,
    format_eta,
    format_shots,
    format_usage,
)

__all__ = [
    "COLUMNS",
    "FINAL_STATUSES",
    "STATUS_COLORS",
    "STYLESHEET",
    "JobRow",
    "JobRowData",
    "make_header",
    "make_layouts",
    "make_styles",
]

FINAL_STATUSES = frozenset({"DONE", "CANCELLED", "ERROR"})

STATUS_COLORS = {
    "INITIALIZING": "#6c757d",
    "VALIDATING": "#6c757d",
    "QUEUED": "#b8860b",
    "RUNNING": "#1565c0",
    "DONE": "#2e7d32",
    "CANCELLED": "#757575",
    "ERROR": "#c62828",
}

# column -> (title, width); one Layout per column, shared by every row, so that hiding a column is one change
COLUMNS = {
    "job_id": ("job id", "180px"),
    "name": ("name", "110px"),
    "status": ("status", "90px"),
    "queue": ("queue", "105px"),
    "created": ("created", "90px"),
    "elapsed": ("elapsed", "70px"),
    "backend": ("backend", "155px"),
    "instance": ("instance", "175px"),
    "program": ("program", "70px"),
    "shots": ("shots", "55px"),
    "usage": ("usage", "60px"),
    "tags": ("tags", "110px"),
    "session": ("session", "110px"),
    "cancel": ("", "112px"),
}
LABEL_COLUMNS = [column for column in COLUMNS if column not in ("job_id", "cancel")]


# The watcher's own CSS, in a hidden HTML widget (a <style> element applies wherever it sits; no script). A
# pending job's cancel button is a ToggleButton: the browser marks it pressed ("mod-active") the moment it is
# clicked, before the kernel hears of it, and until the kernel says it has sent the cancel
# ("ibmq-cancel-sent"), the button reads "cancel queued".
STYLESHEET = """<style>
.ibmq-job-watcher .ibmq-job-table { overflow-x: auto; }
.ibmq-job-watcher .ibmq-job-row, .ibmq-job-watcher .ibmq-job-header { min-width: max-content; overflow: visible; }
.ibmq-job-watcher .ibmq-job-row:hover { background: var(--jp-layout-color2, #f2f2f2); }
.ibmq-job-watcher .ibmq-job-row .widget-label { margin-right: 4px; }
.ibmq-job-watcher .ibmq-job-job_id {
    background: none; border: none; box-shadow: none; padding: 0 4px 0 0; text-align: left;
    color: var(--jp-content-link-color, #0f62fe); text-decoration: underline; cursor: pointer;
    font-family: var(--jp-code-font-family, monospace); font-size: 12px;
}
.ibmq-job-watcher .ibmq-job-cancel.mod-active:not(.ibmq-cancel-sent) { font-size: 0; }
.ibmq-job-watcher .ibmq-job-cancel.mod-active:not(.ibmq-cancel-sent)::after {
    content: "cancel queued"; font-size: var(--jp-widgets-font-size, 13px);
}
.ibmq-job-watcher .ibmq-job-details {
    border-top: 1px solid var(--jp-border-color2, #e0e0e0); margin-top: 6px; padding-top: 4px;
}
</style>"""


def _aware(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _call(job: Any, method: str, default: Any = None) -> Any:
    function = getattr(job, method, None)
    return function() if callable(function) else default


def listed_field(job: Any, key: str) -> Any:
    """A field of the job's JSON as last listed, without a request, or None.

    Only for what ``IBMQJob`` has no request-free accessor for yet: the end time (``end_time``) and the usage
    (``usage``); its ``usage()`` asks the job's metrics when the listing lacks them, which a poll over a
    thousand jobs must never do.
    """
    data = getattr(job, "_data", None)
    return data.get(key) if isinstance(data, dict) else None


def listed_end(job: Any) -> dt.datetime | None:
    """When a job ended, from its listing (``end_time``), if the listing says."""
    value = listed_field(job, "end_time")
    if isinstance(value, str) and value:
        try:
            return _aware(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return _aware(value)


def listed_usage(job: Any) -> float | None:
    """Quantum seconds a job used, from its listing, if the listing says (any API version's usage)."""
    return usage_seconds(listed_field(job, "usage"))


@dataclasses.dataclass(frozen=True)
class JobRowData:
    """What one row shows, read from a job's public methods without any request.

    Attributes
    ----------
    job_id, name, backend : str
        The job's id, name ("" if unnamed) and backend name.
    status : str
        The ``JobStatus`` member name: ``"QUEUED"``, ``"RUNNING"``, ``"DONE"``, ...
    position : int or None
        Place in the backend's queue (1 = next), while queued.
    estimated_start : datetime or None
        When the job is expected to start, while queued.
    created : datetime or None
        When the job was submitted (UTC).
    ended : datetime or None
        When the job reached a final state, if known.
    instance : str
        The provider's hub/group/project ("" when unknown).
    program : str
        ``"sampler"`` or ``"estimator"`` ("" when unknown).
    shots : int or None
        Shots per circuit, once known (from a finished Sampler job's result).
    usage : float or None
        Quantum seconds used, when the service says.
    tags : tuple of str
        The job's tags (its name is not one of them).
    session_id : str
        The session or batch the job ran in ("" outside one).
    job : object
        The job itself, for the cancel button and the details.
    """

    job_id: str
    name: str
    backend: str
    status: str
    position: int | None
    estimated_start: dt.datetime | None
    created: dt.datetime | None
    ended: dt.datetime | None
    instance: str = ""
    program: str = ""
    shots: int | None = None
    usage: float | None = None
    tags: tuple[str, ...] = ()
    session_id: str = ""
    job: Any = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def final(self) -> bool:
        """Whether the job is done, cancelled or failed."""
        return self.status in FINAL_STATUSES

    @property
    def elapsed(self) -> float | None:
        """Seconds from submission to the end (to now while pending is the row's business); None if unknown."""
        if self.created is None or self.ended is None:
            return None
        return max((self.ended - self.created).total_seconds(), 0.0)

    @classmethod
    def from_job(
        cls,
        job: Any,
        ended: dt.datetime | None = None,
        created: dt.datetime | None = None,
        **known: Any,
    ) -> JobRowData:
        """Read a client job (``IBMQJob``) through its request-free methods.

        ``created`` stands in for ``job.creation_date()`` for a job just submitted, whose submission answer
        does not carry the date (asking for it would be a request in the kernel's thread); ``ended`` for the
        end time when the listing has none. ``known`` gives fields the caller learnt otherwise (``instance``,
        ``shots``, ``usage``).
        """
        status = job.status(refresh=False)
        status_name = getattr(status, "name", str(status)).upper()
        info = job.queue_info() if status_name == "QUEUED" else None
        backend = job.backend_name() if hasattr(job, "backend_name") else str(job.backend())
        ended = (listed_end(job) or ended) if status_name in FINAL_STATUSES else None
        usage = listed_usage(job)
        return cls(
            job_id=str(job.job_id()),
            name=str(job.name() or ""),
            backend=str(backend),
            status=status_name,
            position=getattr(info, "position", None),
            estimated_start=_aware(getattr(info, "estimated_start_time", None)),
            created=created or _aware(job.creation_date()),
            ended=ended,
            instance=str(known.get("instance") or ""),
            program=str(_call(job, "program_id") or ""),
            shots=known.get("shots"),
            usage=usage if usage is not None else known.get("usage"),
            tags=tuple(_call(job, "tags", ()) or ()),
            session_id=str(_call(job, "session_id") or ""),
            job=job,
        )


class JobRow:
    """One row of the table: a job id button (shows the job's details), labels for the other columns and, while
    the job is pending, its own cancel toggle.

    A row is made for a job when the table first needs it, already showing that job: its widgets reach the page
    with their values and CSS classes in their opening messages, and share their layouts and styles with every
    other row. A panel of 20 rows thus costs the kernel's output channel a few hundred messages, not thousands
    (that channel drops whatever goes past its 1,000 queued messages, the cell's output and end included).

    Parameters
    ----------
    layouts : dict
        One shared ``Layout`` per column, and ``"row"`` for the row boxes.
    styles : dict
        The shared styles (``make_styles``): one ``LabelStyle`` per status, ``"plain"`` for the other labels,
        ``"button"`` and ``"toggle"`` for the id button and the cancel toggles.
    on_cancel : callable
        Called with the job id when that job's cancel button is pressed (on the kernel's thread).
    on_select : callable, optional
        Called with this row when its job id is clicked.
    data : JobRowData, optional
        The job the row shows from the start (``now`` and ``cancelling`` as for ``show``).
    """

    def __init__(
        self,
        layouts: dict[str, widgets.Layout],
        styles: dict[str, Any],
        on_cancel: Callable[[str], None],
        on_select: Callable[[JobRow], None] | None = None,
        *,
        data: JobRowData | None = None,
        now: dt.datetime | None = None,
        cancelling: bool = False,
    ) -> None:
        self._layouts, self._styles, self._on_cancel = layouts, styles, on_cancel
        now = now or dt.datetime.now(dt.timezone.utc)
        values = self._values(data, now, cancelling) if data is not None else dict.fromkeys(LABEL_COLUMNS, "")
        # the CSS classes name each part for the stylesheet and for the browser tests
        self.id_button = widgets.Button(
            description=data.job_id if data is not None else "",
            tooltip="show this job's details and result",
            layout=layouts["job_id"],
            style=styles["button"],
            _dom_classes=("ibmq-job-job_id",),
        )
        if on_select is not None:
            self.id_button.on_click(lambda _button: on_select(self))
        self.cells = {
            column: widgets.Label(
                values[column],
                layout=layouts[column],
                style=self._status_style(data) if column == "status" else styles["plain"],
                _dom_classes=(f"ibmq-job-{column}",),
            )
            for column in LABEL_COLUMNS
        }
        self.cells["tags"].tooltip = values["tags"] or None
        self.cancel_button: widgets.ToggleButton | None = None
        self.box = widgets.HBox(
            [self.id_button, *self.cells.values()], layout=layouts["row"], _dom_classes=("ibmq-job-row",)
        )
        self.data: JobRowData | None = data
        if data is not None and not data.final:
            self._show_cancel(data.job_id, cancelling)

    @property
    def job_id(self) -> str | None:
        """The id of the job the row shows, or None when unbound."""
        return None if self.data is None else self.data.job_id

    def show(self, data: JobRowData, now: dt.datetime, cancelling: bool) -> None:
        """Bind the row to a job and show its current values (unchanged values send nothing)."""
        if self.data is not None and self.data.job_id != data.job_id:
            self._drop_cancel()  # a press still on its way belongs to the old job: its toggle goes with it
        self.data = data
        if data.final:
            self._drop_cancel()  # before the status says final, so no page shows a finished job with a button
        self.id_button.description = data.job_id
        values = self._values(data, now, cancelling)
        for column, value in values.items():
            self.cells[column].value = value
        self.cells["tags"].tooltip = values["tags"] or None
        self.cells["status"].style = self._status_style(data)
        if not data.final:
            self._show_cancel(data.job_id, cancelling)

    def _status_style(self, data: JobRowData | None) -> Any:
        status = data.status if data is not None else "INITIALIZING"
        return self._styles.get(status, self._styles["INITIALIZING"])

    @classmethod
    def _values(cls, data: JobRowData, now: dt.datetime, cancelling: bool) -> dict[str, str]:
        """What each label column shows of ``data``."""
        return {
            "name": data.name,
            "status": "cancelling" if cancelling and not data.final else data.status.lower(),
            "queue": cls._queue_text(data, now),
            "created": format_created(data.created, now),
            "elapsed": format_duration(cls.elapsed(data, now)),
            "backend": data.backend,
            "instance": data.instance,
            "program": data.program,
            "shots": format_shots(data.shots),
            "usage": format_usage(data.usage),
            "tags": ", ".join(data.tags),
            "session": data.session_id,
        }

    @staticmethod
    def _queue_text(data: JobRowData, now: dt.datetime) -> str:
        if data.status != "QUEUED" or data.position is None:
            return ""
        eta = format_eta(data.estimated_start, now)
        return f"#{data.position} · {eta}" if eta else f"#{data.position}"

    @staticmethod
    def elapsed(data: JobRowData, now: dt.datetime) -> float | None:
        """Seconds since submission, until the job ended (when that is known)."""
        if data.created is None:
            return None
        if data.final:
            return data.elapsed
        return max((now - data.created).total_seconds(), 0.0)

    # --- the cancel toggle ----------------------------------------------------------------------------------
    def _show_cancel(self, job_id: str, cancelling: bool) -> None:
        button = self.cancel_button
        if button is None:
            classes = ("ibmq-job-cancel", "ibmq-cancel-sent") if cancelling else ("ibmq-job-cancel",)
            button = widgets.ToggleButton(
                description="cancelling…" if cancelling else "cancel",
                disabled=cancelling,
                tooltip="cancel this job",
                button_style="danger",
                layout=self._layouts["cancel"],
                style=self._styles["toggle"],
                _dom_classes=classes,
            )
            button.observe(lambda change: change["new"] and self._pressed(job_id), names="value")
            self.cancel_button = button
            self.box.children = (*self.box.children, button)
            return
        button.description = "cancelling…" if cancelling else "cancel"
        button.disabled = cancelling
        if cancelling:
            button.add_class("ibmq-cancel-sent")
        elif "ibmq-cancel-sent" in button._dom_classes:
            button.remove_class("ibmq-cancel-sent")
            button.value = False  # the cancel failed: the button may be pressed again

    def _pressed(self, job_id: str) -> None:
        if self.data is not None and self.data.job_id == job_id:
            self._on_cancel(job_id)

    def _drop_cancel(self) -> None:
        button, self.cancel_button = self.cancel_button, None
        if button is not None:
            self.box.children = tuple(child for child in self.box.children if child is not button)
            button.close()

    def release(self) -> None:
        """Unbind the row (it leaves the table) and drop its cancel button."""
        self._drop_cancel()
        self.data = None

    def close(self) -> None:
        """Close the row's widgets (the shared layouts and styles belong to the watcher)."""
        self._drop_cancel()
        for widget in [self.id_button, *self.cells.values(), self.box]:
            widget.close()


def make_layouts() -> dict[str, widgets.Layout]:
    """The shared layouts: one per column, and ``"row"`` for every row's box."""
    layouts = {
        column: widgets.Layout(width=width, min_width=width, overflow="hidden")
        for column, (_title, width) in COLUMNS.items()
    }
    layouts["row"] = widgets.Layout()
    return layouts


def make_styles() -> dict[str, Any]:
    """The shared styles: one bold colour per status, ``"plain"`` for the other labels, ``"button"`` for the id
    buttons and ``"toggle"`` for the cancel toggles."""
    styles: dict[str, Any] = {
        status: LabelStyle(text_color=color, font_weight="bold") for status, color in STATUS_COLORS.items()
    }
    styles.update(plain=LabelStyle(), button=widgets.ButtonStyle(), toggle=ToggleButtonStyle())
    return styles


def make_header(layouts: dict[str, widgets.Layout]) -> widgets.HBox:
    """The column titles."""
    bold = LabelStyle(font_weight="bold")
    titles = [
        widgets.Label(title, layout=layouts[column], style=bold) for column, (title, _w) in COLUMNS.items()
    ]
    return widgets.HBox(titles, layout=layouts["row"], _dom_classes=("ibmq-job-header",))
