"""The plain-text reports: how many jobs are in which state, and one block per job."""

from __future__ import annotations

from types import SimpleNamespace

from ibmq_widgets.client.job import JobStatus
from ibmq_widgets.client.managed.managed_job import ManagedJob, SubmitState
from ibmq_widgets.client.managed.report import format_job_details, format_status_counts, summary_category


def submitted(index: int, status: JobStatus, reason: str | None = None) -> ManagedJob:
    job = SimpleNamespace(
        job_id=lambda: f"job-{index}",
        name=lambda: f"set_{index}_",
        status=lambda refresh=False: status,
        error_message=lambda: reason,
    )
    mjob = ManagedJob(index, 2 * index, 2 * index + 1, None, job)
    mjob.observe(status)
    return mjob


def waiting(index: int, state: SubmitState) -> ManagedJob:
    mjob = ManagedJob(index, 2 * index, 2 * index + 1)
    mjob.submit_state = state
    return mjob


def test_each_job_counts_under_one_row():
    assert summary_category(submitted(0, JobStatus.DONE)) == "done"
    assert summary_category(submitted(0, JobStatus.ERROR)) == "error"
    assert summary_category(submitted(0, JobStatus.QUEUED)) == "pending"
    assert summary_category(waiting(0, SubmitState.WAITING_FOR_SLOT)) == "waiting"
    assert summary_category(waiting(0, SubmitState.MISSING)) == "not_submitted"


def test_the_summary_shows_the_last_rows_only_when_they_count():
    jobs = [submitted(0, JobStatus.DONE), submitted(1, JobStatus.RUNNING)]
    lines = format_status_counts(jobs)
    assert lines[0].strip() == "Total jobs: 2" and "Running jobs: 1" in "\n".join(lines)
    assert not any("Waiting for a slot" in line for line in lines)
    with_waiting = format_status_counts([*jobs, waiting(2, SubmitState.WAITING_FOR_SLOT)])
    assert any(line.strip() == "Waiting for a slot: 1" for line in with_waiting)
    widths = {len(line.split(":")[0]) for line in with_waiting}
    assert len(widths) == 1  # labels right-aligned


def test_details_name_each_job_and_why_it_failed():
    failed = submitted(1, JobStatus.ERROR, "out of memory")
    never = waiting(2, SubmitState.FAILED)
    never.submit_error = "IBMQBackendValueError: too many shots"
    text = "\n".join(format_job_details([submitted(0, JobStatus.DONE), failed, never]))
    assert "experiments: 2-3" in text and "job ID: job-1" in text and "name: set_1_" in text
    assert "error: out of memory" in text and "job ID: -" in text and "too many shots" in text
    assert "status: job has successfully run" in text and "status: submission failed" in text
