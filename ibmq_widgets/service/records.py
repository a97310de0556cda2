"""What the service records about a job: its state (``JobState``) and the ``JobRecord`` the store keeps.

Both are plain data shared by the store, the scheduler and the handlers. ``JobState`` is a ``str`` enum whose
values are the wire strings, so a state compares equal to, hashes like and formats as the string the API
sends (``JobState.QUEUED == "Queued"``, ``f"{JobState.QUEUED}" == "Queued"``), and a record read back from
the database carries a ``JobState`` again.

Times are aware UTC datetimes; the database holds them as fixed-width ISO text (``to_text``) so that text
order is time order in SQL.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

__all__ = [
    "ALL_STATES",
    "FINAL_STATES",
    "PENDING_STATES",
    "JobRecord",
    "JobState",
    "from_text",
    "record_from_row",
    "to_text",
    "utc_now",
]


class JobState(str, Enum):
    """The state of a job, valued as on the wire (IBM's job status strings).

    ``Queued`` and ``Running`` are pending; ``Completed``, ``Cancelled`` and ``Failed`` are final: a job in a
    final state never changes state again.
    """

    QUEUED = "Queued"
    RUNNING = "Running"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"
    FAILED = "Failed"

    # The wire string, never "JobState.QUEUED", wherever a state is printed or formatted into a message.
    __str__ = str.__str__
    __format__ = str.__format__

    @property
    def final(self) -> bool:
        """Whether the job has finished (Completed, Cancelled or Failed)."""
        return self in FINAL_STATES

    @property
    def stamp(self) -> str:
        """The key of ``JobRecord.timestamps`` recording when a job entered this state (``"queued"``, ...)."""
        return self.value.lower()


PENDING_STATES: tuple[JobState, ...] = (JobState.QUEUED, JobState.RUNNING)
FINAL_STATES: tuple[JobState, ...] = (JobState.COMPLETED, JobState.CANCELLED, JobState.FAILED)
ALL_STATES: tuple[JobState, ...] = PENDING_STATES + FINAL_STATES


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def to_text(value: datetime) -> str:
    """A datetime as the store writes it: fixed-width ISO text in UTC (naive means UTC).

    Always microseconds and always ``+00:00``, so that text order is time order in SQL.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    """The aware UTC datetime of a stored ``to_text`` string."""
    value = datetime.fromisoformat(text)
    # what to_text writes is UTC already (tzinfo timezone.utc): listing a thousand jobs reads five each
    return value if value.tzinfo is timezone.utc else value.astimezone(timezone.utc)


@dataclass
class JobRecord:
    """One job as stored: what was submitted and where it stands.

    ``timestamps`` maps ``created`` and the lower-case name of every state the job entered (``queued``,
    ``running``, ``completed``, ``cancelled``, ``failed``) to when it entered it, plus ``finished`` for the
    final state. ``max_seconds`` is the job's own time limit (its ``cost``), capped by the service's.
    """

    id: str
    instance: str
    backend: str
    program: str
    params_text: str
    tags: list[str] = field(default_factory=list)
    status: JobState = JobState.QUEUED
    reason: str | None = None
    reason_code: int | None = None
    created: datetime = field(default_factory=utc_now)
    timestamps: dict[str, datetime] = field(default_factory=dict)
    session_id: str | None = None
    private: bool = False
    num_pubs: int = 0
    max_seconds: float | None = None
    idempotency_key: str | None = None

    @property
    def pending(self) -> bool:
        """Whether the job is still queued or running."""
        return self.status in PENDING_STATES

    def time_limit(self, service_limit: float) -> float:
        """Seconds the job may run under the service's limit: the smaller of its own ``max_seconds`` and
        ``service_limit``; a missing, NaN, infinite or non-positive ``max_seconds`` counts as none.

        Parameters
        ----------
        service_limit : float
            The service's time limit (a positive finite number).
        """
        own = self.max_seconds
        if own is not None and math.isfinite(own) and own > 0:
            return min(float(own), service_limit)
        return service_limit


#: The columns of the ``jobs`` table, in the order ``record_from_row`` and the store's INSERT use.
COLUMNS = (
    "id, instance, backend, program, params_text, tags, status, reason, reason_code, created, timestamps, "
    "session_id, private, num_pubs, max_seconds, idempotency_key"
)


_STATES = {state.value: state for state in JobState}


def record_from_row(row: sqlite3.Row | tuple) -> JobRecord:
    """The ``JobRecord`` of one row of the ``jobs`` table (selected with ``COLUMNS``; a Row or a tuple)."""
    (job_id, instance, backend, program, params_text, tags, status, reason, reason_code, created, timestamps,
     session_id, private, num_pubs, max_seconds, idempotency_key) = row  # fmt: skip
    return JobRecord(
        id=job_id,
        instance=instance,
        backend=backend,
        program=program,
        params_text=params_text,
        tags=[] if tags == "[]" else json.loads(tags),
        status=_STATES[status],
        reason=reason,
        reason_code=reason_code,
        created=from_text(created),
        timestamps={key: from_text(value) for key, value in json.loads(timestamps).items()},
        session_id=session_id,
        private=bool(private),
        num_pubs=num_pubs,
        max_seconds=max_seconds,
        idempotency_key=idempotency_key,
    )


def record_to_row(job: JobRecord) -> tuple:
    """The values of ``COLUMNS`` for ``job``, as the store inserts them."""
    stamps = json.dumps({key: to_text(value) for key, value in job.timestamps.items()})
    return (
        job.id, job.instance, job.backend, job.program, job.params_text, json.dumps(job.tags),
        JobState(job.status).value, job.reason, job.reason_code, to_text(job.created), stamps,
        job.session_id, int(job.private), job.num_pubs, job.max_seconds, job.idempotency_key,
    )  # fmt: skip
