"""IBMQJob (a submitted job), JobStatus and QueueInfo."""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client.session import RetryMode

if TYPE_CHECKING:
    from qiskit_ibm_runtime.models import BackendProperties

    from ibmq_widgets.client.backend import IBMQBackend
    from ibmq_widgets.client.provider import AccountProvider
    from ibmq_widgets.client.result import Result

__all__ = ["JOB_FINAL_STATES", "IBMQJob", "JobStatus", "QueueInfo", "status_from_wire"]

_NAME_TAG = "name:"
_FIRST_POLL = 0.1  # seconds; polls grow from here to ``wait`` so short jobs return quickly


class JobStatus(enum.Enum):
    """The state of a job, with the classic provider's messages as values."""

    INITIALIZING = "job is being initialized"
    QUEUED = "job is queued"
    VALIDATING = "job is being validated"
    RUNNING = "job is actively running"
    CANCELLED = "job has been cancelled"
    DONE = "job has successfully run"
    ERROR = "job incurred error"


JOB_FINAL_STATES = (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.ERROR)

_WIRE_STATES = {
    "queued": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "completed": JobStatus.DONE,
    "done": JobStatus.DONE,
    "cancelled": JobStatus.CANCELLED,
    "cancelled - ran too long": JobStatus.CANCELLED,
    "failed": JobStatus.ERROR,
    "error": JobStatus.ERROR,
    "initializing": JobStatus.INITIALIZING,
    "validating": JobStatus.VALIDATING,
}
_STATUS_TO_WIRE = {
    JobStatus.QUEUED: "Queued",
    JobStatus.RUNNING: "Running",
    JobStatus.DONE: "Completed",
    JobStatus.CANCELLED: "Cancelled",
    JobStatus.ERROR: "Failed",
}


def status_from_wire(value: str | None) -> JobStatus:
    """``Queued``/``Running``/``Completed``/``Cancelled``/``Failed`` (any case) -> JobStatus."""
    return _WIRE_STATES.get(str(value or "").strip().lower(), JobStatus.INITIALIZING)


def status_to_wire(status: JobStatus) -> str | None:
    """The wire state for a JobStatus (None for the ones the API never reports)."""
    return _STATUS_TO_WIRE.get(status)


@dataclass(frozen=True)
class QueueInfo:
    """Where a queued job stands: ``position`` 1 runs next; estimates are aware UTC datetimes or None."""

    job_id: str
    position: int | None
    estimated_start_time: datetime | None
    estimated_complete_time: datetime | None

    def format(self) -> str:
        """One line for people."""
        start = self.estimated_start_time.strftime("%H:%M:%S UTC") if self.estimated_start_time else "unknown"
        return f"job {self.job_id}: queue position {self.position}, estimated start {start}"


class IBMQJob:
    """A job submitted to a backend: its state, its queue position and, once done, its result.

    Get one from ``backend.run()``, ``provider.backends.jobs()`` or ``retrieve_job()``.
    """

    def __init__(
        self,
        provider: AccountProvider,
        data: dict[str, Any],
        *,
        backend: IBMQBackend | None = None,
        circuit_names: Sequence[str] | None = None,
    ) -> None:
        self._provider = provider
        self._job_id = str(data["id"])
        self._data = data
        self._backend = backend
        self._circuit_names = list(circuit_names) if circuit_names else None
        self._result: Result | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        name = self.name()
        named = f" {name!r}" if name else ""
        return f"<IBMQJob {self._job_id}{named} on {self.backend_name()}: {self.status(refresh=False).name}>"

    def _repr_html_(self) -> str:
        try:
            from ibmq_widgets.widgets.display import job_html
        except ImportError:
            return f"<pre>{repr(self).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</pre>"
        return job_html(self)

    # --- the job's JSON ------------------------------------------------------------------------------------
    @property
    def _path(self) -> str:
        return f"/jobs/{self._job_id}"

    def refresh(self) -> None:
        """Fetch the job's current state (one request)."""
        try:
            data = self._provider.session.get_json(self._path, params={"exclude_params": "true"})
        except (exc.IBMQNotFoundError, exc.IBMQJobNotFound):
            raise exc.IBMQJobNotFound(
                f"job {self._job_id} no longer exists for {self._provider.instance_name}"
            ) from None
        self._data = data

    def _state(self) -> dict[str, Any]:
        state = self._data.get("state")
        if isinstance(state, dict):
            return state
        return {"status": self._data.get("status") or state}

    # --- identity ------------------------------------------------------------------------------------------
    def job_id(self) -> str:
        """The job's id."""
        return self._job_id

    def backend_name(self) -> str:
        """The name of the backend the job runs on."""
        return str(self._data.get("backend") or (self._backend.name() if self._backend else ""))

    def backend(self) -> IBMQBackend:
        """The backend the job runs on (a retired device too)."""
        if self._backend is None:
            self._backend = self._provider.backends.backend_for(self.backend_name())
        return self._backend

    def provider(self) -> AccountProvider:
        """The provider the job belongs to."""
        return self._provider

    def name(self) -> str | None:
        """The job's name, given as ``job_name`` at submission."""
        for tag in self._data.get("tags") or []:
            if tag.startswith(_NAME_TAG):
                return tag[len(_NAME_TAG) :]
        return None

    def tags(self) -> list[str]:
        """The job's tags (its name is not one of them)."""
        return [t for t in self._data.get("tags") or [] if not t.startswith(_NAME_TAG)]

    def update_tags(
        self,
        replacement_tags: Sequence[str] | None = None,
        additional_tags: Sequence[str] | None = None,
        removal_tags: Sequence[str] | None = None,
    ) -> list[str]:
        """Replace, add or remove tags (the job's name is kept); returns the new tags.

        Raises
        ------
        IBMQJobValueError
            If no change is asked for, or a tag is not a non-empty string.
        """
        if replacement_tags is None and additional_tags is None and removal_tags is None:
            raise exc.IBMQJobValueError(
                "update_tags() needs replacement_tags, additional_tags or removal_tags"
            )
        for group in (replacement_tags, additional_tags, removal_tags):
            if group is not None and (
                isinstance(group, str) or not all(isinstance(t, str) and t for t in group)
            ):
                raise exc.IBMQJobValueError(f"tags must be a list of non-empty strings, not {group!r}")
        tags = list(replacement_tags) if replacement_tags is not None else self.tags()
        tags += [t for t in additional_tags or [] if t not in tags]
        tags = [t for t in tags if t not in set(removal_tags or [])]
        name = self.name()
        wire_tags = ([f"{_NAME_TAG}{name}"] if name else []) + tags
        self._provider.session.request(
            "PUT", f"{self._path}/tags", json={"tags": wire_tags}, retry=RetryMode.SAFE
        )
        self._data = {**self._data, "tags": wire_tags}
        return tags

    def creation_date(self) -> datetime:
        """When the job was created (aware, UTC)."""
        if not self._data.get("created"):
            self.refresh()
        created = wire.parse_datetime(self._data.get("created"))
        assert created is not None
        return created

    # --- status --------------------------------------------------------------------------------------------
    def status(self, refresh: bool = True) -> JobStatus:
        """The job's state; ``refresh=False`` returns the state known from the last request, without one."""
        if refresh and not self._known_final():
            self.refresh()
        return status_from_wire(self._state().get("status"))

    def _known_final(self) -> bool:
        return status_from_wire(self._state().get("status")) in JOB_FINAL_STATES

    def done(self) -> bool:
        """Whether the job finished successfully."""
        return self.status() is JobStatus.DONE

    def running(self) -> bool:
        """Whether the job is running."""
        return self.status() is JobStatus.RUNNING

    def cancelled(self) -> bool:
        """Whether the job was cancelled."""
        return self.status() is JobStatus.CANCELLED

    def in_final_state(self) -> bool:
        """Whether the job is done, cancelled or failed."""
        return self.status() in JOB_FINAL_STATES

    def error_message(self) -> str | None:
        """Why the job failed or was cancelled; None otherwise."""
        status = self.status()
        if status is JobStatus.ERROR:
            state = self._state()
            reason = state.get("reason") or "no reason given"
            code = state.get("reason_code")
            return f"{reason} (code {code})" if code is not None else str(reason)
        if status is JobStatus.CANCELLED:
            return str(self._state().get("reason") or "the job was cancelled")
        return None

    def queue_info(self) -> QueueInfo | None:
        """Position and estimated start and end while the job is queued; None otherwise, and always None
        where the service does not report them (the real platform)."""
        if self.status(refresh=False) is not JobStatus.QUEUED:  # the watcher reads this per job: no request
            return None
        info = self._data.get("queue_info")
        if not isinstance(info, dict) or info.get("position") is None:
            return None
        return QueueInfo(
            job_id=self._job_id,
            position=int(info["position"]),
            estimated_start_time=wire.parse_datetime(info.get("estimated_start_time")),
            estimated_complete_time=wire.parse_datetime(info.get("estimated_completion_time")),
        )

    def estimated_completion_time(self) -> datetime | None:
        """When the service expects the job to finish, as of the last request (no request is made).

        None once the job is final, and always None where the service does not say (the real platform).
        """
        if self.status(refresh=False) not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return None
        info = self._data.get("queue_info")
        if not isinstance(info, dict):
            return None
        try:
            return wire.parse_datetime(info.get("estimated_completion_time"))
        except ValueError:
            return None

    def queue_position(self, refresh: bool = False) -> int | None:
        """The job's place in the queue (1 runs next), or None when it is not queued or nobody says."""
        if refresh:
            info = self.queue_info()
            return info.position if info else None
        info = self._data.get("queue_info")
        if status_from_wire(self._state().get("status")) is not JobStatus.QUEUED or not isinstance(
            info, dict
        ):
            return None
        return info.get("position")

    def time_per_step(self) -> dict[str, datetime]:
        """When the job reached each state: CREATED, RUNNING and its final state, as aware UTC datetimes."""
        body = self._provider.session.get_json(f"{self._path}/metrics")
        stamps = body.get("timestamps") or {}
        steps = {}
        for key, label in (("created", "CREATED"), ("running", "RUNNING"), ("finished", None)):
            when = wire.parse_datetime(stamps.get(key))
            if when is not None:
                steps[label or self.status().name] = when
        return steps

    def properties(self) -> BackendProperties | None:
        """The backend's calibration when the job was created."""
        return self.backend().properties(datetime=self.creation_date())

    # --- control -------------------------------------------------------------------------------------------
    def cancel(self) -> bool:
        """Cancel the job; True if it was cancelled, False if it had finished already."""
        if self.in_final_state():
            return False
        try:
            self._provider.session.request("POST", f"{self._path}/cancel", retry=RetryMode.SAFE)
        except exc.IBMQBadRequestError:
            self.refresh()  # it finished between our look and the cancel
            return self.status(refresh=False) is JobStatus.CANCELLED
        self.refresh()
        return True

    def wait_for_final_state(
        self,
        timeout: float | None = None,
        wait: float = 5,
        callback: Callable[[str, JobStatus, IBMQJob], None] | None = None,
    ) -> None:
        """Poll until the job is done, cancelled or failed.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most (None: no limit).
        wait : float
            The longest pause between polls; the first polls come sooner, so short jobs return quickly.
        callback : callable, optional
            Called as ``callback(job_id, status, job)`` after each poll.

        Raises
        ------
        IBMQJobTimeoutError
            If the job is not finished after ``timeout`` seconds (it keeps running).
        """
        if wait <= 0:
            raise exc.IBMQJobValueError(f"wait must be a positive number of seconds, not {wait!r}")
        started = time.monotonic()
        pause = min(_FIRST_POLL, wait)
        while True:
            status = self.status()
            if callback is not None:
                callback(self._job_id, status, self)
            if status in JOB_FINAL_STATES:
                return
            elapsed = time.monotonic() - started
            if timeout is not None and elapsed >= timeout:
                where = (
                    f"queue position {self.queue_position()}" if status is JobStatus.QUEUED else status.name
                )
                raise exc.IBMQJobTimeoutError(
                    f"job {self._job_id} did not finish within {timeout:g} s (it is {where}); it keeps "
                    "going: call result() again later, or cancel() it"
                )
            sleep = pause if timeout is None else min(pause, max(timeout - elapsed, 0.0))
            time.sleep(sleep)
            pause = min(pause * 1.5, wait)

    def result(self, timeout: float | None = None, wait: float = 5) -> Result:
        """Wait for the job and return its result (cached once fetched).

        Raises
        ------
        IBMQJobTimeoutError
            If the job is not finished within ``timeout`` seconds.
        IBMQJobFailureError
            If the job failed or was cancelled; the message says why.
        """
        if self._result is not None:
            return self._result
        self.wait_for_final_state(timeout=timeout, wait=wait)
        status = self.status(refresh=False)
        if status is not JobStatus.DONE:
            raise exc.IBMQJobFailureError(
                f"job {self._job_id} on {self.backend_name()} has no result: {status.name.lower()}: "
                f"{self.error_message()}"
            )
        with self._lock:
            if self._result is None:
                from ibmq_widgets.client.result import Result

                response = self._provider.session.request("GET", f"{self._path}/results")
                primitive = wire.loads(response.text)
                self._result = Result.from_primitive_result(
                    primitive,
                    job_id=self._job_id,
                    backend_name=self.backend_name(),
                    date=wire.parse_datetime(self._data.get("created")),
                    circuit_names=self._circuit_names,
                )
            return self._result
