"""ManagedJobSet: the jobs one ``IBMQJobManager.run()`` made, handled as one."""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Sequence
from typing import Any

from ibmq_widgets.client import presentation
from ibmq_widgets.exceptions import IBMQJobFailureError, IBMQJobManagerValueError

from . import tags as tagging
from .collector import ResultCollector
from .encoding import encode_job, send_job
from .managed_job import ManagedJob, SubmitState
from .progress import make_progress
from .report import format_error_messages, format_report, submission_counts
from .results import ManagedResults, experiment_names, locate_experiment
from .split import split_ranges
from .submitter import DEFAULT_CONCURRENT_JOBS, JobSlots, Submitter

__all__ = ["ManagedJobSet"]

LIST_PAGE_LIMIT = 10_000  # the client pages a list request; a set never has more jobs than this


class ManagedJobSet:
    """A set of jobs, split from one list of experiments, submitted and read as one.

    Made by ``IBMQJobManager.run()`` or ``IBMQJobManager.retrieve_job_set()``; every job carries the set's
    tags (see :mod:`ibmq_widgets.client.managed.tags`), so the set can be found again from any process.

    Parameters
    ----------
    name : str, optional
        The set's name; by default ``jobset_<UTC date and time>``.
    job_set_id : str, optional
        The id of an existing set (when retrieving one); a new id by default.
    """

    def __init__(self, name: str | None = None, job_set_id: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise IBMQJobManagerValueError(f"a job set name must be a non-empty string, got {name!r}")
        self._name = name or f"jobset_{_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')}"
        self._id = job_set_id or tagging.new_job_set_id()
        self._tags: list[str] = []
        self._jobs: list[ManagedJob] = []
        self._backend: Any = None
        self._provider: Any = None
        self._num_experiments = 0
        self._submitter: Submitter | None = None
        self._session: Any = None
        self._results: ManagedResults | None = None
        self._lock = threading.Lock()

    # --- making a set ---------------------------------------------------------------------------------------
    def _submit(
        self,
        experiments: list,
        backend: Any,
        size: int,
        job_tags: list[str],
        progress: bool,
        run_config: dict[str, Any],
        max_concurrent_jobs: int = DEFAULT_CONCURRENT_JOBS,
        session: Any = None,
        slots: JobSlots | None = None,
    ) -> None:
        """Split ``experiments`` into jobs of ``size`` and start submitting them.

        Returns once every job is submitted or waits for a slot; those are sent in the background later.
        ``session`` is the Batch or Session the manager opened for the set: every job joins it, closed once
        the last job is submitted. ``slots``: the job limit the manager read (None: the submitter asks).
        """
        # Long because show() and encode() are closures over the set, its bar and its submitter, which the
        # submitter calls back from its threads; as methods they would need all of that passed in.
        self._backend = backend
        self._provider = backend.provider()
        self._tags = list(job_tags)
        self._num_experiments = len(experiments)
        ranges = split_ranges(len(experiments), size)
        self._jobs = [
            ManagedJob(index, first, last, experiments[first : last + 1])
            for index, (first, last) in enumerate(ranges)
        ]
        total = len(self._jobs)
        bar = make_progress("Submitting", enabled=progress, total=total)

        def show() -> None:
            # read before counting: once the submitter is done, the counts below are final
            finished = self._submitter is not None and self._submitter.done()
            sent, waiting, failed = submission_counts(self._jobs)
            parts = [f"{waiting} waiting for a slot" if waiting else "", f"{failed} failed" if failed else ""]
            parts.append(self._submitter.rate_note() if self._submitter else "")  # "rate limited, retrying.."
            bar.update(sent, total, ", ".join(part for part in parts if part))
            if finished:
                bar.close(ok=not failed)  # the final state, drawn even after run() returned

        def encode(mjob: ManagedJob) -> Any:
            info = tagging.JobSetTags(
                self._id, mjob.index, mjob.first, mjob.last, self._name, total, self._num_experiments
            )
            return encode_job(backend, mjob, info, self._tags, run_config, session)

        self._session = session
        self._submitter = Submitter(
            backend,
            self._jobs,
            encode,
            send_job,
            on_change=show,
            max_concurrent_jobs=max_concurrent_jobs,
            on_done=session.close if session is not None else None,
            slots=slots,
        )
        self._submitter.start()
        # return once every job is submitted or waits for a slot; the pacer sends the waiting ones later
        self._wait_until_paced()
        show()
        if not bar.live:
            # A terminal line cannot be redrawn once the prompt is back: end it, saying what happens next. A
            # notebook bar stays open and the submitter's last show() closes it.
            waiting = submission_counts(self._jobs)[1]
            bar.close(f"{waiting} waiting for a slot (sent in the background)" if waiting else "")

    def _wait_until_paced(self) -> None:
        submitter = self._submitter
        while submitter is not None and not submitter.wait(0.05):
            if all(
                mjob.submit_state in (SubmitState.SUBMITTED, SubmitState.FAILED, SubmitState.WAITING_FOR_SLOT)
                for mjob in self._jobs
            ):
                return

    @classmethod
    def rebuilt(
        cls,
        job_set_id: str,
        *,
        name: str | None,
        provider: Any,
        backend: Any,
        tags: Sequence[str],
        num_experiments: int,
        managed_jobs: Sequence[ManagedJob],
    ) -> ManagedJobSet:
        """A set made again from what its jobs' tags say (see ``retrieve.rebuild_job_set``); nothing is sent.

        Parameters
        ----------
        job_set_id : str
            The set's id.
        name : str, optional
            The set's name (a default name when None).
        provider : AccountProvider
            The provider that ran it.
        backend : IBMQBackend
            The backend it ran on.
        tags : sequence of str
            The user's tags of its jobs.
        num_experiments : int
            How many experiments the set holds.
        managed_jobs : sequence of ManagedJob
            One per job index, in order (a job never submitted included, as MISSING).
        """
        job_set = cls(name=name, job_set_id=job_set_id)
        job_set._provider, job_set._backend = provider, backend
        job_set._tags = list(tags)
        job_set._num_experiments = num_experiments
        job_set._jobs = list(managed_jobs)
        return job_set

    # --- identity -------------------------------------------------------------------------------------------
    def job_set_id(self) -> str:
        """The set's id, for ``IBMQJobManager.retrieve_job_set()``."""
        return self._id

    def id(self) -> str:
        """The set's id (the seed's older name for ``job_set_id()``)."""
        return self._id

    def name(self) -> str:
        """The set's name."""
        return self._name

    def tags(self) -> list[str]:
        """The tags the user gave the set's jobs (without the job manager's own)."""
        return list(self._tags)

    def backend(self) -> Any:
        """The backend the set runs on."""
        return self._backend

    def num_experiments(self) -> int:
        """How many experiments the set holds."""
        return self._num_experiments

    def session(self) -> Any:
        """The Batch (``mode="batch"``) or Session the manager opened for the set; None otherwise (and for a
        retrieved set: see ``session_id()``)."""
        return self._session

    def session_id(self) -> str | None:
        """The id of the batch or session the set's jobs ran in, or None (read from a submitted job)."""
        if self._session is not None:
            return self._session.session_id
        job = next((mjob.job for mjob in self._jobs if mjob.job is not None), None)
        reader = getattr(job, "session_id", None)
        return reader() if callable(reader) else None

    # --- jobs -----------------------------------------------------------------------------------------------
    def managed_jobs(self) -> list[ManagedJob]:
        """The set's ManagedJob objects, in order (with their experiment ranges and submission states)."""
        return list(self._jobs)

    def jobs(self) -> list[Any]:
        """The submitted jobs, in order; None where a job could not be (or is not yet) submitted."""
        return [mjob.job for mjob in self._jobs]

    def job(self, experiment: Any) -> tuple[Any, int]:
        """The job holding ``experiment`` and the experiment's index within it.

        Parameters
        ----------
        experiment : int, str or QuantumCircuit
            A global experiment index, an experiment name or a circuit of the set.

        Returns
        -------
        (IBMQJob or None, int)
            The job (None if its submission failed) and the index inside it; with 10 experiments in jobs of 5,
            ``job(7)`` is ``(second job, 2)``.
        """
        names: dict[str, int] | None = None
        if not isinstance(experiment, int):
            names = {}
            for mjob in self._jobs:
                for offset, name in enumerate(experiment_names(mjob)):
                    if name is not None:
                        names.setdefault(name, mjob.first + offset)
        mjob, local = locate_experiment(experiment, self._jobs, [m.first for m in self._jobs], names)
        return mjob.job, local

    def refresh(self) -> None:
        """Update every job's status with one list request for the whole set."""
        if any(mjob.job is not None for mjob in self._jobs):
            listed = self._list_jobs()
            for mjob in self._jobs:
                found = listed.get(mjob.job_id()) if mjob.job is not None else None
                if found is not None:
                    mjob.update_from_listing(found)

    def statuses(self) -> list[Any]:
        """Each job's JobStatus (one list request for all); None where the submission failed."""
        self.refresh()
        return [mjob.status() for mjob in self._jobs]

    def _list_jobs(self) -> dict[str, Any]:
        """One paged list request for the set's jobs (no circuits downloaded): job id -> IBMQJob."""
        jobs = self._provider.backends.jobs(
            limit=max(len(self._jobs), 1),
            job_tags=[f"{tagging.SET_PREFIX}{self._id}"],
        )
        return {job.job_id(): job for job in jobs}

    def wait_for_submission(self, timeout: float | None = None) -> bool:
        """Block until every job is submitted (or failed to be); False if ``timeout`` seconds passed first."""
        return True if self._submitter is None else self._submitter.wait(timeout)

    def cancel(self) -> None:
        """Cancel every job of the set; jobs still waiting for a slot are never submitted."""
        if self._submitter is not None:
            self._submitter.stop()
            self._submitter.wait(30)
        for mjob in self._jobs:
            mjob.cancel()

    # --- results --------------------------------------------------------------------------------------------
    def results(
        self,
        timeout: float | None = None,
        partial: bool = False,
        *,
        wait: float | None = None,
        progress: bool = True,
    ) -> ManagedResults:
        """Wait for every job and return their results as one.

        All jobs are waited for together (one list request per poll for the whole set) and each job's result
        is fetched as soon as that job is done.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait; None waits as long as it takes.
        partial : bool
            False raises if any job failed or was cancelled; True returns the results anyway, and reading an
            experiment of a failed job raises ``IBMQManagedResultDataNotAvailable`` naming the job and why.
        wait : float, optional
            Fixed seconds between polls; by default they adapt (quick while jobs change, slower when not).
        progress : bool
            Show a progress bar (a widget in a notebook, a line on a terminal).

        Raises
        ------
        IBMQJobManagerTimeoutError
            If ``timeout`` passes first. What arrived is kept: calling results() again goes on from there.
        IBMQJobFailureError
            If ``partial`` is False and a job has no result; the message lists the jobs and why.
        """
        with self._lock:
            if self._results is None or not self._results.success:
                bar = make_progress("Results", enabled=progress, total=len(self._jobs))
                collector = ResultCollector(self._jobs, self._list_jobs, bar, self._submitter)
                try:
                    collector.collect(timeout=timeout, wait=wait)
                finally:
                    bar.close()
                self._results = ManagedResults(self, self._jobs, self._backend_name())
            results = self._results
        if not partial and not results.success:
            raise IBMQJobFailureError(
                f"{self.error_messages()}\n"
                "Call results(partial=True) to read the experiments of the other jobs"
            )
        return results

    def _backend_name(self) -> str:
        if self._backend is None:
            return "unknown"
        name = self._backend.name
        return name() if callable(name) else str(name)

    def error_messages(self) -> str | None:
        """Why jobs of the set failed, one block per job (None if none did)."""
        return format_error_messages(f"job set {self._name!r} ({self._id})", self._jobs)

    # --- changing it ----------------------------------------------------------------------------------------
    def update_name(self, name: str) -> str:
        """Rename the set (the ``jobset-name`` tag of every job; job names stay). Returns the new name."""
        if not isinstance(name, str) or not name.strip():
            raise IBMQJobManagerValueError(f"a job set name must be a non-empty string, got {name!r}")
        self._name = name
        self._retag()
        return name

    def update_tags(
        self,
        replacement_tags: list[str] | None = None,
        additional_tags: list[str] | None = None,
        removal_tags: list[str] | None = None,
    ) -> list[str]:
        """Change the user tags of every job of the set; the job manager's own tags stay.

        Parameters
        ----------
        replacement_tags : list of str, optional
            The new tags (replace the current ones); applied first.
        additional_tags : list of str, optional
            Tags to add.
        removal_tags : list of str, optional
            Tags to remove.

        Returns
        -------
        list of str
            The set's tags afterwards.
        """
        tags = self._tags if replacement_tags is None else tagging.validate_user_tags(replacement_tags)
        added = tagging.validate_user_tags(additional_tags)
        removed = set(tagging.validate_user_tags(removal_tags))
        new = [tag for tag in [*tags, *(t for t in added if t not in tags)] if tag not in removed]
        self._tags = list(dict.fromkeys(new))
        self._retag()
        return list(self._tags)

    def _retag(self) -> None:
        tagging.retag(self._jobs, self._id, self._name, self._tags, self._num_experiments)

    # --- reports --------------------------------------------------------------------------------------------
    def report(self, detailed: bool = True) -> str:
        """A text report of the jobs' states (one list request to bring them up to date).

        Parameters
        ----------
        detailed : bool
            True adds one block per job (experiments, index, id, name, status, error).
        """
        self.refresh()
        return format_report(self._jobs, detailed, title=f"Job set name: {self._name}, ID: {self._id}")

    def __repr__(self) -> str:
        return (
            f"<ManagedJobSet {self._name!r} ({self._id}) on {self._backend_name()}: "
            f"{len(self._jobs)} jobs, {self._num_experiments} experiments>"
        )

    def _repr_html_(self) -> str:
        return presentation.html(self)
