"""Finding jobs: GET /jobs with filters (one request per page, none per job) and GET /jobs/{id}."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client.job import JOB_FINAL_STATES, IBMQJob, JobStatus, status_from_wire, status_to_wire

if TYPE_CHECKING:
    from ibmq_widgets.client.provider import AccountProvider

__all__ = ["list_jobs", "parse_statuses", "retrieve_job"]

# Ask for big pages: one request serves a watcher poll of up to 1,000 jobs. A server that caps pages lower
# just returns fewer, and the loop below follows its count.
_PAGE_SIZE = 1000
_NAME_TAG = "name:"


def parse_statuses(status: Any) -> set[JobStatus] | None:
    """JobStatus, its name or value, a wire state or "pending" (or a list of those) -> a set of JobStatus.

    Raises
    ------
    IBMQJobValueError
        For a status nobody knows, listing the valid ones.
    """
    if status is None:
        return None
    items = [status] if isinstance(status, (str, JobStatus)) else list(status)
    found: set[JobStatus] = set()
    for item in items:
        if isinstance(item, JobStatus):
            found.add(item)
            continue
        text = str(item).strip()
        if text.lower() == "pending":
            found |= {JobStatus.QUEUED, JobStatus.RUNNING}
        elif text.upper() in JobStatus.__members__:
            found.add(JobStatus[text.upper()])
        elif text in {s.value for s in JobStatus}:
            found.add(JobStatus(text))
        elif status_from_wire(text) is not JobStatus.INITIALIZING:
            found.add(status_from_wire(text))
        else:
            raise exc.IBMQJobValueError(
                f"unknown job status {item!r}; use a JobStatus or one of {', '.join(JobStatus.__members__)}"
            )
    return found


def _check_limit(limit: Any, skip: Any) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise exc.IBMQJobValueError(f"limit must be a non-negative integer or None, not {limit!r}")
    if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
        raise exc.IBMQJobValueError(f"skip must be a non-negative integer, not {skip!r}")


def list_jobs(
    provider: AccountProvider,
    *,
    limit: int | None = 10,
    skip: int = 0,
    status: Any = None,
    backend_name: str | None = None,
    job_name: str | None = None,
    start_datetime: datetime | None = None,
    end_datetime: datetime | None = None,
    job_tags: Sequence[str] | None = None,
    job_tags_operator: str = "OR",
    descending: bool = True,
    pending: bool | None = None,
) -> list[IBMQJob]:
    """The provider's jobs matching the filters (see ``IBMQBackendService.jobs``)."""
    _check_limit(limit, skip)
    operator = str(job_tags_operator).upper()
    if operator not in ("OR", "AND"):
        raise exc.IBMQJobValueError(f"job_tags_operator must be 'OR' or 'AND', not {job_tags_operator!r}")
    if isinstance(job_tags, str):
        raise exc.IBMQJobValueError(f"job_tags must be a list of strings, not the string {job_tags!r}")
    tags = list(job_tags or [])
    statuses = parse_statuses(status)
    if pending is not None:
        in_pending = {s for s in JobStatus if (s in JOB_FINAL_STATES) != pending}
        statuses = in_pending if statuses is None else statuses & in_pending

    params: dict[str, Any] = {"exclude_params": "true"}
    if backend_name:
        params["backend"] = backend_name
    if start_datetime:
        params["created_after"] = wire.format_datetime(start_datetime)
    if end_datetime:
        params["created_before"] = wire.format_datetime(end_datetime)
    if not descending:
        params["sort"] = "ASC"
    server_tags = [f"{_NAME_TAG}{job_name}"] if job_name else []
    if operator == "AND" or len(tags) == 1:
        server_tags += tags  # the API keeps jobs having all the given tags
    if server_tags:
        params["tags"] = server_tags
    if statuses is not None:
        if statuses == {JobStatus.QUEUED, JobStatus.RUNNING}:
            params["pending"] = "true"
        elif statuses and statuses <= set(JOB_FINAL_STATES):
            params["pending"] = "false"
        wire_states = sorted(filter(None, (status_to_wire(s) for s in statuses)))
        if wire_states and "pending" not in params:
            params["status"] = wire_states  # the local service's extension; checked below where it is missing

    def wanted(item: dict[str, Any]) -> bool:
        if statuses is not None and status_from_wire(_wire_status(item)) not in statuses:
            return False
        item_tags = set(item.get("tags") or [])
        if job_name and f"{_NAME_TAG}{job_name}" not in item_tags:
            return False
        if tags and operator == "AND" and not set(tags) <= item_tags:
            return False
        return not (tags and operator == "OR" and not item_tags & set(tags))

    if statuses is not None and not statuses:
        return []
    # When the server applies every filter itself, it also does the skipping; otherwise we skip matches here.
    exact = "status" not in params and not (tags and operator == "OR" and len(tags) > 1)
    offset = skip if exact else 0
    to_skip = 0 if exact else skip
    jobs: list[IBMQJob] = []
    while limit is None or len(jobs) < limit:
        page = _PAGE_SIZE if limit is None else min(_PAGE_SIZE, max(limit - len(jobs) + to_skip, 1))
        body = provider.session.get_json("/jobs", params={**params, "limit": page, "offset": offset})
        items = body.get("jobs", [])
        offset += len(items)
        for item in items:
            if not wanted(item):
                continue
            if to_skip:
                to_skip -= 1
                continue
            jobs.append(IBMQJob(provider, item))
            if limit is not None and len(jobs) >= limit:
                break
        total = body.get("count")
        if not items or (offset >= int(total) if total is not None else len(items) < page):
            break  # (a server may cap a page below what we asked for, so trust its count when it gives one)
    return jobs


def _wire_status(item: dict[str, Any]) -> str | None:
    state = item.get("state")
    return state.get("status") if isinstance(state, dict) else (item.get("status") or state)


def retrieve_job(provider: AccountProvider, job_id: str) -> IBMQJob:
    """The job with ``job_id`` (one request).

    Raises
    ------
    IBMQJobNotFound
        If the provider has no such job.
    """
    if not isinstance(job_id, str) or not job_id.strip() or "/" in job_id:
        raise exc.IBMQJobNotFound(f"{job_id!r} is not a job id; job ids come from job.job_id()")
    try:
        data = provider.session.get_json(f"/jobs/{job_id}", params={"exclude_params": "true"})
    except (exc.IBMQNotFoundError, exc.IBMQJobNotFound):
        raise exc.IBMQJobNotFound(
            f"{provider.instance_name} has no job {job_id!r}; check the id, or look for it with "
            "provider.backends.jobs()"
        ) from None
    return IBMQJob(provider, data)
