"""The result collector: polls timed by the service's estimates, fetches that ride out a lost connection."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta, timezone

from ibmq_widgets.client.managed import collector
from ibmq_widgets.client.managed.collector import LATE_GROWTH, POLL_FLOOR, POLL_MAX, ResultCollector
from ibmq_widgets.client.managed.managed_job import ManagedJob
from ibmq_widgets.client.managed.progress import Progress
from ibmq_widgets.exceptions import IBMQConnectionError, IBMQJobError, IBMQJobTimeoutError


class _PendingJob:
    """A running job as a list request leaves it: a status, and the service's estimate of its end."""

    def __init__(self, finishes_in: float | None) -> None:
        self._end = (
            None if finishes_in is None else datetime.now(timezone.utc) + timedelta(seconds=finishes_in)
        )

    def status(self, refresh: bool = True):
        from ibmq_widgets.client.job import JobStatus

        return JobStatus.RUNNING

    def estimated_completion_time(self):
        return self._end

    def job_id(self) -> str:
        raise IBMQJobError("not needed here")


def _collector(*finishes_in: float | None, listed: bool = True) -> ResultCollector:
    jobs = [ManagedJob(i, i, i, job=_PendingJob(seconds)) for i, seconds in enumerate(finishes_in)]
    for job in jobs:
        job.listed = listed  # as after a list request; a job just submitted has not been listed yet
    return ResultCollector(jobs, list_jobs=dict, progress=Progress())


def test_a_job_submitted_since_the_last_poll_is_listed_soon_to_learn_its_estimate():
    assert _collector(None, listed=False)._until_next_expected_finish() == POLL_FLOOR
    assert _collector(5.0, listed=False)._until_next_expected_finish() == POLL_FLOOR


def test_the_pause_ends_when_the_soonest_job_is_expected_to_finish():
    pause = _collector(2.0, 0.4, None)._until_next_expected_finish()
    assert 0.3 < pause <= 0.4


def test_a_job_past_its_estimate_is_polled_soon_then_less_and_less_often():
    collector = _collector(-5.0)
    pauses = []
    for _ in range(12):  # polls that find nothing new
        pauses.append(collector._until_next_expected_finish())
        collector._late_pause = min(collector._late_pause * LATE_GROWTH, POLL_MAX)
    assert pauses[0] == POLL_FLOOR  # probably about to finish: look again soon
    assert all(later > earlier for earlier, later in itertools.pairwise(pauses))
    assert pauses[-1] == POLL_MAX  # a job running far longer than expected is not polled in a tight loop
    # the late job is looked at before one expected in a second
    assert _collector(-5.0, 1.0)._until_next_expected_finish() == POLL_FLOOR


def test_a_job_due_any_moment_still_leaves_the_floor_between_polls():
    assert _collector(0.03)._until_next_expected_finish() == POLL_FLOOR


def test_without_estimates_the_adaptive_beat_decides():
    # the real platform gives no estimate: the collector keeps its own interval
    assert math.isinf(_collector(None, None)._until_next_expected_finish())


class _ReconnectingJob:
    """A finished job whose first result() gave up reconnecting and whose second one answers."""

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.timeouts: list[float | None] = []

    def result(self, timeout=None, wait=5):
        self.timeouts.append(timeout)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_a_fetch_that_gave_up_reconnecting_is_tried_again_and_never_waits_unbounded(monkeypatch):
    monkeypatch.setattr(collector.time, "sleep", lambda seconds: None)
    job = _ReconnectingJob(IBMQJobTimeoutError("service down"), IBMQConnectionError("refused"), "the result")
    mjob = ManagedJob(0, 0, 0, None, job)
    assert ResultCollector._fetch(mjob) is False and ResultCollector._fetch(mjob) is False
    assert mjob.result_data is None and mjob.result_error is None  # not a failure of the job
    assert ResultCollector._fetch(mjob) is True and mjob.result_data == "the result"
    assert job.timeouts == [collector.FETCH_TIMEOUT] * 3


def test_a_result_that_cannot_be_read_is_that_jobs_failure():
    mjob = ManagedJob(0, 0, 0, None, _ReconnectingJob(ValueError("bad payload")))
    assert ResultCollector._fetch(mjob) is True
    assert mjob.result_error == "its result could not be read: ValueError: bad payload"
