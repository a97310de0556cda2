"""The scheduler's handle on one worker process: start it, give it a job, kill it.

A worker is a fresh Python interpreter (``sys.executable``) running ``worker.main``, connected to the
scheduler by a socket pair wrapped in ``multiprocessing.connection.Connection``. Why not
``multiprocessing.Process``: ``fork`` would copy a process full of threads (the HTTP server, the scheduler)
with their locks mid-use, and ``spawn``/``forkserver`` re-run the parent's ``__main__`` module in the child,
which for a user's script that starts the embedded service without an ``if __name__ == "__main__"`` guard
means running the user's code again inside every worker. A plain interpreter imports only what the worker
needs. It gets the parent's ``sys.path`` (through PYTHONPATH), as ``spawn`` would give it.

The worker's death closes its end of the socket, so the scheduler sees every exit as end-of-file on the
connection; nothing else needs watching.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from ibmq_widgets.service.worker import DEFAULT_RUNNER

__all__ = ["WorkerProcess"]

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

    def send_job(self, job: dict[str, Any], time_limit: float) -> None:
        """Give the worker a job; if it is dead, the scheduler learns it from the connection's end-of-file."""
        self.job_id = job["id"]
        self.started = time.monotonic()
        self.deadline = self.started + time_limit
        with contextlib.suppress(OSError):
            self.conn.send(("run", job))

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
                self.conn.send(("stop",))
            except OSError:
                self.kill()
        else:
            self.kill()
        if self.wait(grace) is None:
            self.kill()
            self.wait(5.0)
        self.conn.close()
