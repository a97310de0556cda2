"""IBMQJobManager: run many experiments as a set of jobs, and find sets again by id."""

from __future__ import annotations

import threading
import warnings
from typing import Any

from ibmq_widgets.exceptions import IBMQJobManagerValueError

from . import tags as tagging
from .job_set import LIST_PAGE_LIMIT, ManagedJobSet
from .report import format_job_details, format_status_counts
from .split import chunk_size, validate_experiments

__all__ = ["IBMQJobManager"]


class IBMQJobManager:
    """Splits experiments into jobs, submits them paced by the backend's job limit and reads them back as one.

    Examples
    --------
    >>> from ibmq_widgets.managed import IBMQJobManager               # doctest: +SKIP
    >>> job_manager = IBMQJobManager()                                # doctest: +SKIP
    >>> job_set = job_manager.run(circuits, backend, name="bar", max_experiments_per_job=2)  # doctest: +SKIP
    >>> print(job_set.report())                                       # doctest: +SKIP
    >>> counts = job_set.results().get_counts(1)                      # doctest: +SKIP
    >>> same = job_manager.retrieve_job_set(job_set.job_set_id(), provider)  # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._job_sets: list[ManagedJobSet] = []
        self._lock = threading.Lock()

    def run(
        self,
        experiments: Any,
        backend: Any,
        name: str | None = None,
        max_experiments_per_job: int | None = None,
        job_tags: list[str] | None = None,
        *,
        progress: bool = True,
        **run_config: Any,
    ) -> ManagedJobSet:
        """Run ``experiments`` on ``backend`` as a set of jobs.

        The experiments are cut into contiguous jobs of at most ``min(max_experiments_per_job, the backend's
        max_experiments)``. Jobs are submitted a few at a time, up to the backend's free job slots; when the
        job limit is reached the rest wait for a slot (shown as "waiting for a slot") and are submitted in the
        background as earlier jobs finish. A job that cannot be submitted leaves None in ``jobs()`` and an
        error in ``error_messages()``; the other jobs go on.

        Parameters
        ----------
        experiments : QuantumCircuit or list of QuantumCircuit
            The circuits to run.
        backend : IBMQBackend
            Where to run them.
        name : str, optional
            The set's name (each job is named ``<name>_<index>_``).
        max_experiments_per_job : int, optional
            Upper bound of experiments per job; the backend's own maximum always applies.
        job_tags : list of str, optional
            Tags for every job of the set (in addition to the job manager's own).
        progress : bool
            Show submission progress (a widget in a notebook, one line on a terminal).
        **run_config
            Passed to ``backend.run`` (for example ``shots=1024``).

        Returns
        -------
        ManagedJobSet
            The set; ``job_set_id()`` finds it again with ``retrieve_job_set``.

        Raises
        ------
        IBMQJobManagerValueError
            For bad experiments, tags, name or ``max_experiments_per_job``; nothing is submitted.

        Warns
        -----
        UserWarning
            When every job is refused for the same reason (bad ``shots``, an unknown option): the set holds
            only None jobs and ``error_messages()`` says why.
        """
        circuits = validate_experiments(experiments)
        user_tags = tagging.validate_user_tags(job_tags)
        if not hasattr(backend, "run") or not hasattr(backend, "configuration"):
            raise IBMQJobManagerValueError(
                "backend must be an IBMQBackend (from provider.get_backend(...)), "
                f"got {type(backend).__name__}"
            )
        backend_max = getattr(backend.configuration(), "max_experiments", None)
        size = chunk_size(backend_max, max_experiments_per_job, len(circuits))
        job_set = ManagedJobSet(name=name)
        with self._lock:
            self._job_sets.append(job_set)
        job_set._submit(circuits, backend, size, user_tags, progress, run_config)
        errors = {mjob.submit_error for mjob in job_set.managed_jobs()}
        if all(job is None for job in job_set.jobs()) and len(errors) == 1:
            # one error for every job (bad shots, an unknown option): say it now, not only in error_messages()
            warnings.warn(
                f"no job of set {job_set.name()!r} could be submitted: {errors.pop()}; "
                "see job_set.error_messages()",
                stacklevel=2,
            )
        return job_set

    def job_sets(self, name: str | None = None) -> list[ManagedJobSet]:
        """The job sets this manager ran or retrieved, optionally only those called ``name``."""
        with self._lock:
            sets = list(self._job_sets)
        return [job_set for job_set in sets if name is None or job_set.name() == name]

    def retrieve_job_set(self, job_set_id: str, provider: Any, refresh: bool = False) -> ManagedJobSet:
        """Find a job set again by its id, from this or any other process.

        One paged list request for the jobs tagged with the set's id; no circuits are downloaded, and
        cancelled and failed jobs are kept (their experiments say why they have no result).

        Parameters
        ----------
        job_set_id : str
            ``job_set.job_set_id()`` of the set.
        provider : AccountProvider
            The provider (hub/group/project) that ran the set.
        refresh : bool
            Ask the service again even if this manager already knows the set.

        Raises
        ------
        IBMQJobManagerUnknownJobSet
            If no job of that provider carries the set's id.
        """
        if not isinstance(job_set_id, str) or not job_set_id:
            raise IBMQJobManagerValueError(f"job_set_id must be a non-empty string, got {job_set_id!r}")
        with self._lock:
            known = next((js for js in self._job_sets if js.job_set_id() == job_set_id), None)
        if known is not None and not refresh:
            return known
        listed = provider.backends.jobs(limit=LIST_PAGE_LIMIT, job_tags=[f"{tagging.SET_PREFIX}{job_set_id}"])
        job_set = ManagedJobSet._from_listed(job_set_id, listed, provider)
        with self._lock:
            self._job_sets = [js for js in self._job_sets if js.job_set_id() != job_set_id]
            self._job_sets.append(job_set)
        return job_set

    def report(self, detailed: bool = True) -> str:
        """A text report on every job of every set of this manager (one list request per set)."""
        sets = self.job_sets()
        for job_set in sets:
            job_set.refresh()
        all_jobs = [mjob for job_set in sets for mjob in job_set.managed_jobs()]
        lines = ["Summary report:", *format_status_counts(all_jobs)]
        if detailed:
            lines.append("")
            lines.append("Detail report:")
            for job_set in sets:
                lines.append(f"  Job set name: {job_set.name()}, ID: {job_set.job_set_id()}")
                lines.extend(f"  {line}" for line in format_job_details(job_set.managed_jobs()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<IBMQJobManager with {len(self._job_sets)} job sets>"
