"""Sessions and batches: several jobs of one backend run as one unit of work.

IBM's session API, called exactly as qiskit-ibm-runtime 0.51 calls it (``api/rest/runtime_session.py``):

- ``POST /sessions`` ``{mode: "dedicated" | "batch", backend, instance, max_ttl?}`` opens one -> ``{id, ...}``;
- ``GET /sessions/{id}``: its state, ``accepting_jobs``, mode, backend, timestamps, usage;
- ``PATCH /sessions/{id}`` ``{accepting_jobs: false}`` closes it: queued and running jobs finish, no new ones;
- ``DELETE /sessions/{id}/close`` cancels it: it stops now and its queued jobs are cancelled;
- a job joins one by carrying ``session_id`` in its ``POST /jobs``; ``GET /jobs?session_id=`` lists them.

Use them as context managers, which close them on the way out::

    with backend.open_session(max_time="1h") as session:     # or Session(backend, max_time=3600)
        job = session.run(circuit)                          # or backend.run(circuit, session=session)
    with backend.open_batch() as batch:
        jobs = [batch.estimate(circuit, "ZZ") for circuit in circuits]
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.jobs_query import JobQuery, list_jobs
from ibmq_widgets.client.session import RetryMode

if TYPE_CHECKING:
    from ibmq_widgets.client.backend import IBMQBackend
    from ibmq_widgets.client.job import IBMQJob
    from ibmq_widgets.client.provider import AccountProvider

__all__ = ["Batch", "Session", "parse_max_time", "session_id_for", "session_refusal"]

logger = logging.getLogger(__name__)

_DURATION = re.compile(r"\s*(\d+)\s*([dhms])\s*")
_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}


def parse_max_time(max_time: Any) -> int | None:
    """``max_time`` as whole seconds: a positive number of seconds or a duration such as ``"2h 30m 40s"``.

    Raises
    ------
    IBMQSessionValueError
        If it is not positive, not finite or not readable.
    """
    if max_time is None:
        return None
    seconds: float | None = None
    if isinstance(max_time, (int, float)) and not isinstance(max_time, bool):
        seconds = float(max_time)
    elif isinstance(max_time, str):
        text = max_time.strip()
        if text.isdigit():
            seconds = float(text)
        elif text and _DURATION.sub("", text) == "":
            seconds = float(sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(text)))
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise exc.IBMQSessionValueError(
            f"max_time must be a positive number of seconds or a duration such as '2h 30m', not {max_time!r}"
        )
    return math.ceil(seconds)


class Session:
    """A session: jobs of one backend that the platform runs one after another, without other users' jobs
    in between (``mode="dedicated"``).

    Opening one sends ``POST /sessions``; ``with`` closes it on the way out. Submit jobs with
    :meth:`run` and :meth:`estimate`, or ``backend.run(..., session=session)``.

    Parameters
    ----------
    backend : IBMQBackend
        The backend every job of the session runs on.
    max_time : int, float or str, optional
        The longest the session may stay open, in seconds or as ``"2h 30m 40s"``; the platform's own
        maximum applies when None.

    Raises
    ------
    IBMQSessionValueError
        If ``max_time`` is not positive (nothing is sent).
    IBMQSessionError
        If the service offers no sessions.
    """

    #: The ``mode`` sent to ``POST /sessions``.
    mode: ClassVar[str] = "dedicated"
    _kind: ClassVar[str] = "session"

    def __init__(self, backend: IBMQBackend, max_time: int | float | str | None = None) -> None:
        self._setup(backend, parse_max_time(max_time))
        self._session_id = self._create()

    def _setup(self, backend: IBMQBackend, max_time: int | None) -> None:
        self._session_id = "(not opened)"
        if not hasattr(backend, "provider") or not hasattr(backend, "name"):
            raise exc.IBMQSessionValueError(
                f"a {self._kind} needs an IBMQBackend (provider.get_backend(...)), not {type(backend).__name__}"
            )
        self._backend = backend
        self._provider: AccountProvider = backend.provider()
        self._max_time = max_time
        self._lock = threading.Lock()
        self._closed = False  # closed or cancelled by this client (the service may also end it)

    def _create(self) -> str:
        body: dict[str, Any] = {
            "mode": self.mode,
            "backend": self._backend.name(),
            "instance": self._provider.crn,
        }
        if self._max_time:
            body["max_ttl"] = self._max_time
        try:
            answer = self._provider.session.request("POST", "/sessions", json=body).json()
        except exc.IBMQNotFoundError as error:
            raise exc.IBMQSessionError(
                f"{self._provider.session.host} offers no sessions or batches ({error.message}); "
                "run the jobs without one"
            ) from None
        return str(answer["id"])

    @classmethod
    def from_id(cls, session_id: str, provider: AccountProvider) -> Session:
        """The session (or batch, called on :class:`Batch`) with this id, e.g. ``job.session_id()``.

        Raises
        ------
        IBMQSessionError
            If the provider has no such session.
        IBMQSessionValueError
            If it is of the other mode (a batch asked for as a session, or the reverse).
        """
        raw = _details(provider, session_id, cls._kind)
        mode = raw.get("mode")
        if mode is not None and mode != cls.mode:
            raise exc.IBMQSessionValueError(
                f"{session_id} is a {'batch' if mode == 'batch' else 'session'} ({mode!r}), not a {cls._kind}; "
                f"use {'Batch' if mode == 'batch' else 'Session'}.from_id()"
            )
        backend = provider.backends.backend_for(str(raw.get("backend_name") or raw.get("backend")))
        session = cls.__new__(cls)
        session._setup(backend, raw.get("max_ttl"))
        session._session_id = str(session_id)
        session._closed = raw.get("state") == "closed" or raw.get("accepting_jobs") is False
        return session

    # --- identity -------------------------------------------------------------------------------------------
    @property
    def session_id(self) -> str:
        """The session's id (jobs carry it as ``job.session_id()``)."""
        return self._session_id

    @property
    def max_time(self) -> int | None:
        """The longest the session may stay open, in seconds, as asked for (None: the platform's maximum)."""
        return self._max_time

    @property
    def accepting_jobs(self) -> bool:
        """Whether this client may still submit jobs to it: False once closed or cancelled here (no request;
        ``details()["accepting_jobs"]`` asks the service)."""
        with self._lock:
            return not self._closed

    def backend(self) -> IBMQBackend:
        """The backend the session's jobs run on."""
        return self._backend

    def backend_name(self) -> str:
        """The name of the session's backend."""
        return self._backend.name()

    def provider(self) -> AccountProvider:
        """The provider (instance) the session belongs to."""
        return self._provider

    def __repr__(self) -> str:
        state = "accepting jobs" if self.accepting_jobs else "closed"
        return f"<{type(self).__name__} {self._session_id} on {self.backend_name()} ({self.mode}, {state})>"

    # --- what the service says ------------------------------------------------------------------------------
    def details(self) -> dict[str, Any]:
        """The session as the service describes it (one request), with qiskit-ibm-runtime's keys.

        Returns
        -------
        dict
            ``id``, ``backend_name``, ``interactive_timeout``, ``max_time``, ``active_timeout``, ``state``
            (open, active, inactive, closed), ``accepting_jobs``, ``last_job_started``, ``last_job_completed``,
            ``started_at``, ``closed_at``, ``activated_at``, ``mode``, ``usage_time`` (seconds),
            ``timestamps``; the dates as the service wrote them (ISO 8601).
        """
        raw = _details(self._provider, self._session_id, self._kind)
        return {
            "id": raw.get("id", self._session_id),
            "backend_name": raw.get("backend_name") or raw.get("backend"),
            "interactive_timeout": raw.get("interactive_ttl"),
            "max_time": raw.get("max_ttl"),
            "active_timeout": raw.get("active_ttl"),
            "state": raw.get("state"),
            "accepting_jobs": raw.get("accepting_jobs"),
            "last_job_started": raw.get("last_job_started"),
            "last_job_completed": raw.get("last_job_completed"),
            "started_at": raw.get("started_at"),
            "closed_at": raw.get("closed_at"),
            "activated_at": raw.get("activated_at"),
            "mode": raw.get("mode"),
            "usage_time": raw.get("elapsed_time", raw.get("usage_time")),
            "timestamps": raw.get("timestamps") or [],
        }

    def status(self) -> str | None:
        """``"Pending"``, ``"In progress, accepting new jobs"``, ``"In progress, not accepting new jobs"`` or
        ``"Closed"`` (one request; qiskit-ibm-runtime's wording)."""
        details = self.details()
        state, accepting = details.get("state"), details.get("accepting_jobs")
        if not state:
            return None
        if state in ("open", "inactive"):
            return "Pending"
        if (state == "active" and accepting) or state == "pending_inactive":
            return "In progress, accepting new jobs"
        if (state == "active" and not accepting) or state == "pending_closed":
            return "In progress, not accepting new jobs"
        return str(state).capitalize()

    def usage(self) -> float | None:
        """Seconds of the session's usage so far (one request), or None while the service does not say.

        A session's usage runs from its first job's start until it ends; a batch's is the time its jobs spent
        on the device.
        """
        seconds = self.details().get("usage_time")
        return float(seconds) if isinstance(seconds, (int, float)) else None

    def jobs(self, limit: int | None = None, status: Any = None, descending: bool = True) -> list[IBMQJob]:
        """The session's jobs, newest first (one request per page of ``GET /jobs?session_id=``).

        Parameters
        ----------
        limit : int, optional
            At most this many (None: all).
        status : JobStatus, str or list of them, optional
            Only jobs in these states.
        descending : bool
            Newest first (False: oldest first).
        """
        query = JobQuery(limit=limit, status=status, descending=descending, session_id=self._session_id)
        return list_jobs(self._provider, query)

    # --- submitting -----------------------------------------------------------------------------------------
    def run(self, circuits: Any, **options: Any) -> IBMQJob:
        """``backend.run(circuits, ...)`` in this session: a Sampler job (arguments as for
        :meth:`IBMQBackend.run`)."""
        return self._backend.run(circuits, session=self, **options)

    def estimate(self, circuits: Any, observables: Any, **options: Any) -> IBMQJob:
        """``backend.estimate(circuits, observables, ...)`` in this session: an Estimator job (arguments as for
        :meth:`IBMQBackend.estimate`)."""
        return self._backend.estimate(circuits, observables, session=self, **options)

    # --- ending it ------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Accept no more jobs (``PATCH accepting_jobs: false``); its queued and running jobs still finish.

        Closing twice sends one request; a session the service no longer knows counts as closed.
        """
        with self._lock:
            if self._closed:
                return
        # a session the service no longer knows (expired, cancelled elsewhere) is closed all the same
        with contextlib.suppress(exc.IBMQNotFoundError):
            self._provider.session.request(
                "PATCH", f"/sessions/{self._session_id}", json={"accepting_jobs": False}, retry=RetryMode.SAFE
            )
        with self._lock:
            self._closed = True

    def cancel(self) -> None:
        """Stop now (``DELETE /sessions/{id}/close``): queued jobs are cancelled, no new ones are accepted."""
        self._provider.session.request("DELETE", f"/sessions/{self._session_id}/close")
        with self._lock:
            self._closed = True

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.close()
        except exc.IBMQError:
            if exc_type is None:
                raise
            # the error that ended the block matters more than a failed close
            logger.warning("closing %s %s failed", self._kind, self._session_id, exc_info=True)


class Batch(Session):
    """A batch: independent jobs of one backend that the platform may run in any order, with their classical
    work done in parallel (``mode="batch"``); ``backend.open_batch()`` opens one. Otherwise a :class:`Session`.
    """

    mode: ClassVar[str] = "batch"
    _kind: ClassVar[str] = "batch"


def _details(provider: AccountProvider, session_id: str, kind: str) -> dict[str, Any]:
    if not isinstance(session_id, str) or not session_id.strip() or "/" in session_id:
        raise exc.IBMQSessionValueError(
            f"{session_id!r} is not a session id; ids come from session.session_id"
        )
    try:
        raw = provider.session.get_json(f"/sessions/{session_id}")
    except exc.IBMQNotFoundError:
        raise exc.IBMQSessionError(f"{provider.instance_name} has no {kind} {session_id!r}") from None
    return raw if isinstance(raw, dict) else {}


def session_id_for(session: Any, backend: IBMQBackend) -> str | None:
    """The ``session_id`` a job for ``backend`` carries in ``session``, checked before anything is sent.

    Raises
    ------
    IBMQSessionValueError
        If ``session`` is not a Session or Batch, or holds another backend.
    IBMQSessionClosedError
        If this client closed or cancelled it.
    """
    if session is None:
        return None
    if not isinstance(session, Session):
        raise exc.IBMQSessionValueError(
            f"session must be a Session or Batch (backend.open_session(), backend.open_batch()), "
            f"not {type(session).__name__}"
        )
    if session.backend() != backend:
        raise exc.IBMQSessionValueError(
            f"{session._kind} {session.session_id} runs on {session.backend_name()} of "
            f"{session.provider().instance_name}, not {backend.name()}; open one on {backend.name()}"
        )
    if not session.accepting_jobs:
        raise exc.IBMQSessionClosedError(
            f"{session._kind} {session.session_id} is closed and accepts no more jobs; "
            f"open a new one with backend.open_{session._kind}()"
        )
    return session.session_id


def session_refusal(error: exc.IBMQError, session_id: str) -> exc.IBMQSessionError | None:
    """The clear error for a submission the service refused because of its session, else None.

    The client cannot know every way a session ends (its max_time passes, another process closes it); the
    service then answers the job with a 4xx naming the session.
    """
    status = getattr(error, "status", None)
    if not isinstance(status, int) or not 400 <= status < 500 or status in (401, 429):
        return None
    text = f"{getattr(error, 'code', '') or ''} {getattr(error, 'message', None) or error}".lower()
    ended = any(word in text for word in ("closed", "accepting", "expired", "cancel", "inactive", "ended"))
    if not ended and "session" not in text and "batch" not in text:
        return None
    cls = exc.IBMQSessionClosedError if ended else exc.IBMQSessionError
    return cls(
        f"the job was refused for session {session_id}: {error}. "
        + ("Open a new session or batch and submit again" if ended else "Check the session id")
    )
