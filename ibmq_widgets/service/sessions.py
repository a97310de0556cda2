"""Sessions and batches with the platform's meaning: who may run on a backend, and when a session ends.

- A **dedicated** session (``mode: "dedicated"``) holds its backend between its jobs: once its first job starts,
  jobs outside it wait on that backend while the session has jobs queued or running, and for its interactive TTL
  after its last job ends. It ends when that TTL lapses with nothing queued (state ``inactive``; it may be woken by
  a new job), when it is closed and its last job ended, when it is cancelled, or when ``max_ttl`` has passed since
  it started.
- A **batch** (``mode: "batch"``) only groups jobs: they are queued like any others and run on as many workers as
  are free; ``max_ttl`` still bounds it.
- Closing (``PATCH {accepting_jobs: false}``) refuses new jobs and lets the queued ones finish; cancelling
  (``DELETE /sessions/{id}/close``) also cancels them.

States, as the platform reports them: ``open`` (no job has started), ``active``, ``inactive``, ``closed``. The
registry lives in memory: a restart of the service closes every session (their jobs still run).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.wire import format_datetime

__all__ = ["DEFAULT_INTERACTIVE_TTL", "MAX_TTL", "SessionRecord", "SessionRegistry"]

#: The longest a session may live (seconds), as on the platform's paid plans; also the default ``max_ttl``.
MAX_TTL = 28_800
#: Seconds a dedicated session keeps its backend after its last job, waiting for the next one.
DEFAULT_INTERACTIVE_TTL = 60.0
MODES = ("dedicated", "batch")


@dataclass
class SessionRecord:
    """One session; times are ``time.time()`` seconds."""

    id: str
    mode: str
    backend: str
    instance: str
    max_ttl: int
    interactive_ttl: float
    started_at: float
    accepting_jobs: bool = True
    activated_at: float | None = None
    last_job_started: float | None = None
    last_job_completed: float | None = None
    closed_at: float | None = None
    usage_seconds: float = 0.0


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else format_datetime(datetime.fromtimestamp(seconds, timezone.utc))


class SessionRegistry:
    """Every session of the service, and the one rule the scheduler asks about: may this job start now?

    Thread-safe. The scheduler calls :meth:`may_start`, :meth:`job_queued`, :meth:`job_started` and
    :meth:`job_ended` under its own lock; the registry never calls back into the scheduler.

    Parameters
    ----------
    interactive_ttl : float
        Seconds a dedicated session holds its backend after its last job.
    clock : callable
        ``time.time``; tests pass a fake.
    """

    def __init__(
        self, interactive_ttl: float = DEFAULT_INTERACTIVE_TTL, clock: Callable[[], float] = time.time
    ) -> None:
        self.interactive_ttl = interactive_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, SessionRecord] = {}
        self._unfinished: Counter[str] = Counter()  # session id -> jobs queued or running
        self._running: dict[str, float] = {}  # job id -> start time, for usage

    # --- the API's side -------------------------------------------------------------------------------------
    def create(self, mode: str, backend: str, instance: str, max_ttl: Any = None) -> SessionRecord:
        """Open a session (400 for a bad mode or max_ttl; the caller checked the backend and instance)."""
        if mode not in MODES:
            raise ApiError(400, "bad_request", f"mode must be 'dedicated' or 'batch', not {mode!r}.")
        if max_ttl is None:
            max_ttl = MAX_TTL
        if not isinstance(max_ttl, int) or isinstance(max_ttl, bool) or not 0 < max_ttl <= MAX_TTL:
            raise ApiError(
                400, "invalid_parameter", f"max_ttl must be a whole number of seconds from 1 to {MAX_TTL}."
            )
        record = SessionRecord(
            id=uuid.uuid4().hex[:20],
            mode=mode,
            backend=backend,
            instance=instance,
            max_ttl=max_ttl,
            interactive_ttl=self.interactive_ttl,
            started_at=self._clock(),
        )
        with self._lock:
            self._sessions[record.id] = record
        return record

    def get(self, session_id: str, instance: str) -> SessionRecord:
        """The session, if it belongs to ``instance`` (404 otherwise: another instance's session is not shown)."""
        with self._lock:
            record = self._sessions.get(session_id)
        if record is None or record.instance != instance:
            raise ApiError(404, "session_not_found", f"No session {session_id!r} for this instance.")
        return record

    def close(self, record: SessionRecord) -> None:
        """Accept no more jobs; the queued ones still run."""
        with self._lock:
            record.accepting_jobs = False
            if not self._unfinished[record.id] and record.closed_at is None:
                record.closed_at = self._clock()

    def cancel(self, record: SessionRecord) -> None:
        """Close now (the caller cancels the session's queued and running jobs)."""
        with self._lock:
            record.accepting_jobs = False
            if record.closed_at is None:
                record.closed_at = self._clock()

    def check_submission(self, session_id: Any, instance: str, backend: str) -> None:
        """Refuse a job for a session it may not join (4xx naming why); nothing is stored then."""
        if not isinstance(session_id, str) or not session_id:
            raise ApiError(400, "bad_request", "session_id must be the id of one of your sessions.")
        record = self.get(session_id, instance)
        with self._lock:
            state = self._state(record, self._clock())
        if state == "closed" or not record.accepting_jobs:
            raise ApiError(
                409,
                "session_closed",
                f"Session {session_id} is closed and takes no more jobs; open a new one.",
            )
        if record.backend != backend:
            raise ApiError(
                400,
                "bad_request",
                f"Session {session_id} runs on {record.backend}; submit its jobs to that backend, not {backend}.",
            )

    def describe(self, record: SessionRecord) -> dict[str, Any]:
        """The JSON of GET /sessions/{id}, with the fields the reference client reads."""
        now = self._clock()
        with self._lock:
            state = self._state(record, now)
            usage = record.usage_seconds + sum(
                now - started for job, started in self._running.items() if job.startswith(record.id + ":")
            )
        end = record.closed_at or min(now, record.started_at + record.max_ttl)
        return {
            "id": record.id,
            "backend_name": record.backend,
            "mode": record.mode,
            "state": state,
            "accepting_jobs": record.accepting_jobs and state != "closed",
            "max_ttl": record.max_ttl,
            "interactive_ttl": int(record.interactive_ttl),
            "active_ttl": max(0, int(record.started_at + record.max_ttl - now)),
            "started_at": _iso(record.started_at),
            "activated_at": _iso(record.activated_at),
            "last_job_started": _iso(record.last_job_started),
            "last_job_completed": _iso(record.last_job_completed),
            "closed_at": _iso(record.closed_at if state == "closed" else None),
            "elapsed_time": round(usage, 3),
            "usage_time": round(usage, 3),
            "wall_time": round(max(0.0, end - record.started_at), 3),
            "timestamps": [],
        }

    # --- the scheduler's side -------------------------------------------------------------------------------
    def _state(self, record: SessionRecord, now: float) -> str:
        if record.closed_at is not None or now >= record.started_at + record.max_ttl:
            return "closed"
        if record.activated_at is None:
            return "open"
        if self._unfinished[record.id]:
            return "active"
        idle_since = record.last_job_completed or record.last_job_started or record.activated_at
        return "active" if now - idle_since < record.interactive_ttl else "inactive"

    def _holder(self, backend: str, now: float) -> SessionRecord | None:
        for record in self._sessions.values():
            if (
                record.mode == "dedicated"
                and record.backend == backend
                and self._state(record, now) == "active"
            ):
                return record
        return None

    def may_start(self, job: Any) -> bool:
        """Whether ``job`` may start now: not while another dedicated session holds its backend."""
        with self._lock:
            holder = self._holder(job.backend, self._clock())
        return holder is None or holder.id == getattr(job, "session_id", None)

    def job_queued(self, job: Any) -> None:
        """A job of a session entered the queue (at submission, or again after a restart)."""
        with self._lock:
            if getattr(job, "session_id", None) in self._sessions:
                self._unfinished[job.session_id] += 1

    def job_started(self, job: Any) -> None:
        """A job began running: its session is active from now."""
        now = self._clock()
        with self._lock:
            record = self._sessions.get(getattr(job, "session_id", None) or "")
            if record is None:
                return
            record.activated_at = record.activated_at or now
            record.last_job_started = now
            self._running[f"{record.id}:{job.id}"] = now

    def job_ended(self, job: Any) -> None:
        """A job of a session left the queue or finished, however it ended."""
        now = self._clock()
        with self._lock:
            record = self._sessions.get(getattr(job, "session_id", None) or "")
            if record is None:
                return
            started = self._running.pop(f"{record.id}:{job.id}", None)
            if started is not None:
                record.usage_seconds += now - started
                record.last_job_completed = now
            if self._unfinished[record.id] > 0:
                self._unfinished[record.id] -= 1
            if not self._unfinished[record.id] and not record.accepting_jobs and record.closed_at is None:
                record.closed_at = now
