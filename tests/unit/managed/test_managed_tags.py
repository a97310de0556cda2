"""Job-set membership as job tags: round trips, malformed tags, user tags, reserved prefixes."""

from __future__ import annotations

import pytest

from ibmq_widgets.client.managed import tags as tagging
from ibmq_widgets.exceptions import IBMQJobManagerValueError


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
