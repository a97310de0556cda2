"""Plain-text reports on job sets: a summary of how many jobs are in which state, and one block per job."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from .managed_job import ManagedJob, SubmitState

__all__ = ["SUMMARY_ROWS", "format_job_details", "format_status_counts", "summary_category"]

# (category, label) in the order the summary lists them
SUMMARY_ROWS = (
    ("total", "Total jobs"),
    ("done", "Successful jobs"),
    ("error", "Failed jobs"),
    ("cancelled", "Cancelled jobs"),
    ("running", "Running jobs"),
    ("pending", "Pending jobs"),
    ("waiting", "Waiting for a slot"),
    ("not_submitted", "Not submitted"),
)


def summary_category(mjob: ManagedJob) -> str:
    """Which summary row a job counts under, from the state last seen (no request)."""
    if mjob.job is None:
        if mjob.submit_state is SubmitState.WAITING_FOR_SLOT:
            return "waiting"
        if mjob.submit_state in (SubmitState.FAILED, SubmitState.MISSING):
            return "not_submitted"
        return "pending"
    label = mjob.state_label()
    if label == "DONE":
        return "done"
    if label == "ERROR":
        return "error"
    if label == "CANCELLED":
        return "cancelled"
    if label == "RUNNING":
        return "running"
    return "pending"


def format_status_counts(managed_jobs: Iterable[ManagedJob]) -> list[str]:
    """The summary lines: how many jobs are in each state (the last two rows only when not zero)."""
    counts = Counter(summary_category(mjob) for mjob in managed_jobs)
    counts["total"] = sum(counts.values())
    width = max(len(label) for _, label in SUMMARY_ROWS)
    lines = []
    for category, label in SUMMARY_ROWS:
        if category in ("waiting", "not_submitted") and not counts[category]:
            continue
        lines.append(f"  {label.rjust(width)}: {counts[category]}")
    return lines


def format_job_details(managed_jobs: Sequence[ManagedJob]) -> list[str]:
    """One block per job: its experiments, index, id, name, state and, if it failed, why."""
    lines: list[str] = []
    for mjob in managed_jobs:
        lines.append(f"  experiments: {mjob.first}-{mjob.last}")
        lines.append(f"    job index: {mjob.index}")
        job_id = mjob.job_id()
        lines.append(f"    job ID: {job_id if job_id else '-'}")
        if mjob.job is not None:
            name = mjob.job.name()
            if name:
                lines.append(f"    name: {name}")
        status = mjob.status() if mjob.job is not None else None
        lines.append(f"    status: {status.value if status is not None else mjob.submit_state.value}")
        error = mjob.error_message()
        if error:
            lines.append(f"    error: {error}")
    return lines
