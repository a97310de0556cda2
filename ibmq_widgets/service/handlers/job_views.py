"""How a stored job looks on the wire: the job JSON, its metrics and its log."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from ibmq_widgets.service.store import PENDING_STATES, JobRecord
from ibmq_widgets.wire import format_datetime

__all__ = ["job_json", "job_log", "job_metrics", "run_seconds"]

_EMPTY_QUEUE_INFO = {"position": None, "estimated_start_time": None, "estimated_completion_time": None}
# The order a job's states happen in, for the metrics and the log.
_STATE_ORDER = ("created", "queued", "running", "completed", "cancelled", "failed")


def _iso(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


def _finite(value: float | None) -> float | None:
    # Older stores may hold an infinite or NaN cost from before costs were checked: not JSON, so null.
    return value if value is not None and math.isfinite(value) else None


def run_seconds(job: JobRecord) -> float:
    """Seconds the job ran (running -> finished; so far if it still runs; 0 if it never ran)."""
    started = job.timestamps.get("running")
    if started is None:
        return 0.0
    ended = job.timestamps.get("finished")
    if ended is None:
        from ibmq_widgets.service.store import utc_now

        ended = utc_now()
    return max(0.0, (ended - started).total_seconds())


def _queue_info(job: JobRecord, raw: dict[str, Any] | None) -> dict[str, Any]:
    if job.status not in PENDING_STATES or not raw:
        return dict(_EMPTY_QUEUE_INFO)
    return {key: _iso(raw.get(key)) for key in _EMPTY_QUEUE_INFO}


def job_json(job: JobRecord, queue_info: dict[str, Any] | None, *, include_params: bool) -> dict[str, Any]:
    """The JSON of GET /jobs/{id} (and of each item of GET /jobs).

    Parameters
    ----------
    job : JobRecord
        The stored job.
    queue_info : dict, optional
        The scheduler's queue_info for a pending job.
    include_params : bool
        Whether to include the submitted ``params`` (encoded as received).
    """
    state: dict[str, Any] = {"status": job.status}
    if job.reason:
        state["reason"] = job.reason
    if job.reason_code is not None:
        state["reason_code"] = job.reason_code
    seconds = round(run_seconds(job), 3)
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
        "usage": {"seconds": seconds, "quantum_seconds": seconds},
        "queue_info": _queue_info(job, queue_info),
        "ibmq_widgets": {"num_pubs": job.num_pubs},
    }
    if include_params:
        body["params"] = json.loads(job.params_text)
    return body


def job_metrics(job: JobRecord, queue_info: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON of GET /jobs/{id}/metrics: the time of every state the job entered, and its usage."""
    stamps = {key: format_datetime(value) for key, value in job.timestamps.items()}
    seconds = round(run_seconds(job), 3)
    info = _queue_info(job, queue_info)
    return {
        "timestamps": {"created": stamps.get("created"), "running": stamps.get("running"),
                       "finished": stamps.get("finished"), **stamps},
        "usage": {"seconds": seconds, "quantum_seconds": seconds, "qpu_charge_time_seconds": seconds,
                  "status": "pending" if job.pending else "final"},
        "bss": {"seconds": seconds},
        "executions": job.num_pubs,
        "num_circuits": job.num_pubs,
        "position_in_queue": info["position"],
        "estimated_start_time": info["estimated_start_time"],
        "estimated_completion_time": info["estimated_completion_time"],
        "caller": "ibmq_widgets",
    }  # fmt: skip


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
