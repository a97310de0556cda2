"""The scheduler: a FIFO queue per backend, served by a fixed pool of worker processes.

One dispatcher thread owns the workers. It waits on every worker's connection (a worker's exit shows as
its end-of-file) and on a wake-up pipe that ``enqueue``/``cancel``/``stop`` poke, with a timeout at the
nearest job deadline. When a worker is free it takes the next job round-robin over the backends with queued
jobs (FIFO within a backend), so a flood of jobs on one backend does not starve the others.

Workers are fresh interpreter processes (``worker_process.WorkerProcess``: never a ``fork`` of this
threaded process), one socket each. Stopping a running job (cancel, time limit) kills its process and
starts a fresh one; a worker that dies on its own fails only the job it was running, with the reason. Jobs
found Queued or Running in the store at ``start()`` (the service was killed) are queued again in creation
order and run to completion.

Every state change is written to the store here: Running at dispatch, Completed with the result, Failed with a
reason, Cancelled on cancel. The store ignores changes to jobs already in a final state, which settles races
between a finishing worker and a cancel.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from collections import deque
from datetime import timedelta
from multiprocessing.connection import wait
from typing import Any

from ibmq_widgets.service.store import JobRecord, JobStore, utc_now
from ibmq_widgets.service.worker import DEFAULT_RUNNER
from ibmq_widgets.service.worker_process import WorkerProcess

__all__ = ["REASON_CODES", "Scheduler"]

logger = logging.getLogger(__name__)

#: reason_code of a Failed job, by cause. 1305 is IBM's "ran longer than its maximum execution time", which
#: qiskit-ibm-runtime turns into RuntimeJobMaxTimeoutError; the others are this service's own.
REASON_CODES = {"time_limit": 1305, "worker_crashed": 1517, "simulation_error": 1520}
_DEFAULT_DURATION = 1.0  # seconds assumed per job on a backend before any has finished
_DURATIONS_KEPT = 20
_WORKER_START_TIMEOUT = 120.0
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
        Seconds a job may run when it names no ``max_seconds`` of its own.
    runner : str
        ``"module:function"`` each worker calls with a job dict to get its result text (tests swap it).
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
        self.store = store
        self.catalog = catalog
        self.workers = int(workers)
        self.default_time_limit = float(default_time_limit)
        self._runner = runner
        self._lock = threading.RLock()
        self._queues: dict[str, deque[str]] = {}
        self._queued: dict[str, JobRecord] = {}
        self._running: dict[str, tuple[JobRecord, WorkerProcess]] = {}
        self._pool: list[WorkerProcess] = []
        self._turn = 0  # round-robin pointer over backends
        self._durations: dict[str, deque[float]] = {}
        self._wake_read, self._wake_write = os.pipe()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers and the dispatcher, and queue again every job the store has unfinished."""
        with self._lock:
            if self._thread is not None:
                return
            for job in self.store.unfinished_jobs():
                if job.status == "Running":
                    self.store.set_status(job.id, "Queued")
                self._add(job)
            self._pool = [WorkerProcess.spawn(self._runner) for _ in range(self.workers)]
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name="ibmq-widgets-scheduler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the dispatcher and every worker process (jobs left unfinished run again at the next start)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._wake()
        thread.join(timeout=30)
        with self._lock:
            pool, self._pool = self._pool, []
        for worker in pool:
            # A busy or still-starting worker is killed: its job reruns at the next start.
            worker.close()
        with self._lock:
            self._running.clear()

    def __del__(self) -> None:
        for fd in (getattr(self, "_wake_read", None), getattr(self, "_wake_write", None)):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def ready_workers(self) -> int:
        """How many worker processes are started and warmed up (busy or not)."""
        with self._lock:
            return sum(1 for worker in self._pool if worker.ready)

    def worker_pids(self) -> list[int]:
        """The process ids of the current worker processes."""
        with self._lock:
            return [worker.pid for worker in self._pool]

    # -- queue -------------------------------------------------------------------------------------------
    def _add(self, job: JobRecord) -> None:
        if job.id in self._queued or job.id in self._running:
            return
        self._queues.setdefault(job.backend, deque()).append(job.id)
        self._queued[job.id] = job

    def enqueue(self, job: JobRecord) -> None:
        """Queue a job the store already holds (status Queued); it runs when its turn comes."""
        with self._lock:
            self._add(job)
        self._wake()

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued job (removed from its queue) or a running one (its worker process is killed).

        Records Cancelled in the store. Returns False if the job is neither queued nor running here.
        """
        with self._lock:
            job = self._queued.pop(job_id, None)
            if job is not None:
                self._queues[job.backend].remove(job_id)
                self.store.set_status(job_id, "Cancelled", reason=_CANCELLED)
                return True
            running = self._running.get(job_id)
            if running is None:
                return False
            self.store.set_status(job_id, "Cancelled", reason=_CANCELLED)
            self._kill(running[1])
        self._wake()
        return True

    def pending_count(self, backend: str) -> int:
        """Jobs queued or running on ``backend``, of every instance."""
        with self._lock:
            queued = len(self._queues.get(backend, ()))
            return queued + sum(1 for job, _ in self._running.values() if job.backend == backend)

    def active_count(self, backend: str, instance: str) -> int:
        """Jobs of ``instance`` queued or running on ``backend``."""
        with self._lock:
            jobs = list(self._queued.values()) + [job for job, _ in self._running.values()]
            return sum(1 for job in jobs if job.backend == backend and job.instance == instance)

    def _average_duration(self, backend: str) -> float:
        recent = self._durations.get(backend)
        if recent:
            return sum(recent) / len(recent)
        every = [d for durations in self._durations.values() for d in durations]
        return sum(every) / len(every) if every else _DEFAULT_DURATION

    def queue_info(self, job_id: str) -> dict:
        """Where a job stands: ``position`` (1 = next to run on its backend), ``estimated_start_time`` and
        ``estimated_completion_time`` (aware UTC datetimes from the recent job durations), all None once the
        job left the queue. A running job has no position but an estimated completion.
        """
        now_wall = utc_now()
        with self._lock:
            running = self._running.get(job_id)
            if running is not None:
                job, worker = running
                elapsed = time.monotonic() - worker.started
                left = max(0.0, self._average_duration(job.backend) - elapsed)
                return {
                    "position": None,
                    "estimated_start_time": None,
                    "estimated_completion_time": now_wall + timedelta(seconds=left),
                }
            job = self._queued.get(job_id)
            if job is None:
                return {"position": None, "estimated_start_time": None, "estimated_completion_time": None}
            position = self._queues[job.backend].index(job_id) + 1
            start = now_wall + timedelta(seconds=self._wait_estimate(job.backend, position))
        end = start + timedelta(seconds=self._average_duration(job.backend))
        return {"position": position, "estimated_start_time": start, "estimated_completion_time": end}

    def _wait_estimate(self, backend: str, position: int) -> float:
        # Work ahead of the job, spread over the workers: the rest of the running jobs, the jobs before it on
        # its backend, and (round-robin) up to as many from each other backend.
        now = time.monotonic()
        ahead = sum(
            max(0.0, self._average_duration(job.backend) - (now - worker.started))
            for job, worker in self._running.values()
        )
        for name, queue in self._queues.items():
            count = position - 1 if name == backend else min(len(queue), position - 1)
            ahead += count * self._average_duration(name)
        return ahead / self.workers

    # -- workers -----------------------------------------------------------------------------------------
    def _replace(self, worker: WorkerProcess) -> None:
        worker.close(grace=5.0)
        with self._lock:
            index = self._pool.index(worker)
            self._pool[index] = WorkerProcess.spawn(self._runner)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def _next_job(self) -> JobRecord | None:
        backends = [name for name, queue in self._queues.items() if queue]
        if not backends:
            return None
        backends.sort()
        name = backends[self._turn % len(backends)]
        self._turn += 1
        job_id = self._queues[name].popleft()
        return self._queued.pop(job_id)

    def _dispatch(self) -> None:
        with self._lock:
            for worker in self._pool:
                if not worker.idle:
                    continue
                while True:
                    job = self._next_job()
                    if job is None:
                        return
                    # A job deleted or finished meanwhile (e.g. cancelled through the store) is skipped.
                    if self.store.set_status(job.id, "Running"):
                        break
                self._running[job.id] = (self.store.get_job(job.id) or job, worker)
                payload = {k: getattr(job, k) for k in ("id", "backend", "program", "params_text")}
                worker.send_job(payload, job.max_seconds or self.default_time_limit)

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
        """Free the worker and the job's slot; called only once the job's outcome is in the store, so the
        store never shows a job still running after a job that took its slot was created."""
        with self._lock:
            job_id, worker.job_id, worker.deadline = worker.job_id, None, math.inf
            if job_id is not None:
                self._running.pop(job_id, None)

    def _handle_message(self, worker: WorkerProcess, message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            return
        job = self._current_job(worker)
        if job is None:
            self._release(worker)
            return
        duration = time.monotonic() - worker.started
        if kind == "done":
            completed = self.store.set_result(job.id, message[2])
        else:
            completed = False
            self.store.set_status(
                job.id, "Failed", reason=message[2], reason_code=REASON_CODES["simulation_error"]
            )
        self._release(worker)
        if completed:
            with self._lock:
                self._durations.setdefault(job.backend, deque(maxlen=_DURATIONS_KEPT)).append(duration)

    def _handle_exit(self, worker: WorkerProcess) -> None:
        exitcode = worker.wait(5.0)
        job = self._current_job(worker)
        if job is not None:
            self.store.set_status(
                job.id,
                "Failed",
                reason=f"The worker process running this job exited unexpectedly (exit code {exitcode}); "
                "the job was not completed. Submit it again; if it fails again it probably needs more "
                "memory than this machine has.",
                reason_code=REASON_CODES["worker_crashed"],
            )
        self._release(worker)
        if job is None and not worker.ready and not worker.killed:
            # It never got ready (e.g. a broken install): do not respawn in a tight loop.
            logger.warning("a worker process exited while starting (exit code %s); retrying", exitcode)
            time.sleep(1.0)
        self._replace(worker)

    def _enforce_limits(self) -> None:
        now = time.monotonic()
        with self._lock:
            overdue = [w for w in self._pool if w.job_id is not None and w.deadline <= now]
            stuck = [w for w in self._pool if not w.ready and now - w.spawned > _WORKER_START_TIMEOUT]
        for worker in overdue:
            job_id = worker.job_id
            limit = worker.deadline - worker.started
            if job_id is None:
                continue
            self.store.set_status(
                job_id,
                "Failed",
                reason=f"The job exceeded its time limit of {limit:g} s and was stopped. Use fewer shots or "
                "smaller circuits, or a larger max execution time.",
                reason_code=REASON_CODES["time_limit"],
            )
            self._kill(worker)
        for worker in stuck:
            worker.spawned = math.inf
            self._kill(worker)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:  # the dispatcher must outlive any one bad event
                logger.exception("scheduler step failed")
                time.sleep(0.1)

    def _step(self) -> None:
        self._dispatch()
        with self._lock:
            pool = list(self._pool)
        deadline = min((w.deadline for w in pool), default=math.inf)
        timeout = min(5.0, max(0.0, deadline - time.monotonic()))
        waitables: dict[Any, tuple[str, WorkerProcess | None]] = {self._wake_read: ("wake", None)}
        for worker in pool:
            waitables[worker.conn] = ("pipe", worker)
        exited: list[WorkerProcess] = []
        for item in wait(list(waitables), timeout=timeout):
            kind, worker = waitables[item]
            if kind == "wake":
                os.read(self._wake_read, 4096)
            elif worker is not None:
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
