"""Helpers of the service's unit tests: a stand-in job runner for worker processes, jobs, waiting, a lock.

``fake_runner`` runs inside spawned worker processes (they import this module by name through PYTHONPATH), so
each test controls how long a job takes or whether it crashes; the real simulation is tested in test_worker.py.
``database_locked`` holds an SQLite write lock on a database from another process, as a backup tool or a
second program would.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ibmq_widgets.service.records import JobRecord

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

INSTANCE = "ibm-q/open/main"


def fake_runner(job: dict) -> str:
    """Runs in the worker process: what the job's params say, then a result naming the job and the worker."""
    params = json.loads(job["params_text"])
    if params.get("crash"):
        os._exit(3)
    time.sleep(params.get("sleep", 0.0))
    return json.dumps({"job": job["id"], "pid": os.getpid()})


RUNNER = f"{fake_runner.__module__}:fake_runner"


def make_job(job_id: str, backend: str = "ibmq_manila", instance: str = INSTANCE, **params) -> JobRecord:
    """A sampler job whose params tell ``fake_runner`` what to do (``sleep``, ``crash``)."""
    return JobRecord(
        id=job_id,
        instance=instance,
        backend=backend,
        program="sampler",
        params_text=json.dumps(params),
        num_pubs=1,
        created=datetime.now(timezone.utc),
    )


def ghz(n: int = 5) -> QuantumCircuit:
    """An n-qubit GHZ circuit measured into ``meas``."""
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(n)
    circuit.h(0)
    for qubit in range(n - 1):
        circuit.cx(qubit, qubit + 1)
    circuit.measure_all()
    return circuit


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll ``predicate`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the condition")
        time.sleep(0.02)


_LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
print("ready", flush=True)
for line in sys.stdin:
    conn.execute("BEGIN EXCLUSIVE" if line.strip() == "lock" else "COMMIT")
    print(line.strip(), flush=True)
"""


class DatabaseLocker:
    """Another process, connected to the database at ``path`` in advance, that holds ``BEGIN EXCLUSIVE`` on it
    from ``lock()`` to ``release()`` (started beforehand, so that locking takes milliseconds)."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _LOCKER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("ready")

    def _expect(self, word: str) -> None:
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == word

    def _say(self, word: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()
        self._expect(word)

    def lock(self) -> None:
        """Take the write lock (returns once it is held)."""
        self._say("lock")

    def release(self) -> None:
        """Commit, releasing the lock."""
        self._say("release")

    def close(self) -> None:
        """End the process (a lock still held goes with it)."""
        with contextlib.suppress(OSError):
            self.process.communicate(timeout=30)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> DatabaseLocker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def database_locked(path: Path) -> Iterator[DatabaseLocker]:
    """``with``: another process holds ``BEGIN EXCLUSIVE`` on the database at ``path`` until the block ends."""
    with DatabaseLocker(path) as locker:
        locker.lock()
        yield locker
        locker.release()
