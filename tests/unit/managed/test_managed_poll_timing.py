"""Poll timing: the set's own pace times its running jobs; once all are submitted, the polls are for the
finish before the last and the last, not for every job."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from ibmq_widgets.client.job import JobStatus, usage_seconds
from ibmq_widgets.client.managed.collector import POLL_FLOOR, ResultCollector
from ibmq_widgets.client.managed.managed_job import ManagedJob
from ibmq_widgets.client.managed.poll_timing import SetPace, choose_pause, listed_run_seconds, seconds_left
from ibmq_widgets.client.managed.progress import Progress

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


def test_the_pace_is_the_seconds_per_experiment_of_the_quickest_finished_job():
    pace = SetPace()
    assert pace.per_experiment() is None
    pace.record(2.0, 200)
    pace.record(1.0, 50)  # slowed down by a passing load: it does not make the others look slower
    pace.record(0.0, 10)  # a job that never ran says nothing
    assert pace.per_experiment() == pytest.approx(0.01)


def test_a_running_job_is_timed_by_the_pace_and_its_own_elapsed_seconds():
    service_end = NOW + timedelta(seconds=0.1)  # the backend's average: far too soon for a big job
    common = {"experiments": 200, "service_end": service_end, "now": NOW}
    assert seconds_left(running=True, pace=None, elapsed=0.5, **common) == pytest.approx(0.1)
    assert seconds_left(running=True, pace=0.01, elapsed=0.5, **common) == pytest.approx(1.5)
    assert seconds_left(running=True, pace=0.01, elapsed=None, **common) == pytest.approx(0.1)
    # a queued job starts no sooner than the soonest running one ends
    assert seconds_left(running=False, pace=0.01, elapsed=None, running_floor=0.3, **common) == pytest.approx(
        2.3
    )
    assert (
        seconds_left(running=False, experiments=1, service_end=None, now=NOW, pace=None, elapsed=None) is None
    )


def test_the_last_job_left_alone_is_looked_at_first_when_it_would_end_alone():
    common = {"running": True, "experiments": 200, "service_end": None, "now": NOW, "pace": 0.01}
    # two of the set's jobs ran at once before: alone, 2 s of pace may take 1 s
    assert seconds_left(elapsed=0.5, alone_after=2, **common) == pytest.approx(0.5)
    assert seconds_left(elapsed=1.2, alone_after=2, **common) == pytest.approx(0.8)  # not yet: the pace's end
    assert seconds_left(elapsed=0.5, alone_after=1, **common) == pytest.approx(1.5)


def test_while_jobs_wait_for_a_slot_the_soonest_finish_is_polled_for_else_the_one_before_the_last():
    assert choose_pause([0.9, 0.2, 0.5], late_pause=0.05, slots_wanted=True) == 0.2
    assert choose_pause([0.9, 0.2, 0.5], late_pause=0.05, slots_wanted=False) == 0.5
    assert choose_pause([0.9], late_pause=0.05, slots_wanted=False) == 0.9
    assert choose_pause([-1.0, -0.5, 0.4], late_pause=0.05, slots_wanted=False) == 0.05  # two are late
    assert choose_pause([], late_pause=0.05, slots_wanted=False) is None


class _TimedJob:
    """A listed job of the local service: a status, its run seconds, the service's estimate of its end."""

    def __init__(self, job_id: str, status: JobStatus, seconds: float, local: bool = True) -> None:
        self._id, self._status = job_id, status
        self._data = {"usage": {"qpu_charge_time_seconds": seconds, "status": "pending"}}
        self._provider = SimpleNamespace(is_local_service=local)
        self.usage_calls = 0

    @property
    def _seconds(self) -> float:
        return self._data["usage"]["qpu_charge_time_seconds"]

    @_seconds.setter
    def _seconds(self, seconds: float) -> None:
        self._data["usage"]["qpu_charge_time_seconds"] = seconds

    def job_id(self) -> str:
        return self._id

    def status(self, refresh: bool = True) -> JobStatus:
        return self._status

    def provider(self) -> SimpleNamespace:
        return self._provider

    def usage(self, refresh: bool = False, fetch: bool = True) -> float | None:
        seconds = usage_seconds(self._data.get("usage"))  # what IBMQJob.usage reads
        if fetch and (refresh or seconds is None):
            self.usage_calls += 1  # a real job would ask the service for its metrics here
        return seconds

    def estimated_completion_time(self) -> datetime:
        return datetime.now(timezone.utc)  # the service says: now (it does not know the size)

    def error_message(self) -> None:
        return None


def test_listed_run_seconds_are_read_from_the_local_services_listing_and_never_asked_for():
    job = _TimedJob("a", JobStatus.RUNNING, 1.5)
    assert listed_run_seconds(job) == 1.5
    job._data["usage"] = {"seconds": 2.0, "quantum_seconds": 2.0}  # the legacy usage format
    assert listed_run_seconds(job) == 2.0
    job._data = {"usage": None}  # a listing without it: usage() would ask the metrics, this does not
    assert listed_run_seconds(job) is None and job.usage_calls == 0
    elsewhere = _TimedJob("b", JobStatus.RUNNING, 1.5, local=False)
    assert listed_run_seconds(elsewhere) is None
    assert listed_run_seconds(object()) is None


def test_after_one_job_finished_the_others_are_expected_when_the_pace_says():
    done = _TimedJob("j0", JobStatus.DONE, 2.0)  # 2 s for 100 experiments
    running = _TimedJob("j1", JobStatus.RUNNING, 0.5)
    jobs = [ManagedJob(0, 0, 99, job=done), ManagedJob(1, 100, 199, job=running)]
    jobs[0].observe(JobStatus.RUNNING)  # as the previous listing saw it
    listing = {"j0": done, "j1": running}
    collector = ResultCollector(jobs, list_jobs=lambda: listing, progress=Progress())
    collector._poll()
    # the service expects j1 now; the set's pace says 1.5 s more (2 s per job, 0.5 s run so far)
    assert 1.3 < collector._until_next_expected_finish() <= 1.5
    assert collector._adaptive_pause(interval=0.25) == 0.25  # a wrong estimate costs no more than a beat
    running._seconds = 2.5  # running longer than the pace says: late, so looked at again soon
    collector._poll()
    assert collector._until_next_expected_finish() == POLL_FLOOR


class _LaterJob(_TimedJob):
    def estimated_completion_time(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=2)


def test_without_a_finished_job_the_service_estimate_times_the_polls():
    running = _TimedJob("j1", JobStatus.RUNNING, 0.5)
    collector = ResultCollector([ManagedJob(0, 0, 9, job=running)], lambda: {"j1": running}, Progress())
    collector._poll()
    assert collector._until_next_expected_finish() == POLL_FLOOR  # the service says now
    later = _LaterJob("j2", JobStatus.RUNNING, 0.5)
    collector = ResultCollector([ManagedJob(0, 0, 9, job=later)], lambda: {"j2": later}, Progress())
    collector._poll()
    assert collector._adaptive_pause(interval=0.25) == 0.25  # within the beat


def test_the_collector_remembers_how_many_of_the_set_ran_at_once():
    first, second = _TimedJob("j0", JobStatus.RUNNING, 0.5), _TimedJob("j1", JobStatus.RUNNING, 0.3)
    jobs = [ManagedJob(0, 0, 99, job=first), ManagedJob(1, 100, 199, job=second)]
    collector = ResultCollector(jobs, list_jobs=lambda: {"j0": first, "j1": second}, progress=Progress())
    collector._poll()
    first._status, first._seconds, second._seconds = JobStatus.DONE, 2.0, 0.6
    collector._poll()
    # j1 runs alone now: 2 s of pace beside j0 may be 1 s alone, of which 0.6 s are gone
    assert 0.3 < collector._until_next_expected_finish() <= 0.4
