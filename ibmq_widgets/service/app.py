"""The tornado application of the local service and the state its handlers share."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import tornado.web

from ibmq_widgets.service.handlers import auth as auth_handlers
from ibmq_widgets.service.handlers import backends, instances, jobs
from ibmq_widgets.service.handlers.base import NotFoundHandler

if TYPE_CHECKING:
    from ibmq_widgets.service.auth import Authenticator
    from ibmq_widgets.service.catalog import Catalog
    from ibmq_widgets.service.config import ServiceConfig
    from ibmq_widgets.service.scheduler import Scheduler
    from ibmq_widgets.service.store import JobStore
    from ibmq_widgets.service.validation import JobValidator

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ServiceState", "make_app"]

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

    def usage_seconds(self, instance: str) -> float:
        """Seconds the finished jobs of ``instance`` ran, in all."""
        return self.store.usage_seconds(instance)

    def __repr__(self) -> str:
        return f"ServiceState(data_dir={str(self.config.data_dir)!r}, version={self.version!r})"


def make_app(state: ServiceState) -> tornado.web.Application:
    """The tornado application: the IBM Quantum Platform REST API plus the extensions of openapi.yaml."""
    routes = [
        *auth_handlers.routes(state),
        *backends.routes(state),
        *instances.routes(state),
        *jobs.routes(state),
    ]
    return tornado.web.Application(
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
