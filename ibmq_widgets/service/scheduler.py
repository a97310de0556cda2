"""The scheduler: queued jobs (``job_queue.JobQueue``) served by a fixed pool of worker processes.

One dispatcher thread owns the workers (``worker_process.WorkerPool``: fresh interpreters, never a ``fork`` of
this threaded process). It waits on every worker's connection (an exit shows as end-of-file) and on a wake-up
pipe that ``enqueue``/``cancel``/``stop`` poke, with a timeout at the nearest deadline. Stopping a running job
(cancel, time limit) kills its process and starts a fresh one; a worker that dies on its own fails only its
job, with the reason. Jobs found Queued or Running in the store at ``start()`` (the service was killed) are
queued again in creation order and run to completion.

Every state change is written to the store here: Running at dispatch, Completed with the result, Failed with a
reason, Cancelled on cancel. The store ignores changes to jobs already in a final state, which settles races
between a finishing worker and a cancel. When another process keeps the store locked (``StoreBusyError``) a
job's outcome waits in memory (``outcomes.PendingOutcomes``) and is written with backoff; the job keeps its
slot meanwhile and is never failed for time, since its time limit stopped when its worker answered. A dispatch
the store refuses leaves the job first in its queue, tried again shortly.

Time limits: a job may run ``min(its own max_seconds, the service's limit)`` seconds; a missing, non-finite or
non-positive ``max_seconds`` means the service's limit, so every deadline is a finite time.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from collections.abc import Iterable
from multiprocessing.connection import wait
from typing import Any

from ibmq_widgets.service.job_queue import JobQueue, QueueEstimates
from ibmq_widgets.service.outcomes import REASON_CODES, Outcome, PendingOutcomes
from ibmq_widgets.service.records import JobRecord, JobState, utc_now
from ibmq_widgets.service.sessions import SessionRegistry
from ibmq_widgets.service.store import JobStore, StoreBusyError
from ibmq_widgets.service.worker import DEFAULT_RUNNER
from ibmq_widgets.service.worker_messages import FromWorker, JobDone, Ready, RunJob
from ibmq_widgets.service.worker_process import WorkerPool, WorkerProcess

__all__ = ["REASON_CODES", "Scheduler"]

logger = logging.getLogger(__name__)

_WORKER_START_TIMEOUT = 120.0
_IDLE_WAIT = 5.0  # the longest the dispatcher sleeps with nothing due
_DISPATCH_RETRY = 0.5  # seconds before a dispatch the store refused is tried again
_CANCELLED = "Cancelled by the user."


class Scheduler:
    """Queues and runs jobs on worker processes.

    Parameters
    ----------
    store : JobStore
        Where job states and results are recorded.
    catalog : Catalog
        The backends (part of the engine seam; each worker process loads its own copy).
    workers : int
        How many worker processes simulate at once.
    default_time_limit : float
        The service's time limit: seconds any job may run (a job's own ``max_seconds`` may only lower it).
    runner : str
        ``"module:function"`` each worker calls with a job dict to get its result text (tests swap it).

    Raises
    ------
    ValueError
        If ``workers`` is below 1 or ``default_time_limit`` is not a positive finite number.
    """

    def __init__(
        self,
        store: JobStore,
        catalog: Any,
        *,
        workers: int,
        default_time_limit: float,
        runner: str = DEFAULT_RUNNER,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if not (math.isfinite(default_time_limit) and default_time_limit > 0):
            raise ValueError(
                f"default_time_limit must be a positive number of seconds, got {default_time_limit}"
            )
        self.store = store
        self.catalog = catalog
        self.workers = int(workers)
        self.default_time_limit = float(default_time_limit)
        self._lock = threading.RLock()
        self._queue = JobQueue()
        #: Open sessions (set by start-up): a dedicated one holds its backend between its jobs.
        self.sessions: SessionRegistry | None = None
        self._running: dict[str, tuple[JobRecord, WorkerProcess]] = {}
        self._outcomes = PendingOutcomes(store)
        self._pool = WorkerPool(self.workers, runner)
        self._estimates = QueueEstimates(self.workers)
        self._dispatch_after = 0.0  # monotonic time before which dispatch waits (the store refused one)
        self._wake_read, self._wake_write = os.pipe()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers and the dispatcher, and queue again every job the store has unfinished.

        Raises
        ------
        StoreBusyError
            If the store stays locked elsewhere while the unfinished jobs are read back.
        """
        with self._lock:
            if self._thread is not None:
                return
            for job in self.store.unfinished_jobs():
                if job.status == JobState.RUNNING:
                    self.store.set_status(job.id, JobState.QUEUED)
                self._add(job)
            self._pool.start()
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name="ibmq-widgets-scheduler", daemon=True)
            self._thread.start()

    def wait_until_warm(self, timeout: float = _WORKER_START_TIMEOUT) -> bool:
        """Wait until every worker process is started and warmed up; whether they are (False: timed out)."""
        return self._pool.wait_until_warm(timeout)

    def stop(self) -> None:
        """Stop the dispatcher and every worker process (jobs left unfinished run again at the next start).

        Outcomes still waiting for a locked store get one last try; a job whose outcome cannot be written
        stays Running in the store and runs again (with the same seed) at the next start.
        """
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._wake()
        thread.join(timeout=30)
        self._pool.close()  # a busy or still-starting worker is killed: its job reruns at the next start
        with self._lock:
            self._running.clear()
        self._flush_outcomes(due_only=False)
        if self.outcomes_waiting:
            logger.error(
                "job database locked: %d finished jobs rerun at the next start", self.outcomes_waiting
            )

    def __del__(self) -> None:
        for fd in (getattr(self, "_wake_read", None), getattr(self, "_wake_write", None)):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def ready_workers(self) -> int:
        """How many worker processes are started and warmed up (busy or not)."""
        return self._pool.ready_count()

    def worker_pids(self) -> list[int]:
        """The process ids of the current worker processes."""
        return self._pool.pids()

    @property
    def outcomes_waiting(self) -> int:
        """Finished jobs whose outcome waits for a locked store (still Running there, holding their slot)."""
        return len(self._outcomes)

    # -- queue -------------------------------------------------------------------------------------------
    def _add(self, job: JobRecord) -> None:
        if job.id not in self._running and job.id not in self._queue:
            self._queue.add(job)
            if self.sessions is not None:
                self.sessions.job_queued(job)

    def enqueue(self, job: JobRecord) -> None:
        """Queue a job the store already holds (status Queued); it runs when its turn comes."""
        with self._lock:
            self._add(job)
        self._wake()

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued job (removed from its queue) or a running one (its worker process is killed).

        Records Cancelled in the store and returns True; returns False for a job neither queued nor running
        here. A job that finished keeps its outcome: if that still waits for the store it is written now, or
        ``StoreBusyError`` is raised (as for a store locked elsewhere: then nothing changed).
        """
        with self._lock:  # held: a job moves from running to waiting outcomes under it, so none slips by
            if job_id in self._outcomes:
                self._flush_outcomes(job_id, due_only=False)
                return False
            if job_id in self._queue:
                self.store.set_status(job_id, JobState.CANCELLED, reason=_CANCELLED)
                removed = self._queue.remove(job_id)
                if removed is not None and self.sessions is not None:
                    self.sessions.job_ended(removed)
                return True
            running = self._running.get(job_id)
            if running is None:
                return False
            self.store.set_status(job_id, JobState.CANCELLED, reason=_CANCELLED)
            self._kill(running[1])
        self._wake()
        return True

    def _leaving(self) -> list[JobRecord]:
        """Running jobs, and finished ones whose outcome is not in the store yet (a few: one per worker)."""
        return [*(job for job, _ in self._running.values()), *self._outcomes.jobs()]

    def pending_count(self, backend: str) -> int:
        """Jobs queued or running on ``backend``, of every instance."""
        with self._lock:
            return self._queue.count(backend) + sum(1 for job in self._leaving() if job.backend == backend)

    def active_count(self, backend: str, instance: str) -> int:
        """Jobs of ``instance`` queued or running on ``backend`` (asked at every submission: the queue keeps
        its counts, so this does not grow with the queue)."""
        with self._lock:
            leaving = sum(1 for job in self._leaving() if job.backend == backend and job.instance == instance)
            return self._queue.count(backend, instance) + leaving

    def queue_info(self, job_id: str) -> dict:
        """Where a job stands: ``position`` (1 = next to run on its backend), ``estimated_start_time`` and
        ``estimated_completion_time`` (aware UTC datetimes from the recent job durations), all None once the
        job left the queue. A running job has no position but an estimated completion.
        """
        return self.queue_infos([job_id])[job_id]

    def queue_infos(self, job_ids: Iterable[str]) -> dict[str, dict]:
        """``queue_info`` of many jobs at once, as a listing of jobs asks for it: one lock, one clock reading,
        and one pass (``QueueEstimates.infos``) whose cost per job does not grow with the queue."""
        now_wall, now = utc_now(), time.monotonic()
        with self._lock:
            running = {job.id: (job.backend, now - worker.started) for job, worker in self._running.values()}
            return self._estimates.infos(now_wall, job_ids, running, self._queue)

    # -- workers -----------------------------------------------------------------------------------------
    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def _dispatch(self) -> None:
        with self._lock:
            if time.monotonic() < self._dispatch_after:
                return
            for worker in self._pool.idle():
                while True:
                    job = self._queue.pop_next(self.sessions.may_start if self.sessions else None)
                    if job is None:
                        return
                    try:
                        started = self.store.set_status(job.id, JobState.RUNNING)
                    except StoreBusyError:  # the job stays first in line; try again shortly
                        self._queue.add(job, first=True)
                        self._dispatch_after = time.monotonic() + _DISPATCH_RETRY
                        return
                    # A job deleted or finished meanwhile (e.g. cancelled through the store) is skipped.
                    if started:
                        break
                job.status = JobState.RUNNING
                if self.sessions is not None:
                    self.sessions.job_started(job)
                self._running[job.id] = (job, worker)
                self._pool.took_job(worker)
                worker.send_job(RunJob.of(job), job.time_limit(self.default_time_limit))

    def _kill(self, worker: WorkerProcess) -> None:
        """Stop a worker's job by killing the process; it is replaced once its exit is seen."""
        with self._lock:
            if worker.job_id is not None:
                self._running.pop(worker.job_id, None)
            worker.kill()

    def _current_job(self, worker: WorkerProcess) -> JobRecord | None:
        with self._lock:
            running = self._running.get(worker.job_id) if worker.job_id is not None else None
            return None if running is None else running[0]

    def _release(self, worker: WorkerProcess) -> None:
        """Free the worker and the slot of its job (a job with no outcome to record)."""
        with self._lock:
            job_id, worker.job_id, worker.deadline = worker.job_id, None, math.inf
            if job_id is not None:
                self._running.pop(job_id, None)

    def _settle(self, worker: WorkerProcess, outcome: Outcome) -> None:
        """Take ``outcome``'s job off ``worker`` and record it; it keeps its slot until the store has it, so
        the store never shows a job still running after a job that took its slot was created."""
        with self._lock:
            self._outcomes.add(outcome)
            if self._running.pop(outcome.job.id, None) is not None and self.sessions is not None:
                self.sessions.job_ended(outcome.job)
            if worker.job_id == outcome.job.id:
                worker.job_id, worker.deadline = None, math.inf
        self._flush_outcomes(outcome.job.id, quiet=True)

    def _flush_outcomes(
        self, job_id: str | None = None, *, due_only: bool = True, quiet: bool = False
    ) -> None:
        """Write waiting outcomes; a completed job's run time feeds the estimates."""
        try:
            completed = self._outcomes.flush(job_id, due_only=due_only)
        except StoreBusyError:
            if quiet:
                return
            raise
        with self._lock:
            for outcome in completed:
                if outcome.ran_for is not None:
                    self._estimates.record(outcome.job.backend, outcome.ran_for)

    def _handle_message(self, worker: WorkerProcess, message: FromWorker) -> None:
        if isinstance(message, Ready):
            self._pool.mark_ready(worker)
            return
        job = self._current_job(worker)
        if job is None or job.id != message.job_id:
            self._release(worker)
            return
        if isinstance(message, JobDone):
            outcome = Outcome.completed(job, message.result_text, ran_for=time.monotonic() - worker.started)
        else:
            outcome = Outcome.failed(job, "simulation_error", message.reason)
        self._settle(worker, outcome)

    def _handle_exit(self, worker: WorkerProcess) -> None:
        exitcode = worker.wait(5.0)
        job = self._current_job(worker)
        if job is not None:
            self._settle(worker, Outcome.failed(job, "worker_crashed", exitcode))
        self._release(worker)
        if job is None and not worker.ready and not worker.killed:
            # It never got ready (e.g. a broken install): do not respawn in a tight loop.
            logger.warning("a worker process exited while starting (exit code %s); retrying", exitcode)
            time.sleep(1.0)
        self._pool.replace(worker)

    def _enforce_limits(self) -> None:
        now = time.monotonic()
        overdue = [w for w in self._pool.workers() if w.job_id is not None and w.deadline <= now]
        for worker in overdue:
            job = self._current_job(worker)
            limit = worker.deadline - worker.started
            if job is None:
                continue
            worker.kill()  # first: the runaway stops now, whatever the store does
            self._settle(worker, Outcome.failed(job, "time_limit", limit))
        for worker in self._pool.stuck(_WORKER_START_TIMEOUT):
            self._kill(worker)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:  # the dispatcher must outlive any one bad event
                logger.exception("scheduler step failed")
                time.sleep(0.1)

    def _wait_timeout(self, pool: list[WorkerProcess]) -> float:
        """Seconds to sleep: until the nearest job deadline, outcome retry or dispatch retry, at most 5."""
        wakeups = [worker.deadline for worker in pool]
        wakeups.append(self._outcomes.next_retry())
        now = time.monotonic()
        if self._dispatch_after > now:
            wakeups.append(self._dispatch_after)
        nearest = min((t for t in wakeups if math.isfinite(t)), default=math.inf)
        return min(_IDLE_WAIT, max(0.0, nearest - now))

    def _step(self) -> None:
        self._flush_outcomes()
        self._dispatch()
        pool = self._pool.workers()
        waitables: dict[Any, WorkerProcess | None] = {self._wake_read: None}
        for worker in pool:
            waitables[worker.conn] = worker
        exited: list[WorkerProcess] = []
        for item in wait(list(waitables), timeout=self._wait_timeout(pool)):
            worker = waitables[item]
            if worker is None:
                os.read(self._wake_read, 4096)
                continue
            try:
                while worker.conn.poll():
                    self._handle_message(worker, worker.conn.recv())
            except (EOFError, OSError):
                exited.append(worker)
        # Messages first, exits after: a worker that answered and then died has its answer counted.
        for worker in dict.fromkeys(exited):
            if self._stopping.is_set():
                return
            self._handle_exit(worker)
        if not self._stopping.is_set():
            self._enforce_limits()
