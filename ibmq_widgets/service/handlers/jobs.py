"""/api/v1/jobs: submit, list, read, delete; and a job's results, cancel, tags, metrics and logs."""

from __future__ import annotations

import secrets
import sqlite3
import string

import tornado.web
from tornado.ioloop import IOLoop

from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.service.handlers.base import ApiHandler
from ibmq_widgets.service.handlers.job_views import job_json, job_log, job_metrics
from ibmq_widgets.service.store import ALL_STATES, PENDING_STATES, JobRecord

__all__ = ["routes"]

_ID_ALPHABET = string.ascii_lowercase + string.digits
# Status names callers may filter by, besides the wire states themselves (case-insensitive).
_STATUS_ALIASES = {"done": "Completed", "error": "Failed", "canceled": "Cancelled"}
_MAX_IDEMPOTENCY_KEY = 200


def new_job_id() -> str:
    """A job id shaped like the real platform's: 20 lower-case letters and digits."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(20))


class JobHandlerBase(ApiHandler):
    """Looks jobs up within the caller's instance: another instance's job is a 404, as if it did not exist."""

    def job(self, job_id: str) -> JobRecord:
        instance = self.instance()
        job = self.state.store.get_job(job_id)
        if job is None or job.instance != instance.name:
            raise ApiError(404, "job_not_found", f"Job {job_id} was not found in instance {instance.name}.")
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


@tornado.web.stream_request_body
class JobsHandler(JobHandlerBase):
    """``POST /jobs`` (checked before anything is stored) and ``GET /jobs`` with every filter."""

    def prepare(self) -> None:
        self._chunks: list[bytes] = []
        self._received = 0
        if self.request.method != "POST":
            return
        limit = self.state.max_body_bytes
        hard_cap = max(4 * limit, limit + (1 << 20))
        self.request.connection.set_max_body_size(hard_cap)
        declared = self.request.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > hard_cap:
            # Refused unread: the rest of the body is still on the wire, so the connection cannot carry another
            # request; saying so keeps clients from reusing it and failing their next request.
            error = self._too_large()
            error.headers["Connection"] = "close"
            raise error

    def data_received(self, chunk: bytes) -> None:
        # Keep reading an oversized body (so the caller gets a clean 413) but stop keeping it.
        self._received += len(chunk)
        if self._received <= self.state.max_body_bytes:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()

    def _too_large(self) -> ApiError:
        return ApiError(
            413,
            "payload_too_large",
            f"The job body is over {self.state.max_body_bytes} bytes; split the pubs into several jobs.",
        )

    async def post(self) -> None:
        instance = self.instance()
        if self._received > self.state.max_body_bytes:
            raise self._too_large()
        key = self.request.headers.get("Idempotency-Key")
        if key is not None and not 0 < len(key) <= _MAX_IDEMPOTENCY_KEY:
            raise ApiError(
                400, "bad_request", f"Idempotency-Key must be 1 to {_MAX_IDEMPOTENCY_KEY} characters."
            )
        if key:
            earlier = self.state.store.find_by_idempotency_key(instance.name, key)
            if earlier is not None:
                self.write_json({"id": earlier.id, "backend": earlier.backend})
                return
        # Decoding QPY can take a while for big jobs: off the IOLoop, so other requests keep being answered.
        body = b"".join(self._chunks)
        submission = await IOLoop.current().run_in_executor(
            None, self.state.validator.validate, body, instance
        )
        limit = instance.limit_for(submission.backend)
        if self.state.scheduler.active_count(submission.backend, instance.name) >= limit:
            raise ApiError(
                429,
                "job_limit_reached",
                f"Instance {instance.name} has {limit} jobs queued or running on {submission.backend} "
                "(its limit); wait for one to finish, then submit again.",
            )
        job = JobRecord(
            id=new_job_id(),
            instance=instance.name,
            backend=submission.backend,
            program=submission.program,
            params_text=submission.params_text,
            tags=submission.tags,
            session_id=submission.session_id,
            private=submission.private,
            num_pubs=submission.num_pubs,
            max_seconds=submission.max_seconds,
            idempotency_key=key or None,
        )
        try:
            self.state.store.create_job(job)
        except sqlite3.IntegrityError:  # the same Idempotency-Key raced in from another connection
            earlier = self.state.store.find_by_idempotency_key(instance.name, key or "")
            if earlier is None:
                raise
            self.write_json({"id": earlier.id, "backend": earlier.backend})
            return
        self.state.scheduler.enqueue(job)
        self.write_json({"id": job.id, "backend": job.backend})

    def _statuses(self) -> list[str] | None:
        names = self.get_query_arguments("status")
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
        return statuses

    def get(self) -> None:
        instance = self.instance()
        sort = (self.get_query_argument("sort", "DESC") or "DESC").upper()
        if sort not in ("ASC", "DESC"):
            raise ApiError(400, "invalid_parameter", "Query parameter 'sort' must be ASC or DESC.")
        operator = (self.get_query_argument("tags_operator", "AND") or "AND").upper()
        if operator not in ("AND", "OR"):
            raise ApiError(400, "invalid_parameter", "Query parameter 'tags_operator' must be AND or OR.")
        jobs, count = self.state.store.list_jobs(
            instance.name,
            limit=self.int_argument("limit", 200, minimum=0, maximum=1000),
            offset=self.int_argument("offset", 0),
            backend=self.get_query_argument("backend", None) or None,
            pending=self.bool_argument("pending"),
            statuses=self._statuses(),
            program=self.get_query_argument("program", None) or None,
            tags=self.get_query_arguments("tags"),
            created_after=self.datetime_argument("created_after"),
            created_before=self.datetime_argument("created_before"),
            ascending=sort == "ASC",
            tags_any=operator == "OR",
            session_id=self.get_query_argument("session_id", None) or None,
        )
        include = self.bool_argument("exclude_params") is not True
        items = [job_json(job, self.queue_info(job), include_params=include) for job in jobs]
        self.write_json(
            {"jobs": items, "count": count, "limit": len(items), "offset": self.int_argument("offset", 0)}
        )


class JobHandler(JobHandlerBase):
    """``GET /jobs/{id}`` and ``DELETE /jobs/{id}`` (a pending job is cancelled first)."""

    def get(self, job_id: str) -> None:
        job = self.job(job_id)
        include = self.bool_argument("exclude_params") is not True
        self.write_json(job_json(job, self.queue_info(job), include_params=include))

    def delete(self, job_id: str) -> None:
        job = self.job(job_id)
        if job.status in PENDING_STATES:
            self.state.scheduler.cancel(job.id)
            self.state.store.set_status(job.id, "Cancelled", reason="Deleted by the user.")
        self.state.store.delete_job(job.id)
        self.no_content()


class ResultsHandler(JobHandlerBase):
    """The result text exactly as the worker stored it (byte-identical across restarts)."""

    def get(self, job_id: str) -> None:
        job = self.job(job_id)
        text = self.state.store.get_result(job.id) if job.status == "Completed" else None
        if text is None:
            detail = f" ({job.reason.rstrip('.')})" if job.reason else ""
            raise ApiError(
                409,
                "invalid_state",
                f"Job {job.id} is {job.status}{detail}; results exist only once it is Completed.",
            )
        self.write_json_text(text)


class CancelHandler(JobHandlerBase):
    def post(self, job_id: str) -> None:
        self.cancel_job(self.job(job_id))
        self.no_content()


class TagsHandler(JobHandlerBase):
    def put(self, job_id: str) -> None:
        job = self.job(job_id)
        body = self.json_body()
        tags = body.get("tags") if isinstance(body, dict) else None
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise ApiError(400, "bad_request", 'The body must be {"tags": [<strings>]}.')
        self.state.store.set_tags(job.id, tags)
        self.no_content()


class MetricsHandler(JobHandlerBase):
    def get(self, job_id: str) -> None:
        job = self.job(job_id)
        self.write_json(job_metrics(job, self.queue_info(job)))


class LogsHandler(JobHandlerBase):
    def get(self, job_id: str) -> None:
        job = self.job(job_id)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(job_log(job))


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
