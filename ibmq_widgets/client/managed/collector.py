"""Waiting for all the jobs of a set at once: one list request per poll, results fetched in parallel.

The predecessor waited on each job in turn, one status request per job and poll. Here each poll is one paged
list request filtered on the set's tag, whatever the number of jobs; a job seen finished has its result
fetched at once by a small pool while the others keep running; a lost connection is retried until the timeout
(the service may be restarting) and shown on the progress bar. Polls are timed by when the set's jobs are
expected to finish, as the set's own finished jobs time them (see :mod:`.poll_timing`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from ibmq_widgets.client import presentation
from ibmq_widgets.exceptions import (
    IBMQConnectionError,
    IBMQJobFailureError,
    IBMQJobManagerTimeoutError,
    IBMQJobTimeoutError,
    IBMQServerError,
)

from .managed_job import ManagedJob
from .poll_timing import SetPace, choose_pause, listed_run_seconds, seconds_left
from .progress import Progress

__all__ = ["POLL_MAX", "POLL_MIN", "ResultCollector", "progress_label"]

POLL_MIN = 0.25  # seconds between polls while things change, growing to POLL_MAX while nothing does
POLL_MAX = 3.0
POLL_FLOOR = 0.05  # the shortest pause between polls, however soon a job is expected to finish
LATE_GROWTH = 1.5  # a job past its estimated end: polls from POLL_FLOOR, this much longer each time in vain
FETCH_WORKERS = 4
FETCH_TIMEOUT = (
    30.0  # seconds one fetch of a finished job's result may spend reconnecting before it is retried
)
_TRANSIENT = (IBMQConnectionError, IBMQServerError)


def progress_label(managed_jobs: Sequence[ManagedJob]) -> str:
    """A short summary for the progress bar: "2 running, 3 queued, 1 waiting for a slot"."""
    counts = Counter(mjob.state_label() for mjob in managed_jobs)
    parts = []
    for label, text in (
        ("RUNNING", "running"),
        ("QUEUED", "queued"),
        ("waiting for a slot", "waiting for a slot"),
        ("submitting", "submitting"),
        ("ERROR", "failed"),
        ("CANCELLED", "cancelled"),
        ("submission failed", "not submitted"),
    ):
        if counts.get(label):
            parts.append(f"{counts[label]} {text}")
    return ", ".join(parts)


class ResultCollector:
    """Brings in the results of every job of a set.

    Parameters
    ----------
    managed_jobs : sequence of ManagedJob
        The set's jobs; their state and results are filled in.
    list_jobs : callable
        ``list_jobs() -> dict[job id, IBMQJob]``: one paged list request for the set's jobs.
    progress : Progress
        Where to show how far it got.
    submitter : Submitter, optional
        The set's submitter while it still submits: told when a job frees a slot, waited for.
    """

    def __init__(
        self,
        managed_jobs: Sequence[ManagedJob],
        list_jobs: Callable[[], dict[str, Any]],
        progress: Progress,
        submitter: Any = None,
    ) -> None:
        self._jobs = list(managed_jobs)
        self._list_jobs = list_jobs
        self._progress = progress
        self._submitter = submitter
        self._fetches: dict[int, Future] = {}
        self._connection_note = ""
        self._late_pause = POLL_FLOOR
        self._fetched = threading.Event()  # set when a fetch ends, so the last one ends the wait at once
        self._pace = SetPace()
        self._paced: set[int] = set()  # jobs whose run seconds the pace counts
        self._elapsed: dict[int, float] = {}  # running job -> its run seconds at the last listing
        self._most_running = 1  # the most of the set's jobs a listing showed running at once
        self._listed_at = time.monotonic()

    def collect(self, timeout: float | None = None, wait: float | None = None) -> None:
        """Wait until every job is final and every successful job's result is fetched.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait in all; None waits as long as it takes.
        wait : float, optional
            Fixed seconds between polls; None adapts between POLL_MIN and POLL_MAX.

        Raises
        ------
        IBMQJobManagerTimeoutError
            If the timeout passes first; what arrived so far is kept, so calling again goes on from there.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = wait if wait is not None else POLL_MIN
        with ThreadPoolExecutor(max_workers=FETCH_WORKERS, thread_name_prefix="ibmq-jobset-fetch") as pool:
            try:
                while True:
                    self._schedule_fetches(pool)
                    self._show()
                    if self._finished():
                        return
                    changed = self._poll()
                    self._schedule_fetches(pool)
                    self._show()
                    if self._finished():
                        return
                    if deadline is not None and time.monotonic() >= deadline:
                        raise IBMQJobManagerTimeoutError(self._timeout_message(timeout))
                    pause = interval if wait is not None else self._adaptive_pause(interval)
                    if deadline is not None:
                        pause = min(pause, max(deadline - time.monotonic(), 0))
                    if self._pause(pause):
                        return
                    if wait is None:
                        interval = POLL_MIN if changed else min(interval * 1.5, POLL_MAX)
                    self._late_pause = (
                        POLL_FLOOR if changed else min(self._late_pause * LATE_GROWTH, POLL_MAX)
                    )
            finally:
                for future in self._fetches.values():
                    future.cancel()

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds`` before the next poll; True as soon as a fetch ending meanwhile finished the set."""
        wake_at = time.monotonic() + seconds
        while (left := wake_at - time.monotonic()) > 0:
            if presentation.pause(left, self._fetched):  # a notebook's widget clicks are answered meanwhile
                self._fetched.clear()
                self._show()
                if self._finished():
                    return True
        return False

    def _adaptive_pause(self, interval: float) -> float:
        """The pause before the next poll when the caller fixed none: until the expected finish the set waits
        for, within the beat (``interval``), which keeps a wrong estimate from costing more than a beat."""
        return min(interval, self._until_next_expected_finish())

    def _until_next_expected_finish(self) -> float:
        """Seconds until the finish the set waits for (never below POLL_FLOOR; see :mod:`.poll_timing`).

        Polling then, rather than on a fixed beat, frees job-limit slots as soon as they free on the service,
        so the pacer keeps its queue full, and once every job is submitted brings in the results of jobs that
        ran together with one request. A job already past its expected end is probably about to finish: it is
        polled for after a pause that starts at POLL_FLOOR and grows by LATE_GROWTH with each poll that finds
        nothing new, so a job running far longer than expected is not polled in a tight loop. So is a job
        submitted since the last poll: the submission's answer has no estimate, the next listing has.
        Infinite means: no estimate, poll on the beat.
        """
        now = datetime.now(timezone.utc)
        since_listing = time.monotonic() - self._listed_at
        pace = self._pace.per_experiment()
        unfinished = [m for m in self._jobs if m.job is not None and not m.in_final_state()]
        if any(not mjob.listed for mjob in unfinished):
            return max(self._late_pause, POLL_FLOOR)

        alone_after = self._most_running if len(unfinished) == 1 else 1

        def left(mjob: ManagedJob, running_floor: float = 0.0) -> float | None:
            elapsed = self._elapsed.get(mjob.index)
            return seconds_left(
                running=mjob.state_label() == "RUNNING",
                experiments=mjob.num_experiments,
                service_end=getattr(mjob.job, "estimated_completion_time", lambda: None)(),
                now=now,
                pace=pace,
                elapsed=None if elapsed is None else elapsed + since_listing,
                running_floor=running_floor,
                alone_after=alone_after,
            )

        running = [left(mjob) for mjob in unfinished if mjob.state_label() == "RUNNING"]
        # a queued job starts no sooner than the soonest running one ends
        floor = min((max(value, 0.0) for value in running if value is not None), default=0.0)
        lefts = running + [left(mjob, floor) for mjob in unfinished if mjob.state_label() != "RUNNING"]
        slots_wanted = self._submitter is not None and not self._submitter.done()
        pause = choose_pause([v for v in lefts if v is not None], self._late_pause, slots_wanted)
        return math.inf if pause is None else max(pause, POLL_FLOOR)

    # --- one poll -------------------------------------------------------------------------------------------
    def _poll(self) -> bool:
        """One list request; returns whether any job changed state."""
        watched = [mjob for mjob in self._jobs if mjob.job is not None and not mjob.in_final_state()]
        if not watched:
            return False
        try:
            listed = self._list_jobs()
        except _TRANSIENT as exc:
            self._connection_note = f"connection lost ({type(exc).__name__}), retrying"
            return False
        self._listed_at = time.monotonic()
        self._connection_note = ""
        changed = False
        for mjob in watched:
            found = listed.get(mjob.job_id())
            if found is None:
                continue  # listed later (a list can lag a submission)
            before = mjob.state_label()
            mjob.update_from_listing(found)
            self._time(mjob)
            if mjob.state_label() != before:
                changed = True
            if mjob.in_final_state() and self._submitter is not None:
                self._submitter.slot_freed()
        running = sum(1 for mjob in watched if mjob.state_label() == "RUNNING")
        self._most_running = max(self._most_running, running)
        return changed

    def _time(self, mjob: ManagedJob) -> None:
        """Note a listed job's run seconds: a running job's so far, a finished job's for the set's pace."""
        label = mjob.state_label()
        if label not in ("RUNNING", "DONE"):
            return
        seconds = listed_run_seconds(mjob.job)
        if seconds is None:
            return
        if label == "RUNNING":
            self._elapsed[mjob.index] = seconds
            return
        self._elapsed.pop(mjob.index, None)
        if mjob.index not in self._paced:
            self._paced.add(mjob.index)
            self._pace.record(seconds, mjob.num_experiments)

    def _schedule_fetches(self, pool: ThreadPoolExecutor) -> None:
        for mjob in self._jobs:
            failed = mjob.state_label() in ("ERROR", "CANCELLED")
            if mjob.job is not None and mjob.result_error is None and failed:
                mjob.result_error = mjob.job.error_message() or f"job was {mjob.state_label().lower()}"
            if (
                mjob.job is not None
                and mjob.result_data is None
                and mjob.result_error is None
                and mjob.state_label() == "DONE"
            ):
                future = self._fetches.get(mjob.index)
                if future is None or (future.done() and future.result() is False):
                    self._fetches[mjob.index] = future = pool.submit(self._fetch, mjob)
                    future.add_done_callback(lambda _future: self._fetched.set())

    @staticmethod
    def _fetch(mjob: ManagedJob) -> bool:
        """Fetch one job's result; False when it should be tried again (the connection was lost)."""
        try:
            # bounded: a job's result() rides out a lost connection until its timeout, and the collector must
            # stay free to keep its own deadline and show the outage
            mjob.result_data = mjob.job.result(timeout=FETCH_TIMEOUT)
        except (*_TRANSIENT, IBMQJobTimeoutError):
            time.sleep(0.5)
            return False
        except IBMQJobFailureError as exc:
            mjob.result_error = str(exc)
        except Exception as exc:  # a result that cannot be read is that job's failure, not the set's
            mjob.result_error = f"its result could not be read: {type(exc).__name__}: {exc}"
        return True

    # --- state ----------------------------------------------------------------------------------------------
    def _finished(self) -> bool:
        if self._submitter is not None and not self._submitter.done():
            return False
        for mjob in self._jobs:
            if not mjob.in_final_state():
                return False
            if mjob.job is not None and mjob.result_data is None and mjob.result_error is None:
                return False
        return True

    def done_count(self) -> int:
        """Jobs that are over: result fetched, failed, cancelled or never submitted."""
        return sum(
            1
            for mjob in self._jobs
            if mjob.in_final_state() and (mjob.result_data is not None or mjob.error_message() is not None)
        )

    def _show(self) -> None:
        label = progress_label(self._jobs)
        if self._connection_note:
            label = f"{label}; {self._connection_note}" if label else self._connection_note
        self._progress.update(self.done_count(), len(self._jobs), label)

    def _timeout_message(self, timeout: float | None) -> str:
        waiting = [mjob for mjob in self._jobs if not mjob.in_final_state() or mjob.result_data is None]
        waiting = [mjob for mjob in waiting if mjob.error_message() is None]
        listed = ", ".join(f"job {mjob.index} ({mjob.state_label()})" for mjob in waiting[:5])
        more = f" and {len(waiting) - 5} more" if len(waiting) > 5 else ""
        return (
            f"the job set's results did not all arrive within {timeout} s: "
            f"{len(waiting)} of {len(self._jobs)} jobs still pending: {listed}{more}. "
            "What arrived is kept; call results() again to keep waiting"
        )
