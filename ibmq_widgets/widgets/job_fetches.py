"""The job watcher's fetches beyond its polls, on one worker thread of their own (never the poller's, so a big
result does not hold up the rows):

- a finished job's end time, usage and shots, when its listing lacks them: once per job, for listed rows only
  (the end time from the job's metrics, the shots from its result);
- the selected job's result (or failure reason) for the details panel, once the job is final;
- closing the selected job's session or batch, when its "close session" button is pressed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ibmq_widgets.client.sessions import Batch, Session
from ibmq_widgets.exceptions import IBMQSessionValueError
from ibmq_widgets.widgets.feeds.background import BackgroundWorker
from ibmq_widgets.widgets.feeds.poller import describe_error
from ibmq_widgets.widgets.job_details import JobDetails, result_shots
from ibmq_widgets.widgets.job_list import Extras, JobList
from ibmq_widgets.widgets.job_rows import JobRowData

__all__ = ["RESULT_TIMEOUT", "JobFetches"]

RESULT_TIMEOUT = 120.0  # seconds a result download may take, through a lost connection too


def _attempt(job: Any, method: str, **kwargs: Any) -> Any:
    """``job.method(**kwargs)``, or None when the job cannot say (no such method, a failed request)."""
    try:
        return getattr(job, method)(**kwargs)
    except Exception:
        return None


class JobFetches:
    """What the watcher fetches besides its polls, and the details panel it fills.

    Parameters
    ----------
    lock : threading.RLock
        The watcher's lock, held around every use of ``jobs``.
    jobs : JobList
        The watcher's jobs; their ``extras`` are filled here.
    details : JobDetails
        The details panel.
    render : callable
        Redraws the watcher's rows (called without the lock held).
    """

    def __init__(
        self, lock: threading.RLock, jobs: JobList, details: JobDetails, render: Callable[[], None]
    ) -> None:
        self._lock, self._jobs, self._details, self._render = lock, jobs, details, render
        details.on_close, details.on_close_session = self.deselect, self.close_session  # the panel's buttons
        self._worker = BackgroundWorker(
            "ibmq-job-details", on_error=lambda exc: details.show_problem(describe_error(exc))
        )
        self.selected: str | None = None
        self._loaded: str | None = None  # the job whose result the details show, or are fetching

    def wait(self, timeout: float | None) -> bool:
        """Block until every fetch asked for is done; False on timeout."""
        return self._worker.wait_idle(timeout)

    def stop(self) -> None:
        """End the worker thread (idempotent)."""
        self._worker.stop()

    # --- asked for by the watcher -----------------------------------------------------------------------------
    def after_render(self, rows: Sequence[JobRowData]) -> None:
        """Ask for what the listed rows lack, and for the selected job's result; the caller holds the lock."""
        for data in self._jobs.missing_extras(rows):
            self._jobs.extras[data.job_id] = Extras()  # asked for once
            self._worker.submit(functools.partial(self._fetch_extras, data))
        self._follow(rows)

    def select(self, data: JobRowData) -> None:
        """Show a job in the details panel, and its result once it is final."""
        with self._lock:
            self.selected, self._loaded = data.job_id, None
        self._details.show_job(data, "" if data.final else "the result shows here once the job is done")
        with self._lock:
            self._follow([data])

    def close_session(self, job_id: str) -> None:
        """Close the session or batch that job ``job_id`` ran in (asked for by the details panel)."""
        with self._lock:
            entry = self._jobs.get(job_id)
            data = self._jobs.row_data(entry) if entry is not None else None
        if data is None or not data.session_id:
            self._details.show_session(
                job_id, "this job is no longer listed; its session was not closed", False
            )
            return
        self._worker.submit(functools.partial(self._close_session, data))

    def deselect(self) -> None:
        """The details panel was closed."""
        with self._lock:
            self.selected = self._loaded = None

    def _follow(self, rows: Sequence[JobRowData]) -> None:
        data = next((data for data in rows if data.job_id == self.selected), None)
        if data is None or not data.final or self._loaded == data.job_id:
            return
        self._loaded = data.job_id
        self._worker.submit(functools.partial(self._load_result, data))

    # --- on the worker thread -------------------------------------------------------------------------------
    def _load_result(self, data: JobRowData) -> None:
        """Fetch a final job's result or failure reason and show it."""
        if data.status != "DONE":
            reason = _attempt(data.job, "error_message") or ""
            self._details.show_job(data, error=f"{data.status.lower()}: {reason}".rstrip(": "))
            return
        self._details.show_job(data, "loading the result…")
        try:
            result = data.job.result(timeout=RESULT_TIMEOUT)
        except Exception as exc:
            with self._lock:
                self._loaded = None  # a later click tries again
            self._details.show_job(data, error=f"the result could not be loaded: {describe_error(exc)}")
            return
        shots = result_shots(result)
        with self._lock:
            extras = self._jobs.extras.setdefault(data.job_id, Extras())
            extras.shots = extras.shots if shots is None else shots
            entry = self._jobs.get(data.job_id)
            data = self._jobs.row_data(entry) if entry is not None else data
        self._details.show_result(data, result)
        self._render()

    def _close_session(self, data: JobRowData) -> None:
        """Close a job's session or batch on the service (a batch asked for as a session says which it is)."""
        try:
            provider = data.job.provider()
            try:
                session = Session.from_id(data.session_id, provider)
            except IBMQSessionValueError:
                session = Batch.from_id(data.session_id, provider)
            session.close()
        except Exception as exc:
            text = f"session {data.session_id} could not be closed: {describe_error(exc)}"
            self._details.show_session(data.job_id, text, False)
            return
        kind = "batch" if isinstance(session, Batch) else "session"
        text = f"{kind} {data.session_id} closed: it accepts no more jobs; its queued and running jobs still finish"
        self._details.show_session(data.job_id, text, True)

    def _fetch_extras(self, data: JobRowData) -> None:
        """Learn a finished job's end time, usage and shots; what cannot be learnt stays "—", not asked again."""
        job, found = data.job, Extras(ended=data.ended, usage=data.usage, shots=data.shots)
        if found.ended is None:
            steps = _attempt(job, "time_per_step") or {}
            found.ended = steps.get(data.status) or max(steps.values(), default=None)
        if found.usage is None:
            found.usage = _attempt(job, "usage")
        if found.shots is None and data.status == "DONE" and data.program in ("sampler", ""):
            found.shots = result_shots(_attempt(job, "result", timeout=RESULT_TIMEOUT))
        with self._lock:
            self._jobs.extras[data.job_id] = found
        self._render()
