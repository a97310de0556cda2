"""Client events: ``job_submitted`` fires after each successful ``backend.run()`` (for the job watcher)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Event", "job_submitted", "subscribe", "unsubscribe"]

logger = logging.getLogger(__name__)


class Event:
    """Callbacks called with one argument; a failing callback is logged, never raised to the emitter.

    Parameters
    ----------
    name : str
        For logs and repr.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[[Any], None]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Event {self.name!r}: {len(self._callbacks)} subscriber(s)>"

    def subscribe(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(value)`` on every emit; subscribing twice has no further effect."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        with self._lock:
            if callback not in self._callbacks:
                self._callbacks.append(callback)

    def unsubscribe(self, callback: Callable[[Any], None]) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored."""
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def emit(self, value: Any) -> None:
        """Call every subscriber with ``value``."""
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(value)
            except Exception:  # a broken listener must not fail the user's run()
                logger.exception("a %s subscriber failed", self.name)


#: Emitted with the IBMQJob after each successful submission.
job_submitted = Event("job_submitted")


def subscribe(callback: Callable[[Any], None]) -> None:
    """Call ``callback(job)`` after every job submission."""
    job_submitted.subscribe(callback)


def unsubscribe(callback: Callable[[Any], None]) -> None:
    """Stop calling ``callback`` on job submissions."""
    job_submitted.unsubscribe(callback)
