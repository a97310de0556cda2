"""The default split: as many jobs as the job limit lets run at once, read with one request, capped by the
backend's max_experiments; an explicit max_experiments_per_job still decides."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from managed_fakes import FakeBackend, FakeService, circuits

from ibmq_widgets.client.managed.managed_job import ManagedJob
from ibmq_widgets.client.managed.split import MIN_EXPERIMENTS_PER_JOB, chunk_size
from ibmq_widgets.client.managed.submitter import JobSlots, Submitter, read_job_slots
from ibmq_widgets.managed import IBMQJobManager


def test_without_a_user_bound_the_experiments_are_spread_over_the_slots():
    assert chunk_size(300, None, 1000, slots=5) == 200
    assert chunk_size(300, None, 1001, slots=5) == 201  # ceil: still five jobs, the last one shorter
    assert chunk_size(None, None, 1000, slots=5) == 200
    assert chunk_size(300, None, 1000, slots=2) == 300  # 500 would be more than the backend takes


def test_the_default_split_leaves_at_least_min_experiments_per_job_in_each():
    assert MIN_EXPERIMENTS_PER_JOB == 50
    assert chunk_size(300, None, 20, slots=5) == 20  # the seed tutorial's 20 circuits stay one job
    assert chunk_size(300, None, 99, slots=5) == 99
    assert chunk_size(300, None, 100, slots=5) == 50
    assert chunk_size(300, None, 120, slots=5) == 60  # two even jobs, not 50 + 50 + 20
    assert chunk_size(300, None, 249, slots=5) == 63
    assert chunk_size(300, None, 250, slots=5) == 50


def test_a_user_bound_or_no_slots_keeps_the_seed_rule():
    assert chunk_size(300, 7, 1000, slots=5) == 7
    assert chunk_size(300, 500, 1000, slots=5) == 300
    assert chunk_size(300, None, 1000) == 300
    assert chunk_size(None, None, 1000) == 1000


class _LimitBackend:
    def __init__(self, maximum: int | None, active: int, fails: bool = False) -> None:
        self.maximum, self.active, self.fails = maximum, active, fails
        self.calls = 0

    def job_limit(self) -> SimpleNamespace:
        self.calls += 1
        if self.fails:
            raise ConnectionError("no answer")
        return SimpleNamespace(maximum_jobs=self.maximum, active_jobs=self.active)


def test_the_job_limit_in_force_is_read_with_one_request():
    local = _LimitBackend(maximum=5, active=2)
    assert read_job_slots(local) == JobSlots(total=5, free=3) and local.calls == 1
    # the IBM Quantum Platform publishes no maximum: max_concurrent_jobs stands in for it
    assert read_job_slots(_LimitBackend(maximum=None, active=1), 4) == JobSlots(total=4, free=3)
    assert read_job_slots(_LimitBackend(maximum=3, active=7)) == JobSlots(total=3, free=0)
    assert read_job_slots(_LimitBackend(maximum=5, active=0, fails=True)) is None
    assert read_job_slots(object()) is None


class _LimitedFakeBackend(FakeBackend):
    """The fake backend with the IBMQBackend's job_limit(), counting what is asked of it."""

    def __init__(self, service: FakeService, max_experiments: int | None = 300) -> None:
        super().__init__(service, max_experiments)
        self.limit_calls = 0
        self.remaining_calls = 0

    def job_limit(self) -> SimpleNamespace:
        with self._service.lock:
            self.limit_calls += 1
            self._service.tick()
            return SimpleNamespace(maximum_jobs=self._service.job_limit, active_jobs=self._service.active())

    def remaining_jobs_count(self) -> int | None:
        self.remaining_calls += 1
        return super().remaining_jobs_count()


@pytest.mark.parametrize(
    ("limit", "count", "sizes"),
    [(5, 1000, [200] * 5), (4, 402, [101, 101, 101, 99]), (2, 1000, [300, 300, 300, 100]), (5, 3, [3])],
)
def test_run_without_max_experiments_per_job_makes_one_job_per_slot(limit, count, sizes):
    service = FakeService(job_limit=limit, per_tick=5)
    backend = _LimitedFakeBackend(service)
    job_set = IBMQJobManager().run(circuits(count), backend, progress=False)
    assert [mjob.num_experiments for mjob in job_set.managed_jobs()] == sizes
    assert job_set.results(timeout=30, progress=False).success
    # the limit the manager read also gave the submitter its first free slots
    assert backend.remaining_calls == 0
    if len(sizes) <= limit:
        assert backend.limit_calls == 1


def test_an_explicit_max_experiments_per_job_still_wins():
    service = FakeService(job_limit=5, per_tick=5)
    backend = _LimitedFakeBackend(service)
    job_set = IBMQJobManager().run(circuits(10), backend, max_experiments_per_job=4, progress=False)
    assert [mjob.num_experiments for mjob in job_set.managed_jobs()] == [4, 4, 2]
    assert backend.limit_calls == 1  # asked by the submitter: the manager needs no limit for this split


def test_a_backend_that_cannot_tell_its_limit_is_split_by_max_concurrent_jobs():
    service = FakeService(per_tick=5)  # the plain fake has no job_limit()
    job_set = IBMQJobManager().run(circuits(500), service.backend, progress=False)
    assert [mjob.num_experiments for mjob in job_set.managed_jobs()] == [100] * 5
    job_set = IBMQJobManager().run(circuits(500), service.backend, max_concurrent_jobs=2, progress=False)
    assert [mjob.num_experiments for mjob in job_set.managed_jobs()] == [250, 250]


class _CountingBackend:
    def __init__(self) -> None:
        self.asked = 0

    def remaining_jobs_count(self) -> int:
        self.asked += 1
        return 10


def test_the_submitter_encodes_on_one_thread_in_the_sets_order_and_uses_the_slots_it_is_given():
    encoded: list[tuple[int, str]] = []
    sent: list[int] = []
    lock = threading.Lock()

    def encode(mjob: ManagedJob) -> int:
        with lock:
            encoded.append((mjob.index, threading.current_thread().name))
        return mjob.index

    def send(index: int) -> str:
        with lock:
            sent.append(index)
        return f"job-{index}"

    backend = _CountingBackend()
    jobs = [ManagedJob(i, i, i, experiments=[f"circuit {i}"]) for i in range(8)]
    submitter = Submitter(backend, jobs, encode, send, slots=JobSlots(total=8, free=8))
    submitter.start()
    assert submitter.wait(10)
    assert [index for index, _ in encoded] == list(range(8))  # the first job is encoded (and sent) first
    assert len({thread for _, thread in encoded}) == 1
    assert sorted(sent) == list(range(8)) and backend.asked == 0
