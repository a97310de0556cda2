"""Rebuilding a job set from its jobs' tags, as one list request returns them (no circuits downloaded)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ibmq_widgets.exceptions import IBMQJobManagerUnknownJobSet

from . import tags as tagging
from .job_set import ManagedJobSet
from .managed_job import ManagedJob, SubmitState
from .split import infer_chunk_size, split_ranges

__all__ = ["rebuild_job_set"]

logger = logging.getLogger(__name__)


def _preferred(candidate: Any, current: Any) -> bool:
    """Of two jobs tagged with one index (a repeated submission), keep a done one, else the newer."""

    def rank(job: Any) -> tuple[int, Any]:
        status = job.status(refresh=False)
        created = job.creation_date()
        return (
            1 if status is not None and status.name == "DONE" else 0,
            created.timestamp() if created else 0,
        )

    return rank(candidate) > rank(current)


def _members(job_set_id: str, listed: Sequence[Any]) -> dict[int, tuple[tagging.JobSetTags, Any]]:
    """Job index -> (its tags, its job) for the listed jobs of the set; of two jobs of one index, the better."""
    members: dict[int, tuple[tagging.JobSetTags, Any]] = {}
    for job in listed:
        info = tagging.decode_tags(job.tags(), job_set_id)
        if info is None:
            logger.warning(
                "job %s is tagged for job set %s but its other tags are malformed", job.job_id(), job_set_id
            )
            continue
        current = members.get(info.index)
        if current is None or _preferred(job, current[1]):
            members[info.index] = (info, job)
    return members


def rebuild_job_set(job_set_id: str, listed: Sequence[Any], provider: Any) -> ManagedJobSet:
    """A ManagedJobSet with the jobs of ``listed`` that carry the tags of ``job_set_id``.

    Cancelled and failed jobs are kept (their experiments report why they have no result); an index with no
    job (a submission that failed) becomes a ManagedJob with no job, so the set keeps its shape.

    Parameters
    ----------
    job_set_id : str
        The set's id.
    listed : sequence of IBMQJob
        The jobs one list request returned for the set's tag.
    provider : AccountProvider
        The provider that ran the set.

    Raises
    ------
    IBMQJobManagerUnknownJobSet
        If no job carries the set's tags.
    """
    members = _members(job_set_id, listed)
    if not members:
        raise IBMQJobManagerUnknownJobSet(
            f"no job carries the tag of job set {job_set_id!r} for provider {provider!r}; check the id, "
            "and that the provider (hub/group/project) is the one that ran the set"
        )
    infos = [info for info, _ in members.values()]
    num_jobs = max([info.num_jobs or 0 for info in infos] + [max(members) + 1])
    num_experiments = max([info.num_experiments or 0 for info in infos] + [max(i.last for i in infos) + 1])
    chunk = infer_chunk_size(
        {index: (info.first, info.last) for index, (info, _) in members.items()}, num_jobs
    )
    planned = split_ranges(num_experiments, chunk) if chunk else []

    names = Counter(info.name for info in infos if info.name)
    first_job = members[min(members)][1]
    managed = []
    for index in range(num_jobs):
        if index in members:
            info, job = members[index]
            mjob = ManagedJob(index, info.first, info.last, None, job)
            mjob.update_from_listing(job)
        else:
            first, last = planned[index] if index < len(planned) else (0, -1)
            mjob = ManagedJob(index, first, last)
            mjob.submit_state = SubmitState.MISSING
            mjob.submit_error = (
                f"job {index} of the set (experiments {first}-{last}) was never submitted or has been deleted"
            )
        managed.append(mjob)
    return ManagedJobSet.rebuilt(
        job_set_id,
        name=names.most_common(1)[0][0] if names else None,
        provider=provider,
        backend=first_job.backend(),
        tags=tagging.user_tags(first_job.tags()),
        num_experiments=num_experiments,
        managed_jobs=managed,
    )
