"""Splitting experiments into jobs and encoding set membership in job tags (pure functions)."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

from ibmq_widgets.client.managed import tags as tagging
from ibmq_widgets.client.managed.split import chunk_size, infer_chunk_size, split_ranges, validate_experiments
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


def test_tags_round_trip():
    info = tagging.JobSetTags("ibmq_jobset_abc", 3, 6, 7, "bar", 10, 20)
    tags = tagging.encode_tags(info, ["mine"])
    assert tags[:3] == ["jobset:ibmq_jobset_abc", "jobset-index:3", "jobset-range:6-7"]
    assert "jobset-name:bar" in tags and "mine" in tags
    assert tagging.decode_tags(tags) == info
    assert tagging.decode_tags(tags, "ibmq_jobset_abc") == info


def test_tags_of_another_set_or_malformed_ones_are_not_membership():
    tags = tagging.encode_tags(tagging.JobSetTags("set1", 0, 0, 1))
    assert tagging.decode_tags(tags, "set2") is None
    assert tagging.decode_tags(["jobset:set1", "jobset-index:x", "jobset-range:0-1"]) is None
    assert tagging.decode_tags(["jobset:set1", "jobset-index:0", "jobset-range:5-1"]) is None
    assert tagging.decode_tags(["mine"]) is None


def test_a_set_name_with_colons_and_spaces_survives():
    info = tagging.JobSetTags("s", 0, 0, 0, "run: 3 a b")
    assert tagging.decode_tags(tagging.encode_tags(info)).name == "run: 3 a b"


def test_user_tags_drop_the_managed_ones():
    tags = [*tagging.encode_tags(tagging.JobSetTags("s", 0, 0, 1, "n", 1, 2)), "name:n_0_", "mine", "other"]
    assert tagging.user_tags(tags) == ["mine", "other"]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("one-tag", "list of strings"),
        (["ok", ""], "non-empty"),
        (["jobset:x"], "reserves"),
        ([3], "non-empty"),
    ],
)
def test_bad_user_tags_are_refused(bad, match):
    with pytest.raises(IBMQJobManagerValueError, match=match):
        tagging.validate_user_tags(bad)


def test_set_ids_are_unique():
    assert len({tagging.new_job_set_id() for _ in range(100)}) == 100


def test_experiments_must_be_circuits():
    circuit = QuantumCircuit(1)
    assert validate_experiments(circuit) == [circuit]
    with pytest.raises(IBMQJobManagerValueError, match="empty"):
        validate_experiments([])
    with pytest.raises(IBMQJobManagerValueError, match="experiment 1 is a str"):
        validate_experiments([circuit, "h q[0];"])
    with pytest.raises(IBMQJobManagerValueError, match="list of QuantumCircuit"):
        validate_experiments(42)
