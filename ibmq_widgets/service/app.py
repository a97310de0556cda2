"""The tornado application of the local service and the state its handlers share."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import tornado.web

from ibmq_widgets.service.handlers import auth as auth_handlers
from ibmq_widgets.service.handlers import backends, cloud, instances, jobs, sessions
from ibmq_widgets.service.handlers.base import NotFoundHandler
from ibmq_widgets.service.handlers.guards import HARD_MAX_HEADER_BYTES, HostAllowlist
from ibmq_widgets.service.rate_limits import RateLimiter, RateLimits
from ibmq_widgets.service.sessions import SessionRegistry

if TYPE_CHECKING:
    from ibmq_widgets.service.auth import Authenticator
    from ibmq_widgets.service.catalog import Catalog
    from ibmq_widgets.service.config import ServiceConfig
    from ibmq_widgets.service.scheduler import Scheduler
    from ibmq_widgets.service.store import JobStore
    from ibmq_widgets.service.validation import JobValidator

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ServiceApplication", "ServiceState", "make_app"]

#: The largest POST /jobs body accepted (bigger ones get 413 payload_too_large).
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass
class ServiceState:
    """Everything the handlers share: configuration, auth, catalog, store, scheduler and the job validator."""

    config: ServiceConfig
    auth: Authenticator
    catalog: Catalog
    store: JobStore
    scheduler: Scheduler
    validator: JobValidator
    version: str
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    extra: dict[str, Any] = field(default_factory=dict)
    #: Per-key request and submission budgets (config.json ``rate_limits``; none by default).
    rate_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(RateLimits()))
    #: Open sessions and batches (the scheduler asks it who may run); see service/sessions.py.
    sessions: SessionRegistry = field(default_factory=SessionRegistry)

    def usage_seconds(self, instance: str) -> float:
        """Seconds the finished jobs of ``instance`` ran, in all."""
        return self.store.usage_seconds(instance)

    def __repr__(self) -> str:
        return f"ServiceState(data_dir={str(self.config.data_dir)!r}, version={self.version!r})"


class ServiceApplication(tornado.web.Application):
    """The service's tornado Application: reads headers up to the hard cap, so that big ones get a 431.

    Tornado drops a connection whose headers exceed the HTTPServer's ``max_header_size`` (64 KiB by default)
    without a word. Each connection's limit is raised here to ``HARD_MAX_HEADER_BYTES``, and the handlers answer
    headers over ``MAX_HEADER_BYTES`` with 431 (past the hard cap the connection is still dropped).
    """

    def start_request(self, server_conn: object, request_conn: Any) -> Any:
        params = getattr(request_conn, "params", None)
        if (
            params is not None
            and getattr(params, "max_header_size", HARD_MAX_HEADER_BYTES) < HARD_MAX_HEADER_BYTES
        ):
            params = copy.copy(params)
            params.max_header_size = HARD_MAX_HEADER_BYTES
            request_conn.params = params
        return super().start_request(server_conn, request_conn)


def make_app(
    state: ServiceState, *, allowed_hosts: Iterable[str] | None = None, bound_host: str | None = None
) -> tornado.web.Application:
    """The tornado application: the IBM Quantum Platform REST API plus the extensions of openapi.yaml.

    Parameters
    ----------
    state : ServiceState
        What the handlers share.
    allowed_hosts : iterable of str, optional
        Host names answered besides the loopback names, the bound host and ``config.allowed_hosts``
        (config.json ``allowed_hosts``); ``"*"`` answers every host. Other hosts get 403.
    bound_host : str, optional
        The host the service listens on (``start(host=...)``).
    """
    configured = getattr(state.config, "allowed_hosts", None) or ()
    state.extra["host_allowlist"] = HostAllowlist([*configured, *(allowed_hosts or ())], bound_host)
    routes = [
        *auth_handlers.routes(state),
        *backends.routes(state),
        *instances.routes(state),
        *cloud.routes(state),
        *sessions.routes(state),
        *jobs.routes(state),
    ]
    return ServiceApplication(
        routes,
        default_handler_class=NotFoundHandler,
        default_handler_args={"state": state},
        compress_response=False,
        xsrf_cookies=False,
        log_function=_log_request,
    )


_access_log = logging.getLogger("ibmq_widgets.service.access")


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # A 4xx is the caller's mistake and reaches the caller as an exception; printing it too would put tornado
    # warnings into notebook cells of the kernel that embeds the service. Only our own failures are loud.
    status = handler.get_status()
    level = logging.ERROR if status >= 500 else logging.DEBUG
    request = handler.request
    _access_log.log(
        level, "%d %s %s %.1f ms", status, request.method, request.path, 1000.0 * request.request_time()
    )
