"""ManagedResults: the results of a job set read as one, by global experiment index, name or circuit."""

from __future__ import annotations

import bisect
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ibmq_widgets.exceptions import (
    IBMQJobManagerInvalidStateError,
    IBMQJobManagerValueError,
    IBMQManagedResultDataNotAvailable,
)

from .managed_job import ManagedJob
from .split import experiment_circuit, is_estimator_set

__all__ = ["DATAFRAME_COLUMNS", "ESTIMATOR_COLUMNS", "ManagedResults", "locate_experiment"]

DATAFRAME_COLUMNS = ("index", "name", "job_index", "job_id", "status", "counts")
#: The columns of ``to_dataframe()`` for a set of Estimator experiments (``counts`` stays, always None).
ESTIMATOR_COLUMNS = (*DATAFRAME_COLUMNS, "expectation_value", "standard_error")


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
                if submitted is experiment or experiment_circuit(submitted) is experiment:
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
        return [experiment_circuit(experiment).name for experiment in mjob.experiments]
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
        #: Whether the set's experiments are Estimator ones (expectation values, not counts).
        self.estimator = any(_is_estimator(mjob) for mjob in self._jobs)

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

    def expectation_values(self, experiment: Any = None) -> Any:
        """The expectation values of one Estimator experiment (an array of its pub's shape), by global index,
        name or circuit; None gives a list of every experiment's.

        Raises
        ------
        IBMQJobResultTypeError
            For a set of Sampler experiments (they have counts).
        IBMQManagedResultDataNotAvailable
            If the experiment's job failed or was cancelled.
        """
        return self._estimated(experiment, "expectation_values")

    def standard_errors(self, experiment: Any = None) -> Any:
        """The standard errors of one Estimator experiment's values (see :meth:`expectation_values`)."""
        return self._estimated(experiment, "standard_errors")

    def _estimated(self, experiment: Any, reader: str) -> Any:
        if experiment is None:
            return [self._estimated(index, reader) for index in range(self.num_experiments)]
        mjob, local = self._locate(experiment)
        return getattr(self._result_of(mjob, experiment), reader)(local)

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
        from ibmq_widgets.client.estimator_result import EstimatorResult
        from ibmq_widgets.client.result import Result

        parts = [mjob.result_data for mjob in self._jobs]
        kind = EstimatorResult if self.estimator else Result
        return kind(
            [experiment for part in parts for experiment in part.results],
            job_id=self.job_set_id(),
            backend_name=self.backend_name,
            date=getattr(parts[0], "date", None),
            metadata={"job_set_id": self.job_set_id(), "job_ids": [part.job_id for part in parts]},
        )

    def to_dataframe(self) -> Any:
        """One row per experiment: index, name, job_index, job_id, status and counts (None without a result);
        for Estimator experiments also expectation_value and standard_error (a float for one observable, an
        array for several; counts is None).

        Built a job at a time (one column slice per job), not an experiment at a time.
        """
        import pandas as pd

        names = ESTIMATOR_COLUMNS if self.estimator else DATAFRAME_COLUMNS
        columns: dict[str, list] = {name: [] for name in names}
        for mjob in self._jobs:
            size = mjob.num_experiments
            columns["index"].extend(range(mjob.first, mjob.last + 1))
            columns["name"].extend(experiment_names(mjob))
            columns["job_index"].extend([mjob.index] * size)
            columns["job_id"].extend([mjob.job_id()] * size)
            columns["status"].extend([mjob.state_label()] * size)
            result = mjob.result_data
            if not self.estimator:
                columns["counts"].extend([None] * size if result is None else all_counts(result, size))
                continue
            columns["counts"].extend([None] * size)
            for reader, column in (
                ("expectation_values", "expectation_value"),
                ("standard_errors", "standard_error"),
            ):
                values = [None] * size if result is None else _estimates(result, size, reader)
                columns[column].extend(_scalar(value) for value in values)
        return pd.DataFrame(columns, columns=list(names))

    # --- display -------------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        state = "success" if self.success else "partial"
        return (
            f"<ManagedResults job set {self.job_set_id()} on {self.backend_name}: "
            f"{self.num_experiments} experiments in {len(self._jobs)} jobs, {state}>"
        )

    def _repr_html_(self) -> str:
        from ibmq_widgets.client import presentation

        return presentation.html(self)


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


def _estimates(result: Any, size: int, attribute: str) -> list:
    """Every experiment's ``expectation_values`` or ``standard_errors`` of one job's EstimatorResult."""
    experiments = getattr(result, "results", None)
    if experiments is not None and len(experiments) == size:
        return [getattr(experiment, attribute) for experiment in experiments]
    return [getattr(result, attribute)(local) for local in range(size)]


def _is_estimator(mjob: ManagedJob) -> bool:
    """Whether a job of a set ran Estimator experiments: from its experiments, its result or its program."""
    if mjob.experiments is not None:
        return is_estimator_set(mjob.experiments)
    if mjob.result_data is not None:
        from ibmq_widgets.client.estimator_result import EstimatorResult

        return isinstance(mjob.result_data, EstimatorResult)
    program = getattr(mjob.job, "program_id", None)
    return callable(program) and program() == "estimator"


def _scalar(value: Any) -> Any:
    """A float for an array of one value (one observable), else the array as it is."""
    if value is None:
        return None
    array = np.asarray(value)
    return float(array.reshape(-1)[0]) if array.size == 1 else array
