"""Waiting without sockets: argument checks, deadlines, and riding out a lost connection with one warning."""

from __future__ import annotations

import logging
import math
from types import SimpleNamespace

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.job_status import JobStatus
from ibmq_widgets.client.job_wait import Deadline, Reconnector, check_wait_arguments, wait_for_final_state


class Clock:
    """A monotonic clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def flaky(failures: int, value: str = "ok"):
    """A call that fails ``failures`` times as if the service were down, then answers."""
    calls = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise exc.IBMQConnectionError("GET /jobs/j1 to 127.0.0.1:9 could not connect after 5 attempts")
        return value

    call.calls = calls  # type: ignore[attr-defined]
    return call


@pytest.mark.parametrize(
    ("timeout", "wait", "expected"),
    [(None, 5, (None, 5.0)), (0, 0.1, (0.0, 0.1)), (math.inf, 1, (None, 1.0)), (300, 2.5, (300.0, 2.5))],
)
def test_good_wait_arguments(timeout, wait, expected):
    assert check_wait_arguments(timeout, wait) == expected


@pytest.mark.parametrize(
    ("timeout", "wait", "name"),
    [
        (-1, 5, "timeout"),
        (math.nan, 5, "timeout"),
        ("300", 5, "timeout"),
        (True, 5, "timeout"),
        (None, 0, "wait"),
        (None, -2, "wait"),
        (None, math.inf, "wait"),
        (None, "5", "wait"),
    ],
)
def test_bad_wait_arguments_name_the_argument(timeout, wait, name):
    with pytest.raises(exc.IBMQJobValueError, match=f"^{name} must be") as info:
        check_wait_arguments(timeout, wait)
    assert isinstance(info.value, ValueError)


def test_a_deadline_counts_down_and_bounds_pauses():
    clock = Clock()
    deadline = Deadline(10, clock)
    clock.sleep(4)
    assert (
        deadline.left() == 6 and deadline.bound(8) == 6 and deadline.bound(2) == 2 and not deadline.expired()
    )
    clock.sleep(6)
    assert deadline.expired() and deadline.left() == 0
    assert Deadline(None, clock).left() is None and Deadline(None, clock).bound(3) == 3


def test_an_outage_is_ridden_out_with_backoff_and_one_warning(caplog):
    clock = Clock()
    reconnector = Reconnector("job j1", "127.0.0.1:9", Deadline(300, clock), sleep=clock.sleep)
    call = flaky(5)
    with caplog.at_level(logging.WARNING, logger="ibmq_widgets"):
        assert reconnector.call(call) == "ok"
    assert len(call.calls) == 6
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 5.0]
    lost = [r for r in caplog.records if "lost the connection" in r.getMessage()]
    assert len(lost) == 1 and "reconnecting" in lost[0].getMessage() and "127.0.0.1:9" in lost[0].getMessage()
    assert any("reconnected" in r.getMessage() for r in caplog.records)
    assert reconnector.outage_started is None  # the next outage warns again


def test_the_timeout_ends_an_outage_with_a_clear_timeout_error():
    clock = Clock()
    reconnector = Reconnector("job j1", "127.0.0.1:9", Deadline(12, clock), sleep=clock.sleep)
    with pytest.raises(exc.IBMQJobTimeoutError, match="did not finish within 12 s") as info:
        reconnector.call(flaky(1000))
    assert "has not answered for the last 12 s" in str(info.value)
    assert "could not connect" in str(info.value)
    assert isinstance(info.value, TimeoutError)
    assert sum(clock.sleeps) == 12  # never slept past the deadline


def test_other_errors_are_not_waited_out():
    def refused() -> str:
        raise exc.IBMQAuthenticationError("token refused", status=401)

    with pytest.raises(exc.IBMQAuthenticationError):
        Reconnector("job j1", "host", Deadline(60)).call(refused)


class FakeJob:
    """Answers status() from a script; a connection error in the script is an outage."""

    def __init__(self, script: list) -> None:
        self.script = script
        self.polls = 0

    def job_id(self) -> str:
        return "j1"

    def status(self) -> JobStatus:
        self.polls += 1
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        return step

    def queue_position(self) -> int:
        return 3

    def provider(self) -> SimpleNamespace:
        return SimpleNamespace(session=SimpleNamespace(host="127.0.0.1:9"))


def test_waiting_goes_on_through_an_outage_and_reports_each_poll():
    down = exc.IBMQConnectionError("could not connect")
    job = FakeJob([JobStatus.QUEUED, down, down, JobStatus.RUNNING, JobStatus.DONE])
    clock = Clock()
    seen = []
    reconnector = Reconnector("job j1", "host", Deadline(60, clock), sleep=clock.sleep)
    wait_for_final_state(
        job, 60, 0.01, lambda job_id, status, _: seen.append(status), reconnector=reconnector
    )
    assert seen == [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE]
    assert job.polls == 5


def test_a_job_still_queued_at_the_timeout_says_where_it_stands():
    job = FakeJob([JobStatus.QUEUED])
    with pytest.raises(exc.IBMQJobTimeoutError, match=r"within 0 s \(it is queue position 3\)"):
        wait_for_final_state(job, 0, 1)
