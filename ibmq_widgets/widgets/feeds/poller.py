"""One background thread that polls a job source for a watcher: adaptive interval, backoff, Retry-After.

The poller knows nothing about jobs or widgets. It calls an injected ``fetch()`` (one list request), hands the
result to ``on_result``, and reports its own state (``ok``, ``error``, ``rate_limited``, ``stopped``) to
``on_state`` so that a panel can show "connection lost, retrying in 8 s". It never prints and never dies on an
error: every exception from ``fetch`` becomes a state and a retry after a growing delay.

Interval policy::

    fetch succeeded, is_busy(result) true   -> interval        (something queued or running: quick)
    fetch succeeded, is_busy(result) false  -> idle_interval   (nothing to watch: slow)
    fetch failed                            -> backoff: interval * 2**(failures - 1), at most max_backoff
    IBMQRateLimitError with retry_after     -> max(retry_after, backoff)

``wake()`` ends the current wait at once (a job was just submitted from this kernel), and ``submit(task)``
runs a callable on the poller thread before the next poll (a cancel request from a button, so a click never
waits on the network in the kernel's thread).

A watcher of several instances polls them all in one poll with :func:`poll_sources`: one list request per
instance, each instance's failure kept beside the others' results, and the poll failed (backoff, Retry-After)
only when every instance failed.

The clock and the sleep are injectable so that tests can drive the policy without waiting: ``step()`` runs one
poll and returns the delay before the next, which is all the thread loop does between sleeps.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from ibmq_widgets.exceptions import (
    IBMQAuthenticationError,
    IBMQConnectionError,
    IBMQRateLimitError,
    IBMQServerError,
)

__all__ = ["Poller", "PollerState", "SourceResults", "describe_error", "poll_sources"]

_log = logging.getLogger(__name__)  # debug only: a warning would land in whatever cell runs now

T = TypeVar("T")

OK = "ok"
ERROR = "error"
RATE_LIMITED = "rate_limited"
STOPPED = "stopped"
STARTING = "starting"


@dataclasses.dataclass(frozen=True)
class PollerState:
    """What the poller is doing, for a panel to show.

    Attributes
    ----------
    kind : str
        ``"starting"``, ``"ok"``, ``"error"``, ``"rate_limited"`` or ``"stopped"``.
    message : str
        One line for a person, e.g. ``"connection lost, retrying in 8 s"``; never holds a token.
    retry_in : float or None
        Seconds until the next attempt after an error, else None.
    failures : int
        Consecutive failed polls (0 after a success).
    last_success : float or None
        Clock time of the last successful poll.
    polls : int
        Polls attempted since start.
    """

    kind: str
    message: str
    retry_in: float | None = None
    failures: int = 0
    last_success: float | None = None
    polls: int = 0

    @property
    def healthy(self) -> bool:
        """True when the last poll succeeded."""
        return self.kind == OK


def describe_error(exc: BaseException) -> str:
    """A short reason for a failed poll, without tokens (the exception tree never carries them)."""
    if isinstance(exc, IBMQConnectionError | ConnectionError | TimeoutError | OSError):
        return "connection lost"
    if isinstance(exc, IBMQRateLimitError):
        return "rate limited by the server"
    if isinstance(exc, IBMQAuthenticationError):
        return "not authorized (load the account again)"
    if isinstance(exc, IBMQServerError):
        return "server error"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


@dataclasses.dataclass(frozen=True)
class SourceResults(Generic[T]):
    """One poll of several sources: ``results`` (name -> what its fetch returned, in the sources' order) and
    ``errors`` (name -> the exception its fetch raised)."""

    results: dict[str, T]
    errors: dict[str, BaseException]


def poll_sources(sources: Mapping[str, Callable[[], T]]) -> SourceResults[T]:
    """Call every source's fetch once (one request each), in order.

    Raises
    ------
    Exception
        The first source's error when every source failed, so that the poller backs off as for one source.
    """
    results: dict[str, T] = {}
    errors: dict[str, BaseException] = {}
    for name, fetch in sources.items():
        try:
            results[name] = fetch()
        except Exception as exc:  # one unreachable instance must not hide the others' jobs
            errors[name] = exc
    if errors and not results:
        raise next(iter(errors.values()))
    return SourceResults(results, errors)


def _seconds(value: float) -> str:
    return f"{math.ceil(value - 1e-9):d} s"


class Poller(Generic[T]):
    """Poll ``fetch`` on one daemon thread until stopped.

    Parameters
    ----------
    fetch : callable
        Returns the current job list; called on the poller thread, once per poll.
    on_result : callable
        Receives each successful result, on the poller thread.
    on_state : callable, optional
        Receives a ``PollerState`` whenever it changes (and each second of a retry countdown).
    is_busy : callable, optional
        ``is_busy(result)`` tells whether something is queued or running; default: always busy.
    interval : float
        Seconds between polls while busy (default 2).
    idle_interval : float, optional
        Seconds between polls while idle (default ``max(5 * interval, 10)``).
    max_backoff : float
        Longest wait after consecutive errors (default 60).
    clock : callable
        Monotonic clock in seconds (default ``time.monotonic``).
    sleep : callable, optional
        ``sleep(seconds)`` waits and returns early when woken or stopped; default waits on a threading.Event.
    name : str
        The thread's name.

    Raises
    ------
    ValueError
        If an interval is not a positive number.
    """

    def __init__(
        self,
        fetch: Callable[[], T],
        on_result: Callable[[T], None],
        *,
        on_state: Callable[[PollerState], None] | None = None,
        is_busy: Callable[[T], bool] | None = None,
        interval: float = 2.0,
        idle_interval: float | None = None,
        max_backoff: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] | None = None,
        name: str = "ibmq-job-watcher",
    ) -> None:
        for label, value in (
            ("interval", interval),
            ("idle_interval", idle_interval),
            ("max_backoff", max_backoff),
        ):
            if value is None and label == "idle_interval":
                continue
            if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"{label} must be a positive number of seconds, got {value!r}")
        idle = max(5 * float(interval), 10.0) if idle_interval is None else idle_interval
        self.interval = float(interval)
        self.idle_interval = max(float(idle), self.interval)
        self.max_backoff = max(float(max_backoff), self.interval)
        self._fetch = fetch
        self._on_result = on_result
        self._on_state = on_state
        self._is_busy = is_busy or (lambda _result: True)
        self._clock = clock
        self._sleep = sleep or self._wait
        self._name = name
        self._wake_event = threading.Event()
        self._stop_event = threading.Event()
        self._lock = threading.Lock()  # guards start/stop and the task queue
        self._thread: threading.Thread | None = None
        self._tasks: collections.deque[Callable[[], Any]] = collections.deque()
        self._failures = 0
        self._polls = 0
        self._completed = threading.Condition()  # notified after each poll, for poll_now()
        self._completed_polls = 0
        self._polling = False
        self._last_success: float | None = None
        self._state = PollerState(STARTING, "starting")

    # --- lifecycle ------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the poller thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def state(self) -> PollerState:
        """The latest state (also delivered to ``on_state``)."""
        return self._state

    def start(self) -> None:
        """Start the thread; does nothing if it runs already."""
        with self._lock:
            if self.running:
                return
            # a fresh event per thread: an old thread stuck in a request must not be revived by a restart
            self._stop_event = threading.Event()
            self._wake_event.clear()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop_event,), name=self._name, daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the thread and wait for it to end; safe to call twice or before ``start``."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop_event.set()
            self._wake_event.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._set_state(dataclasses.replace(self._state, kind=STOPPED, message="stopped", retry_in=None))

    def wake(self) -> None:
        """Poll now instead of at the end of the current wait."""
        self._wake_event.set()

    def poll_now(self, timeout: float = 30.0) -> bool:
        """Poll at once and wait for that poll to finish; True if it finished within ``timeout`` seconds.

        On a running poller this wakes the thread and waits for it; on a stopped one it polls on the calling
        thread.
        """
        if not self.running:
            self.step()
            return True
        with self._completed:
            # a poll already under way may have sent its request before this call: wait for the next one too
            target = self._completed_polls + (2 if self._polling else 1)
            self.wake()
            return self._completed.wait_for(lambda: self._completed_polls >= target, timeout)

    def submit(self, task: Callable[[], Any]) -> None:
        """Run ``task()`` on the poller thread before the next poll, and poll right after it."""
        with self._lock:
            self._tasks.append(task)
        self.wake()

    # --- one poll -------------------------------------------------------------------------------------------
    def run_tasks(self) -> None:
        """Run the submitted tasks; a failing task is logged at debug level and never stops the poller."""
        while True:
            with self._lock:
                if not self._tasks:
                    return
                task = self._tasks.popleft()
            try:
                task()
            except Exception:  # the task reports its own failure to its widget; the poller must go on
                _log.debug("poller task failed", exc_info=True)

    def step(self) -> float:
        """Run pending tasks and one poll; return the seconds to wait before the next poll."""
        return self._step(None)

    def _step(self, stop: threading.Event | None) -> float:
        with self._completed:
            self._polling = True
        try:
            return self._poll(stop)
        finally:
            with self._completed:
                self._polling = False
                self._completed_polls += 1
                self._completed.notify_all()

    def _poll(self, stop: threading.Event | None) -> float:
        self.run_tasks()
        self._polls += 1
        try:
            result = self._fetch()
        except Exception as exc:  # every failure becomes a visible state and a retry, never a dead thread
            if stop is not None and stop.is_set():
                return 0.0
            return self._failed(exc)
        if stop is not None and stop.is_set():  # stopped during the request: the panel is gone or going
            return 0.0
        self._failures = 0
        self._last_success = self._clock()
        try:
            self._on_result(result)
            busy = bool(self._is_busy(result))
        except Exception as exc:
            _log.debug("watcher could not show a poll result", exc_info=True)
            self._set_state(self._make_state(ERROR, f"display error ({describe_error(exc)})"))
            return self.interval
        self._set_state(self._make_state(OK, "up to date"))
        return self.interval if busy else self.idle_interval

    def backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failed polls."""
        return min(self.interval * 2 ** max(failures - 1, 0), self.max_backoff)

    def _failed(self, exc: BaseException) -> float:
        self._failures += 1
        delay = self.backoff(self._failures)
        kind = ERROR
        if isinstance(exc, IBMQRateLimitError):
            kind = RATE_LIMITED
            if exc.retry_after is not None:
                delay = max(float(exc.retry_after), delay)
        _log.debug("poll failed", exc_info=exc)
        self._set_state(
            self._make_state(kind, self._retry_message(describe_error(exc), delay), retry_in=delay)
        )
        return delay

    @staticmethod
    def _retry_message(reason: str, seconds: float) -> str:
        return f"{reason}, retrying in {_seconds(seconds)}"

    def _make_state(self, kind: str, message: str, retry_in: float | None = None) -> PollerState:
        return PollerState(
            kind=kind,
            message=message,
            retry_in=retry_in,
            failures=self._failures,
            last_success=self._last_success,
            polls=self._polls,
        )

    def _set_state(self, state: PollerState) -> None:
        if state == self._state:
            return
        self._state = state
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                _log.debug("watcher could not show the poller state", exc_info=True)

    # --- the thread -----------------------------------------------------------------------------------------
    def _wait(self, seconds: float) -> bool:
        """Default sleep: True if woken (or stopped) before ``seconds`` passed."""
        return self._wake_event.wait(seconds)

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._wake_event.clear()
            delay = self._step(stop)
            if stop.is_set():
                break
            self._pause(delay, stop)

    def _pause(self, delay: float, stop: threading.Event) -> None:
        """Wait ``delay`` seconds; during a retry, count down once a second so the panel shows it."""
        deadline = self._clock() + delay
        while not stop.is_set():
            left = deadline - self._clock()
            if left <= 0:
                return
            counting = self._state.kind in (ERROR, RATE_LIMITED) and self._state.retry_in is not None
            chunk = min(left, 1.0) if counting else left
            if counting:
                reason = self._state.message.rsplit(", retrying in ", 1)[0]
                self._set_state(dataclasses.replace(self._state, retry_in=left,
                                                    message=self._retry_message(reason, left)))  # fmt: skip
            if self._sleep(chunk) or self._wake_event.is_set():
                return
