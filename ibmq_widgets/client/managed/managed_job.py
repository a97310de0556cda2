"""ManagedJob: one job of a set, from the moment it waits for a slot to its result or its failure."""

from __future__ import annotations

import enum
import threading
from typing import Any

__all__ = ["ManagedJob", "SubmitState"]

# JobStatus names (the client's enum) that mean the job is over
_FINAL = ("DONE", "CANCELLED", "ERROR")


class SubmitState(enum.Enum):
    """Where a job of a set stands on its way to the service."""

    PENDING = "not submitted yet"
    WAITING_FOR_SLOT = "waiting for a slot"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    FAILED = "submission failed"
    MISSING = "not found"  # a retrieved set whose job was never created


class ManagedJob:
    """One job of a managed job set.

    Parameters
    ----------
    index : int
        Position of the job in its set, from 0.
    first, last : int
        The global indices of the set's experiments this job holds, inclusive.
    experiments : list, optional
        The circuits, when the set was submitted from this process (a retrieved set downloads no circuits).
    job : IBMQJob, optional
        The submitted job, when known.
    """

    def __init__(
        self, index: int, first: int, last: int, experiments: list | None = None, job: Any = None
    ) -> None:
        self.index = index
        self.first = first
        self.last = last
        self.experiments = experiments
        self.job = job
        self.submit_state = SubmitState.SUBMITTED if job is not None else SubmitState.PENDING
        self.submit_error: str | None = None
        self.result_data: Any = None  # the client's Result once fetched
        self.result_error: str | None = None  # why there is no result (failed, cancelled, fetch error)
        self._status: Any = None  # the last JobStatus seen, from a list request or the job itself
        self.listed = False  # whether a list request has shown the job yet (with the service's estimates)
        self._lock = threading.Lock()

    # --- identity ------------------------------------------------------------------------------------------
    @property
    def num_experiments(self) -> int:
        """How many experiments the job holds."""
        return self.last - self.first + 1

    @property
    def start_index(self) -> int:
        """The global index of the job's first experiment (the seed's name for ``first``)."""
        return self.first

    @property
    def end_index(self) -> int:
        """The global index of the job's last experiment (the seed's name for ``last``)."""
        return self.last

    def job_id(self) -> str | None:
        """The job's id, or None if it was not submitted."""
        return None if self.job is None else self.job.job_id()

    def submitted(self) -> bool:
        """Whether a job exists on the service for this part of the set."""
        return self.job is not None

    # --- submission (called by the submitter; the lock keeps cancel() and submission apart) -----------------
    def claim(self) -> bool:
        """Move to SUBMITTING if the job still wants submitting; False if it was cancelled meanwhile."""
        with self._lock:
            if self.submit_state in (SubmitState.PENDING, SubmitState.WAITING_FOR_SLOT):
                self.submit_state = SubmitState.SUBMITTING
                return True
            return False

    def set_waiting(self) -> None:
        """Show that the job waits for a free slot under the backend's job limit."""
        with self._lock:
            if self.submit_state in (SubmitState.PENDING, SubmitState.SUBMITTING):
                self.submit_state = SubmitState.WAITING_FOR_SLOT

    def set_submitted(self, job: Any) -> None:
        """Record the job the service created for this part of the set."""
        with self._lock:
            self.job = job
            self.submit_state = SubmitState.SUBMITTED

    def set_failed(self, message: str) -> None:
        """Record that this part of the set could not be submitted, and why."""
        with self._lock:
            self.submit_state = SubmitState.FAILED
            self.submit_error = message

    # --- state ---------------------------------------------------------------------------------------------
    def observe(self, status: Any) -> None:
        """Record a JobStatus learnt elsewhere."""
        with self._lock:
            self._status = status

    def update_from_listing(self, listed_job: Any) -> None:
        """Take the fresher job object a list request returned for this job (its state is current)."""
        with self._lock:
            self.job = listed_job
            self._status = listed_job.status(refresh=False)
            self.listed = True

    def status(self, refresh: bool = False) -> Any:
        """The job's JobStatus.

        Parameters
        ----------
        refresh : bool
            Ask the service (one request) instead of returning the last state seen.

        Returns
        -------
        JobStatus or None
            None if the job could not be submitted; ``JobStatus.INITIALIZING`` while it waits for a slot or is
            being submitted.
        """
        if self.job is None:
            if self.submit_state in (SubmitState.FAILED, SubmitState.MISSING):
                return None
            from ibmq_widgets.client.job import JobStatus

            return JobStatus.INITIALIZING
        if refresh or self._status is None:
            status = self.job.status(refresh=refresh) if refresh else self.job.status(refresh=False)
            self.observe(status)
        return self._status

    def in_final_state(self) -> bool:
        """Whether nothing more will happen to this job (done, failed, cancelled or never submitted)."""
        if self.job is None:
            return self.submit_state in (SubmitState.FAILED, SubmitState.MISSING)
        status = self._status if self._status is not None else self.status()
        return status is not None and status.name in _FINAL

    def state_label(self) -> str:
        """A short human label: "waiting for a slot", "submission failed", or the job status name."""
        if self.job is None:
            return self.submit_state.value
        status = self._status if self._status is not None else self.status()
        return status.name if status is not None else "unknown"

    def error_message(self) -> str | None:
        """Why this job has no result: its submission error or failure reason; None if it did not fail."""
        if self.submit_error:
            return self.submit_error
        if self.result_error:
            return self.result_error
        if self.job is not None and self._status is not None and self._status.name in ("ERROR", "CANCELLED"):
            message = self.job.error_message()
            return message or f"job {self.job_id()} was {self._status.name.lower()}"
        return None

    def cancel(self) -> bool:
        """Cancel the job, or stop it from being submitted. Returns whether anything was cancelled."""
        with self._lock:
            if self.job is None:
                if self.submit_state in (SubmitState.PENDING, SubmitState.WAITING_FOR_SLOT):
                    self.submit_state = SubmitState.FAILED
                    self.submit_error = "cancelled before it was submitted"
                    return True
                return False
        if self.in_final_state():
            return False
        self.job.cancel()
        return True

    def __repr__(self) -> str:
        job = self.job_id() or self.submit_state.value
        return f"<ManagedJob {self.index} experiments {self.first}-{self.last} {job}>"
