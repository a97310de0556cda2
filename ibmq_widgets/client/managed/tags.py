"""Job-set membership as job tags, so that a set is found again from the tags alone.

The real API has no job-set concept, so every job of a set carries (docs/architecture.md)::

    jobset:<set id>                     the set (the one tag a list request filters on)
    jobset-index:<i>                    the job's position in the set, from 0
    jobset-range:<first>-<last>         the global experiment indices it holds, inclusive
    jobset-name:<set name>
    jobset-size:<jobs>-<experiments>    the set's size, so a job that was never submitted still shows as a gap

plus ``name:<job name>``, which the client writes from ``job_name``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ibmq_widgets.exceptions import IBMQJobManagerValueError

__all__ = [
    "JobSetTags",
    "decode_tags",
    "encode_tags",
    "job_name_for",
    "new_job_set_id",
    "retag",
    "user_tags",
    "validate_user_tags",
]

SET_PREFIX = "jobset:"
INDEX_PREFIX = "jobset-index:"
RANGE_PREFIX = "jobset-range:"
NAME_PREFIX = "jobset-name:"
SIZE_PREFIX = "jobset-size:"
JOB_NAME_PREFIX = "name:"
_RESERVED = ("jobset:", "jobset-", JOB_NAME_PREFIX)
_PAIR = re.compile(r"^(\d+)-(\d+)$")


@dataclass(frozen=True)
class JobSetTags:
    """What the tags of one job say about its place in a set.

    ``num_jobs`` and ``num_experiments`` are None for jobs tagged without the size tag.
    """

    job_set_id: str
    index: int
    first: int
    last: int
    name: str | None = None
    num_jobs: int | None = None
    num_experiments: int | None = None


def new_job_set_id() -> str:
    """A fresh, unique job-set id."""
    return f"ibmq_jobset_{uuid.uuid4().hex}"


def job_name_for(set_name: str, index: int) -> str:
    """The name of the job at ``index`` in the set called ``set_name``."""
    return f"{set_name}_{index}_"


def encode_tags(info: JobSetTags, extra: Iterable[str] = ()) -> list[str]:
    """The tags of one job of a set: the managed ones first, then the user's ``extra`` tags."""
    tags = [
        f"{SET_PREFIX}{info.job_set_id}",
        f"{INDEX_PREFIX}{info.index}",
        f"{RANGE_PREFIX}{info.first}-{info.last}",
    ]
    if info.name is not None:
        tags.append(f"{NAME_PREFIX}{info.name}")
    if info.num_jobs is not None and info.num_experiments is not None:
        tags.append(f"{SIZE_PREFIX}{info.num_jobs}-{info.num_experiments}")
    return tags + [tag for tag in extra if tag not in tags]


def _pair(value: str) -> tuple[int, int] | None:
    match = _PAIR.match(value)
    return (int(match.group(1)), int(match.group(2))) if match else None


def decode_tags(tags: Iterable[str], job_set_id: str | None = None) -> JobSetTags | None:
    """Read a job's set membership from its tags.

    Parameters
    ----------
    tags : iterable of str
        The job's tags.
    job_set_id : str, optional
        Only accept membership of this set (a job could carry the tags of two sets).

    Returns
    -------
    JobSetTags or None
        None when the tags do not make the job a well-formed member (of ``job_set_id``, if given).
    """
    tags = list(tags)
    set_ids = [tag[len(SET_PREFIX) :] for tag in tags if tag.startswith(SET_PREFIX)]
    if job_set_id is not None:
        set_ids = [sid for sid in set_ids if sid == job_set_id]
    if not set_ids:
        return None
    values: dict[str, str] = {}
    for tag in tags:
        for prefix in (INDEX_PREFIX, RANGE_PREFIX, NAME_PREFIX, SIZE_PREFIX):
            if tag.startswith(prefix):
                values.setdefault(prefix, tag[len(prefix) :])
    index_text = values.get(INDEX_PREFIX, "")
    bounds = _pair(values.get(RANGE_PREFIX, ""))
    if not index_text.isdigit() or bounds is None or bounds[0] > bounds[1]:
        return None
    size = _pair(values.get(SIZE_PREFIX, ""))
    return JobSetTags(
        job_set_id=set_ids[0],
        index=int(index_text),
        first=bounds[0],
        last=bounds[1],
        name=values.get(NAME_PREFIX),
        num_jobs=size[0] if size else None,
        num_experiments=size[1] if size else None,
    )


def user_tags(tags: Iterable[str]) -> list[str]:
    """The tags a user gave, without the ones the job manager and the client manage."""
    return [tag for tag in tags if not tag.startswith(_RESERVED)]


def validate_user_tags(job_tags: object) -> list[str]:
    """Check the ``job_tags`` a user passed and return them as a list.

    Raises
    ------
    IBMQJobManagerValueError
        If ``job_tags`` is not a list of non-empty strings, or uses a prefix the job manager reserves.
    """
    if job_tags is None:
        return []
    if isinstance(job_tags, str) or not isinstance(job_tags, (list, tuple)):
        raise IBMQJobManagerValueError(
            f"job_tags must be a list of strings, got {type(job_tags).__name__}; "
            "e.g. job_tags=['calibration']"
        )
    for tag in job_tags:
        if not isinstance(tag, str) or not tag:
            raise IBMQJobManagerValueError(f"job_tags must hold non-empty strings, got {tag!r}")
        if tag.startswith(_RESERVED):
            raise IBMQJobManagerValueError(
                f"job tag {tag!r} uses a prefix the job manager reserves ({', '.join(_RESERVED)}); "
                "choose another tag"
            )
    return list(job_tags)


def retag(
    managed_jobs: Sequence[Any], job_set_id: str, name: str, tags: list[str], num_experiments: int
) -> None:
    """Give every submitted job of a set its set tags and the user's ``tags`` again (its own name stays)."""
    total = len(managed_jobs)
    for mjob in managed_jobs:
        if mjob.job is None:
            continue
        info = JobSetTags(job_set_id, mjob.index, mjob.first, mjob.last, name, total, num_experiments)
        mjob.job.update_tags(replacement_tags=encode_tags(info, tags))
