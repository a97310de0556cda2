"""EstimatorResult: an Estimator job's expectation values and standard errors per pub, and which kind of result
a job's answer is (:func:`decode_result`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client.estimator import OBSERVABLES_METADATA_KEY
from ibmq_widgets.client.result import BaseResult, ExperimentHeader, Result, experiment_header

if TYPE_CHECKING:
    import pandas as pd
    from qiskit.circuit import QuantumCircuit

__all__ = ["DATAFRAME_COLUMNS", "EstimatorExperimentResult", "EstimatorResult", "decode_result"]

#: The columns of ``EstimatorResult.to_dataframe()``.
DATAFRAME_COLUMNS = ("experiment", "name", "position", "observable", "expectation_value", "standard_error")


@dataclass
class EstimatorExperimentResult:
    """One pub's outcome: ``header.name``, ``expectation_values`` and ``standard_errors`` (arrays of the pub's
    shape), the ``observables`` labels when known, the raw ``data`` and the pub's ``metadata``."""

    header: ExperimentHeader
    expectation_values: np.ndarray
    standard_errors: np.ndarray
    observables: list[str] | None = None
    data: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    success: bool = True

    def __repr__(self) -> str:
        values = np.array2string(np.asarray(self.expectation_values), precision=4, threshold=6)
        return f"EstimatorExperimentResult(name={self.header.name!r}, expectation_values={values})"


def _experiment(
    index: int, pub_result: Any, circuit_names: Sequence[str] | None
) -> EstimatorExperimentResult:
    metadata = dict(getattr(pub_result, "metadata", {}) or {})
    header = experiment_header(index, metadata, circuit_names)
    labels = header.metadata.pop(OBSERVABLES_METADATA_KEY, None)
    data = pub_result.data
    values = getattr(data, "evs", None)
    errors = getattr(data, "stds", None)
    success = values is not None
    values = np.asarray(values if values is not None else np.nan, dtype=float)
    errors = np.asarray(errors if errors is not None else np.full(values.shape, np.nan), dtype=float)
    return EstimatorExperimentResult(
        header=header,
        expectation_values=values,
        standard_errors=errors,
        observables=list(labels) if isinstance(labels, list) and len(labels) == values.size else None,
        data=data,
        metadata=metadata,
        success=success,
    )


class EstimatorResult(BaseResult):
    """The result of an Estimator job: expectation values and standard errors per pub (one pub per circuit).

    Iterating gives qiskit's pub results (``pub.data.evs``, ``pub.data.stds``), as qiskit-ibm-runtime's
    ``job.result()`` does; ``primitive_result`` is the whole qiskit ``PrimitiveResult``.

    Attributes
    ----------
    job_id, backend_name : str
    date : datetime or None
        When the job was created.
    results : list of EstimatorExperimentResult
    success : bool
        Whether every pub has its expectation values.
    metadata : dict
        The primitive result's metadata.
    """

    _experiment = staticmethod(_experiment)

    @property
    def primitive_result(self) -> Any:
        """The qiskit ``PrimitiveResult`` (of the pubs' own results; built anew for a combined result)."""
        if self._primitive is None:
            from qiskit.primitives import PrimitiveResult, PubResult

            pubs = [PubResult(r.data, metadata=r.metadata) for r in self.results]
            self._primitive = PrimitiveResult(pubs, metadata=self.metadata)
        return self._primitive

    def __iter__(self) -> Iterator[Any]:
        return iter(self.primitive_result)

    def __getitem__(self, index: int) -> Any:
        return self.primitive_result[index]

    # --- values ---------------------------------------------------------------------------------------------
    def _each(self, experiment: Any, attribute: str) -> Any:
        if experiment is None:
            arrays = [getattr(r, attribute) for r in self.results]
            return arrays[0] if len(arrays) == 1 else arrays
        return getattr(self.results[self._index(experiment)], attribute)

    def expectation_values(self, experiment: int | str | QuantumCircuit | None = None) -> Any:
        """The expectation values of one pub, an array of its shape (one per observable and parameter set).

        Parameters
        ----------
        experiment : int, str or QuantumCircuit, optional
            The pub: its index, its circuit's name or the circuit. None: the only pub's values, or a list with
            every pub's when there are several.

        Raises
        ------
        IBMQExperimentNotFound
            If no pub matches.
        """
        return self._each(experiment, "expectation_values")

    def standard_errors(self, experiment: int | str | QuantumCircuit | None = None) -> Any:
        """The standard errors of one pub's expectation values (see :meth:`expectation_values`)."""
        return self._each(experiment, "standard_errors")

    def get_counts(self, experiment: Any = None) -> Any:
        """Not for an Estimator job: raises IBMQJobResultTypeError (it has no counts)."""
        raise exc.IBMQJobResultTypeError(
            f"job {self.job_id} is an Estimator job: it has no counts; use expectation_values() and "
            "standard_errors()"
        )

    def get_memory(self, experiment: Any = 0) -> Any:
        """Not for an Estimator job: raises IBMQJobResultTypeError (it has no shots)."""
        self.get_counts(experiment)

    def to_dataframe(self) -> pd.DataFrame:
        """One row per pub and observable: experiment, name, position (the flat index in the pub's array of
        values), observable (its label, when the job was submitted by this client), expectation_value and
        standard_error."""
        import pandas as pd

        rows = []
        for index, result in enumerate(self.results):
            values = np.ravel(result.expectation_values)
            errors = np.broadcast_to(result.standard_errors, np.shape(result.expectation_values)).ravel()
            labels = result.observables
            for position, (value, error) in enumerate(zip(values, errors, strict=True)):
                label = labels[position] if labels and position < len(labels) else None
                rows.append((index, result.header.name, position, label, float(value), float(error)))
        return pd.DataFrame(rows, columns=list(DATAFRAME_COLUMNS))


def _is_estimator(program: str | None, primitive: Any) -> bool:
    if program in ("sampler", "estimator"):
        return program == "estimator"
    pubs = list(primitive) if primitive is not None else []
    return bool(pubs) and all(getattr(getattr(p, "data", None), "evs", None) is not None for p in pubs)


def decode_result(
    text: str,
    *,
    program: str | None,
    job_id: str,
    backend_name: str,
    date: datetime | None = None,
    circuit_names: Sequence[str] | None = None,
) -> Result | EstimatorResult:
    """A job's ``GET /jobs/{id}/results`` text as a :class:`Result` (Sampler) or an :class:`EstimatorResult`.

    ``program`` is the job's ``program.id``; where it is unknown the pubs' data tell.
    """
    primitive = wire.loads(text)
    kind = EstimatorResult if _is_estimator(program, primitive) else Result
    return kind.from_primitive_result(
        primitive, job_id=job_id, backend_name=backend_name, date=date, circuit_names=circuit_names
    )
