"""One worker thread per widget for its network work: no observer on the kernel thread waits on HTTP.

The widget's constructor and observers submit tasks and return at once; ``wait_idle`` lets a cell (or a test)
block until the widget shows the current state.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["BackgroundWorker"]

_STOP = object()


class BackgroundWorker:
    """A single daemon thread running submitted tasks in order.

    The thread starts on the first ``submit`` (so constructing a widget starts nothing), ends by itself after
    ``idle_timeout`` seconds without work (a forgotten widget keeps no thread), and ``stop`` ends it and joins;
    ``stop`` is idempotent. A task that raises passes its exception to ``on_error``; nothing prints.

    Parameters
    ----------
    name : str
        Thread name, shown in debuggers.
    on_error : callable, optional
        Called on the worker thread with the exception of a failed task.
    idle_timeout : float
        Seconds without a task after which the thread ends (a later ``submit`` starts a new one).
    """

    def __init__(
        self, name: str, on_error: Callable[[BaseException], Any] | None = None, idle_timeout: float = 30.0
    ) -> None:
        self.name = name
        self.on_error = on_error
        self.idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        # Each thread has its own queue, so a thread being stopped never shares tasks with its successor.
        self._thread: threading.Thread | None = None
        self._tasks: queue.Queue | None = None
        self._unfinished = 0

    @property
    def running(self) -> bool:
        """Whether the worker thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def submit(self, task: Callable[[], Any]) -> None:
        """Run ``task()`` on the worker thread after the tasks already queued."""
        with self._lock:
            self._unfinished += 1
            if self._thread is None:
                self._tasks = queue.Queue()
                self._thread = threading.Thread(
                    target=self._run, args=(self._tasks,), name=self.name, daemon=True
                )
                self._thread.start()
            self._tasks.put(task)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every submitted task has finished; False if ``timeout`` seconds passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout=timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the queued tasks, end the thread and join it. Safe to call twice or before any submit."""
        with self._lock:
            thread, tasks = self._thread, self._tasks
            self._thread = self._tasks = None
            if tasks is not None:
                tasks.put(_STOP)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self, tasks: queue.Queue) -> None:
        while True:
            try:
                task = tasks.get(timeout=self.idle_timeout)
            except queue.Empty:
                # Idle for a while: end the thread (the next submit starts a new one), unless a task just came.
                with self._lock:
                    if self._tasks is tasks and tasks.empty():
                        self._thread = self._tasks = None
                        return
                continue
            if task is _STOP:
                return
            try:
                task()
            except BaseException as error:  # a widget task must never kill the thread or reach the cell
                if self.on_error is not None:
                    # The error handler itself failing must not end the loop.
                    with contextlib.suppress(Exception):
                        self.on_error(error)
            finally:
                with self._idle:
                    self._unfinished -= 1
                    self._idle.notify_all()
