"""IBMQJob: a submitted job, its state, queue position, tags and result.

JobStatus, JOB_FINAL_STATES and QueueInfo live in :mod:`ibmq_widgets.client.job_status` and are importable from
here too; the waiting loop is in :mod:`ibmq_widgets.client.job_wait`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client import job_tags, job_wait
from ibmq_widgets.client.job_status import (
    JOB_FINAL_STATES,
    JobStatus,
    QueueInfo,
    completion_estimate,
    queue_info_from,
    status_from_wire,
    status_to_wire,
)
from ibmq_widgets.client.session import RetryMode

if TYPE_CHECKING:
    from qiskit_ibm_runtime.models import BackendProperties

    from ibmq_widgets.client.backend import IBMQBackend
    from ibmq_widgets.client.estimator_result import EstimatorResult
    from ibmq_widgets.client.provider import AccountProvider
    from ibmq_widgets.client.result import Result

__all__ = [
    "JOB_FINAL_STATES",
    "IBMQJob",
    "JobStatus",
    "QueueInfo",
    "status_from_wire",
    "status_to_wire",
    "usage_seconds",
]

# Where a usage object holds the billed seconds, newest wire format first: API version 2026-03-15 replaced
# seconds and quantum_seconds by qpu_charge_time_seconds; older services (and older versions) send those.
_USAGE_KEYS = ("qpu_charge_time_seconds", "quantum_seconds", "seconds")


def usage_seconds(usage: Any) -> float | None:
    """The billed seconds in a job's (or its metrics') ``usage`` object, of any API version; None if none.

    Parameters
    ----------
    usage : Any
        The ``usage`` value of a job JSON or of GET /jobs/{id}/metrics, as received.
    """
    if not isinstance(usage, dict):
        return None
    for key in _USAGE_KEYS:
        seconds = usage.get(key)
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            return float(seconds)
    return None


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
        from ibmq_widgets.client import presentation

        return presentation.html(self)

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

    def _field(self, key: str) -> Any:
        """A field of the job's JSON, fetched once if the JSON at hand lacks it."""
        if key not in self._data:
            self.refresh()
        return self._data.get(key)

    def program_id(self) -> str | None:
        """``"sampler"`` or ``"estimator"``: the primitive the job runs."""
        program = self._field("program")
        return program.get("id") if isinstance(program, dict) else program

    def session_id(self) -> str | None:
        """The id of the session or batch the job ran in; None outside one."""
        session_id = self._field("session_id")
        return str(session_id) if session_id else None

    def name(self) -> str | None:
        """The job's name, given as ``job_name`` at submission."""
        return job_tags.job_name(self._data.get("tags") or [])

    def tags(self) -> list[str]:
        """The job's tags (its name is not one of them)."""
        return job_tags.user_tags(self._data.get("tags") or [])

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
        tags = job_tags.updated_tags(self.tags(), replacement_tags, additional_tags, removal_tags)
        on_wire = job_tags.wire_tags(self.name(), tags)
        self._provider.session.request(
            "PUT", f"{self._path}/tags", json={"tags": on_wire}, retry=RetryMode.SAFE
        )
        self._data = {**self._data, "tags": on_wire}
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
        return queue_info_from(self._job_id, self._data.get("queue_info"))

    def estimated_completion_time(self) -> datetime | None:
        """When the service expects the job to finish, as of the last request (no request is made).

        None once the job is final, and always None where the service does not say (the real platform).
        """
        if self.status(refresh=False) not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return None
        return completion_estimate(self._data.get("queue_info"))

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

    def usage(self, refresh: bool = False, fetch: bool = True) -> float | None:
        """Quantum seconds the job used (what the platform bills), or None while nobody says.

        Read from the job as last fetched or listed; ``refresh=True`` (or a job whose JSON has no usage) asks
        the job's metrics once, unless ``fetch=False``, which never makes a request. While the job is pending
        this is its usage so far.
        """
        seconds = usage_seconds(self._data.get("usage"))
        if fetch and (refresh or seconds is None):
            body = self._provider.session.get_json(f"{self._path}/metrics")
            seconds = usage_seconds(body.get("usage") if isinstance(body, dict) else None)
        return seconds

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
        """Poll until the job is done, cancelled or failed, riding out a lost connection meanwhile.

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
        IBMQJobValueError
            If ``timeout`` or ``wait`` is not a valid number of seconds.
        IBMQJobTimeoutError
            If the job is not finished after ``timeout`` seconds (it keeps running), or the service did not
            answer until then. While it does not answer, the polls go on with backoff and one warning is logged.
        """
        job_wait.wait_for_final_state(self, timeout, wait, callback)

    def result(self, timeout: float | None = None, wait: float = 5) -> Result | EstimatorResult:
        """Wait for the job and return its result (cached once fetched): counts for a Sampler job, expectation
        values for an Estimator one.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most (None: no limit), through service outages too.
        wait : float
            The longest pause between status polls.

        Returns
        -------
        Result or EstimatorResult

        Raises
        ------
        IBMQJobValueError
            If ``timeout`` or ``wait`` is not a valid number of seconds.
        IBMQJobTimeoutError
            If the job is not finished within ``timeout`` seconds, or the service did not answer until then.
        IBMQJobFailureError
            If the job failed or was cancelled; the message says why.
        """
        timeout, wait = job_wait.check_wait_arguments(timeout, wait)
        if self._result is not None:
            return self._result
        reconnector = job_wait.Reconnector(
            f"job {self._job_id}", self._provider.session.host, job_wait.Deadline(timeout)
        )
        job_wait.wait_for_final_state(self, timeout, wait, reconnector=reconnector)
        status = self.status(refresh=False)
        if status is not JobStatus.DONE:
            raise exc.IBMQJobFailureError(
                f"job {self._job_id} on {self.backend_name()} has no result: {status.name.lower()}: "
                f"{self.error_message()}"
            )
        with self._lock:
            if self._result is None:
                response = reconnector.call(
                    lambda: self._provider.session.request("GET", f"{self._path}/results")
                )
                self._result = self._decode_result(response.text)
            return self._result

    def _decode_result(self, text: str) -> Result | EstimatorResult:
        from ibmq_widgets.client.estimator_result import decode_result

        return decode_result(
            text,
            program=self.program_id(),
            job_id=self._job_id,
            backend_name=self.backend_name(),
            date=wire.parse_datetime(self._data.get("created")),
            circuit_names=self._circuit_names,
        )
