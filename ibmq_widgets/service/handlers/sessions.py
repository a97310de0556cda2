"""Sessions and batches, as IBM's API has them and qiskit-ibm-runtime's Session and Batch call them.

``POST /sessions`` {mode, backend, instance?, max_ttl?} opens one; ``GET /sessions/{id}`` describes it;
``PATCH /sessions/{id}`` {accepting_jobs: false} closes it (its queued jobs still run); ``DELETE
/sessions/{id}/close`` cancels it and its unfinished jobs. Jobs join a session with ``session_id`` in
``POST /jobs``. The rules (who may run when) are in service/sessions.py.
"""

from __future__ import annotations

import tornado.web

from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.service.handlers.jobs import JobHandlerBase
from ibmq_widgets.service.records import PENDING_STATES
from ibmq_widgets.service.validation import check_backend_access

__all__ = ["routes"]


class SessionsHandler(JobHandlerBase):
    """``POST /sessions``: open a dedicated session or a batch on one backend of the caller's instance."""

    def post(self) -> None:
        instance = self.instance()
        body = self.json_body()
        if not isinstance(body, dict):
            raise ApiError(
                400, "bad_request", 'The body must be {"mode": "dedicated" or "batch", "backend": ...}.'
            )
        unknown = set(body) - {"mode", "backend", "instance", "max_ttl"}
        if unknown:
            raise ApiError(400, "bad_request", f"Unknown session fields {sorted(unknown)}.")
        for field in ("mode", "backend", "instance"):
            if field in body and not isinstance(body[field], str):
                raise ApiError(400, "bad_request", f"'{field}' must be a string.")
        named = body.get("instance")
        if named is not None and named not in (instance.crn, instance.name):
            raise ApiError(403, "forbidden", "'instance' must be the instance of the Service-CRN header.")
        check_backend_access(self.state.catalog, instance, body.get("backend"))
        record = self.state.sessions.create(
            body.get("mode", "dedicated"), body["backend"], instance.name, body.get("max_ttl")
        )
        self.write_json(self.state.sessions.describe(record))


class SessionHandler(JobHandlerBase):
    """``GET /sessions/{id}`` (details) and ``PATCH /sessions/{id}`` (stop accepting jobs)."""

    def get(self, session_id: str) -> None:
        record = self.state.sessions.get(session_id, self.instance().name)
        self.write_json(self.state.sessions.describe(record))

    def patch(self, session_id: str) -> None:
        record = self.state.sessions.get(session_id, self.instance().name)
        body = self.json_body()
        if not isinstance(body, dict) or body.get("accepting_jobs") is not False or len(body) != 1:
            raise ApiError(400, "bad_request", 'The body must be {"accepting_jobs": false}.')
        self.state.sessions.close(record)
        self.no_content()


class SessionCloseHandler(JobHandlerBase):
    """``DELETE /sessions/{id}/close``: close the session now and cancel its queued and running jobs."""

    async def delete(self, session_id: str) -> None:
        instance = self.instance()
        record = self.state.sessions.get(session_id, instance.name)
        self.state.sessions.cancel(record)
        await self.blocking(self._cancel_jobs, instance, session_id)
        self.no_content()

    def _cancel_jobs(self, instance, session_id: str) -> None:
        jobs, _ = self.state.store.list_jobs(
            instance.name, limit=10_000, offset=0, pending=True, session_id=session_id
        )
        for job in jobs:
            if job.status in PENDING_STATES:
                try:
                    self.cancel_job(job)
                except ApiError:  # it finished meanwhile: nothing to cancel
                    continue


def routes(state: object) -> list[tornado.web.URLSpec]:
    """The routes of this module."""
    args = {"state": state}
    return [
        tornado.web.url(r"/api/v1/sessions", SessionsHandler, args),
        tornado.web.url(r"/api/v1/sessions/([^/]+)", SessionHandler, args),
        tornado.web.url(r"/api/v1/sessions/([^/]+)/close", SessionCloseHandler, args),
    ]
