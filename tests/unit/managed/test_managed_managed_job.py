"""ManagedJob's way from waiting for a slot to a result or a failure, and its cancel."""

from __future__ import annotations

from types import SimpleNamespace

from ibmq_widgets.client.job import JobStatus
from ibmq_widgets.client.managed.managed_job import ManagedJob, SubmitState


class Job:
    def __init__(self, status: JobStatus) -> None:
        self.state = status
        self.cancels = 0

    def job_id(self) -> str:
        return "job-7"

    def status(self, refresh: bool = True) -> JobStatus:
        return self.state

    def error_message(self) -> str | None:
        return "ran too long" if self.state is JobStatus.ERROR else None

    def cancel(self) -> bool:
        self.cancels += 1
        self.state = JobStatus.CANCELLED
        return True


def test_the_submission_states_in_order():
    mjob = ManagedJob(3, 6, 8, ["a", "b", "c"])
    assert mjob.num_experiments == 3 and (mjob.start_index, mjob.end_index) == (6, 8)
    assert mjob.submit_state is SubmitState.PENDING and mjob.status() is JobStatus.INITIALIZING
    mjob.set_waiting()
    assert mjob.state_label() == "waiting for a slot" and not mjob.in_final_state()
    assert mjob.claim() and mjob.submit_state is SubmitState.SUBMITTING
    assert not mjob.claim()  # only once
    job = Job(JobStatus.QUEUED)
    mjob.set_submitted(job)
    assert mjob.submitted() and mjob.job_id() == "job-7" and mjob.state_label() == "QUEUED"


def test_a_listing_brings_the_fresher_job_and_its_state():
    mjob = ManagedJob(0, 0, 0, None, Job(JobStatus.QUEUED))
    listed = Job(JobStatus.ERROR)
    mjob.update_from_listing(listed)
    assert mjob.job is listed and mjob.listed and mjob.in_final_state()
    assert mjob.error_message() == "ran too long"


def test_a_failed_submission_is_final_and_says_why():
    mjob = ManagedJob(1, 2, 3)
    mjob.set_failed("IBMQBackendValueError: shots must be positive")
    assert mjob.in_final_state() and mjob.status() is None
    assert mjob.error_message() == "IBMQBackendValueError: shots must be positive"
    assert "submission failed" in repr(mjob)


def test_cancel_before_submission_stops_it_and_after_cancels_the_job():
    waiting = ManagedJob(0, 0, 0)
    assert waiting.cancel() and not waiting.claim()
    assert waiting.error_message() == "cancelled before it was submitted"
    job = Job(JobStatus.RUNNING)
    running = ManagedJob(1, 1, 1, None, job)
    assert running.cancel() and job.cancels == 1
    done = ManagedJob(
        2, 2, 2, None, SimpleNamespace(job_id=lambda: "j", status=lambda refresh=False: JobStatus.DONE)
    )
    assert not done.cancel()
