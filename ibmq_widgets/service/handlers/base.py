"""What every handler shares: JSON bodies and errors, bearer-token auth, the Service-CRN instance."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

import tornado.web

from ibmq_widgets.service.auth import AuthError
from ibmq_widgets.service.config import InstanceConfig
from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.wire import parse_datetime

if TYPE_CHECKING:
    from ibmq_widgets.service.app import ServiceState

__all__ = ["ApiHandler", "NotFoundHandler"]

log = logging.getLogger("ibmq_widgets.service")

# Status codes tornado raises itself (unknown method, malformed request), mapped to our error codes.
_TORNADO_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


class ApiHandler(tornado.web.RequestHandler):
    """Base of every handler: JSON in and out, ``{"error": {"message", "code"}}`` for every error."""

    state: ServiceState

    def initialize(self, state: ServiceState) -> None:
        self.state = state
        self._key_id: str | None = None

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("X-Request-Id", secrets.token_hex(8))
        self.set_header("Cache-Control", "no-store")

    # --- output ---------------------------------------------------------------------------------------------
    def write_json(self, obj: Any, status: int = 200) -> None:
        """Send ``obj`` as the JSON body and finish."""
        self.set_status(status)
        self.finish(json.dumps(obj))

    def write_json_text(self, text: str) -> None:
        """Send JSON that is already text (catalog bodies, stored results) without re-encoding it."""
        self.finish(text)

    def no_content(self) -> None:
        self.set_status(204)
        self.clear_header("Content-Type")
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ApiError):
            self.set_status(exc.status)
            for name, value in exc.headers.items():
                self.set_header(name, value)
            body = exc.body()
        elif isinstance(exc, AuthError):
            self.set_status(exc.status)
            if exc.status == 401:
                self.set_header("WWW-Authenticate", 'Bearer realm="ibmq_widgets"')
            body = {"error": {"message": exc.message, "code": exc.code}}
        elif status_code < 500:
            message = self._reason if isinstance(exc, tornado.web.HTTPError) else "Bad request"
            if isinstance(exc, tornado.web.HTTPError) and exc.log_message:
                message = exc.log_message % exc.args if exc.args else exc.log_message
            body = {"error": {"message": message, "code": _TORNADO_CODES.get(status_code, "bad_request")}}
        else:  # a bug of ours: say so without leaking details (they are in the service log)
            body = {
                "error": {"message": "Internal error of the local service; see its log.", "code": "internal"}
            }
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, (ApiError, AuthError)):  # the caller's mistake, answered; not a service problem
            log.debug("%s %s -> %s", self.request.method, self.request.path, getattr(value, "status", "?"))
            return
        super().log_exception(typ, value, tb)

    # --- auth -----------------------------------------------------------------------------------------------
    def key_id(self) -> str:
        """The id of the API key behind the bearer token (401 if there is none or it is not valid)."""
        if self._key_id is None:
            self._key_id = self.state.auth.verify(self.request.headers.get("Authorization"))
        return self._key_id

    def instance(self) -> InstanceConfig:
        """The instance of the Service-CRN header, if the token's key may use it (403 otherwise)."""
        return self.state.auth.instance(self.key_id(), self.request.headers.get("Service-CRN"))

    # --- input ----------------------------------------------------------------------------------------------
    def json_body(self) -> Any:
        try:
            return json.loads(self.request.body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, "invalid_json", f"The request body is not valid JSON ({exc}).") from None

    def int_argument(self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(
                400, "invalid_parameter", f"Query parameter {name!r} must be an integer."
            ) from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise ApiError(400, "invalid_parameter", f"Query parameter {name!r} must be {bound}.")
        return value

    def bool_argument(self, name: str) -> bool | None:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return None
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise ApiError(400, "invalid_parameter", f"Query parameter {name!r} must be true or false.")

    def datetime_argument(self, name: str) -> datetime | None:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return None
        # An unencoded "+00:00" arrives as " 00:00": put the plus back.
        text = raw.strip().replace(" ", "+") if "T" in raw else raw.strip()
        try:
            return parse_datetime(text)
        except ValueError:
            raise ApiError(
                400, "invalid_parameter", f"Query parameter {name!r} must be an ISO 8601 date, got {raw!r}."
            ) from None


class NotFoundHandler(ApiHandler):
    """Every path the API does not have: a JSON 404."""

    def prepare(self) -> None:
        raise ApiError(404, "not_found", f"No such endpoint: {self.request.method} {self.request.path}.")
