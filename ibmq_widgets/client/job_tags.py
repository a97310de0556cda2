"""A job's name and tags: the API has no job name, so it travels as the tag ``name:<job name>``."""

from __future__ import annotations

from collections.abc import Sequence

from ibmq_widgets import exceptions as exc

__all__ = ["NAME_TAG", "job_name", "updated_tags", "user_tags", "wire_tags"]

#: The prefix of the tag that carries a job's name.
NAME_TAG = "name:"


def job_name(tags: Sequence[str]) -> str | None:
    """The job's name from its wire tags, or None."""
    for tag in tags:
        if tag.startswith(NAME_TAG):
            return tag[len(NAME_TAG) :]
    return None


def user_tags(tags: Sequence[str]) -> list[str]:
    """The wire tags without the name tag."""
    return [t for t in tags if not t.startswith(NAME_TAG)]


def wire_tags(name: str | None, tags: Sequence[str]) -> list[str]:
    """What goes on the wire: the name tag first (when named), then the tags."""
    return ([f"{NAME_TAG}{name}"] if name else []) + list(tags)


def updated_tags(
    current: Sequence[str],
    replacement_tags: Sequence[str] | None,
    additional_tags: Sequence[str] | None,
    removal_tags: Sequence[str] | None,
) -> list[str]:
    """The user tags after ``job.update_tags(...)``: replaced first, then added to, then removed from.

    Raises
    ------
    IBMQJobValueError
        If no change is asked for, or a tag is not a non-empty string.
    """
    if replacement_tags is None and additional_tags is None and removal_tags is None:
        raise exc.IBMQJobValueError("update_tags() needs replacement_tags, additional_tags or removal_tags")
    for group in (replacement_tags, additional_tags, removal_tags):
        if group is not None and (isinstance(group, str) or not all(isinstance(t, str) and t for t in group)):
            raise exc.IBMQJobValueError(f"tags must be a list of non-empty strings, not {group!r}")
    tags = list(replacement_tags) if replacement_tags is not None else list(current)
    tags += [t for t in additional_tags or [] if t not in tags]
    removed = set(removal_tags or [])
    return [t for t in tags if t not in removed]
