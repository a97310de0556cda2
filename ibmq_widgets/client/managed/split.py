"""Splitting a list of experiments into contiguous jobs, and finding the split again from a set's tags.

An experiment is a circuit (a Sampler experiment: counts) or a ``(circuit, observables[, parameter_values])``
tuple (an Estimator experiment: expectation values); a set holds one kind.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ibmq_widgets.exceptions import IBMQJobManagerValueError

__all__ = [
    "MIN_EXPERIMENTS_PER_JOB",
    "chunk_size",
    "experiment_circuit",
    "infer_chunk_size",
    "is_estimator_set",
    "split_ranges",
    "validate_experiments",
]


#: The fewest experiments the default split puts in a job. Every job costs a submission, a download and a place
#: in the polls: on the local service, cheap circuits in jobs of fewer than about 50 took two to three times the
#: requests of one job, with no time saved that repeated runs agreed on (bench/RESULTS.md, job manager).
MIN_EXPERIMENTS_PER_JOB = 50


def chunk_size(
    backend_max: int | None,
    max_experiments_per_job: int | None,
    num_experiments: int,
    slots: int | None = None,
) -> int:
    """The number of experiments per job: never more than the backend's maximum.

    Parameters
    ----------
    backend_max : int, optional
        The backend configuration's ``max_experiments`` (None or 0: it does not say).
    max_experiments_per_job : int, optional
        The user's bound; when given, it decides (within ``backend_max``).
    num_experiments : int
        How many experiments the set holds.
    slots : int, optional
        Without the user's bound: the jobs the backend lets one instance run at once (its job limit). The
        experiments are then spread over that many jobs, ``ceil(num_experiments / slots)`` each, so that all
        of them run at once with the fewest submissions, downloads and polls; but over fewer jobs where that
        would leave less than MIN_EXPERIMENTS_PER_JOB in each (20 experiments stay one job, as in the seed).
        None keeps the seed's rule: jobs as big as the backend allows.

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
    user = max_experiments_per_job
    if user is None and slots:
        jobs = min(max(num_experiments // MIN_EXPERIMENTS_PER_JOB, 1), slots)
        user = max(math.ceil(num_experiments / jobs), 1)
    limits = [value for value in (backend_max, user) if value]
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


def experiment_circuit(experiment: Any) -> Any:
    """The circuit of an experiment: the circuit itself, or the first item of an Estimator tuple."""
    return experiment[0] if isinstance(experiment, tuple) else experiment


def is_estimator_set(experiments: Sequence[Any]) -> bool:
    """Whether the (validated) experiments are Estimator ones: ``(circuit, observables[, values])`` tuples."""
    return bool(experiments) and isinstance(experiments[0], tuple)


def _estimator_experiment(position: int, experiment: Any) -> tuple | None:
    """``experiment`` as a (circuit, observables, parameter values) tuple, or None if it is no such tuple."""
    from qiskit.circuit import QuantumCircuit

    if not isinstance(experiment, (tuple, list)) or not 2 <= len(experiment) <= 3:
        return None
    if not isinstance(experiment[0], QuantumCircuit) or isinstance(experiment[1], QuantumCircuit):
        return None
    if experiment[1] is None:
        raise IBMQJobManagerValueError(f"experiment {position} has no observables: (circuit, 'ZZ') is one")
    values = experiment[2] if len(experiment) == 3 else None
    return (experiment[0], experiment[1], values)


def validate_experiments(experiments: Any) -> list:
    """The experiments as a list: all QuantumCircuit (Sampler experiments), or all
    ``(circuit, observables[, parameter_values])`` tuples (Estimator experiments).

    Raises
    ------
    IBMQJobManagerValueError
        If ``experiments`` is empty, mixes the two kinds, or holds anything else.
    """
    from qiskit.circuit import QuantumCircuit

    if isinstance(experiments, QuantumCircuit):
        return [experiments]
    single = _estimator_experiment(0, experiments) if isinstance(experiments, tuple) else None
    if single is not None:
        return [single]  # one Estimator experiment given on its own
    if not isinstance(experiments, Sequence) or isinstance(experiments, (str, bytes)):
        raise IBMQJobManagerValueError(
            f"experiments must be a list of QuantumCircuit, got {type(experiments).__name__}"
        )
    if not experiments:
        raise IBMQJobManagerValueError("experiments is empty; pass at least one QuantumCircuit")
    estimator = not isinstance(experiments[0], QuantumCircuit)
    checked = []
    for position, experiment in enumerate(experiments):
        pub = _estimator_experiment(position, experiment) if estimator else None
        if pub is None if estimator else not isinstance(experiment, QuantumCircuit):
            wanted = (
                "a (circuit, observables[, parameter_values]) tuple, as experiment 0 is"
                if estimator
                else "a QuantumCircuit, as experiment 0 is"
            )
            raise IBMQJobManagerValueError(
                f"experiment {position} is a {type(experiment).__name__}, not {wanted}; a set runs either "
                "circuits (Sampler) or (circuit, observables) tuples (Estimator)"
            )
        checked.append(pub if estimator else experiment)
    return checked
