"""Per-key budgets: a sliding minute, Retry-After until the oldest call leaves it, keys apart."""

from __future__ import annotations

import json

import pytest

from ibmq_widgets.exceptions import LocalServiceError
from ibmq_widgets.service.config import load_config
from ibmq_widgets.service.rate_limits import RateLimiter, RateLimits, parse_rate_limits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_budget_refuses_with_the_seconds_until_the_oldest_call_leaves_the_window():
    clock = Clock()
    limiter = RateLimiter(RateLimits(submissions_per_minute=2), clock)
    assert limiter.admit("k", "submission") is None
    clock.now += 10
    assert limiter.admit("k", "submission") is None
    clock.now += 5
    assert limiter.admit("k", "submission") == 45  # the first call leaves the minute 45 s from now
    assert limiter.admit("other-key", "submission") is None  # keys have their own budgets
    assert limiter.admit("k", "request") is None  # no request limit set
    clock.now += 45
    assert limiter.admit("k", "submission") is None
    assert limiter.admit("k", "submission") == 10


def test_a_refused_call_is_not_counted():
    clock = Clock()
    limiter = RateLimiter(RateLimits(requests_per_minute=1), clock)
    assert limiter.admit("k") is None
    for _ in range(100):
        assert limiter.admit("k") == 60
    clock.now += 60
    assert limiter.admit("k") is None


def test_no_limits_by_default():
    limiter = RateLimiter(RateLimits())
    assert not limiter.limits.any
    assert all(limiter.admit("k", kind) is None for kind in ("request", "submission") for _ in range(1000))


@pytest.mark.parametrize(
    "raw",
    [
        [1],
        {"submissions_per_minute": 0},
        {"requests_per_minute": "5"},
        {"submissions_per_minute": True},
        {"x": 1},
    ],
)
def test_bad_limits_are_refused_naming_the_entry(raw):
    with pytest.raises(ValueError, match="rate_limits"):
        parse_rate_limits(raw)


def test_config_json_carries_the_limits_and_names_the_file_when_they_are_wrong(tmp_path):
    data = tmp_path / "data"
    load_config(data)  # writes the defaults
    raw = json.loads((data / "config.json").read_text())
    raw["rate_limits"] = {"submissions_per_minute": 6}
    (data / "config.json").write_text(json.dumps(raw))
    assert load_config(data).rate_limits == RateLimits(submissions_per_minute=6)
    raw["rate_limits"] = {"submissions_per_minute": -1}
    (data / "config.json").write_text(json.dumps(raw))
    with pytest.raises(LocalServiceError, match=r"config\.json.*submissions_per_minute"):
        load_config(data)
