"""The scheduler's handle on one worker process: start it, give it a job, kill it.

A worker is a fresh Python interpreter (``sys.executable``) running ``worker.main``, connected to the
scheduler by a socket pair wrapped in ``multiprocessing.connection.Connection``. Why not
``multiprocessing.Process``: ``fork`` would copy a process full of threads (the HTTP server, the scheduler)
with their locks mid-use, and ``spawn``/``forkserver`` re-run the parent's ``__main__`` module in the child,
which for a user's script that starts the embedded service without an ``if __name__ == "__main__"`` guard
means running the user's code again inside every worker. A plain interpreter imports only what the worker
needs. It gets the parent's ``sys.path`` (through PYTHONPATH), as ``spawn`` would give it.

The messages are the records of ``worker_messages``. The worker's death closes its end of the socket, so
the scheduler sees every exit as end-of-file on the connection; nothing else needs watching.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from ibmq_widgets.service.worker import DEFAULT_RUNNER
from ibmq_widgets.service.worker_messages import RunJob, Stop

__all__ = ["WorkerPool", "WorkerProcess"]

_ENTRY = "from ibmq_widgets.service.worker import main; main()"


@dataclass(eq=False)
class WorkerProcess:
    """One worker process, its connection, and what it is doing."""

    popen: subprocess.Popen
    conn: Connection
    ready: bool = False  # warmed up and waiting for jobs
    job_id: str | None = None
    started: float = 0.0  # monotonic time the current job was sent
    deadline: float = math.inf  # monotonic time its time limit expires
    killed: bool = False  # killed by the scheduler (cancel, time limit): its exit is expected
    spawned: float = field(default_factory=time.monotonic)

    @classmethod
    def spawn(cls, runner: str = DEFAULT_RUNNER) -> WorkerProcess:
        """Start a worker process that runs each job through ``runner`` ("module:function")."""
        parent_end, child_end = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
        try:
            popen = subprocess.Popen(
                [sys.executable, "-c", _ENTRY, str(child_end.fileno()), runner],
                pass_fds=[child_end.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # the service's stdout may carry its ready line; stderr stays
                env=env,
            )
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        return cls(popen=popen, conn=Connection(parent_end.detach()))

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self.popen.pid

    @property
    def exitcode(self) -> int | None:
        """The exit code once the process ended (negative: killed by that signal), else None."""
        return self.popen.poll()

    @property
    def idle(self) -> bool:
        """Whether the worker can take a job now."""
        return self.ready and self.job_id is None and not self.killed

    def send_job(self, job: RunJob, time_limit: float) -> None:
        """Give the worker a job that may run ``time_limit`` seconds (a finite number).

        If the worker is dead, the scheduler learns it from the connection's end-of-file.
        """
        self.job_id = job.job_id
        self.started = time.monotonic()
        self.deadline = self.started + time_limit
        with contextlib.suppress(OSError):
            self.conn.send(job)

    def kill(self) -> None:
        """Kill the process at once (SIGKILL): the way to stop a job mid-simulation."""
        self.ready, self.killed = False, True
        self.job_id, self.deadline = None, math.inf
        with contextlib.suppress(OSError):
            self.popen.kill()

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds for the process to end; its exit code, or None if it still runs."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self, grace: float = 2.0) -> None:
        """End the process (asking an idle one to stop, killing a busy one) and release its resources."""
        if self.idle:
            try:
                self.conn.send(Stop())
            except OSError:
                self.kill()
        else:
            self.kill()
        if self.wait(grace) is None:
            self.kill()
            self.wait(5.0)
        self.conn.close()


class WorkerPool:
    """A fixed number of worker processes: started together, replaced one by one, handed jobs in turn.

    Thread-safe. ``idle()`` lists the free workers starting after the one that took the last job, so that
    jobs sent one after another spread over the workers instead of all going to the first.

    Parameters
    ----------
    size : int
        How many worker processes.
    runner : str
        ``"module:function"`` each worker runs its jobs through.
    """

    def __init__(self, size: int, runner: str = DEFAULT_RUNNER) -> None:
        self.size = size
        self.runner = runner
        self._workers: list[WorkerProcess] = []
        self._next = 0  # where the round-robin of idle() starts
        self._changed = threading.Condition()  # notified when a worker becomes ready

    def start(self) -> None:
        """Spawn every worker process (they warm up in parallel)."""
        with self._changed:
            self._workers = [WorkerProcess.spawn(self.runner) for _ in range(self.size)]

    def workers(self) -> list[WorkerProcess]:
        """The current workers (a copy)."""
        with self._changed:
            return list(self._workers)

    def ready_count(self) -> int:
        """How many workers are started and warmed up (busy or not)."""
        with self._changed:
            return sum(1 for worker in self._workers if worker.ready)

    def pids(self) -> list[int]:
        """The process ids of the current workers."""
        with self._changed:
            return [worker.pid for worker in self._workers]

    def mark_ready(self, worker: WorkerProcess) -> None:
        """Record that ``worker`` said it is warm."""
        with self._changed:
            worker.ready = True
            self._changed.notify_all()

    def wait_until_warm(self, timeout: float) -> bool:
        """Wait until every worker is warm; whether they are (False: ``timeout`` seconds passed first)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: bool(self._workers) and all(worker.ready for worker in self._workers), timeout
            )

    def idle(self) -> list[WorkerProcess]:
        """The workers free to take a job, the next in turn first."""
        with self._changed:
            count = len(self._workers)
            order = [self._workers[(self._next + i) % count] for i in range(count)]
            return [worker for worker in order if worker.idle]

    def took_job(self, worker: WorkerProcess) -> None:
        """Record that ``worker`` got a job: the next job goes to the worker after it."""
        with self._changed:
            if worker in self._workers:
                self._next = (self._workers.index(worker) + 1) % len(self._workers)

    def stuck(self, timeout: float) -> list[WorkerProcess]:
        """Workers that have not got warm within ``timeout`` seconds of their start (each listed once)."""
        now = time.monotonic()
        with self._changed:
            found = [
                worker for worker in self._workers if not worker.ready and now - worker.spawned > timeout
            ]
            for worker in found:
                worker.spawned = math.inf
            return found

    def replace(self, worker: WorkerProcess) -> None:
        """End ``worker`` (killing it if it is busy) and start a fresh process in its place."""
        worker.close(grace=5.0)
        fresh = WorkerProcess.spawn(self.runner)
        with self._changed:
            if worker in self._workers:
                self._workers[self._workers.index(worker)] = fresh
            else:  # the pool was closed meanwhile
                fresh.close()

    def close(self) -> None:
        """End every worker process (a busy or still-starting one is killed)."""
        with self._changed:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()
