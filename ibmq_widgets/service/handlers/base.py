"""What every handler shares: guards, JSON bodies and errors, bearer-token auth, the Service-CRN instance.

Every request first passes :meth:`ApiHandler.prepare`: the Host allowlist (403), the header size cap (431) and the
route's body cap (413), all decided from the headers before any of the body is kept. Bodies are streamed and
capped per route (:attr:`ApiHandler.max_body`). Work that waits on the job store or the scheduler, or whose cost
grows with a body, runs on :func:`~ibmq_widgets.service.handlers.guards.blocking_pool` (:meth:`ApiHandler.blocking`)
so that the IOLoop keeps answering. Responses are written as strict JSON by :func:`dumps` (never NaN/Infinity).
Handlers whose answers depend on the API version (``reads_api_version``) read the ``IBM-API-Version`` header once
the caller is authenticated, in :meth:`ApiHandler.instance` (:func:`parse_api_version`).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import tornado.web
from tornado.ioloop import IOLoop

from ibmq_widgets.service.config import InstanceConfig
from ibmq_widgets.service.errors import ApiError, as_api_error
from ibmq_widgets.service.handlers.guards import HostAllowlist, blocking_pool, check_header_size
from ibmq_widgets.service.handlers.inputs import parse_json, parse_query_datetime
from ibmq_widgets.wire import API_VERSION

if TYPE_CHECKING:
    from ibmq_widgets.service.app import ServiceState

__all__ = ["ApiHandler", "NotFoundHandler", "dumps", "parse_api_version"]

log = logging.getLogger("ibmq_widgets.service")
T = TypeVar("T")

# Status codes tornado raises itself (unknown method, malformed request), mapped to our error codes.
_TORNADO_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
_API_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_api_version(raw: str | None) -> str:
    """A request's ``IBM-API-Version``: the date it names (``YYYY-MM-DD``), or the latest version if it is absent.

    Any real date is taken: what it changes is decided by the views (an earlier one than the service knows gets
    the oldest format, a later one the newest).

    Raises
    ------
    ApiError
        400 ``invalid_parameter`` if ``raw`` is not a date written ``YYYY-MM-DD``.
    """
    if raw is None:
        return API_VERSION
    if _API_VERSION.fullmatch(raw):
        try:
            date.fromisoformat(raw)  # 2026-02-30 matches the pattern but is no date
            return raw
        except ValueError:
            pass
    raise ApiError(
        400,
        "invalid_parameter",
        f"Header IBM-API-Version must be a date written YYYY-MM-DD, such as {API_VERSION} (the latest, used when "
        f"the header is absent); got {raw[:40]!r}.",
    )


def dumps(obj: Any) -> str:
    """``obj`` as strict JSON text: the one place responses are encoded (NaN or Infinity raise ValueError)."""
    return json.dumps(obj, allow_nan=False)


@tornado.web.stream_request_body
class ApiHandler(tornado.web.RequestHandler):
    """Base of every handler: guards, capped streamed bodies, JSON in and out, ``{"error": ...}`` errors."""

    #: The largest body this route keeps (bigger ones get 413); routes taking bodies raise it.
    max_body = 16 * 1024
    #: Whether this route's answers depend on the IBM-API-Version header (then a malformed one is a 400).
    reads_api_version = False
    state: ServiceState

    def initialize(self, state: ServiceState) -> None:
        self.state = state
        self._key_id: str | None = None
        self._chunks: list[bytes] = []
        self._received = 0
        # True until prepare() passed: an error answered before then leaves the body unread on the wire.
        self._before_body = True
        #: The request's IBM-API-Version (``YYYY-MM-DD``), read by instance() on routes that read it.
        self.api_version = API_VERSION

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("X-Request-Id", secrets.token_hex(8))
        self.set_header("Cache-Control", "no-store")

    # --- guards and the body --------------------------------------------------------------------------------
    def body_limit(self) -> int:
        """The most body bytes this request may carry."""
        return self.max_body

    def prepare(self) -> None:
        request = self.request
        self._host_allowlist().check(request.headers.get("Host"), *self._local_address())
        start_line = len(request.method or "") + len(request.uri or "") + len(request.version or "") + 2
        check_header_size(start_line, request.headers)
        limit = self.body_limit()
        hard_cap = limit + min(limit, 1 << 20)
        self.request.connection.set_max_body_size(hard_cap)
        declared = request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > hard_cap:
            # Refused unread: the rest of the body is still on the wire, so the connection cannot carry another
            # request; saying so keeps clients from reusing it and failing their next request.
            raise self._too_large()
        self._before_body = False

    def _host_allowlist(self) -> HostAllowlist:
        allowlist = self.state.extra.get("host_allowlist")
        if not isinstance(allowlist, HostAllowlist):
            allowlist = HostAllowlist(getattr(self.state.config, "allowed_hosts", None))
            self.state.extra["host_allowlist"] = allowlist
        return allowlist

    def _local_address(self) -> tuple[str | None, int | None]:
        try:
            address = self.request.connection.stream.socket.getsockname()  # type: ignore[union-attr]
            return str(address[0]), int(address[1])
        except (AttributeError, OSError, IndexError, TypeError):
            return None, None

    def data_received(self, chunk: bytes) -> None:
        # Keep reading an oversized body (so the caller gets a clean 413) but stop keeping it.
        self._received += len(chunk)
        if self._received <= self.body_limit():
            self._chunks.append(chunk)
        else:
            self._chunks.clear()

    def _too_large(self) -> ApiError:
        return ApiError(
            413,
            "payload_too_large",
            f"The request body is over {self.body_limit()} bytes, the limit of {self.request.path}; "
            "send less per request.",
        )

    def body_chunks(self) -> list[bytes]:
        """The received body as chunks (413 if it was over :meth:`body_limit`)."""
        if self._received > self.body_limit():
            raise self._too_large()
        return self._chunks

    def body(self) -> bytes:
        """The received body (413 if it was over :meth:`body_limit`); joined here, so keep it small."""
        return b"".join(self.body_chunks())

    def json_body(self) -> Any:
        """The body as strict JSON (no NaN or Infinity, bounded nesting); 400 ``invalid_json`` otherwise."""
        return parse_json(self.body())

    async def blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the blocking pool: for the store, the scheduler and big decodes."""
        return await IOLoop.current().run_in_executor(blocking_pool(), functools.partial(fn, *args, **kwargs))

    # --- output ---------------------------------------------------------------------------------------------
    def write_json(self, obj: Any, status: int = 200) -> None:
        """Send ``obj`` as the JSON body and finish."""
        self.set_status(status)
        self.finish(dumps(obj))

    def write_json_text(self, text: str | bytes) -> None:
        """Send JSON that is already text (catalog bodies, stored results) without re-encoding it."""
        self.finish(text)

    def no_content(self) -> None:
        self.set_status(204)
        self.clear_header("Content-Type")
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        error = as_api_error(exc) if exc is not None else None
        if error is None and status_code < 500:
            message = self._reason if isinstance(exc, tornado.web.HTTPError) else "Bad request"
            if isinstance(exc, tornado.web.HTTPError) and exc.log_message:
                message = exc.log_message % exc.args if exc.args else exc.log_message
            error = ApiError(status_code, _TORNADO_CODES.get(status_code, "bad_request"), message)
        if error is None:  # a bug of ours: say so without leaking details (they are in the service log)
            error = ApiError(500, "internal", "Internal error of the local service; see its log.")
        self.set_status(error.status)
        for name, value in error.headers.items():
            self.set_header(name, value)
        if error.status == 405:  # RFC 9110: say which methods the resource has
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        if self._before_body:
            # Tornado closes the connection after this answer (the body, if any, was not read) but does not say
            # so: saying it keeps clients from reusing the connection and failing their next request.
            self.set_header("Connection", "close")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(dumps(error.body()))

    def allowed_methods(self) -> list[str]:
        """The HTTP methods this handler implements."""
        base = tornado.web.RequestHandler
        return [
            m
            for m in self.SUPPORTED_METHODS
            if getattr(type(self), m.lower()) is not getattr(base, m.lower())
        ]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        error = as_api_error(value) if value is not None else None
        if error is not None:  # the caller's mistake or a busy store, answered; not a service bug
            log.debug("%s %s -> %s", self.request.method, self.request.path, error.status)
            return
        super().log_exception(typ, value, tb)

    # --- auth -----------------------------------------------------------------------------------------------
    def key_id(self) -> str:
        """The id of the API key behind the bearer token (401 if there is none or it is not valid)."""
        if self._key_id is None:
            kid = self.state.auth.verify(self.request.headers.get("Authorization"))
            self.admit(kid, "request")
            self._key_id = kid
        return self._key_id

    def admit(self, kid: str, kind: str) -> None:
        """Count one call of ``kind`` against the key's budget: 429 ``rate_limited`` with Retry-After if over."""
        wait = self.state.rate_limiter.admit(kid, kind)
        if wait is not None:
            what = "job submissions" if kind == "submission" else "requests"
            raise ApiError(
                429,
                "rate_limited",
                f"Too many {what} for this API key; retry in {wait} s (the Retry-After header).",
                {"Retry-After": str(wait)},
            )

    def instance(self) -> InstanceConfig:
        """The instance of the Service-CRN header, if the token's key may use it (403 otherwise).

        Routes that read the API version (``reads_api_version``) read it here too, into ``api_version`` (400 if
        it is malformed): after authentication, so that a call without a valid token is a 401 whatever it sends.
        """
        instance = self.state.auth.instance(self.key_id(), self.request.headers.get("Service-CRN"))
        if self.reads_api_version:
            self.api_version = parse_api_version(self.request.headers.get("IBM-API-Version"))
        return instance

    # --- query arguments ------------------------------------------------------------------------------------
    def int_argument(self, name: str, default: int, *, minimum: int = 0, maximum: int) -> int:
        """An integer query argument within ``[minimum, maximum]`` (400 ``invalid_parameter`` otherwise)."""
        raw = self.get_query_argument(name, None)
        if raw is None:
            return default
        if not _INTEGER.fullmatch(raw.strip()):
            raise ApiError(
                400,
                "invalid_parameter",
                f"Query parameter {name!r} must be an integer from {minimum} to {maximum}.",
            )
        value = int(raw)
        if not minimum <= value <= maximum:
            raise ApiError(
                400, "invalid_parameter", f"Query parameter {name!r} must be between {minimum} and {maximum}."
            )
        return value

    def bool_argument(self, name: str) -> bool | None:
        raw = self.get_query_argument(name, None)
        if raw is None:
            return None
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise ApiError(400, "invalid_parameter", f"Query parameter {name!r} must be true or false.")

    def choice_argument(self, name: str, choices: tuple[str, ...]) -> str:
        """A query argument that must be one of ``choices`` (the first is the default)."""
        raw = self.get_query_argument(name, None)
        if raw is None:
            return choices[0]
        if raw not in choices:
            raise ApiError(
                400, "invalid_parameter", f"Query parameter {name!r} must be {' or '.join(choices)}."
            )
        return raw

    def string_arguments(self, name: str, *, max_count: int, max_length: int) -> list[str]:
        """The repeated query argument ``name``, deduplicated, with at most ``max_count`` values."""
        values = list(dict.fromkeys(self.get_query_arguments(name)))
        if len(values) > max_count or any(not 0 < len(value) <= max_length for value in values):
            raise ApiError(
                400,
                "invalid_parameter",
                f"Query parameter {name!r} takes at most {max_count} values of 1 to {max_length} characters "
                "each.",
            )
        return values

    def datetime_argument(self, name: str) -> datetime | None:
        """An ISO 8601 date query argument as aware UTC (400 if it is not one or is out of range)."""
        return parse_query_datetime(name, self.get_query_argument(name, None))


class NotFoundHandler(ApiHandler):
    """Every path the API does not have: a JSON 404."""

    def _not_found(self, *args: str) -> None:
        raise ApiError(
            404, "not_found", f"No such endpoint: {self.request.method} {self.request.path[:200]}."
        )

    # Answered once the body is read (not from prepare), so the connection stays usable.
    get = head = post = put = delete = patch = options = _not_found
