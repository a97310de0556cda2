"""Waiting for a job: polls that start quick and slow down, and that ride out a lost connection.

``job.result(timeout=300)`` must not give up because the service restarted or the network dropped for a while:
:class:`Reconnector` repeats a status poll (or the download of a result) that failed with a connection or server
error, with backoff, warning once per outage that it is reconnecting, until the caller's deadline. Only then does
the wait end, with IBMQJobTimeoutError saying that the service has not answered.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import presentation
from ibmq_widgets.client.job_status import JOB_FINAL_STATES, JobStatus

if TYPE_CHECKING:
    from ibmq_widgets.client.job import IBMQJob

__all__ = ["Deadline", "Reconnector", "check_wait_arguments", "wait_for_final_state"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_POLL = 0.1  # seconds; polls grow from here to ``wait`` so short jobs return quickly
OUTAGE_FIRST_PAUSE = 0.5  # seconds before the first try after a lost connection, doubling to OUTAGE_MAX_PAUSE
OUTAGE_MAX_PAUSE = 5.0
#: What a lost connection looks like once the session's own retries are spent.
TRANSIENT_ERRORS = (exc.IBMQConnectionError, exc.IBMQServerError)


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a real number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def check_wait_arguments(timeout: Any, wait: Any) -> tuple[float | None, float]:
    """``timeout`` and ``wait`` of ``result()`` / ``wait_for_final_state()``, checked.

    Returns
    -------
    (float or None, float)
        The timeout (None or ``inf``: no limit) and the longest pause between polls.

    Raises
    ------
    IBMQJobValueError
        For a timeout that is not a number >= 0 or None, or a wait that is not a finite number > 0.
    """
    seconds = _number(timeout)
    if timeout is not None and (seconds is None or math.isnan(seconds) or seconds < 0):
        raise exc.IBMQJobValueError(
            f"timeout must be a number of seconds >= 0, or None to wait as long as it takes, not {timeout!r}"
        )
    pause = _number(wait)
    if pause is None or not math.isfinite(pause) or pause <= 0:
        raise exc.IBMQJobValueError(f"wait must be a positive number of seconds, not {wait!r}")
    return (None if seconds is None or math.isinf(seconds) else seconds), pause


class Deadline:
    """When a wait of ``timeout`` seconds (None: no limit) started, and how much of it is left."""

    def __init__(self, timeout: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self._clock = clock
        self.started = clock()

    def elapsed(self) -> float:
        """Seconds since the wait started."""
        return self._clock() - self.started

    def left(self) -> float | None:
        """Seconds left (never negative), or None without a limit."""
        return None if self.timeout is None else max(self.timeout - self.elapsed(), 0.0)

    def expired(self) -> bool:
        """Whether the timeout has passed."""
        return self.timeout is not None and self.elapsed() >= self.timeout

    def bound(self, seconds: float) -> float:
        """``seconds``, or less if the deadline comes first."""
        left = self.left()
        return seconds if left is None else min(seconds, left)


class Reconnector:
    """Repeats a call that failed because the service could not be reached, until a deadline.

    Parameters
    ----------
    what : str
        What is waited for, for messages (e.g. ``"job 123"``).
    host : str
        Where the service is, for messages.
    deadline : Deadline
        When to stop trying.
    sleep : callable
        ``time.sleep``; tests pass a recorder.
    """

    def __init__(
        self, what: str, host: str, deadline: Deadline, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.what = what
        self.host = host
        self.deadline = deadline
        self._sleep = sleep
        self.outage_started: float | None = None
        self.last_error: Exception | None = None
        self._pause = OUTAGE_FIRST_PAUSE

    def call(self, function: Callable[[], T]) -> T:
        """``function()``, repeated through connection and server errors until it answers or time runs out.

        Raises
        ------
        IBMQJobTimeoutError
            If the deadline passes while the service does not answer.
        """
        while True:
            try:
                value = function()
            except TRANSIENT_ERRORS as error:
                self._lost(error)
                if self.deadline.expired():
                    raise exc.IBMQJobTimeoutError(self.timeout_message()) from None
                self._sleep(self.deadline.bound(self._pause))
                self._pause = min(self._pause * 2, OUTAGE_MAX_PAUSE)
                continue
            self._restored()
            return value

    def _lost(self, error: Exception) -> None:
        self.last_error = error
        if self.outage_started is not None:
            return
        self.outage_started = self.deadline.elapsed()
        left = self.deadline.left()
        until = f"for up to {left:.0f} s more" if left is not None else "until it is back (interrupt to stop)"
        logger.warning(
            "%s: lost the connection to %s (%s); reconnecting and waiting %s",
            self.what,
            self.host,
            error,
            until,
        )

    def _restored(self) -> None:
        if self.outage_started is not None:
            logger.warning(
                "%s: reconnected to %s after %.0f s",
                self.what,
                self.host,
                self.deadline.elapsed() - self.outage_started,
            )
        self.outage_started, self.last_error, self._pause = None, None, OUTAGE_FIRST_PAUSE

    def timeout_message(self) -> str:
        """Why the wait ended: the timeout passed while the service did not answer."""
        down = self.deadline.elapsed() - (self.outage_started or 0.0)
        return (
            f"{self.what} did not finish within {self.deadline.timeout:g} s: the service at {self.host} has not "
            f"answered for the last {down:.0f} s ({self.last_error}). The job may still be running there: "
            "call result() again once the service is back"
        )


def wait_for_final_state(
    job: IBMQJob,
    timeout: Any = None,
    wait: Any = 5,
    callback: Callable[[str, JobStatus, IBMQJob], None] | None = None,
    *,
    reconnector: Reconnector | None = None,
) -> None:
    """Poll ``job`` until it is done, cancelled or failed (see ``IBMQJob.wait_for_final_state``).

    Raises
    ------
    IBMQJobValueError
        For a bad ``timeout`` or ``wait``.
    IBMQJobTimeoutError
        If the job is not final after ``timeout`` seconds, or the service did not answer until then.
    """
    timeout, wait = check_wait_arguments(timeout, wait)
    if reconnector is None:
        reconnector = Reconnector(f"job {job.job_id()}", job.provider().session.host, Deadline(timeout))
    deadline = reconnector.deadline
    pause = min(FIRST_POLL, wait)
    while True:
        status = reconnector.call(job.status)
        if callback is not None:
            callback(job.job_id(), status, job)
        if status in JOB_FINAL_STATES:
            return
        if deadline.expired():
            where = f"queue position {job.queue_position()}" if status is JobStatus.QUEUED else status.name
            raise exc.IBMQJobTimeoutError(
                f"job {job.job_id()} did not finish within {deadline.timeout:g} s (it is {where}); it keeps "
                "going: call result() again later, or cancel() it"
            )
        presentation.pause(deadline.bound(pause))  # a notebook's widget clicks are answered meanwhile
        pause = min(pause * 1.5, wait)
