"""Submitting the jobs of a set: concurrently, within the backend's job limit, never failing on a full limit.

One pacer thread encodes the jobs, in order, and hands each to a small thread pool that sends it while the
backend has free slots. Encoding is Python work that holds the interpreter: encoding several jobs at once
would only delay the first POST, while encoding them one after another lets each POST travel while the next
job is encoded. When the limit
is reached the waiting jobs show "waiting for a slot" and the pacer waits until a slot frees: it is told so
when the set's own jobs finish (by whoever watches them) and otherwise asks the backend now and then. While
they wait, the next few jobs are encoded, so a freed slot is filled by one POST: the service's queue does not
run dry while the client prepares circuits. A job-limit error that races with another client puts the job back
in the queue. A rate limit (429 with Retry-After, as the platform answers when an account sends too much) never
fails a job: the submitter waits as long as the service asks, every sender with it, and sends the same payload
again. Any other submission error marks that one job failed (``None`` in ``jobs()``) and the others go on. A
job's payload is encoded once: a retry after a lost answer sends the same Idempotency-Key.

Where the backend publishes no job limit (the IBM Quantum Platform), the set keeps at most
``max_concurrent_jobs`` of the instance's jobs unfinished on the backend, counted from its pending jobs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ibmq_widgets.exceptions import (
    IBMQBackendJobLimitError,
    IBMQConnectionError,
    IBMQRateLimitError,
    IBMQServerError,
)

from .managed_job import ManagedJob, SubmitState

__all__ = ["DEFAULT_CONCURRENT_JOBS", "JobSlots", "Submitter", "read_job_slots"]

logger = logging.getLogger(__name__)

MAX_WORKERS = 4
ENCODE_AHEAD = 4  # jobs waiting for a slot that are encoded ahead of it (bounded: payloads hold memory)
SLOT_POLL_MIN = 0.5  # seconds between job-limit checks while waiting, growing to SLOT_POLL_MAX
SLOT_POLL_MAX = 5.0
TRANSIENT_RETRY_WINDOW = 120.0  # how long a lost connection may last before a submission counts as failed
#: Unfinished jobs a set keeps on a backend that publishes no job limit.
DEFAULT_CONCURRENT_JOBS = 5
RATE_LIMIT_BACKOFF = 5.0  # seconds to wait after a 429 that names no Retry-After


@dataclass(frozen=True)
class JobSlots:
    """The job limit in force for one instance on one backend.

    Attributes
    ----------
    total : int
        Jobs the instance may have unfinished there at once: the service's ``maximum_jobs`` where it
        publishes one, else the set's ``max_concurrent_jobs``.
    free : int
        Of those, how many are free now.
    """

    total: int
    free: int


def read_job_slots(backend: Any, max_concurrent_jobs: int = DEFAULT_CONCURRENT_JOBS) -> JobSlots | None:
    """The job limit in force on ``backend`` (one request: ``backend.job_limit()``), or None if it cannot tell.

    Where the backend publishes no maximum (the IBM Quantum Platform), ``max_concurrent_jobs`` of the
    instance's jobs are the limit, less those already unfinished there. None for a backend without
    ``job_limit()`` or whose query failed: submission then finds the limit out by itself.
    """
    reader = getattr(backend, "job_limit", None)
    if not callable(reader):
        return None
    try:
        limit = reader()
        maximum = limit.maximum_jobs
        total = max(int(maximum if maximum is not None else max_concurrent_jobs), 1)
        return JobSlots(total=total, free=max(total - int(limit.active_jobs), 0))
    except Exception:  # an unanswered limit query is not a reason to refuse the set; submission will tell
        logger.debug("reading the job limit of %r", backend, exc_info=True)
        return None


def _is_job_limit(exc: BaseException) -> bool:
    if isinstance(exc, IBMQBackendJobLimitError):
        return True
    return isinstance(exc, IBMQRateLimitError) and getattr(exc, "code", None) == "job_limit_reached"


class Submitter:
    """Submits a set's jobs in the background, paced by the backend's job limit.

    Parameters
    ----------
    backend : IBMQBackend
        Where the jobs go.
    managed_jobs : list of ManagedJob
        The set's jobs, each holding its experiments.
    encode : callable
        ``encode(managed_job) -> payload``: checks and encodes one job without sending it; raises for a job
        that cannot run as given.
    send : callable
        ``send(payload) -> IBMQJob``: submits an encoded job; sending the same payload twice creates one job.
    on_change : callable, optional
        Called with no argument whenever a job changes state (for progress bars).
    max_workers : int
        Submissions sent at once.
    max_concurrent_jobs : int
        Unfinished jobs kept on a backend that publishes no job limit.
    on_done : callable, optional
        Called with no argument once every job is submitted or failed, before ``wait()`` returns (the set
        closes its batch there); what it raises is logged, not raised.
    slots : JobSlots, optional
        The job limit as the caller just read it (``read_job_slots``), so the pacer need not ask again;
        None asks the backend when it starts.
    clock : callable
        ``time.monotonic``; tests pass a fake.
    """

    def __init__(
        self,
        backend: Any,
        managed_jobs: list[ManagedJob],
        encode: Callable[[ManagedJob], Any],
        send: Callable[[Any], Any],
        on_change: Callable[[], None] | None = None,
        max_workers: int = MAX_WORKERS,
        max_concurrent_jobs: int = DEFAULT_CONCURRENT_JOBS,
        on_done: Callable[[], None] | None = None,
        slots: JobSlots | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(max_concurrent_jobs, int) or max_concurrent_jobs < 1:
            raise ValueError(f"max_concurrent_jobs must be a positive integer, not {max_concurrent_jobs!r}")
        self._backend = backend
        self._max_concurrent = max_concurrent_jobs
        self._clock = clock
        self._rate_limited_until = 0.0
        self._jobs = managed_jobs
        self._encode = encode
        self._send = send
        self._on_change = on_change or (lambda: None)
        self._on_done = on_done
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(managed_jobs))))
        self._known_slots = slots
        self._queue: deque[ManagedJob] = deque(managed_jobs)
        self._encoded: dict[int, Future] = {}  # job index -> its payload, encoded while it waits for a slot
        self._cond = threading.Condition()
        self._slots: int | None = None  # free slots as we believe; None = the backend does not say
        self._in_flight = 0
        self._stopped = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._pace, name="ibmq-jobset-submitter", daemon=True)

    # --- public ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start submitting."""
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every job is submitted or failed; False on timeout."""
        return self._done.wait(timeout)

    def done(self) -> bool:
        """Whether every job is submitted or failed."""
        return self._done.is_set()

    def slot_freed(self, count: int = 1) -> None:
        """Tell the pacer that ``count`` of the set's jobs finished, so as many slots are free again."""
        with self._cond:
            if self._slots is not None:
                self._slots += count
            self._cond.notify_all()

    def rate_note(self) -> str:
        """ "rate limited, retrying in N s" while the service asked the set to wait, else ""."""
        with self._cond:
            left = self._rate_limited_until - self._clock()
        return f"rate limited, retrying in {max(1, round(left))} s" if left > 0 else ""

    def stop(self) -> None:
        """Submit nothing more; jobs not yet submitted are marked cancelled."""
        with self._cond:
            self._stopped = True
            for mjob in self._queue:
                mjob.cancel()
            self._queue.clear()
            for future in self._encoded.values():
                future.cancel()
            self._encoded.clear()
            self._cond.notify_all()

    # --- the pacer thread -----------------------------------------------------------------------------------
    def _remaining(self) -> int | None:
        """Free slots on the backend now (one request), or None where it cannot tell."""
        if callable(getattr(self._backend, "job_limit", None)):
            # one job_limit() answers both: the published maximum, or max_concurrent_jobs where there is none
            slots = read_job_slots(self._backend, self._max_concurrent)
            return None if slots is None else slots.free
        try:
            return self._backend.remaining_jobs_count()
        except Exception:  # an unanswered limit query is not a reason to stop; submission will tell
            return None

    def _rate_limited(self, error: IBMQRateLimitError) -> None:
        """Hold every sender until the service's Retry-After has passed (stop() ends the wait)."""
        delay = error.retry_after if getattr(error, "retry_after", None) else RATE_LIMIT_BACKOFF
        with self._cond:
            self._rate_limited_until = max(self._rate_limited_until, self._clock() + float(delay))
        self._on_change()
        self._wait_out_rate_limit()

    def _wait_out_rate_limit(self) -> None:
        with self._cond:
            while not self._stopped:
                left = self._rate_limited_until - self._clock()
                if left <= 0:
                    return
                self._cond.wait(timeout=min(left, 1.0))
                self._cond.release()
                try:
                    self._on_change()  # the countdown in the progress label
                finally:
                    self._cond.acquire()

    def _pace(self) -> None:
        try:
            known, self._known_slots = self._known_slots, None
            remaining = known.free if known is not None else self._remaining()
            with self._cond:
                self._slots = remaining
            while True:
                self._pace_loop()
                with self._cond:
                    # a submission in flight may come back refused by the job limit and need pacing again
                    while self._in_flight and not self._queue:
                        self._cond.wait()
                    if self._stopped or not self._queue:
                        break
        finally:
            self._pool.shutdown(wait=True)
            if self._on_done is not None:
                try:
                    self._on_done()
                except Exception:  # a set whose jobs are all submitted must not fail on its epilogue
                    logger.warning("after submitting the set's jobs", exc_info=True)
            self._done.set()
            self._on_change()

    def _pace_loop(self) -> None:
        poll = SLOT_POLL_MIN
        while True:
            with self._cond:
                while self._queue and self._queue[0].submit_state not in (
                    SubmitState.PENDING,
                    SubmitState.WAITING_FOR_SLOT,
                ):
                    cancelled = self._queue.popleft()  # cancelled while queued
                    dropped = self._encoded.pop(cancelled.index, None)
                    if dropped is not None:
                        dropped.cancel()
                if self._stopped or not self._queue:
                    return
                if self._slots is not None and self._slots <= 0:
                    for mjob in self._queue:
                        mjob.set_waiting()
                    self._encode_ahead()
                    self._on_change()
                    notified = self._cond.wait(timeout=poll)
                    if notified:
                        poll = SLOT_POLL_MIN
                        continue
                    poll = min(poll * 2, SLOT_POLL_MAX)
                    recheck = True
                else:
                    recheck = False
                    mjob = self._queue.popleft()
                    if self._slots is not None:
                        self._slots -= 1
                    self._in_flight += 1
            self._wait_out_rate_limit()  # a 429 holds new submissions too, not only the one refused
            if recheck:
                # nobody told us a slot freed (another client's jobs, or nobody watches ours): ask the backend
                remaining = self._remaining()
                with self._cond:
                    if remaining is not None:
                        self._slots = max(remaining - self._in_flight, 0)
                    elif self._slots is not None and self._slots <= 0:
                        self._slots = 1  # the backend will not say: try one submission
                continue
            self._pool.submit(self._submit, mjob, self._payload(mjob))

    def _encode_ahead(self) -> None:
        """Start encoding the first ENCODE_AHEAD waiting jobs not encoded yet (called holding the lock)."""
        for mjob in list(self._queue)[:ENCODE_AHEAD]:
            if mjob.index not in self._encoded:
                self._encoded[mjob.index] = self._pool.submit(self._encode, mjob)

    def _payload(self, mjob: ManagedJob) -> Future:
        """``mjob``'s payload: encoded ahead while it waited, or encoded now by the pacer, in the set's order."""
        with self._cond:
            ahead = self._encoded.pop(mjob.index, None)
        if ahead is not None and not ahead.cancelled():
            return ahead
        encoded: Future = Future()
        try:
            encoded.set_result(self._encode(mjob))
        except Exception as exc:  # the job cannot run as given: _submit marks it failed
            encoded.set_exception(exc)
        return encoded

    def _submit(self, mjob: ManagedJob, encoded: Future) -> None:
        try:
            if not mjob.claim():
                return
            self._on_change()
            try:
                payload = encoded.result()  # raises what encoding raised
            except Exception as exc:  # the job cannot run as given (bad shots, too many qubits)
                mjob.set_failed(f"{type(exc).__name__}: {exc}")
                self._give_back_slot()
                return
            deadline = time.monotonic() + TRANSIENT_RETRY_WINDOW
            delay = 1.0
            while True:
                try:
                    job = self._send(payload)
                except Exception as exc:
                    if _is_job_limit(exc):
                        self._requeue(mjob, payload)
                        return
                    if isinstance(exc, IBMQRateLimitError) and not self._stopped:
                        self._rate_limited(exc)  # then the same payload again: one job per Idempotency-Key
                        continue
                    if (
                        isinstance(exc, (IBMQConnectionError, IBMQServerError))
                        and time.monotonic() < deadline
                    ):
                        time.sleep(delay)  # the service may be restarting; submissions are idempotent per key
                        delay = min(delay * 2, 10.0)
                        continue
                    mjob.set_failed(f"{type(exc).__name__}: {exc}")
                    self._give_back_slot()
                    return
                mjob.set_submitted(job)
                return
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()
            with contextlib.suppress(Exception):
                self._on_change()

    def _requeue(self, mjob: ManagedJob, payload: Any) -> None:
        kept: Future = Future()
        kept.set_result(payload)  # sent again as it is, with the same Idempotency-Key
        with self._cond:
            self._encoded[mjob.index] = kept
            mjob.set_waiting()
            # keep the set's order: the job goes back ahead of those that were behind it
            self._queue.appendleft(mjob)
            if len(self._queue) > 1:
                ordered = sorted(self._queue, key=lambda item: item.index)
                self._queue.clear()
                self._queue.extend(ordered)
            self._slots = 0
            self._cond.notify_all()

    def _give_back_slot(self) -> None:
        with self._cond:
            if self._slots is not None:
                self._slots += 1
            self._cond.notify_all()
