"""The rows of the job watcher: what one row shows (JobRowData, read from a job without a request) and the
pooled row widgets that show it.

Rows are created once, up front, and only their traits change afterwards, so the watcher's poller thread never
creates or destroys widgets: it sets label values, styles and visibility.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import LabelStyle

__all__ = ["FINAL_STATUSES", "STATUS_COLORS", "JobRow", "JobRowData", "format_duration", "format_eta"]

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

# column -> width; one Layout per column, shared by every row (one widget model instead of one per cell)
COLUMNS = {
    "job_id": "230px",
    "name": "150px",
    "backend": "150px",
    "status": "90px",
    "queue": "60px",
    "eta": "110px",
    "elapsed": "80px",
    "cancel": "80px",
}
HEADERS = {
    "job_id": "job id",
    "name": "name",
    "backend": "backend",
    "status": "status",
    "queue": "queue",
    "eta": "est. start",
    "elapsed": "elapsed",
    "cancel": "",
}


def _aware(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


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
    job : object
        The job itself, for the cancel button.
    """

    job_id: str
    name: str
    backend: str
    status: str
    position: int | None
    estimated_start: dt.datetime | None
    created: dt.datetime | None
    ended: dt.datetime | None
    job: Any = dataclasses.field(compare=False, repr=False)

    @property
    def final(self) -> bool:
        """Whether the job is done, cancelled or failed."""
        return self.status in FINAL_STATUSES

    @classmethod
    def from_job(
        cls, job: Any, ended: dt.datetime | None = None, created: dt.datetime | None = None
    ) -> JobRowData:
        """Read a client job (``IBMQJob``) through its public, request-free methods.

        ``created`` stands in for ``job.creation_date()`` for a job just submitted, whose submission answer
        does not carry the date (asking for it would be a request in the kernel's thread).
        """
        status = job.status(refresh=False)
        status_name = getattr(status, "name", str(status)).upper()
        info = job.queue_info() if status_name == "QUEUED" else None
        backend = job.backend_name() if hasattr(job, "backend_name") else str(job.backend())
        return cls(
            job_id=str(job.job_id()),
            name=str(job.name() or ""),
            backend=str(backend),
            status=status_name,
            position=getattr(info, "position", None),
            estimated_start=_aware(getattr(info, "estimated_start_time", None)),
            created=created or _aware(job.creation_date()),
            ended=ended,
            job=job,
        )


def format_duration(seconds: float | None) -> str:
    """``"42 s"``, ``"3 m 05 s"``, ``"2 h 04 m"``; ``"—"`` when unknown."""
    if seconds is None:
        return "—"
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


class JobRow:
    """One pooled row: labels for each column and a cancel button.

    Parameters
    ----------
    layouts : dict
        One shared ``Layout`` per column.
    styles : dict
        One shared ``LabelStyle`` per status, so changing a row's colour is a reference change.
    on_cancel : callable
        Called with this row when its cancel button is clicked.
    """

    def __init__(
        self,
        layouts: dict[str, widgets.Layout],
        styles: dict[str, LabelStyle],
        on_cancel: Callable[[JobRow], None],
    ) -> None:
        self._styles = styles
        # the CSS classes name each part for styling and for the browser tests
        self.cells = {
            column: widgets.Label(layout=layouts[column]).add_class(f"ibmq-job-{column}")
            for column in COLUMNS
            if column != "cancel"
        }
        self.cancel_button = widgets.Button(
            description="cancel",
            tooltip="cancel this job",
            button_style="danger",
            layout=layouts["cancel"],
        ).add_class("ibmq-job-cancel")
        self.cancel_button.on_click(lambda _button: on_cancel(self))
        self.box = widgets.HBox(
            [*self.cells.values(), self.cancel_button], layout=widgets.Layout(display="none")
        ).add_class("ibmq-job-row")
        self.data: JobRowData | None = None

    def show(self, data: JobRowData, now: dt.datetime, cancelling: bool) -> None:
        """Bind the row to a job and show its current values (unchanged values send nothing)."""
        self.data = data
        cells = self.cells
        cells["job_id"].value = data.job_id
        cells["name"].value = data.name
        cells["backend"].value = data.backend
        cells["status"].value = "cancelling" if cancelling and not data.final else data.status.lower()
        cells["status"].style = self._styles.get(data.status, self._styles["INITIALIZING"])
        cells["queue"].value = "" if data.position is None else f"#{data.position}"
        cells["eta"].value = format_eta(data.estimated_start, now) if data.status == "QUEUED" else ""
        cells["elapsed"].value = format_duration(self.elapsed(data, now))
        self.cancel_button.disabled = data.final or cancelling
        self.box.layout.display = "flex"

    @staticmethod
    def elapsed(data: JobRowData, now: dt.datetime) -> float | None:
        """Seconds since submission, until the job ended (when that is known)."""
        if data.created is None:
            return None
        if data.final:
            return None if data.ended is None else (data.ended - data.created).total_seconds()
        return (now - data.created).total_seconds()

    def hide(self) -> None:
        """Unbind the row and hide it."""
        self.data = None
        self.box.layout.display = "none"

    def close(self) -> None:
        """Close the row's widgets (the shared layouts and styles belong to the watcher)."""
        for widget in [*self.cells.values(), self.cancel_button, self.box]:
            widget.close()


def make_layouts() -> dict[str, widgets.Layout]:
    """The shared column layouts."""
    return {column: widgets.Layout(width=width, overflow="hidden") for column, width in COLUMNS.items()}


def make_styles() -> dict[str, LabelStyle]:
    """The shared status styles: one colour per status."""
    return {
        status: LabelStyle(text_color=color, font_weight="bold") for status, color in STATUS_COLORS.items()
    }


def make_header(layouts: dict[str, widgets.Layout]) -> widgets.HBox:
    """The column titles."""
    bold = LabelStyle(font_weight="bold")
    return widgets.HBox(
        [widgets.Label(HEADERS[column], layout=layouts[column], style=bold) for column in COLUMNS]
    )
