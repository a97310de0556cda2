"""Plain-text reports on job sets: a summary of how many jobs are in which state, and one block per job."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from .managed_job import ManagedJob, SubmitState

__all__ = [
    "SUMMARY_ROWS",
    "format_error_messages",
    "format_job_details",
    "format_report",
    "format_status_counts",
    "submission_counts",
    "summary_category",
]

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


def format_report(
    managed_jobs: Sequence[ManagedJob], detailed: bool = True, *, title: str | None = None
) -> str:
    """The report of ``job_set.report()``: a title line, the summary and, if ``detailed``, one block per job."""
    lines = [title] if title else []
    lines += ["Summary report:", *format_status_counts(managed_jobs)]
    if detailed:
        lines += ["", "Detail report:", *format_job_details(managed_jobs)]
    return "\n".join(lines)


def format_error_messages(what: str, managed_jobs: Sequence[ManagedJob]) -> str | None:
    """Why jobs failed, one block per job under a header naming ``what`` (a set); None if none did."""
    failed = [mjob for mjob in managed_jobs if mjob.error_message()]
    if not failed:
        return None
    lines = [f"{len(failed)} of {len(managed_jobs)} jobs of {what} have no result:"]
    for mjob in failed:
        lines.append(
            f"Experiments {mjob.first}-{mjob.last}, job index={mjob.index}, job ID={mjob.job_id() or '-'}:"
        )
        lines.extend(f"  {line}" for line in (mjob.error_message() or "").splitlines())
    return "\n".join(lines)


def submission_counts(managed_jobs: Iterable[ManagedJob]) -> tuple[int, int, int]:
    """(sent, waiting for a slot, failed) of the jobs of a set being submitted; sent counts failed ones too."""
    states = [mjob.submit_state for mjob in managed_jobs]
    waiting = states.count(SubmitState.WAITING_FOR_SLOT)
    failed = states.count(SubmitState.FAILED)
    return states.count(SubmitState.SUBMITTED) + failed, waiting, failed
