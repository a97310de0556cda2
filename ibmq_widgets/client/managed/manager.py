"""IBMQJobManager: run many experiments as a set of jobs, and find sets again by id."""

from __future__ import annotations

import threading
import warnings
from typing import Any

from ibmq_widgets.exceptions import IBMQJobManagerValueError

from . import tags as tagging
from .encoding import MODES, open_mode
from .job_set import LIST_PAGE_LIMIT, ManagedJobSet
from .report import format_job_details, format_status_counts
from .retrieve import rebuild_job_set
from .split import chunk_size, validate_experiments
from .submitter import DEFAULT_CONCURRENT_JOBS, read_job_slots

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
    >>> pubs = [(circuit, "ZZ") for circuit in circuits]              # doctest: +SKIP
    >>> job_set = job_manager.run(pubs, backend, mode="batch", precision=0.01)  # doctest: +SKIP
    >>> job_set.results().expectation_values(0)                       # doctest: +SKIP
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
        max_concurrent_jobs: int = DEFAULT_CONCURRENT_JOBS,
        mode: str = "job",
        **run_config: Any,
    ) -> ManagedJobSet:
        """Run ``experiments`` on ``backend`` as a set of jobs.

        The experiments are cut into contiguous jobs. By default the job manager chooses their size: it reads
        the job limit in force for the instance on ``backend`` (one ``backend.job_limit()`` request: the local
        service publishes its maximum; the IBM Quantum Platform publishes none, and ``max_concurrent_jobs``
        stands in for it) and spreads the experiments over that many jobs, ``ceil(len(experiments) / limit)``
        each, never more than the backend configuration's ``max_experiments``. With the default limit of 5,
        1,000 circuits become 5 jobs of 200 that all run at once: the fewest submissions, downloads and polls
        for which no job waits for another, which is what "a few big jobs at once, then result()" does by
        hand. A small set is spread over fewer jobs, each of at least ``split.MIN_EXPERIMENTS_PER_JOB`` (50)
        experiments, as a job costs requests of its own: 20 circuits are one job, 120 two of 60.
        ``max_experiments_per_job`` overrides the choice: jobs of ``min(max_experiments_per_job, the
        backend's max_experiments)``, as in the seed.

        Jobs are submitted concurrently, up to the backend's free job slots; when the job limit is reached the
        rest wait for a slot (shown as "waiting for a slot") and are submitted in the background as earlier
        jobs finish. A job that cannot be submitted leaves None in ``jobs()`` and an error in
        ``error_messages()``; the other jobs go on. ``results()`` then follows the whole set with one list
        request per poll (filtered on the set's tag) and fetches each job's result once it is done.

        Parameters
        ----------
        experiments : QuantumCircuit, list of QuantumCircuit, or list of tuples
            Circuits to run as Sampler jobs (counts), or ``(circuit, observables)`` and ``(circuit, observables,
            parameter_values)`` tuples to run as Estimator jobs (expectation values, as ``backend.estimate``
            takes them: ``(bell, "ZZ")``, ``(ansatz, ["ZZ", "XX"], values)``); a set holds one kind.
        backend : IBMQBackend
            Where to run them.
        name : str, optional
            The set's name (each job is named ``<name>_<index>_``).
        max_experiments_per_job : int, optional
            Upper bound of experiments per job; the backend's own maximum always applies. None (the default)
            lets the job manager choose from the job limit, as above.
        job_tags : list of str, optional
            Tags for every job of the set (in addition to the job manager's own).
        progress : bool
            Show submission progress (a widget in a notebook, one line on a terminal).
        max_concurrent_jobs : int
            Where the backend publishes no job limit (the IBM Quantum Platform), at most this many of the
            instance's jobs are kept unfinished on the backend, and the default split makes this many jobs;
            the rest wait for a slot. A 429 from the service
            never fails a job: the set waits as long as asked ("rate limited, retrying in N s") and sends it again.
        mode : {"job", "batch", "session"}
            "batch" opens one batch for the set (``backend.open_batch()``): every job carries its id, and it
            is closed (accepting no more jobs) once every job is submitted. "session" does the same with a
            dedicated session. "job" (the default) submits the jobs on their own.
        **run_config
            Passed to ``backend.run`` (for example ``shots=1024``), or to ``backend.estimate`` for Estimator
            experiments (for example ``precision=0.01``).

        Returns
        -------
        ManagedJobSet
            The set; ``job_set_id()`` finds it again with ``retrieve_job_set``.

        Raises
        ------
        IBMQJobManagerValueError
            For bad experiments, tags, name, ``max_experiments_per_job``, ``max_concurrent_jobs`` or ``mode``;
            nothing is submitted.
        IBMQSessionError
            If ``mode`` asks for a batch or session the service cannot open; nothing is submitted.

        Warns
        -----
        UserWarning
            When every job is refused for the same reason (bad ``shots``, an unknown option): the set holds
            only None jobs and ``error_messages()`` says why.
        """
        # Long only by its docstring, which documents the seed API's parameters and the warning.
        if (
            not isinstance(max_concurrent_jobs, int)
            or isinstance(max_concurrent_jobs, bool)
            or max_concurrent_jobs < 1
        ):
            raise IBMQJobManagerValueError(
                f"max_concurrent_jobs must be a positive integer, not {max_concurrent_jobs!r}"
            )
        if mode not in MODES:
            raise IBMQJobManagerValueError(f"mode must be one of {', '.join(map(repr, MODES))}, not {mode!r}")
        if mode != "job" and run_config.get("session") is not None:
            raise IBMQJobManagerValueError(
                f"pass session= or mode={mode!r}, not both: mode opens its own {mode}"
            )
        circuits = validate_experiments(experiments)
        user_tags = tagging.validate_user_tags(job_tags)
        if not hasattr(backend, "run") or not hasattr(backend, "configuration"):
            raise IBMQJobManagerValueError(
                "backend must be an IBMQBackend (from provider.get_backend(...)), "
                f"got {type(backend).__name__}"
            )
        backend_max = getattr(backend.configuration(), "max_experiments", None)
        # the limit read here sizes the jobs and tells the submitter its first free slots: one request for both
        slots = read_job_slots(backend, max_concurrent_jobs) if max_experiments_per_job is None else None
        total = slots.total if slots is not None else max_concurrent_jobs
        size = chunk_size(backend_max, max_experiments_per_job, len(circuits), slots=total)
        job_set = ManagedJobSet(name=name)
        session = open_mode(backend, mode)  # after every check: a refused set opens nothing
        with self._lock:
            self._job_sets.append(job_set)
        job_set._submit(
            circuits,
            backend,
            size,
            user_tags,
            progress,
            run_config,
            max_concurrent_jobs=max_concurrent_jobs,
            session=session,
            slots=slots,
        )
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
        job_set = rebuild_job_set(job_set_id, listed, provider)
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
