"""Finished jobs whose outcome waits for the store: kept in memory and written, with backoff, until it sticks.

A worker's answer (a result, or a failure) is final the moment it arrives, but the store may be unable to take
it: another process can hold the SQLite database locked for longer than the store's bounded wait. Dropping
the outcome then would lose a finished result, and leaving it on the worker would let the time limit fail a
job that is done. So the scheduler hands every outcome to ``PendingOutcomes``: the job leaves its worker at
once (the worker takes the next job), keeps its slot (it is still Running in the store, and counts as such),
and is written as soon as the store answers; each failed attempt waits longer before the next, up to
``MAX_RETRY_DELAY``. Nothing here ever fails a job for time.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

from ibmq_widgets.service.records import JobRecord, JobState
from ibmq_widgets.service.store import JobStore, StoreBusyError

__all__ = ["FIRST_RETRY_DELAY", "MAX_RETRY_DELAY", "REASON_CODES", "Outcome", "PendingOutcomes"]

logger = logging.getLogger(__name__)

#: Seconds before the second attempt to write an outcome; doubled after each failed attempt.
FIRST_RETRY_DELAY = 0.1
#: The longest wait between two attempts (each attempt also waits the store's busy timeout).
MAX_RETRY_DELAY = 5.0

#: reason_code of a Failed job, by cause. 1305 is IBM's "ran longer than its maximum execution time", which
#: qiskit-ibm-runtime turns into RuntimeJobMaxTimeoutError; the others are this service's own.
REASON_CODES = {"time_limit": 1305, "worker_crashed": 1517, "simulation_error": 1520}
#: The reason a user reads, by cause; ``{}`` is the time limit, the exit code, or the worker's own reason.
_REASONS = {
    "time_limit": "The job exceeded its time limit of {:g} s and was stopped. Use fewer shots or smaller "
    "circuits, or a larger max execution time.",
    "worker_crashed": "The worker process running this job exited unexpectedly (exit code {}); the job was not "
    "completed. Submit it again; if it fails again it probably needs more memory than this machine has.",
    "simulation_error": "{}",
}


@dataclass
class Outcome:
    """How a job ended: Completed with ``result_text``, or Failed with ``reason`` and ``reason_code``.

    Attributes
    ----------
    job : JobRecord
        The job.
    result_text : str, optional
        Its result (then it completed), else None (then it failed).
    reason : str, optional
        Why it failed, for its user.
    reason_code : int, optional
        The failure's code (``scheduler.REASON_CODES``).
    ran_for : float, optional
        Seconds it ran, for the queue estimates (completed jobs only).
    attempts : int
        Failed attempts to write it so far.
    retry_at : float
        ``time.monotonic()`` of the next attempt.
    """

    job: JobRecord
    result_text: str | None = None
    reason: str | None = None
    reason_code: int | None = None
    ran_for: float | None = None
    attempts: int = 0
    retry_at: float = 0.0

    @classmethod
    def completed(cls, job: JobRecord, result_text: str, *, ran_for: float) -> Outcome:
        """``job`` completed with ``result_text`` after running ``ran_for`` seconds."""
        return cls(job, result_text=result_text, ran_for=ran_for)

    @classmethod
    def failed(cls, job: JobRecord, cause: str, detail: object) -> Outcome:
        """``job`` failed for ``cause`` (a key of ``REASON_CODES``); ``detail`` completes the reason: the time
        limit in seconds, the worker's exit code, or the worker's own reason."""
        return cls(job, reason=_REASONS[cause].format(detail), reason_code=REASON_CODES[cause])

    def write(self, store: JobStore) -> bool:
        """Record the outcome; whether the job is now Completed by it (False for failures and late answers).

        Raises
        ------
        StoreBusyError
            If the store is locked; nothing was written.
        """
        if self.result_text is not None:
            return store.set_result(self.job.id, self.result_text)
        store.set_status(self.job.id, JobState.FAILED, reason=self.reason, reason_code=self.reason_code)
        return False


class PendingOutcomes:
    """The outcomes not yet in the store, by job id; thread-safe.

    Parameters
    ----------
    store : JobStore
        Where outcomes go.
    """

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self._pending: dict[str, Outcome] = {}
        self._lock = threading.Lock()  # guards _pending
        self._writing = threading.Lock()  # one writer at a time, so an outcome is never written twice at once

    def __contains__(self, job_id: object) -> bool:
        with self._lock:
            return job_id in self._pending

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def add(self, outcome: Outcome) -> None:
        """Keep ``outcome`` until it is written; due at once."""
        outcome.retry_at = 0.0
        with self._lock:
            self._pending[outcome.job.id] = outcome

    def jobs(self) -> list[JobRecord]:
        """The jobs whose outcome waits (still Running in the store, and holding their slot)."""
        with self._lock:
            return [outcome.job for outcome in self._pending.values()]

    def next_retry(self) -> float:
        """``time.monotonic()`` when the next write attempt is due; ``math.inf`` if nothing waits."""
        with self._lock:
            return min((outcome.retry_at for outcome in self._pending.values()), default=math.inf)

    def flush(self, job_id: str | None = None, *, due_only: bool = True) -> list[Outcome]:
        """Try to write pending outcomes (all of them, or only ``job_id``'s); the ones that completed a job.

        With ``due_only`` an outcome whose backoff has not expired waits. The first attempt the store refuses
        ends the round (the others would meet the same lock) and sets the next attempt's time.

        Raises
        ------
        StoreBusyError
            Only when ``job_id`` is given and its outcome could not be written (it stays pending).
        """
        completed: list[Outcome] = []
        with self._writing:
            now = time.monotonic()
            with self._lock:
                chosen = [
                    outcome
                    for key, outcome in self._pending.items()
                    if (job_id is None or key == job_id) and (not due_only or outcome.retry_at <= now)
                ]
            for outcome in chosen:
                try:
                    done = outcome.write(self.store)
                except StoreBusyError:
                    for waiting in chosen[chosen.index(outcome) :]:  # the rest would meet the same lock
                        self._postpone(waiting)
                    if job_id is not None:
                        raise
                    break
                with self._lock:
                    self._pending.pop(outcome.job.id, None)
                if done:
                    completed.append(outcome)
        return completed

    def _postpone(self, outcome: Outcome) -> None:
        delay = min(MAX_RETRY_DELAY, FIRST_RETRY_DELAY * 2.0**outcome.attempts)
        outcome.attempts += 1
        outcome.retry_at = time.monotonic() + delay
        if outcome.attempts in (1, 10) or outcome.attempts % 100 == 0:
            logger.warning(
                "job %s finished but the job database is locked; its outcome is kept and written once the "
                "lock is gone (attempt %d)",
                outcome.job.id,
                outcome.attempts,
            )
