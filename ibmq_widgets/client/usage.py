"""An instance's usage: quantum seconds consumed against its plan's limit (GET /instances/usage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ibmq_widgets.client.session import ApiSession

__all__ = ["InstanceUsage", "fetch_usage"]


@dataclass(frozen=True)
class InstanceUsage:
    """How much of its plan an instance has used.

    Attributes
    ----------
    consumed_seconds : float
        Quantum seconds used in the current period.
    limit_seconds : float or None
        The plan's limit, or None where there is none (the local service; pay-as-you-go plans).
    limit_reached : bool
        Whether new jobs are refused until the period renews.
    remaining_seconds : float or None
        Seconds left before the limit, or None without a limit.
    """

    consumed_seconds: float
    limit_seconds: float | None
    limit_reached: bool
    remaining_seconds: float | None

    def __str__(self) -> str:
        if self.limit_seconds is None:
            return f"{self.consumed_seconds:.1f} s used (no limit)"
        state = "limit reached" if self.limit_reached else f"{self.remaining_seconds or 0:.1f} s left"
        return f"{self.consumed_seconds:.1f} of {self.limit_seconds:.0f} s used, {state}"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def fetch_usage(session: ApiSession) -> InstanceUsage:
    """Ask the instance of ``session`` for its usage (one request)."""
    body = session.get_json("/instances/usage") or {}
    consumed = _number(body.get("usage_consumed_seconds")) or 0.0
    limit = _number(body.get("usage_limit_seconds"))
    remaining = _number(body.get("usage_remaining_seconds"))
    if remaining is None and limit is not None:
        remaining = max(limit - consumed, 0.0)
    return InstanceUsage(
        consumed_seconds=consumed,
        limit_seconds=limit,
        limit_reached=bool(body.get("usage_limit_reached")),
        remaining_seconds=remaining,
    )
