"""Job states: JobStatus (the classic provider's enum), the wire's state names, status filters, QueueInfo."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire

__all__ = [
    "JOB_FINAL_STATES",
    "JobStatus",
    "QueueInfo",
    "parse_statuses",
    "status_from_wire",
    "status_to_wire",
]


class JobStatus(enum.Enum):
    """The state of a job, with the classic provider's messages as values."""

    INITIALIZING = "job is being initialized"
    QUEUED = "job is queued"
    VALIDATING = "job is being validated"
    RUNNING = "job is actively running"
    CANCELLED = "job has been cancelled"
    DONE = "job has successfully run"
    ERROR = "job incurred error"


JOB_FINAL_STATES = (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.ERROR)

_WIRE_STATES = {
    "queued": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "completed": JobStatus.DONE,
    "done": JobStatus.DONE,
    "cancelled": JobStatus.CANCELLED,
    "cancelled - ran too long": JobStatus.CANCELLED,
    "failed": JobStatus.ERROR,
    "error": JobStatus.ERROR,
    "initializing": JobStatus.INITIALIZING,
    "validating": JobStatus.VALIDATING,
}
_STATUS_TO_WIRE = {
    JobStatus.QUEUED: "Queued",
    JobStatus.RUNNING: "Running",
    JobStatus.DONE: "Completed",
    JobStatus.CANCELLED: "Cancelled",
    JobStatus.ERROR: "Failed",
}


def status_from_wire(value: str | None) -> JobStatus:
    """``Queued``/``Running``/``Completed``/``Cancelled``/``Failed`` (any case) -> JobStatus."""
    return _WIRE_STATES.get(str(value or "").strip().lower(), JobStatus.INITIALIZING)


def status_to_wire(status: JobStatus) -> str | None:
    """The wire state for a JobStatus (None for the ones the API never reports)."""
    return _STATUS_TO_WIRE.get(status)


@dataclass(frozen=True)
class QueueInfo:
    """Where a queued job stands: ``position`` 1 runs next; estimates are aware UTC datetimes or None."""

    job_id: str
    position: int | None
    estimated_start_time: datetime | None
    estimated_complete_time: datetime | None

    def format(self) -> str:
        """One line for people."""
        start = self.estimated_start_time.strftime("%H:%M:%S UTC") if self.estimated_start_time else "unknown"
        return f"job {self.job_id}: queue position {self.position}, estimated start {start}"


def queue_info_from(job_id: str, info: Any) -> QueueInfo | None:
    """The QueueInfo of a job's ``queue_info`` JSON, or None without a position."""
    if not isinstance(info, dict) or info.get("position") is None:
        return None
    return QueueInfo(
        job_id=job_id,
        position=int(info["position"]),
        estimated_start_time=wire.parse_datetime(info.get("estimated_start_time")),
        estimated_complete_time=wire.parse_datetime(info.get("estimated_completion_time")),
    )


def completion_estimate(info: Any) -> datetime | None:
    """When a job's ``queue_info`` JSON expects it to finish; None when it does not say (or says nonsense)."""
    if not isinstance(info, dict):
        return None
    try:
        return wire.parse_datetime(info.get("estimated_completion_time"))
    except ValueError:
        return None


def parse_statuses(status: Any) -> set[JobStatus] | None:
    """JobStatus, its name or value, a wire state or "pending" (or a list of those) -> a set of JobStatus.

    Parameters
    ----------
    status : JobStatus, str, iterable of them, or None
        What a caller passed as ``status=``.

    Returns
    -------
    set of JobStatus or None
        None when ``status`` is None.

    Raises
    ------
    IBMQJobValueError
        For a status nobody knows, listing the valid ones.
    """
    if status is None:
        return None
    if isinstance(status, (str, JobStatus)):
        items: list[Any] = [status]
    elif isinstance(status, Iterable):
        items = list(status)
    else:
        raise exc.IBMQJobValueError(
            f"status must be a JobStatus, its name, or a list of them, not {type(status).__name__} {status!r}"
        )
    found: set[JobStatus] = set()
    for item in items:
        found |= _one_status(item)
    return found


def _one_status(item: Any) -> set[JobStatus]:
    if isinstance(item, JobStatus):
        return {item}
    text = str(item).strip()
    if text.lower() == "pending":
        return {JobStatus.QUEUED, JobStatus.RUNNING}
    if text.upper() in JobStatus.__members__:
        return {JobStatus[text.upper()]}
    if text in {s.value for s in JobStatus}:
        return {JobStatus(text)}
    if status_from_wire(text) is not JobStatus.INITIALIZING:
        return {status_from_wire(text)}
    raise exc.IBMQJobValueError(
        f"unknown job status {item!r}; use a JobStatus or one of {', '.join(JobStatus.__members__)}"
    )
