"""Splitting a list of experiments into contiguous jobs, and finding the split again from a set's tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ibmq_widgets.exceptions import IBMQJobManagerValueError

__all__ = ["chunk_size", "infer_chunk_size", "split_ranges", "validate_experiments"]


def chunk_size(backend_max: int | None, max_experiments_per_job: int | None, num_experiments: int) -> int:
    """The number of experiments per job: at most the backend's maximum and at most the user's.

    Raises
    ------
    IBMQJobManagerValueError
        If ``max_experiments_per_job`` is not a positive integer.
    """
    if max_experiments_per_job is not None and (
        isinstance(max_experiments_per_job, bool)
        or not isinstance(max_experiments_per_job, int)
        or max_experiments_per_job < 1
    ):
        raise IBMQJobManagerValueError(
            f"max_experiments_per_job must be a positive integer or None, got {max_experiments_per_job!r}"
        )
    limits = [value for value in (backend_max, max_experiments_per_job) if value]
    return min(limits) if limits else max(num_experiments, 1)


def split_ranges(num_experiments: int, size: int) -> list[tuple[int, int]]:
    """Inclusive ``(first, last)`` global indices of each job: contiguous, all of ``size`` but the last."""
    return [(first, min(first + size, num_experiments) - 1) for first in range(0, num_experiments, size)]


def infer_chunk_size(ranges: dict[int, tuple[int, int]], num_jobs: int | None) -> int | None:
    """The chunk size of a set, from the ranges of the jobs found (job index -> (first, last)).

    Every job but the last holds exactly the chunk size, so any of them tells it; failing that, the last job's
    first index divided by its position does.
    """
    last_index = (num_jobs - 1) if num_jobs else max(ranges, default=0)
    for index, (first, last) in ranges.items():
        if index != last_index:
            return last - first + 1
    if last_index in ranges and last_index > 0:
        return ranges[last_index][0] // last_index
    if last_index in ranges:
        first, last = ranges[last_index]
        return last - first + 1
    return None


def validate_experiments(experiments: Any) -> list:
    """The experiments as a list, checked to be non-empty quantum circuits.

    Raises
    ------
    IBMQJobManagerValueError
        If ``experiments`` is empty or holds something other than QuantumCircuit objects.
    """
    from qiskit.circuit import QuantumCircuit

    if isinstance(experiments, QuantumCircuit):
        return [experiments]
    if not isinstance(experiments, Sequence) or isinstance(experiments, (str, bytes)):
        raise IBMQJobManagerValueError(
            f"experiments must be a list of QuantumCircuit, got {type(experiments).__name__}"
        )
    if not experiments:
        raise IBMQJobManagerValueError("experiments is empty; pass at least one QuantumCircuit")
    for position, experiment in enumerate(experiments):
        if not isinstance(experiment, QuantumCircuit):
            raise IBMQJobManagerValueError(
                f"experiment {position} is a {type(experiment).__name__}, not a QuantumCircuit; "
                "the job manager runs circuits"
            )
    return list(experiments)
