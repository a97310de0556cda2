"""A job's name travels as a tag; update_tags keeps it and checks what it is given."""

from __future__ import annotations

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.job_tags import job_name, updated_tags, user_tags, wire_tags


def test_the_name_tag_is_read_kept_first_and_hidden_from_the_users_tags():
    tags = ["name:bell", "a", "b"]
    assert job_name(tags) == "bell" and user_tags(tags) == ["a", "b"]
    assert job_name(["a"]) is None
    assert wire_tags("bell", ["c"]) == ["name:bell", "c"] and wire_tags(None, ["c"]) == ["c"]


def test_updates_replace_then_add_then_remove():
    assert updated_tags(["a", "b"], None, ["c", "a"], ["b"]) == ["a", "c"]
    assert updated_tags(["a"], ["x"], None, None) == ["x"]


@pytest.mark.parametrize(
    "change", [(None, None, None), ("one", None, None), (None, [""], None), (None, None, [3])]
)
def test_a_bad_update_is_refused(change):
    with pytest.raises(exc.IBMQJobValueError):
        updated_tags(["a"], *change)
