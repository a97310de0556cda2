"""Splitting experiments into contiguous jobs, finding the split again, checking the experiments."""

from __future__ import annotations

import pytest
from managed_fakes import circuits
from qiskit import QuantumCircuit

from ibmq_widgets.client.managed.split import (
    chunk_size,
    experiment_circuit,
    infer_chunk_size,
    is_estimator_set,
    split_ranges,
    validate_experiments,
)
from ibmq_widgets.exceptions import IBMQJobManagerValueError


def test_chunk_size_is_the_smaller_of_backend_and_user_limits():
    assert chunk_size(300, 2, 20) == 2
    assert chunk_size(3, 50, 20) == 3
    assert chunk_size(None, 7, 20) == 7
    assert chunk_size(None, None, 20) == 20
    assert chunk_size(300, None, 20) == 300


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "2"])
def test_chunk_size_rejects_a_bad_maximum(bad):
    with pytest.raises(IBMQJobManagerValueError, match="max_experiments_per_job"):
        chunk_size(300, bad, 20)


def test_twenty_experiments_by_two_make_ten_contiguous_jobs():
    ranges = split_ranges(20, 2)
    assert ranges == [(2 * i, 2 * i + 1) for i in range(10)]


def test_the_last_job_takes_the_remainder():
    assert split_ranges(7, 3) == [(0, 2), (3, 5), (6, 6)]
    assert split_ranges(1, 5) == [(0, 0)]


def test_chunk_size_is_found_again_from_any_ranges():
    full = dict(enumerate(split_ranges(11, 3)))  # (0,2) (3,5) (6,8) (9,10)
    assert infer_chunk_size(full, 4) == 3
    assert infer_chunk_size({3: (9, 10)}, 4) == 3  # only the short last job survived
    assert infer_chunk_size({1: (3, 5)}, 4) == 3
    assert infer_chunk_size({0: (0, 4)}, 1) == 5


def test_experiments_must_be_circuits():
    circuit = QuantumCircuit(1)
    assert validate_experiments(circuit) == [circuit]
    with pytest.raises(IBMQJobManagerValueError, match="empty"):
        validate_experiments([])
    with pytest.raises(IBMQJobManagerValueError, match="experiment 1 is a str"):
        validate_experiments([circuit, "h q[0];"])
    with pytest.raises(IBMQJobManagerValueError, match="list of QuantumCircuit"):
        validate_experiments(42)


def test_estimator_experiments_are_tuples_of_one_kind():
    first, second = circuits(2)
    assert validate_experiments([(first, "Z"), (second, ["Z"], [0.1])]) == [
        (first, "Z", None),
        (second, ["Z"], [0.1]),
    ]
    assert validate_experiments((first, "Z")) == [(first, "Z", None)]  # one experiment on its own
    assert is_estimator_set(validate_experiments([[first, "Z"]])) and not is_estimator_set([first])
    assert experiment_circuit((first, "Z", None)) is first and experiment_circuit(second) is second
    with pytest.raises(IBMQJobManagerValueError, match="experiment 1 is a QuantumCircuit, not a"):
        validate_experiments([(first, "Z"), second])
    with pytest.raises(IBMQJobManagerValueError, match="experiment 1 is a tuple, not a QuantumCircuit"):
        validate_experiments([first, (second, "Z")])
    with pytest.raises(IBMQJobManagerValueError, match="experiment 0 has no observables"):
        validate_experiments([(first, None)])
