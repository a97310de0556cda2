"""Per-key rate limits shaped like the platform's: too many requests (or job submissions) in a window -> 429.

IBM Quantum answers an account that sends too much with HTTP 429 and a ``Retry-After`` header; clients must wait
that long. The local service does the same when ``config.json`` asks for it, so clients' handling of it can be
proven offline::

    "rate_limits": {"requests_per_minute": 600, "submissions_per_minute": 6}

Each API key has its own budget (a sliding window of 60 s, or ``"window_seconds"`` when given: tests shorten
it); ``null`` or a missing entry means no limit, the default. The budget is counted in memory: a restart
forgives everything, as a platform's window would soon.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["RateLimiter", "RateLimits", "parse_rate_limits"]

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateLimits:
    """How much one API key may send per minute (None: no limit)."""

    requests_per_minute: int | None = None
    submissions_per_minute: int | None = None
    #: The window the budgets count over (60 s, a minute, unless a test asks for less).
    window_seconds: float = WINDOW_SECONDS

    @property
    def any(self) -> bool:
        """Whether any limit is set."""
        return self.requests_per_minute is not None or self.submissions_per_minute is not None


def parse_rate_limits(raw: Any) -> RateLimits:
    """Read the ``rate_limits`` object of config.json.

    Raises
    ------
    ValueError
        If it is not an object of positive integers or nulls (the caller names the file).
    """
    if raw is None:
        return RateLimits()
    if not isinstance(raw, dict):
        raise ValueError("'rate_limits' must be an object such as {\"submissions_per_minute\": 6}")
    unknown = set(raw) - {"requests_per_minute", "submissions_per_minute", "window_seconds"}
    if unknown:
        raise ValueError(f"'rate_limits' has unknown entries {sorted(unknown)}")
    values = {}
    for name in ("requests_per_minute", "submissions_per_minute"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"'rate_limits.{name}' must be a positive integer or null")
        values[name] = value
    window = raw.get("window_seconds", WINDOW_SECONDS)
    if not isinstance(window, (int, float)) or isinstance(window, bool) or not 0 < window <= 3600:
        raise ValueError("'rate_limits.window_seconds' must be a number of seconds in (0, 3600]")
    return RateLimits(**values, window_seconds=float(window))


class RateLimiter:
    """Sliding-window budgets per (key id, kind); thread-safe and O(1) amortised per call.

    Parameters
    ----------
    limits : RateLimits
        The budget of every key.
    clock : callable
        ``time.monotonic``; tests pass a fake.
    """

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: dict[tuple[str, str], deque[float]] = {}

    def _limit(self, kind: str) -> int | None:
        return self.limits.submissions_per_minute if kind == "submission" else self.limits.requests_per_minute

    def admit(self, key_id: str, kind: str = "request") -> int | None:
        """Count one call of ``kind`` (``"request"`` or ``"submission"``) for a key.

        Returns
        -------
        int or None
            None when the call is within budget (and it is counted); else the whole seconds until it would be,
            for ``Retry-After`` (the call is not counted).
        """
        limit = self._limit(kind)
        if limit is None:
            return None
        now = self._clock()
        with self._lock:
            sent = self._sent.setdefault((key_id, kind), deque())
            window = self.limits.window_seconds
            while sent and sent[0] <= now - window:
                sent.popleft()
            if len(sent) < limit:
                sent.append(now)
                return None
            return max(1, math.ceil(sent[0] + window - now))
