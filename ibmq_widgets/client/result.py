"""Result: a job's counts per experiment, looked up by index, circuit or name, and as a pandas table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from qiskit.result import Counts

from ibmq_widgets import exceptions as exc

if TYPE_CHECKING:
    import pandas as pd
    from qiskit.circuit import QuantumCircuit

__all__ = [
    "BaseResult",
    "ExperimentHeader",
    "ExperimentResult",
    "Result",
    "experiment_header",
    "experiment_index",
]

_NAME_KEY = "ibmq_widgets.name"  # where backend.run() put each circuit's name


@dataclass
class ExperimentHeader:
    """What identifies an experiment: its circuit's ``name`` and the circuit's own ``metadata``."""

    name: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExperimentResult:
    """One circuit's outcome: ``header.name``, ``shots``, ``counts``, the Sampler ``data``, ``metadata``."""

    header: ExperimentHeader
    shots: int
    counts: Counts
    data: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    success: bool = True

    def __repr__(self) -> str:
        return f"ExperimentResult(name={self.header.name!r}, shots={self.shots}, outcomes={len(self.counts)})"


def experiment_header(
    index: int, pub_metadata: dict[str, Any], circuit_names: Sequence[str] | None
) -> ExperimentHeader:
    """The header of pub ``index``: its name from its circuit's metadata (``"ibmq_widgets.name"``), else from
    ``circuit_names``, else ``"circuit-<i>"``; its metadata the circuit's own, without the name."""
    circuit_metadata = dict(pub_metadata.get("circuit_metadata") or {})
    name = circuit_metadata.pop(_NAME_KEY, None)
    if name is None:
        name = circuit_names[index] if circuit_names and index < len(circuit_names) else f"circuit-{index}"
    return ExperimentHeader(name=str(name), metadata=circuit_metadata)


def experiment_index(names: Sequence[str], experiment: int | str | QuantumCircuit) -> int:
    """The position of an experiment given by index, name or circuit among experiments called ``names``.

    Raises
    ------
    IBMQExperimentNotFound
        If no experiment matches.
    """
    if isinstance(experiment, bool):
        experiment = int(experiment)
    if isinstance(experiment, (int, np.integer)):
        if -len(names) <= experiment < len(names):
            return int(experiment) % len(names)
        raise exc.IBMQExperimentNotFound(
            f"experiment {experiment} is out of range: the result has {len(names)} experiment(s)"
        )
    name = experiment if isinstance(experiment, str) else getattr(experiment, "name", None)
    if name is None:
        raise exc.IBMQExperimentNotFound(
            f"an experiment is an index, a name or a circuit, not {type(experiment).__name__}"
        )
    if name in names:
        return list(names).index(name)
    raise exc.IBMQExperimentNotFound(f"no experiment named {name!r}; the result has {list(names)}")


def bit_counts(bits: Any) -> dict[str, int]:
    """The counts of a qiskit ``BitArray`` over all its shots and parameter values, as bit strings.

    Equal to ``bits.get_counts()``, counted with numpy: qiskit turns every shot into a string in Python, which
    took most of the client's time for a job of many circuits (38 of 45 ms for 50 circuits of 1,024 shots).
    """
    packed = np.asarray(bits.array, dtype=np.uint8)
    rows = packed.reshape(-1, packed.shape[-1])
    num_bits = int(bits.num_bits)
    if rows.shape[-1] > 8:  # wider than an integer: count the byte rows themselves
        unique_rows, counts = np.unique(rows, axis=0, return_counts=True)
        values = [int.from_bytes(row.tobytes(), "big") for row in unique_rows]
    else:
        # Each shot as one integer (the bytes are big-endian), then counted: far cheaper than unique rows.
        shots = np.zeros(rows.shape[0], dtype=np.uint64)
        for column in range(rows.shape[-1]):
            shots = (shots << np.uint64(8)) | rows[:, column].astype(np.uint64)
        if num_bits <= 16:
            per_value = np.bincount(shots.astype(np.intp), minlength=1)
            unique_values = np.flatnonzero(per_value)
            counts = per_value[unique_values]
        else:
            unique_values, counts = np.unique(shots, return_counts=True)
        values = [int(value) for value in unique_values]
    mask = (1 << num_bits) - 1  # the first byte's high bits are padding
    return {
        format(value & mask, f"0{num_bits}b"): int(count) for value, count in zip(values, counts, strict=True)
    }


def _joined_bits(pub_result: Any) -> Any:
    """All of a pub's classical registers as one BitArray (the last register leftmost, as qiskit joins them).

    A single register is used as it is: qiskit's ``join_data`` re-packs even one array, which was most of the
    time of turning a result into counts.
    """
    from qiskit.primitives import BitArray

    values = list(pub_result.data.values())
    if len(values) == 1 and isinstance(values[0], BitArray):
        return values[0]
    return pub_result.join_data()


class BaseResult:
    """What the result of any job has: its experiments (one per pub) found by index, name or circuit.

    Attributes
    ----------
    job_id, backend_name : str
    date : datetime or None
        When the job was created.
    results : list
        One experiment result per pub, each with a ``header.name``.
    success : bool
        Whether every experiment has its data.
    metadata : dict
        The primitive result's metadata.
    """

    def __init__(
        self,
        results: list[Any],
        *,
        job_id: str,
        backend_name: str,
        date: datetime | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.results = results
        self.job_id = job_id
        self.backend_name = backend_name
        self.date = date
        self.metadata = dict(metadata or {})
        self.success = bool(results) and all(r.success for r in results)
        self._primitive: Any = None  # the qiskit PrimitiveResult it was read from

    @classmethod
    def from_primitive_result(
        cls,
        primitive: Any,
        *,
        job_id: str,
        backend_name: str,
        date: datetime | None = None,
        circuit_names: Sequence[str] | None = None,
    ) -> Any:
        """Read a V2 ``PrimitiveResult`` (one pub per circuit).

        Each experiment's name comes from its circuit's metadata (``"ibmq_widgets.name"``), else from
        ``circuit_names``, else ``"circuit-<i>"``.
        """
        experiments = [cls._experiment(index, pub, circuit_names) for index, pub in enumerate(primitive)]
        metadata = dict(getattr(primitive, "metadata", {}) or {})
        result = cls(experiments, job_id=job_id, backend_name=backend_name, date=date, metadata=metadata)
        result._primitive = primitive
        return result

    @staticmethod
    def _experiment(index: int, pub_result: Any, circuit_names: Sequence[str] | None) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(job_id={self.job_id!r}, backend_name={self.backend_name!r}, "
            f"success={self.success}, experiments={len(self.results)})"
        )

    def _repr_html_(self) -> str:
        from ibmq_widgets.client import presentation

        return presentation.html(self)

    def __len__(self) -> int:
        return len(self.results)

    def _index(self, experiment: int | str | QuantumCircuit) -> int:
        """The position of an experiment given by index, name or circuit."""
        return experiment_index([r.header.name for r in self.results], experiment)

    def data(self, experiment: int | str | QuantumCircuit = 0) -> Any:
        """The raw data of one experiment: a DataBin (of BitArrays for a Sampler job, ``evs`` and ``stds`` for
        an Estimator job)."""
        return self.results[self._index(experiment)].data


class Result(BaseResult):
    """The result of a Sampler job: one ExperimentResult per circuit, in submission order, with its counts
    (all classical registers joined into one bit string).

    Attributes
    ----------
    job_id, backend_name : str
    date : datetime or None
        When the job was created.
    results : list of ExperimentResult
    success : bool
        Whether every experiment has its data.
    metadata : dict
        The primitive result's metadata.
    """

    @staticmethod
    def _experiment(index: int, pub_result: Any, circuit_names: Sequence[str] | None) -> ExperimentResult:
        pub_metadata = dict(getattr(pub_result, "metadata", {}) or {})
        counts, shots, success = Counts({}), int(pub_metadata.get("shots") or 0), True
        try:
            joined = _joined_bits(pub_result)
            counts = Counts(bit_counts(joined))
            shots = shots or int(joined.num_shots)
        except (AttributeError, ValueError, TypeError):
            success = False  # no bit arrays: nothing to count (e.g. an Estimator pub)
        header = experiment_header(index, pub_metadata, circuit_names)
        return ExperimentResult(header, shots, counts, pub_result.data, pub_metadata, success)

    def get_counts(self, experiment: int | str | QuantumCircuit | None = None) -> Counts | list[Counts]:
        """Counts of bit strings (all classical registers joined, the last register leftmost).

        Parameters
        ----------
        experiment : int, str or QuantumCircuit, optional
            Which experiment: its index, its circuit's name or the circuit. None: the only experiment's
            counts, or a list of every experiment's counts when there are several.

        Raises
        ------
        IBMQExperimentNotFound
            If no experiment matches.
        """
        if experiment is None:
            if len(self.results) == 1:
                return self.results[0].counts
            return [r.counts for r in self.results]
        return self.results[self._index(experiment)].counts

    def expectation_values(self, experiment: Any = None) -> Any:
        """Not for a Sampler job: raises IBMQJobResultTypeError (its result has counts; see ``get_counts``)."""
        raise exc.IBMQJobResultTypeError(
            f"job {self.job_id} is a Sampler job: it has counts, not expectation values; use get_counts(), or "
            "backend.estimate() for expectation values"
        )

    def get_memory(self, experiment: int | str | QuantumCircuit = 0) -> list[str]:
        """Every shot's bit string of one experiment, in shot order."""
        data = self.data(experiment)
        from qiskit.primitives import BitArray

        arrays = [value for _, value in data.items() if isinstance(value, BitArray)]
        if not arrays:
            return []
        return BitArray.concatenate_bits(arrays).get_bitstrings()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per experiment and outcome: experiment, name, outcome, count, probability."""
        import pandas as pd

        rows = []
        for index, result in enumerate(self.results):
            total = sum(result.counts.values()) or 1
            for outcome, count in sorted(result.counts.items()):
                rows.append(
                    {
                        "experiment": index,
                        "name": result.header.name,
                        "outcome": outcome,
                        "count": int(count),
                        "probability": count / total,
                    }
                )
        return pd.DataFrame(rows, columns=["experiment", "name", "outcome", "count", "probability"])
