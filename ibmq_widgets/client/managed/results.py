"""ManagedResults: the results of a job set read as one, by global experiment index, name or circuit."""

from __future__ import annotations

import bisect
import warnings
from collections.abc import Sequence
from typing import Any

from ibmq_widgets.exceptions import (
    IBMQJobManagerInvalidStateError,
    IBMQJobManagerValueError,
    IBMQManagedResultDataNotAvailable,
)

from .managed_job import ManagedJob

__all__ = ["DATAFRAME_COLUMNS", "ManagedResults", "locate_experiment"]

DATAFRAME_COLUMNS = ("index", "name", "job_index", "job_id", "status", "counts")


def locate_experiment(
    experiment: Any, managed_jobs: Sequence[ManagedJob], starts: Sequence[int], names: dict[str, int] | None
) -> tuple[ManagedJob, int]:
    """The job holding ``experiment`` (a global index, a name or a circuit) and its index within that job.

    ``starts`` are the jobs' first global indices, in order; ``names`` maps experiment names to global indices
    (None when the names are not known).

    Raises
    ------
    IBMQJobManagerValueError
        If no experiment matches (an index out of range, an unknown name).
    """
    if isinstance(experiment, bool):
        raise IBMQJobManagerValueError(
            f"experiment must be an index, a name or a circuit, got {experiment!r}"
        )
    if isinstance(experiment, int):
        total = managed_jobs[-1].last + 1 if managed_jobs else 0
        index = experiment + total if experiment < 0 else experiment
        if not 0 <= index < total:
            raise IBMQJobManagerValueError(
                f"experiment index {experiment} is out of range; the set has {total} experiments"
            )
        position = bisect.bisect_right(starts, index) - 1
        mjob = managed_jobs[position]
        return mjob, index - mjob.first
    name = getattr(experiment, "name", None) if not isinstance(experiment, str) else experiment
    if not isinstance(name, str):
        raise IBMQJobManagerValueError(
            f"experiment must be an index, a name or a circuit, got {type(experiment).__name__}"
        )
    if not isinstance(experiment, str):
        # the very circuit object that was submitted is found even when several circuits share its name
        for mjob in managed_jobs:
            for local, submitted in enumerate(mjob.experiments or ()):
                if submitted is experiment:
                    return mjob, local
    if names is None or name not in names:
        known = (
            ""
            if names is None
            else f"; names known: {', '.join(list(names)[:5])}{' ...' if len(names) > 5 else ''}"
        )
        raise IBMQJobManagerValueError(f"no experiment named {name!r} in this job set{known}")
    return locate_experiment(names[name], managed_jobs, starts, None)


def experiment_names(mjob: ManagedJob) -> list[str | None]:
    """The names of a job's experiments: from its circuits if submitted here, else from its result."""
    if mjob.experiments is not None:
        return [circuit.name for circuit in mjob.experiments]
    if mjob.result_data is not None:
        return [getattr(getattr(item, "header", None), "name", None) for item in mjob.result_data.results]
    return [None] * mjob.num_experiments


class ManagedResults:
    """The results of a managed job set.

    Experiments are addressed as in the client's ``Result``: by global index (0 to the set's size - 1), by
    name or by the circuit itself. With ``results(partial=True)``, an experiment whose job failed or was
    cancelled raises
    ``IBMQManagedResultDataNotAvailable`` naming the job and its reason; the others work.

    Attributes
    ----------
    success : bool
        Whether every job of the set succeeded.
    backend_name : str
        The backend the set ran on.
    """

    def __init__(self, job_set: Any, managed_jobs: Sequence[ManagedJob], backend_name: str) -> None:
        self._job_set = job_set
        self._jobs = sorted(managed_jobs, key=lambda mjob: mjob.index)
        self._starts = [mjob.first for mjob in self._jobs]
        self.backend_name = backend_name
        self.success = all(
            mjob.result_data is not None and getattr(mjob.result_data, "success", True) for mjob in self._jobs
        )
        self._names: dict[str, int] | None = None
        self._duplicated: set[str] = set()

    # --- lookup --------------------------------------------------------------------------------------------
    def job_set_id(self) -> str:
        """The id of the job set these results belong to."""
        return self._job_set.job_set_id()

    @property
    def num_experiments(self) -> int:
        """How many experiments the set holds."""
        return self._jobs[-1].last + 1 if self._jobs else 0

    def names(self) -> list[str | None]:
        """Every experiment's name, by global index (None where unknown)."""
        out: list[str | None] = []
        for mjob in self._jobs:
            out.extend(experiment_names(mjob))
        return out

    def _name_index(self) -> dict[str, int]:
        if self._names is None:
            names: dict[str, int] = {}
            duplicated: set[str] = set()
            for index, name in enumerate(self.names()):
                if name is None:
                    continue
                if name in names:
                    duplicated.add(name)
                else:
                    names[name] = index
            self._names, self._duplicated = names, duplicated
        return self._names

    def _locate(self, experiment: Any) -> tuple[ManagedJob, int]:
        names = self._name_index()
        if isinstance(experiment, str) and experiment in self._duplicated:
            warnings.warn(
                f"several experiments are named {experiment!r}; the first is returned. "
                "Use the global index to pick another.",
                stacklevel=3,
            )
        return locate_experiment(experiment, self._jobs, self._starts, names)

    def _result_of(self, mjob: ManagedJob, experiment: Any) -> Any:
        if mjob.result_data is None:
            reason = mjob.error_message() or mjob.state_label()
            job = mjob.job_id() or "(never submitted)"
            raise IBMQManagedResultDataNotAvailable(
                f"experiment {experiment!r} has no result: its job {job} (job {mjob.index} of the set, "
                f"experiments {mjob.first}-{mjob.last}) did not succeed ({mjob.state_label()}): {reason}"
            )
        return mjob.result_data

    def job(self, experiment: Any) -> tuple[Any, int]:
        """The job that ran ``experiment`` and the experiment's index within that job."""
        mjob, local = self._locate(experiment)
        return mjob.job, local

    # --- data ----------------------------------------------------------------------------------------------
    def get_counts(self, experiment: Any = None) -> Any:
        """The counts of one experiment, by global index, name or circuit.

        Parameters
        ----------
        experiment : int, str or QuantumCircuit, optional
            Which experiment; None gives the counts of every experiment, as a list (a dict for a set of one).

        Raises
        ------
        IBMQManagedResultDataNotAvailable
            If the experiment's job failed or was cancelled.
        IBMQJobManagerValueError
            If no experiment matches.
        """
        if experiment is None:
            counts = [self.get_counts(index) for index in range(self.num_experiments)]
            return counts[0] if len(counts) == 1 else counts
        mjob, local = self._locate(experiment)
        return self._result_of(mjob, experiment).get_counts(local)

    def get_memory(self, experiment: Any) -> Any:
        """The per-shot outcomes of one experiment, if the job kept them (see ``get_counts`` for lookup)."""
        mjob, local = self._locate(experiment)
        return self._result_of(mjob, experiment).get_memory(local)

    def combine_results(self) -> Any:
        """One client ``Result`` holding every experiment of the set, in order.

        Raises
        ------
        IBMQJobManagerInvalidStateError
            If a job of the set has no result (failed, cancelled or never submitted).
        """
        missing = [mjob for mjob in self._jobs if mjob.result_data is None]
        if missing:
            details = "; ".join(
                f"job {mjob.index} ({mjob.job_id() or 'not submitted'}): "
                f"{mjob.error_message() or mjob.state_label()}"
                for mjob in missing[:5]
            )
            raise IBMQJobManagerInvalidStateError(
                f"combine_results() needs every job to have succeeded, {len(missing)} did not: {details}. "
                "Read the other experiments with get_counts() or to_dataframe()"
            )
        from ibmq_widgets.client.result import Result

        parts = [mjob.result_data for mjob in self._jobs]
        return Result(
            [experiment for part in parts for experiment in part.results],
            job_id=self.job_set_id(),
            backend_name=self.backend_name,
            date=getattr(parts[0], "date", None),
            metadata={"job_set_id": self.job_set_id(), "job_ids": [part.job_id for part in parts]},
        )

    def to_dataframe(self) -> Any:
        """One row per experiment: index, name, job_index, job_id, status and counts (None without a result).

        Built a job at a time (one column slice per job), not an experiment at a time.
        """
        import pandas as pd

        columns: dict[str, list] = {name: [] for name in DATAFRAME_COLUMNS}
        for mjob in self._jobs:
            size = mjob.num_experiments
            columns["index"].extend(range(mjob.first, mjob.last + 1))
            columns["name"].extend(experiment_names(mjob))
            columns["job_index"].extend([mjob.index] * size)
            columns["job_id"].extend([mjob.job_id()] * size)
            columns["status"].extend([mjob.state_label()] * size)
            if mjob.result_data is None:
                columns["counts"].extend([None] * size)
            else:
                columns["counts"].extend(all_counts(mjob.result_data, size))
        return pd.DataFrame(columns, columns=list(DATAFRAME_COLUMNS))

    # --- display -------------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        state = "success" if self.success else "partial"
        return (
            f"<ManagedResults job set {self.job_set_id()} on {self.backend_name}: "
            f"{self.num_experiments} experiments in {len(self._jobs)} jobs, {state}>"
        )

    def _repr_html_(self) -> str:
        try:
            from ibmq_widgets.widgets.display import managed_results_html
        except ImportError:
            import html

            return f"<pre>{html.escape(repr(self))}</pre>"
        return managed_results_html(self)


def all_counts(result: Any, size: int) -> list:
    """Every experiment's counts of one job's result, read straight from its experiment results."""
    experiments = getattr(result, "results", None)
    if (
        experiments is not None
        and len(experiments) == size
        and all(hasattr(e, "counts") for e in experiments)
    ):
        return [experiment.counts for experiment in experiments]
    return [result.get_counts(local) for local in range(size)]
