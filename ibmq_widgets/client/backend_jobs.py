"""What a backend does with jobs: run (Sampler) and estimate (Estimator), sessions and batches, listings, and
the instance's job limit on it. :class:`IBMQBackend` has these through :class:`BackendJobs`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.estimator import encode_estimate
from ibmq_widgets.client.jobs_query import JobQuery, list_jobs
from ibmq_widgets.client.sessions import Batch, Session
from ibmq_widgets.client.submission import DEFAULT_SHOTS, encode_run, send_submission

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from ibmq_widgets.client.job import IBMQJob
    from ibmq_widgets.client.provider import AccountProvider

__all__ = ["BackendJobLimit", "BackendJobs"]


@dataclass(frozen=True)
class BackendJobLimit:
    """How many jobs this instance may have unfinished on a backend, and how many it has.

    ``maximum_jobs`` is None when the service does not say (the real platform).
    """

    maximum_jobs: int | None
    active_jobs: int


class BackendJobs:
    """The job methods of :class:`~ibmq_widgets.client.backend.IBMQBackend` (a mixin: it uses the backend's
    provider, name and path)."""

    # what IBMQBackend provides
    _provider: AccountProvider
    _name: str
    _path: str
    is_listed: bool

    # --- submitting -----------------------------------------------------------------------------------------------
    def run(
        self,
        circuits: QuantumCircuit | Sequence[QuantumCircuit],
        shots: int = DEFAULT_SHOTS,
        job_name: str | None = None,
        job_tags: Sequence[str] | None = None,
        session: Session | None = None,
        **options: Any,
    ) -> IBMQJob:
        """Run circuits as one Sampler job; circuits that do not fit the device are transpiled for it first.

        Parameters
        ----------
        circuits : QuantumCircuit or list of QuantumCircuit
            Circuits with measurements; each becomes one experiment of the result, found by index or name.
        shots : int
            Shots per circuit, at most ``configuration().max_shots``.
        job_name : str, optional
            A name to find the job by later (``jobs(job_name=...)``).
        job_tags : list of str, optional
            Tags to find the job by later.
        session : Session or Batch, optional
            Run the job in this session or batch of this backend (``open_session()``, ``open_batch()``).
        **options
            ``seed_simulator`` (simulators), ``optimization_level`` and ``seed_transpiler`` (transpilation),
            ``max_execution_time`` (seconds the job may run before the service fails it).

        Raises
        ------
        IBMQBackendValueError
            If an argument or circuit cannot run here (checked before anything is sent).
        IBMQSessionClosedError
            If ``session`` is closed (checked before anything is sent, or refused by the service).
        IBMQBackendJobLimitError
            If the instance has as many unfinished jobs on the backend as it may.
        """
        return send_submission(encode_run(self, circuits, shots, job_name, job_tags, session, **options))

    def estimate(
        self,
        circuits: QuantumCircuit | Sequence[QuantumCircuit],
        observables: Any,
        parameter_values: Any = None,
        precision: float | None = None,
        job_name: str | None = None,
        job_tags: Sequence[str] | None = None,
        session: Session | None = None,
        **options: Any,
    ) -> IBMQJob:
        """Estimate expectation values of observables as one Estimator job (qiskit's EstimatorV2 pubs).

        Circuits that do not fit the device are transpiled for it, and their observables follow the layout;
        final measurements are dropped. ``job.result()`` is an :class:`EstimatorResult`.

        Parameters
        ----------
        circuits : QuantumCircuit or list of QuantumCircuit
            The states to measure the observables of; each becomes one pub.
        observables
            For one circuit: an observable (``"ZZ"``, ``SparsePauliOp``, ``Pauli``, ``{"ZZ": 1.0}``) or an
            (nested) list of them. For a list of circuits: one such entry per circuit, or one observable for
            all. Each observable is as wide as its circuit (or, for a circuit already transpiled, as the device).
        parameter_values : array-like, optional
            For one circuit: values of shape ``(..., number of parameters)`` (parameters in sorted order), or
            a dict ``{parameter: values}``. For a list of circuits: one entry per circuit (None without
            parameters). Broadcast against the observables as numpy does.
        precision : float, optional
            The standard error to aim for (> 0); the service's default when None.
        job_name, job_tags, session, **options
            As for :meth:`run` (``seed_simulator``, ``optimization_level``, ``seed_transpiler``,
            ``max_execution_time``).

        Raises
        ------
        IBMQBackendValueError
            For an observable of another width than its circuit, parameter values of the wrong shape, a
            precision not above 0 (all checked before anything is sent), or what :meth:`run` refuses.
        IBMQSessionClosedError
            If ``session`` is closed.

        Examples
        --------
        >>> job = backend.estimate(bell, ["ZZ", "XX"], precision=0.01)        # doctest: +SKIP
        >>> job.result().expectation_values(0)                               # doctest: +SKIP
        array([0.99, 0.98])
        """
        encoded = encode_estimate(
            self, circuits, observables, parameter_values, precision, job_name, job_tags, session, **options
        )
        return send_submission(encoded)

    def open_session(self, max_time: int | float | str | None = None) -> Session:
        """Open a session on this backend (``POST /sessions``, mode "dedicated"); use it with ``with``.

        Parameters
        ----------
        max_time : int, float or str, optional
            The longest it may stay open, in seconds or as ``"2h 30m"``.

        Raises
        ------
        IBMQSessionValueError
            If ``max_time`` is not positive (nothing is sent).
        """
        return Session(self, max_time)  # type: ignore[arg-type]

    def open_batch(self, max_time: int | float | str | None = None) -> Batch:
        """Open a batch on this backend (``POST /sessions``, mode "batch"); see :meth:`open_session`."""
        return Batch(self, max_time)  # type: ignore[arg-type]

    def jobs(
        self,
        limit: int | None = 10,
        skip: int = 0,
        status: Any = None,
        job_name: str | None = None,
        start_datetime: datetime | None = None,
        end_datetime: datetime | None = None,
        job_tags: Sequence[str] | None = None,
        job_tags_operator: str = "OR",
        descending: bool = True,
    ) -> list[IBMQJob]:
        """Jobs of this backend, newest first; one request per page of the listing.

        Parameters
        ----------
        limit, skip, status, job_name, start_datetime, end_datetime, job_tags, job_tags_operator, descending
            As for ``provider.backends.jobs`` (see :class:`~ibmq_widgets.client.jobs_query.JobQuery`).

        Returns
        -------
        list of IBMQJob
            The jobs of this backend only, retired or not.

        Raises
        ------
        IBMQJobValueError
            For a bad filter, before anything is sent.
        """
        filters = {name: value for name, value in locals().items() if name != "self"}  # JobQuery's fields
        return list_jobs(self._provider, JobQuery(backend_name=self._name, **filters))

    def active_jobs(self, limit: int | None = None) -> list[IBMQJob]:
        """Unfinished (queued or running) jobs of this instance on this backend."""
        return list_jobs(self._provider, JobQuery(limit=limit, backend_name=self._name, pending=True))

    def retrieve_job(self, job_id: str) -> IBMQJob:
        """The job with this id, which must have run on this backend.

        Raises
        ------
        IBMQJobNotFound
            If the provider has no such job.
        IBMQBackendError
            If the job ran on another backend.
        """
        job = self._provider.backends.retrieve_job(job_id)
        if job.backend_name() != self._name:
            raise exc.IBMQBackendError(
                f"job {job_id} ran on {job.backend_name()!r}, not {self._name!r}; "
                "use provider.backends.retrieve_job() to get it"
            )
        return job

    def job_limit(self) -> BackendJobLimit:
        """How many jobs this instance may have unfinished on the backend, and how many it has.

        The maximum is a local service's extension: on the IBM Quantum Platform, which publishes no per-backend
        limit, ``maximum_jobs`` is None (and no request is made for it); ``active_jobs`` is then counted from
        one list of this backend's pending jobs.
        """
        if not self._provider.is_local_service:
            return BackendJobLimit(maximum_jobs=None, active_jobs=len(self.active_jobs()))
        try:
            body = self._provider.session.get_json(f"{self._path}/job_limit")
        except (exc.IBMQNotFoundError, exc.IBMQBackendNotFound):
            if not self.is_listed:
                raise
            # the real platform has no such endpoint: count the active jobs ourselves
            return BackendJobLimit(maximum_jobs=None, active_jobs=len(self.active_jobs()))
        return BackendJobLimit(
            maximum_jobs=body.get("maximum_jobs"), active_jobs=int(body.get("running_jobs", 0))
        )

    def remaining_jobs_count(self) -> int | None:
        """Jobs that may still be submitted before the limit, or None where no limit is known (always on the
        IBM Quantum Platform, which publishes none)."""
        limit = self.job_limit()
        if limit.maximum_jobs is None:
            return None
        return max(limit.maximum_jobs - limit.active_jobs, 0)
