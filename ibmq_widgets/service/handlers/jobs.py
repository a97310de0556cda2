"""/api/v1/jobs: submit, list, read, delete; and a job's results, cancel, tags, metrics and logs.

Everything that touches the job store or the scheduler runs on the blocking pool (``self.blocking``), and so
does everything whose cost grows with a job's size (decoding and checking a submission, encoding a job with its
params): the IOLoop only parses headers and query arguments and writes the finished bytes.

Every job route reads the ``IBM-API-Version`` header (a malformed one is a 400): the job JSON and the metrics
follow it (``job_views``); the other job routes answer the same whatever it is.
"""

from __future__ import annotations

import secrets
import sqlite3
import string
import threading
from typing import Any

import tornado.web

from ibmq_widgets.service.config import InstanceConfig
from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.service.handlers.base import ApiHandler, dumps
from ibmq_widgets.service.handlers.inputs import MAX_TAG_LENGTH, MAX_TAGS, check_tags
from ibmq_widgets.service.handlers.job_listing import listing_text
from ibmq_widgets.service.handlers.job_views import job_json, job_log, job_metrics
from ibmq_widgets.service.store import ALL_STATES, PENDING_STATES, JobRecord

__all__ = ["MAX_LIST_OFFSET", "routes"]

_ID_ALPHABET = string.ascii_lowercase + string.digits
# Status names callers may filter by, besides the wire states themselves (case-insensitive).
_STATUS_ALIASES = {"done": "Completed", "error": "Failed", "canceled": "Cancelled"}
_MAX_IDEMPOTENCY_KEY = 200
#: The largest ``offset`` of GET /jobs (SQLite takes 64-bit offsets; no instance has this many jobs).
MAX_LIST_OFFSET = 2**31 - 1
MAX_LIST_LIMIT = 1000
#: The largest PUT /jobs/{id}/tags body: 50 tags of 256 characters, even written as \uXXXX escapes, fit.
MAX_TAGS_BODY = 256 * 1024
# The job limit check, the insert and the enqueue of one submission happen together (submissions run on the
# blocking pool's threads, so two could otherwise both pass the check).
_submit_lock = threading.Lock()


def new_job_id() -> str:
    """A job id shaped like the real platform's: 20 lower-case letters and digits."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(20))


class JobHandlerBase(ApiHandler):
    """Looks jobs up within the caller's instance: another instance's job is a 404, as if it did not exist.

    The methods here block on the store; handlers call them through ``self.blocking``.
    """

    reads_api_version = True

    def job(self, job_id: str, instance: InstanceConfig) -> JobRecord:
        job = self.state.store.get_job(job_id)
        if job is None or job.instance != instance.name:
            raise ApiError(
                404, "job_not_found", f"Job {job_id[:100]} was not found in instance {instance.name}."
            )
        return job

    def queue_info(self, job: JobRecord) -> dict | None:
        return self.state.scheduler.queue_info(job.id) if job.status in PENDING_STATES else None

    def cancel_job(self, job: JobRecord) -> JobRecord:
        """Cancel a pending job; 409 if it is (or just became) final."""
        if job.status in PENDING_STATES:
            self.state.scheduler.cancel(job.id)
            self.state.store.set_status(job.id, "Cancelled", reason="Cancelled by the user.")
            job = self.state.store.get_job(job.id) or job
        if job.status != "Cancelled":
            raise ApiError(
                409,
                "invalid_state",
                f"Job {job.id} is already {job.status}; only Queued or Running jobs can be cancelled.",
            )
        return job


class JobsHandler(JobHandlerBase):
    """``POST /jobs`` (checked before anything is stored) and ``GET /jobs`` with every filter."""

    def body_limit(self) -> int:
        return self.state.max_body_bytes if self.request.method == "POST" else self.max_body

    async def post(self) -> None:
        instance = self.instance()
        chunks = self.body_chunks()
        key = self.request.headers.get("Idempotency-Key")
        if key is not None and not 0 < len(key) <= _MAX_IDEMPOTENCY_KEY:
            raise ApiError(
                400, "bad_request", f"Idempotency-Key must be 1 to {_MAX_IDEMPOTENCY_KEY} characters."
            )
        self.admit(self.key_id(), "submission")
        self.write_json(await self.blocking(self._submit, chunks, instance, key or None))

    def _submit(self, chunks: list[bytes], instance: InstanceConfig, key: str | None) -> dict[str, str]:
        store, scheduler = self.state.store, self.state.scheduler
        # Checked before the key is looked up: a retry must still be a valid job, not any body.
        submission = self.state.validator.validate(b"".join(chunks), instance)
        if submission.session_id is not None:  # a closed, expired or foreign session takes nothing
            self.state.sessions.check_submission(submission.session_id, instance.name, submission.backend)
        if key:
            earlier = store.find_by_idempotency_key(instance.name, key)
            if earlier is not None:
                return {"id": earlier.id, "backend": earlier.backend}
        # A job runs at most the smaller of its cost and the service's job time limit (as on the platform).
        time_limit = getattr(scheduler, "default_time_limit", None)
        max_seconds = submission.max_seconds
        if max_seconds is not None and time_limit:
            max_seconds = min(float(max_seconds), float(time_limit))
        with _submit_lock:
            limit = instance.limit_for(submission.backend)
            if scheduler.active_count(submission.backend, instance.name) >= limit:
                raise ApiError(
                    429,
                    "job_limit_reached",
                    f"Instance {instance.name} has {limit} jobs queued or running on {submission.backend} "
                    "(its limit); wait for one to finish, then submit again.",
                )
            job = JobRecord(
                id=new_job_id(), instance=instance.name, backend=submission.backend,
                program=submission.program, params_text=submission.params_text, tags=submission.tags,
                session_id=submission.session_id, private=submission.private, num_pubs=submission.num_pubs,
                max_seconds=max_seconds, idempotency_key=key,
            )  # fmt: skip
            try:
                store.create_job(job)
            except sqlite3.IntegrityError:  # the same Idempotency-Key raced in from another connection
                earlier = store.find_by_idempotency_key(instance.name, key or "")
                if earlier is None:
                    raise
                return {"id": earlier.id, "backend": earlier.backend}
            scheduler.enqueue(job)
        return {"id": job.id, "backend": job.backend}

    def _statuses(self) -> list[str] | None:
        names = self.string_arguments("status", max_count=20, max_length=20)
        if not names:
            return None
        canonical = {state.lower(): state for state in ALL_STATES} | _STATUS_ALIASES
        statuses = []
        for name in names:
            if name.lower() not in canonical:
                raise ApiError(
                    400, "invalid_parameter", f"Unknown status {name!r}; use one of {', '.join(ALL_STATES)}."
                )
            statuses.append(canonical[name.lower()])
        return list(dict.fromkeys(statuses))

    def _list_filters(self) -> dict[str, Any]:
        sort = self.choice_argument("sort", ("DESC", "ASC"))
        operator = self.choice_argument("tags_operator", ("AND", "OR"))
        return {
            "limit": self.int_argument("limit", 200, maximum=MAX_LIST_LIMIT),
            "offset": self.int_argument("offset", 0, maximum=MAX_LIST_OFFSET),
            "backend": self.get_query_argument("backend", None) or None,
            "pending": self.bool_argument("pending"),
            "statuses": self._statuses(),
            "program": self.get_query_argument("program", None) or None,
            "tags": self.string_arguments("tags", max_count=MAX_TAGS, max_length=MAX_TAG_LENGTH),
            "created_after": self.datetime_argument("created_after"),
            "created_before": self.datetime_argument("created_before"),
            "ascending": sort == "ASC",
            "tags_any": operator == "OR",
            "session_id": self.get_query_argument("session_id", None) or None,
        }

    async def get(self) -> None:
        instance = self.instance()
        filters = self._list_filters()
        include = self.bool_argument("exclude_params") is not True
        self.write_json_text(
            await self.blocking(self._list_text, instance, filters, include, self.api_version)
        )

    def _list_text(
        self, instance: InstanceConfig, filters: dict[str, Any], include: bool, version: str
    ) -> bytes:
        # Each job's JSON is kept between polls and reused while its row is unchanged (see job_listing).
        state = self.state
        return listing_text(
            state.store, state.scheduler, instance.name, filters, include_params=include, version=version
        )


class JobHandler(JobHandlerBase):
    """``GET /jobs/{id}`` and ``DELETE /jobs/{id}`` (a pending job is cancelled first)."""

    async def get(self, job_id: str) -> None:
        instance = self.instance()
        include = self.bool_argument("exclude_params") is not True
        self.write_json_text(await self.blocking(self._text, job_id, instance, include))

    def _text(self, job_id: str, instance: InstanceConfig, include: bool) -> bytes:
        job = self.job(job_id, instance)
        return dumps(
            job_json(job, self.queue_info(job), include_params=include, version=self.api_version)
        ).encode()

    async def delete(self, job_id: str) -> None:
        await self.blocking(self._delete, job_id, self.instance())
        self.no_content()

    def _delete(self, job_id: str, instance: InstanceConfig) -> None:
        job = self.job(job_id, instance)
        if job.status in PENDING_STATES:
            self.state.scheduler.cancel(job.id)
            self.state.store.set_status(job.id, "Cancelled", reason="Deleted by the user.")
        self.state.store.delete_job(job.id)


class ResultsHandler(JobHandlerBase):
    """The result text exactly as the worker stored it (byte-identical across restarts)."""

    async def get(self, job_id: str) -> None:
        self.write_json_text(await self.blocking(self._result, job_id, self.instance()))

    def _result(self, job_id: str, instance: InstanceConfig) -> bytes:
        job = self.job(job_id, instance)
        text = self.state.store.get_result(job.id) if job.status == "Completed" else None
        if text is None:
            detail = f" ({job.reason.rstrip('.')})" if job.reason else ""
            raise ApiError(
                409,
                "invalid_state",
                f"Job {job.id} is {job.status}{detail}; results exist only once it is Completed.",
            )
        return text.encode()


class CancelHandler(JobHandlerBase):
    async def post(self, job_id: str) -> None:
        instance = self.instance()
        await self.blocking(lambda: self.cancel_job(self.job(job_id, instance)))
        self.no_content()


class TagsHandler(JobHandlerBase):
    """``PUT /jobs/{id}/tags``: replace the tags (limits as on POST /jobs)."""

    max_body = MAX_TAGS_BODY

    async def put(self, job_id: str) -> None:
        instance = self.instance()
        body = self.json_body()
        if not isinstance(body, dict) or "tags" not in body:
            raise ApiError(400, "bad_request", 'The body must be {"tags": [<strings>]}.')
        tags = check_tags(body["tags"])
        await self.blocking(lambda: self.state.store.set_tags(self.job(job_id, instance).id, tags))
        self.no_content()


class MetricsHandler(JobHandlerBase):
    async def get(self, job_id: str) -> None:
        instance = self.instance()
        self.write_json(await self.blocking(self._metrics, job_id, instance))

    def _metrics(self, job_id: str, instance: InstanceConfig) -> dict[str, Any]:
        job = self.job(job_id, instance)
        return job_metrics(job, self.queue_info(job), version=self.api_version)


class LogsHandler(JobHandlerBase):
    async def get(self, job_id: str) -> None:
        instance = self.instance()
        text = await self.blocking(lambda: job_log(self.job(job_id, instance)))
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(text)


def routes(state: object) -> list[tornado.web.URLSpec]:
    """The routes of this module."""
    args = {"state": state}
    job = r"/api/v1/jobs/([^/]+)"
    return [
        tornado.web.url(r"/api/v1/jobs", JobsHandler, args),
        tornado.web.url(job, JobHandler, args),
        tornado.web.url(job + r"/results", ResultsHandler, args),
        tornado.web.url(job + r"/cancel", CancelHandler, args),
        tornado.web.url(job + r"/tags", TagsHandler, args),
        tornado.web.url(job + r"/metrics", MetricsHandler, args),
        tornado.web.url(job + r"/logs", LogsHandler, args),
    ]
