"""GET /jobs: the listing's JSON, assembled from each job's JSON kept between polls.

A watcher lists the same 1,000 jobs every few seconds, and almost nothing in their JSON changes between two polls:
a final job's never changes again, a queued job's changes only in ``queue_info``, and a running job's in
``queue_info`` and ``usage`` (its seconds so far). So each job's JSON is encoded once, as text with slots for those
volatile parts, and kept in a bounded LRU cache (``JobJsonCache``); a listing joins the kept texts with freshly
computed ``queue_info`` and ``usage``.

Why it can never be stale: an entry is found by the usage format and the job id and used only if the job's whole
row, as read for this listing, equals the row it was made from (every column but ``params_text``, which is never
kept). The text is a function of that row and the format alone, so whatever changed a job (state, reason, tags, a
deleted and re-created id, a write from another process), a changed row misses and is encoded again. Nothing
needs invalidating.

The wire format is ``job_views.job_json`` encoded by ``base.dumps``, byte for byte: the kept texts are made by
those two functions, and the volatile parts are written exactly as ``json.dumps`` writes them. The ``usage`` in a
text follows the request's IBM-API-Version, so texts are kept per usage format (``job_views.USAGE_FORMATS``):
a listing only ever uses texts of its own format.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ibmq_widgets.service.handlers.base import dumps
from ibmq_widgets.service.handlers.job_views import (
    LATEST_API_VERSION,
    job_json,
    usage_format,
    usage_json,
)
from ibmq_widgets.service.records import COLUMNS, PENDING_STATES, record_from_row, utc_now
from ibmq_widgets.wire import format_datetime

if TYPE_CHECKING:
    from ibmq_widgets.service.scheduler import Scheduler
    from ibmq_widgets.service.store import JobStore

__all__ = ["DEFAULT_CACHE", "JobJsonCache", "JobText", "listing_text"]

_NAMES = [name.strip() for name in COLUMNS.split(",")]
_ID, _STATUS, _PARAMS = _NAMES.index("id"), _NAMES.index("status"), _NAMES.index("params_text")
_QUEUE_KEYS = ("position", "estimated_start_time", "estimated_completion_time")
_EMPTY_QUEUE_TEXT = dumps(dict.fromkeys(_QUEUE_KEYS))


class _Slot:
    """A place in a kept job text filled in by each listing."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<slot {self.name}>"


#: The job's ``usage`` so far (a job that started running and has not finished).
USAGE = _Slot("usage")
#: The job's ``queue_info`` (a Queued or Running job).
QUEUE_INFO = _Slot("queue_info")


class JobText:
    """One job's JSON as text with slots for its volatile parts.

    ``parts`` holds texts and slots (``USAGE``, ``QUEUE_INFO``) in order, without the closing brace (params may
    follow). ``lead`` and ``tail`` are the same for a final job (``lead`` alone) or a queued one (``lead``, the
    queue info, ``tail``) closed and followed by ", ", as a listing without params appends them; None otherwise.

    Parameters
    ----------
    row : tuple
        The job's row (``COLUMNS`` order) with ``params_text`` empty: what the text is made from, and what a
        later row must equal for the text to be reused.
    version : str
        The IBM-API-Version the text is for (every version of one usage format gives the same text).
    """

    __slots__ = ("id", "lead", "parts", "pending", "row", "started", "tail", "usage")

    def __init__(self, row: tuple, version: str = LATEST_API_VERSION) -> None:
        job = record_from_row(row)
        #: The usage format and pending state, for the usage of a running job (``usage_text``).
        self.usage, self.pending = usage_format(version), job.pending
        body = job_json(job, None, include_params=False, version=version)
        # job_json's key order ends usage, queue_info, ibmq_widgets: the head is everything before them.
        usage, queue_info, widgets = body.pop("usage"), body.pop("queue_info"), body.pop("ibmq_widgets")
        stamps = job.timestamps
        # Exactly when job_views.run_time reads the clock: running and not finished.
        self.started: datetime | None = None if "finished" in stamps else stamps.get("running")
        pieces: list[Any] = [
            dumps(body)[:-1],
            ', "usage": ',
            USAGE if self.started is not None else dumps(usage),
            ', "queue_info": ',
            QUEUE_INFO if job.status in PENDING_STATES else dumps(queue_info),
            ', "ibmq_widgets": ' + dumps(widgets),
        ]
        parts: list[Any] = []
        for piece in pieces:  # adjacent texts joined: a final job is one text
            if isinstance(piece, str) and parts and isinstance(parts[-1], str):
                parts[-1] += piece
            else:
                parts.append(piece)
        self.parts: tuple[Any, ...] = tuple(parts)
        self.row = row
        self.id: str = job.id
        # Nearly every listed job is final or queued: appended as one or three texts, nothing to look at.
        self.lead: str | None = None
        self.tail: str | None = None
        if len(parts) == 1:
            self.lead = parts[0] + "}, "
        elif len(parts) == 3 and parts[1] is QUEUE_INFO:
            self.lead, self.tail = parts[0], parts[2] + "}, "


def _value_text(value: Any) -> str:
    """A queue-info value as ``json.dumps`` writes ``job_views._iso(value)``."""
    if value is None:
        return "null"
    if type(value) is int:
        return repr(value)
    if isinstance(value, datetime):
        # format_datetime without its astimezone when the value is UTC already (the scheduler's are)
        text = value.isoformat()[:-6] + "Z" if value.tzinfo is timezone.utc else format_datetime(value)
        return f'"{text}"'
    return dumps(value)


def _utc_text(value: datetime, minutes: dict[tuple[int, ...], str]) -> str:
    """``value.isoformat()`` of an aware UTC datetime without its offset; ``minutes`` keeps each minute's
    ``YYYY-MM-DDTHH:MM:`` between calls (a listing's estimates fall in a few minutes: half the cost of isoformat).
    """
    minute = (value.year, value.month, value.day, value.hour, value.minute)
    prefix = minutes.get(minute)
    if prefix is None:
        prefix = minutes[minute] = value.isoformat()[:17]
    micro = value.microsecond  # isoformat leaves out a zero fraction
    return f"{prefix}{value.second:02d}.{micro:06d}" if micro else f"{prefix}{value.second:02d}"


def queue_info_text(raw: Mapping[str, Any] | None, minutes: dict[tuple[int, ...], str] | None = None) -> str:
    """The ``queue_info`` JSON of a pending job whose scheduler queue info is ``raw`` (None: not queued).

    Parameters
    ----------
    raw : mapping, optional
        The scheduler's queue info of the job.
    minutes : dict, optional
        Where the texts of the minutes seen so far are kept, for a listing's many calls (see ``_utc_text``);
        one for this call alone by default.
    """
    if not raw:
        return _EMPTY_QUEUE_TEXT
    position = raw.get("position")
    start, end = raw.get("estimated_start_time"), raw.get("estimated_completion_time")
    # The usual queued job, inline: one call per job of a 1,000-job listing adds up.
    if (
        type(position) is int
        and type(start) is datetime
        and type(end) is datetime
        and start.tzinfo is timezone.utc
        and end.tzinfo is timezone.utc
    ):
        minutes = {} if minutes is None else minutes
        return (
            f'{{"position": {position}, "estimated_start_time": "{_utc_text(start, minutes)}Z", '
            f'"estimated_completion_time": "{_utc_text(end, minutes)}Z"}}'
        )
    return (
        f'{{"position": {_value_text(position)}, "estimated_start_time": {_value_text(start)}, '
        f'"estimated_completion_time": {_value_text(end)}}}'
    )


def usage_text(started: datetime, now: datetime, *, pending: bool = True, usage: str | None = None) -> str:
    """The ``usage`` JSON of a job running since ``started``, at ``now`` (as ``job_views.job_json`` writes it).

    Parameters
    ----------
    started, now : datetime
        When the job started running, and the time its usage is counted to.
    pending : bool
        Whether the job is still queued or running.
    usage : str, optional
        The usage format (``job_views.USAGE_FORMATS``); the latest by default.
    """
    usage = usage_format(LATEST_API_VERSION) if usage is None else usage
    # Not inlined as queue_info_text is: a listing has a few running jobs at most.
    return dumps(usage_json(now - started, pending, usage))


class JobJsonCache:
    """A bounded LRU cache of ``JobText`` by usage format and job id, safe to share between threads.

    Parameters
    ----------
    max_entries : int
        How many jobs' texts are kept per usage format; the least recently listed go first. One entry is about
        2 KB. Clients of one API version use one format, so usually only one format's entries exist.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        # One LRU per format rather than (format, id) keys: no tuple to build per job on the hot path.
        self._entries: dict[str, OrderedDict[str, JobText]] = {}
        self._lock = threading.Lock()
        #: How many jobs were listed from a kept text, and how many had to be encoded.
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._entries.values())

    def texts(self, rows: Sequence[tuple], version: str = LATEST_API_VERSION) -> list[JobText]:
        """The ``JobText`` of each row (params empty) for IBM-API-Version ``version``, kept ones where the row
        is unchanged."""
        with self._lock:
            entries = self._entries.setdefault(usage_format(version), OrderedDict())
            found = [entries.get(row[_ID]) for row in rows]
        texts: list[JobText] = []
        made: list[JobText] = []
        for row, text in zip(rows, found, strict=True):
            if text is None or text.row != row:
                text = JobText(row, version)  # outside the lock: encoding is the slow part
                made.append(text)
            texts.append(text)
        with self._lock:
            for text in texts:
                key = text.row[_ID]
                if entries.get(key) is text:
                    entries.move_to_end(key)
                else:
                    entries[key] = text
            while len(entries) > self.max_entries:
                entries.popitem(last=False)
            self.hits += len(texts) - len(made)
            self.misses += len(made)
        return texts

    def clear(self) -> None:
        """Forget every kept text."""
        with self._lock:
            self._entries.clear()


#: The cache of every service in this process. A text depends on its row and usage format alone, so services
#: may share it.
DEFAULT_CACHE = JobJsonCache()


def listing_text(
    store: JobStore,
    scheduler: Scheduler,
    instance: str,
    filters: Mapping[str, Any],
    *,
    include_params: bool,
    cache: JobJsonCache | None = None,
    now: datetime | None = None,
    version: str = LATEST_API_VERSION,
) -> bytes:
    """The body of GET /jobs: one page of the instance's jobs, with the count of all matches.

    Parameters
    ----------
    store : JobStore
        Where the jobs are read (``list_jobs(..., rows=True)``).
    scheduler : Scheduler
        Gives the queue info of the pending jobs (``queue_infos``).
    instance : str
        The caller's instance.
    filters : mapping
        The keywords of ``JobStore.list_jobs`` (``limit`` and ``offset`` among them).
    include_params : bool
        Whether each job carries its ``params`` (encoded afresh each time: params are never kept).
    cache : JobJsonCache, optional
        Where job texts are kept; ``DEFAULT_CACHE`` by default.
    now : datetime, optional
        The time running jobs' usage is counted to (aware UTC); the current time by default.
    version : str
        The request's IBM-API-Version (a date ``YYYY-MM-DD``): it decides the shape of each job's ``usage``.
    """
    cache = DEFAULT_CACHE if cache is None else cache
    rows, count = store.list_jobs(instance, **filters, params=include_params, rows=True)
    params: list[str] = []
    if include_params:
        params = [row[_PARAMS] for row in rows]
        rows = [(*row[:_PARAMS], "", *row[_PARAMS + 1 :]) for row in rows]  # the kept row has no params
    infos = scheduler.queue_infos([row[_ID] for row in rows if row[_STATUS] in PENDING_STATES])
    now = utc_now() if now is None else now
    texts = cache.texts(rows, version)
    out = ['{"jobs": [']
    if include_params:
        _append_with_params(out, texts, params, infos, now)
    else:
        _append(out, texts, infos, now)
    out.append(f'], "count": {int(count)}, "limit": {len(rows)}, "offset": {int(filters["offset"])}}}')
    return "".join(out).encode()


def _append(out: list[str], texts: list[JobText], infos: Mapping[str, Any], now: datetime) -> None:
    """Append the jobs' JSON texts, separated by commas, to ``out`` (the hot path: a watcher's poll)."""
    append = out.append
    minutes: dict[tuple[int, ...], str] = {}  # for this listing alone: never grows with the service's uptime
    for text in texts:
        lead = text.lead
        if lead is None:  # a running job: usage and queue info
            _append_parts(append, text, infos, now)
            append("}, ")
        elif text.tail is None:  # a final job
            append(lead)
        else:  # a queued job
            append(lead)
            append(queue_info_text(infos.get(text.id), minutes))
            append(text.tail)
    if texts:
        out[-1] = out[-1][:-2]  # the last job's separator


def _append_with_params(
    out: list[str], texts: list[JobText], params: list[str], infos: Mapping[str, Any], now: datetime
) -> None:
    """Append the jobs' JSON texts with their params (decoded and encoded again, as job_json does)."""
    for index, text in enumerate(texts):
        if index:
            out.append(", ")
        _append_parts(out.append, text, infos, now)
        out.append(f', "params": {dumps(json.loads(params[index]))}}}')


def _append_parts(append: Any, text: JobText, infos: Mapping[str, Any], now: datetime) -> None:
    """Append ``text.parts`` with its slots filled in (no closing brace)."""
    for part in text.parts:
        if part.__class__ is str:
            append(part)
        elif part is QUEUE_INFO:
            append(queue_info_text(infos.get(text.id)))
        else:
            append(usage_text(text.started, now, pending=text.pending, usage=text.usage))  # type: ignore[arg-type]
