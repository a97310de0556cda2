"""Finding jobs: the JobQuery filter, GET /jobs page by page (none per job), and GET /jobs/{id}.

``provider.backends.jobs(...)`` and ``backend.jobs(...)`` keep the seed API's keywords and build a
:class:`JobQuery`, which checks them once, says which filters the server applies (IBM's ``backend``,
``created_after``, ``tags``, ``pending``; the local service's repeated ``status``) and checks the others on each
listed job, so a server without the extensions (the real platform) gives the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client.job import IBMQJob
from ibmq_widgets.client.job_status import (
    JOB_FINAL_STATES,
    JobStatus,
    parse_statuses,
    status_from_wire,
    status_to_wire,
)

if TYPE_CHECKING:
    from ibmq_widgets.client.provider import AccountProvider
    from ibmq_widgets.client.session import ApiSession

__all__ = ["JobQuery", "list_jobs", "parse_statuses", "retrieve_job"]

# Ask for big pages: one request serves a watcher poll of up to 1,000 jobs. A server that caps pages lower
# just returns fewer, and the pager follows its count.
_PAGE_SIZE = 1000
_NAME_TAG = "name:"
_PENDING = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})


def _count(name: str, value: Any, *, allow_none: bool) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        what = "a non-negative integer or None" if allow_none else "a non-negative integer"
        raise exc.IBMQJobValueError(f"{name} must be {what}, not {value!r}")
    return value


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise exc.IBMQJobValueError(f"{name} must be a non-empty string or None, not {value!r}")
    return value


def _flag(name: str, value: Any, *, allow_none: bool = False) -> bool | None:
    if (value is None and allow_none) or isinstance(value, bool):
        return value
    raise exc.IBMQJobValueError(
        f"{name} must be True or False{' or None' if allow_none else ''}, not {value!r}"
    )


def _moment(name: str, value: Any) -> datetime | None:
    """A datetime from a datetime, a date (its midnight) or an ISO 8601 string; naive means local time."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise exc.IBMQJobValueError(
        f"{name} must be a datetime (e.g. datetime(2025, 1, 31, tzinfo=timezone.utc)) or an ISO 8601 string "
        f"such as '2025-01-31T12:00:00Z', not {value!r}"
    )


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise exc.IBMQJobValueError(f"job_tags must be a list of strings, not {value!r}")
    tags = tuple(value)
    if not all(isinstance(tag, str) and tag for tag in tags):
        raise exc.IBMQJobValueError(f"job_tags must be a list of non-empty strings, not {value!r}")
    return tags


@dataclass(frozen=True)
class JobQuery:
    """Which jobs a listing wants: the filter of ``provider.backends.jobs()`` as one checked value.

    Every field is checked and normalised on construction, so a bad argument fails before any request with
    IBMQJobValueError (a ValueError) naming it and saying what to pass.

    Parameters
    ----------
    limit, skip, status, backend_name, job_name, start_datetime, end_datetime, job_tags, job_tags_operator,
    descending, pending
        The keywords of ``provider.backends.jobs()``, documented there.
    session_id : str, optional
        Only the jobs of this session or batch (``session.jobs()``). Kept normalised: ``status`` as a
        frozenset of JobStatus ("pending" is QUEUED and RUNNING), the datetimes as datetimes (a date or an ISO
        8601 string is accepted too; naive is local time), ``job_tags`` as a tuple, ``job_tags_operator``
        upper-case.

    Raises
    ------
    IBMQJobValueError
        For any argument of the wrong type or value, or a start after the end.
    """

    limit: int | None = 10
    skip: int = 0
    status: Any = None
    backend_name: str | None = None
    job_name: str | None = None
    start_datetime: Any = None
    end_datetime: Any = None
    job_tags: Any = ()
    job_tags_operator: str = "OR"
    descending: bool = True
    pending: bool | None = None
    session_id: str | None = None

    def __post_init__(self) -> None:
        operator = str(self.job_tags_operator).upper() if isinstance(self.job_tags_operator, str) else None
        if operator not in ("OR", "AND"):
            raise exc.IBMQJobValueError(
                f"job_tags_operator must be 'OR' or 'AND', not {self.job_tags_operator!r}"
            )
        statuses = parse_statuses(self.status)
        normalised = {
            "limit": _count("limit", self.limit, allow_none=True),
            "skip": _count("skip", self.skip, allow_none=False),
            "status": None if statuses is None else frozenset(statuses),
            "backend_name": _text("backend_name", self.backend_name),
            "job_name": _text("job_name", self.job_name),
            "start_datetime": _moment("start_datetime", self.start_datetime),
            "end_datetime": _moment("end_datetime", self.end_datetime),
            "job_tags": _tags(self.job_tags),
            "job_tags_operator": operator,
            "descending": _flag("descending", self.descending),
            "pending": _flag("pending", self.pending, allow_none=True),
            "session_id": _text("session_id", self.session_id),
        }
        for name, value in normalised.items():
            object.__setattr__(self, name, value)  # a frozen dataclass normalises its own fields only here
        start, end = self.start_datetime, self.end_datetime
        if start is not None and end is not None and start.astimezone() > end.astimezone():
            raise exc.IBMQJobValueError(
                f"start_datetime ({start.isoformat()}) is after end_datetime ({end.isoformat()}); swap them"
            )

    # --- what the query means ------------------------------------------------------------------------------
    @property
    def statuses(self) -> frozenset[JobStatus] | None:
        """The states wanted by ``status`` and ``pending`` together (None: any state)."""
        statuses = self.status
        if self.pending is not None:
            in_pending = frozenset(s for s in JobStatus if (s in JOB_FINAL_STATES) != self.pending)
            statuses = in_pending if statuses is None else statuses & in_pending
        return statuses

    @property
    def matches_nothing(self) -> bool:
        """Whether the filters contradict each other (e.g. ``status="DONE", pending=True``)."""
        return self.statuses is not None and not self.statuses

    def _server_tags(self) -> list[str]:
        tags = [f"{_NAME_TAG}{self.job_name}"] if self.job_name else []
        if self.job_tags_operator == "AND" or len(self.job_tags) == 1:
            tags += list(self.job_tags)  # the API keeps jobs having all the given tags
        return tags

    def params(self) -> dict[str, Any]:
        """The GET /jobs query parameters for the filters the server applies (no limit or offset)."""
        params: dict[str, Any] = {"exclude_params": "true"}
        if self.backend_name:
            params["backend"] = self.backend_name
        if self.session_id:
            params["session_id"] = self.session_id
        if self.start_datetime:
            params["created_after"] = wire.format_datetime(self.start_datetime)
        if self.end_datetime:
            params["created_before"] = wire.format_datetime(self.end_datetime)
        if not self.descending:
            params["sort"] = "ASC"
        if self._server_tags():
            params["tags"] = self._server_tags()
        statuses = self.statuses
        if statuses is not None:
            if statuses == _PENDING:
                params["pending"] = "true"
            elif statuses and statuses <= set(JOB_FINAL_STATES):
                params["pending"] = "false"
            wire_states = sorted(filter(None, (status_to_wire(s) for s in statuses)))
            if wire_states and "pending" not in params:
                params["status"] = wire_states  # the local service's extension; matches() checks it anyway
        return params

    @property
    def server_applies_all(self) -> bool:
        """Whether the server applies every filter itself, so it can also do the skipping and the limit."""
        any_of_several_tags = self.job_tags_operator == "OR" and len(self.job_tags) > 1
        return "status" not in self.params() and not any_of_several_tags

    @property
    def checks_items(self) -> bool:
        """Whether ``matches`` can reject a job: False when no filter is checked on the listed JSON."""
        return bool(self.statuses is not None or self.session_id or self.job_name or self.job_tags)

    def matches(self, item: dict[str, Any]) -> bool:
        """Whether one job of a listing (its JSON) passes every filter; the server may ignore some."""
        statuses = self.statuses
        if statuses is not None and status_from_wire(_wire_status(item)) not in statuses:
            return False
        if self.session_id and item.get("session_id", self.session_id) != self.session_id:
            return False
        item_tags = set(item.get("tags") or [])
        if self.job_name and f"{_NAME_TAG}{self.job_name}" not in item_tags:
            return False
        wanted = set(self.job_tags)
        if self.job_tags_operator == "AND":
            return wanted <= item_tags
        return not wanted or bool(item_tags & wanted)


def _wire_status(item: dict[str, Any]) -> str | None:
    state = item.get("state")
    return state.get("status") if isinstance(state, dict) else (item.get("status") or state)


def _listed(
    session: ApiSession, params: dict[str, Any], offset: int, wanted: Any
) -> Iterator[dict[str, Any]]:
    """Every job of the listing from ``offset`` on, one GET /jobs per page.

    ``wanted()`` says how many more items the caller may need (inf: all), to size the next page.
    """
    while True:
        more = wanted()
        page = _PAGE_SIZE if math.isinf(more) else int(min(_PAGE_SIZE, max(more, 1)))
        body = session.get_json("/jobs", params={**params, "limit": page, "offset": offset})
        items = body.get("jobs", [])
        offset += len(items)
        yield from items
        total = body.get("count")
        # a server may cap a page below what we asked for, so trust its count when it gives one
        if not items or (offset >= int(total) if total is not None else len(items) < page):
            return


def list_jobs(provider: AccountProvider, query: JobQuery) -> list[IBMQJob]:
    """The provider's jobs matching ``query``: one request per page of the listing, none per job."""
    if query.matches_nothing:
        return []
    limit = math.inf if query.limit is None else query.limit
    # When the server applies every filter itself, it also does the skipping; otherwise we skip matches here.
    exact = query.server_applies_all
    to_skip = 0 if exact else query.skip
    jobs: list[IBMQJob] = []
    if limit <= len(jobs):
        return jobs
    listing = _listed(
        provider.session, query.params(), query.skip if exact else 0, lambda: limit - len(jobs) + to_skip
    )
    check = query.checks_items  # a watcher's query has no filter: 1,000 calls to matches() saved per poll
    for item in listing:
        if check and not query.matches(item):
            continue
        if to_skip:
            to_skip -= 1
            continue
        jobs.append(IBMQJob(provider, item))
        if len(jobs) >= limit:
            break
    return jobs


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
