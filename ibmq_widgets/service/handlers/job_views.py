"""How a stored job looks on the wire: the job JSON, its metrics and its log.

The usage in the job JSON and the metrics follows the request's ``IBM-API-Version``, as IBM's changelog has it:

- before 2026-03-15 (``LEGACY_USAGE``): the job's ``usage`` is ``{seconds, quantum_seconds}``; the metrics'
  ``usage`` adds ``qpu_charge_time_seconds`` and ``status``, and the metrics carry ``bss``;
- from 2026-03-15: ``usage`` is ``{qpu_charge_time_seconds, status, circuits_execution_time_ns}`` in both, no
  ``bss``; ``status`` is ``"pending"`` while the job is queued or running, then ``"final"``;
- from 2026-04-15 (the latest): ``usage`` is ``{qpu_charge_time_seconds, status}``, and the metrics carry
  ``circuits_execution_time_ns`` at their root.

All of them count the seconds the job ran (running -> finished) rounded to the millisecond, and its nanoseconds.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from ibmq_widgets.service.store import PENDING_STATES, JobRecord
from ibmq_widgets.wire import API_VERSION, format_datetime

__all__ = [
    "LATEST_API_VERSION",
    "LEGACY_USAGE",
    "USAGE_FORMATS",
    "job_json",
    "job_log",
    "job_metrics",
    "run_seconds",
    "run_time",
    "usage_format",
    "usage_json",
]

#: The newest IBM-API-Version the service knows (the reference client's): what a request without one gets.
LATEST_API_VERSION = API_VERSION
#: The usage formats, each named by the version that brought it in (the first: every earlier version).
LEGACY_USAGE = "legacy"
_QPU_CHARGE = "2026-03-15"  # usage {qpu_charge_time_seconds, status, circuits_execution_time_ns}; no bss
_NS_AT_ROOT = "2026-04-15"  # circuits_execution_time_ns out of usage, at the metrics' root
USAGE_FORMATS = (LEGACY_USAGE, _QPU_CHARGE, _NS_AT_ROOT)

_EMPTY_QUEUE_INFO = {"position": None, "estimated_start_time": None, "estimated_completion_time": None}
# The order a job's states happen in, for the metrics and the log.
_STATE_ORDER = ("created", "queued", "running", "completed", "cancelled", "failed")
_MICROSECOND = timedelta(microseconds=1)


def usage_format(version: str) -> str:
    """The usage format (one of ``USAGE_FORMATS``) of an ``IBM-API-Version`` (a date ``YYYY-MM-DD``).

    A version after the latest gets the latest format; one before 2026-03-15 the legacy one.
    """
    if version >= _NS_AT_ROOT:  # ISO dates compare as text
        return _NS_AT_ROOT
    return _QPU_CHARGE if version >= _QPU_CHARGE else LEGACY_USAGE


def _iso(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


def _finite(value: float | None) -> float | None:
    # Older stores may hold an infinite or NaN cost from before costs were checked: not JSON, so null.
    return value if value is not None and math.isfinite(value) else None


def run_time(job: JobRecord) -> timedelta:
    """How long the job ran (running -> finished; so far if it still runs; zero if it never ran)."""
    started = job.timestamps.get("running")
    if started is None:
        return timedelta(0)
    ended = job.timestamps.get("finished")
    if ended is None:
        from ibmq_widgets.service.store import utc_now

        ended = utc_now()
    return ended - started


def run_seconds(job: JobRecord) -> float:
    """Seconds the job ran (running -> finished; so far if it still runs; 0 if it never ran)."""
    return max(0.0, run_time(job).total_seconds())


def usage_json(ran: timedelta, pending: bool, usage: str) -> dict[str, Any]:
    """The job JSON's ``usage`` in format ``usage`` (``USAGE_FORMATS``) of a job that ran ``ran``.

    Parameters
    ----------
    ran : timedelta
        How long the job ran (a negative one, from a clock set back, counts as zero).
    pending : bool
        Whether the job is still queued or running (its usage is not final yet).
    usage : str
        The format, from :func:`usage_format`.
    """
    seconds = round(max(0.0, ran.total_seconds()), 3)
    if usage == LEGACY_USAGE:
        return {"seconds": seconds, "quantum_seconds": seconds}
    body: dict[str, Any] = {"qpu_charge_time_seconds": seconds, "status": "pending" if pending else "final"}
    if usage == _QPU_CHARGE:
        body["circuits_execution_time_ns"] = _nanoseconds(ran)
    return body


def _nanoseconds(ran: timedelta) -> int:
    return max(0, ran // _MICROSECOND) * 1000  # exact: a timedelta counts whole microseconds


def _queue_info(job: JobRecord, raw: dict[str, Any] | None) -> dict[str, Any]:
    if job.status not in PENDING_STATES or not raw:
        return dict(_EMPTY_QUEUE_INFO)
    return {key: _iso(raw.get(key)) for key in _EMPTY_QUEUE_INFO}


def job_json(
    job: JobRecord,
    queue_info: dict[str, Any] | None,
    *,
    include_params: bool,
    version: str = LATEST_API_VERSION,
) -> dict[str, Any]:
    """The JSON of GET /jobs/{id} (and of each item of GET /jobs).

    Parameters
    ----------
    job : JobRecord
        The stored job.
    queue_info : dict, optional
        The scheduler's queue_info for a pending job.
    include_params : bool
        Whether to include the submitted ``params`` (encoded as received).
    version : str
        The request's IBM-API-Version (a date ``YYYY-MM-DD``): it decides the shape of ``usage``.
    """
    state: dict[str, Any] = {"status": job.status}
    if job.reason:
        state["reason"] = job.reason
    if job.reason_code is not None:
        state["reason_code"] = job.reason_code
    body: dict[str, Any] = {
        "id": job.id,
        "backend": job.backend,
        "state": state,
        "status": job.status,
        "program": {"id": job.program},
        "created": format_datetime(job.created),
        "end_time": _iso(job.timestamps.get("finished")),
        "session_id": job.session_id,
        "tags": list(job.tags),
        "private": job.private,
        "cost": _finite(job.max_seconds),
        "runtime": "",
        "usage": usage_json(run_time(job), job.pending, usage_format(version)),
        "queue_info": _queue_info(job, queue_info),
        "ibmq_widgets": {"num_pubs": job.num_pubs},
    }
    if include_params:
        body["params"] = json.loads(job.params_text)
    return body


def job_metrics(
    job: JobRecord, queue_info: dict[str, Any] | None, *, version: str = LATEST_API_VERSION
) -> dict[str, Any]:
    """The JSON of GET /jobs/{id}/metrics: the time of every state the job entered, and its usage.

    Parameters
    ----------
    job : JobRecord
        The stored job.
    queue_info : dict, optional
        The scheduler's queue_info for a pending job.
    version : str
        The request's IBM-API-Version: it decides the shape of ``usage``, ``bss`` and where
        ``circuits_execution_time_ns`` is (see the module's docstring).
    """
    stamps = {key: format_datetime(value) for key, value in job.timestamps.items()}
    ran, usage = run_time(job), usage_format(version)
    info = _queue_info(job, queue_info)
    body: dict[str, Any] = {
        "timestamps": {"created": stamps.get("created"), "running": stamps.get("running"),
                       "finished": stamps.get("finished"), **stamps},
        "usage": usage_json(ran, job.pending, usage),
    }  # fmt: skip
    if usage == LEGACY_USAGE:  # the metrics' usage had the newer fields too, and bss beside it
        seconds = body["usage"]["seconds"]
        body["usage"].update(qpu_charge_time_seconds=seconds, status="pending" if job.pending else "final")
        body["bss"] = {"seconds": seconds}
    elif usage == _NS_AT_ROOT:
        body["circuits_execution_time_ns"] = _nanoseconds(ran)
    body.update(
        executions=job.num_pubs,
        num_circuits=job.num_pubs,
        position_in_queue=info["position"],
        estimated_start_time=info["estimated_start_time"],
        estimated_completion_time=info["estimated_completion_time"],
        caller="ibmq_widgets",
    )
    return body


def job_log(job: JobRecord) -> str:
    """The text of GET /jobs/{id}/logs: one line per state the job entered, and why it failed."""
    lines = []
    ordered = sorted(
        ((key, value) for key, value in job.timestamps.items() if key in _STATE_ORDER),
        key=lambda item: (item[1], _STATE_ORDER.index(item[0])),
    )
    for key, value in ordered:
        what = {
            "created": f"job created ({job.program}, {job.num_pubs} pubs)",
            "running": f"running on {job.backend}",
        }
        lines.append(f"{format_datetime(value)} {what.get(key, key)}")
    if job.reason:
        lines.append(f"reason: {job.reason}" + (f" (code {job.reason_code})" if job.reason_code else ""))
    return "\n".join(lines) + "\n"
