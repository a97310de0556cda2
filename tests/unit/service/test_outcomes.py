"""A finished job's outcome survives a store locked by another process: kept, retried, written, never failed
for time while it waits; the scheduler keeps serving meanwhile."""

from __future__ import annotations

import json
import time

import pytest
from service_unit_helpers import RUNNER, DatabaseLocker, database_locked, make_job, wait_for

from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.outcomes import MAX_RETRY_DELAY, REASON_CODES, Outcome, PendingOutcomes
from ibmq_widgets.service.scheduler import Scheduler
from ibmq_widgets.service.store import JobState, JobStore, StoreBusyError


@pytest.fixture
def store(tmp_path):
    store = JobStore(
        tmp_path / "jobs.sqlite3", busy_timeout=0.2
    )  # a short bounded wait keeps the tests quick
    yield store
    store.close()


def test_an_outcome_the_locked_store_refuses_is_kept_and_written_later(store):
    for job_id in ("done", "failed"):
        store.create_job(make_job(job_id))
        store.set_status(job_id, JobState.RUNNING)
    outcomes = PendingOutcomes(store)
    outcomes.add(Outcome.completed(store.get_job("done"), '{"r": 1}', ran_for=0.5))
    outcomes.add(Outcome.failed(store.get_job("failed"), "worker_crashed", -9))
    with database_locked(store.path):
        assert outcomes.flush() == []
        assert len(outcomes) == 2 and {job.id for job in outcomes.jobs()} == {"done", "failed"}
        assert time.monotonic() < outcomes.next_retry() <= time.monotonic() + MAX_RETRY_DELAY
        with pytest.raises(StoreBusyError) as busy:
            outcomes.flush("done", due_only=False)
        assert busy.value.retry_after >= 1
        assert store.get_job("done").status == "Running"  # readers are not blocked by the lock (WAL)
    written = outcomes.flush(due_only=False)
    assert [outcome.job.id for outcome in written] == ["done"] and written[0].ran_for == 0.5
    assert len(outcomes) == 0 and "done" not in outcomes
    assert store.get_job("done").status == "Completed" and store.get_result("done") == '{"r": 1}'
    failed = store.get_job("failed")
    assert failed.status == "Failed" and failed.reason_code == REASON_CODES["worker_crashed"]
    assert "exit code -9" in failed.reason


@pytest.fixture
def make_scheduler(store):
    made: list[Scheduler] = []

    def factory(time_limit: float) -> Scheduler:
        scheduler = Scheduler(store, Catalog(), workers=1, default_time_limit=time_limit, runner=RUNNER)
        made.append(scheduler)
        return scheduler

    yield factory
    for scheduler in made:
        scheduler.stop()


def finish_while_locked(store: JobStore, scheduler: Scheduler, locker: DatabaseLocker, job_id: str) -> None:
    """Run a one-second job and lock the database while it runs; return once it finished, the lock held."""
    scheduler.start()
    assert scheduler.wait_until_warm(120)
    store.create_job(make_job(job_id, sleep=1.0))
    scheduler.enqueue(store.get_job(job_id))
    wait_for(lambda: store.get_job(job_id).status == "Running")
    locker.lock()
    wait_for(lambda: scheduler.outcomes_waiting == 1)  # it finished and could not be written


def test_a_result_finished_while_the_database_is_locked_survives_the_lock(store, make_scheduler):
    # The incident: another process held the SQLite lock for longer than the store's timeout while a job
    # finished; the result was lost and the job later failed as "exceeded its time limit".
    scheduler = make_scheduler(time_limit=3.0)
    with DatabaseLocker(store.path) as locker:
        finish_while_locked(store, scheduler, locker, "finishes-locked")
        with pytest.raises(StoreBusyError):  # what a POST meets meanwhile: a bounded wait, then 503
            store.create_job(make_job("submitted-meanwhile"))
        time.sleep(3.5)  # past the job's time limit, still locked
        job = store.get_job("finishes-locked")
        assert job.status == "Running" and scheduler.outcomes_waiting == 1
        assert scheduler.pending_count("ibmq_manila") == 1  # it keeps its slot until written
        locker.release()
    wait_for(lambda: store.get_job("finishes-locked").status == "Completed")
    assert json.loads(store.get_result("finishes-locked"))["job"] == "finishes-locked"
    assert scheduler.outcomes_waiting == 0 and scheduler.pending_count("ibmq_manila") == 0
    store.create_job(make_job("after-the-lock"))
    scheduler.enqueue(store.get_job("after-the-lock"))
    wait_for(lambda: store.get_job("after-the-lock").status == "Completed")


def test_a_dispatch_the_locked_store_refuses_waits_first_in_line(store, make_scheduler):
    scheduler = make_scheduler(time_limit=30.0)
    for job_id in ("first", "second"):
        store.create_job(make_job(job_id))
    with database_locked(store.path):
        scheduler.start()  # reading the unfinished jobs back is not blocked
        assert scheduler.wait_until_warm(120)
        time.sleep(1.0)  # dispatch meets the lock at least once
        assert store.get_job("first").status == "Queued"
        assert scheduler.queue_info("first")["position"] == 1
    wait_for(lambda: store.get_job("second").status == "Completed")
    first, second = store.get_job("first"), store.get_job("second")
    assert first.status == "Completed" and first.timestamps["running"] < second.timestamps["running"]


def test_cancel_of_a_job_whose_result_waits_writes_the_result_instead(store, make_scheduler):
    scheduler = make_scheduler(time_limit=30.0)
    with DatabaseLocker(store.path) as locker:
        finish_while_locked(store, scheduler, locker, "done-first")
        with pytest.raises(StoreBusyError):
            scheduler.cancel("done-first")  # nothing changed: the handler answers 503
        locker.release()
    assert not scheduler.cancel("done-first")  # the result is written; there is nothing to cancel
    assert store.get_job("done-first").status == "Completed"
    assert not store.set_status("done-first", JobState.CANCELLED)  # the handler's own write is a no-op
