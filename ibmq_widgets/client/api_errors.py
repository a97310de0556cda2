"""The one mapping from an HTTP error answer to an exception of :mod:`ibmq_widgets.exceptions`.

:func:`error_from_response` picks the class by the server's error ``code`` first (a full job limit, an unknown
backend, a circuit the device cannot run), else by HTTP status; every error carries ``status``, ``code`` and
``request_id``. Secrets (API keys, bearer tokens) are scrubbed from every message built here.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from ibmq_widgets import exceptions as exc

__all__ = ["HttpResponse", "error_from_response", "parse_retry_after", "redact"]

# Error codes that mean something about a backend or job rather than about HTTP.
_CODE_CLASSES: dict[str, type[exc.IBMQError]] = {
    "job_limit_reached": exc.IBMQBackendJobLimitError,
    "unknown_backend": exc.IBMQBackendNotFound,
    "job_not_found": exc.IBMQJobNotFound,
    "too_many_shots": exc.IBMQBackendValueError,
    "too_many_experiments": exc.IBMQBackendValueError,
    "circuit_too_wide": exc.IBMQBackendValueError,
    "unsupported_gate": exc.IBMQBackendValueError,
    "invalid_qpy": exc.IBMQBackendValueError,
}
_STATUS_CLASSES: dict[int, type[exc.IBMQApiError]] = {
    400: exc.IBMQBadRequestError,
    401: exc.IBMQAuthenticationError,
    403: exc.IBMQAuthenticationError,
    404: exc.IBMQNotFoundError,
    409: exc.IBMQBadRequestError,
    413: exc.IBMQBadRequestError,
    422: exc.IBMQBadRequestError,
    429: exc.IBMQRateLimitError,
}
_HINTS: dict[type[exc.IBMQError], str] = {
    exc.IBMQAuthenticationError: "Check the token and the instance, then enable the account again.",
    exc.IBMQBackendJobLimitError: "Wait for one of your jobs on this backend to finish, or cancel one.",
}


class HttpResponse(Protocol):
    """What the mapping reads of a response (a ``requests.Response`` has all of it)."""

    status_code: int
    headers: Mapping[str, str]
    text: str
    reason: str | None

    def json(self) -> Any:
        """The decoded JSON body; raises ValueError when it is not JSON."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret of length >= 4 replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_body(response: HttpResponse) -> tuple[str, str | None]:
    """(message, code) from an error body in IBM's shapes, or the status text when the body has neither."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"]), error.get("code")
        if isinstance(error, str):
            return error, body.get("code")
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", "")), errors[0].get("code")
        if body.get("errorMessage"):  # IAM's shape
            return str(body["errorMessage"]), body.get("errorCode")
        if body.get("message"):
            return str(body["message"]), body.get("code")
    text = (response.text or "").strip()
    return (text[:200] if text else response.reason or "HTTP error"), None


def error_from_response(
    response: HttpResponse, *, secrets: Iterable[str] = (), context: str | None = None
) -> exc.IBMQError:
    """The exception for an HTTP error response: the ONE mapping from status and code to exception class.

    Parameters
    ----------
    response : requests.Response
        A response with a status of 400 or more.
    secrets : iterable of str
        Strings scrubbed from the message (the API key, the bearer token).
    context : str, optional
        What the client was doing, prefixed to the server's message (e.g. ``"GET /backends"``).

    Returns
    -------
    IBMQError
        An IBMQApiError subclass by status, or the backend/job error class the server's ``code`` names; every
        one carries ``status``, ``code`` and ``request_id`` attributes.
    """
    message, code = _error_body(response)
    status = response.status_code
    request_id = response.headers.get("X-Request-Id") or response.headers.get("X-Global-Transaction-Id")
    cls: type[exc.IBMQError] = (
        _CODE_CLASSES.get(code or "")
        or _STATUS_CLASSES.get(status)
        or (exc.IBMQServerError if status >= 500 else exc.IBMQApiError)
    )
    text = f"{context}: {message}" if context else message
    hint = _HINTS.get(cls)
    if hint:
        text = f"{text.rstrip('.')}. {hint}"
    text = redact(text, secrets)
    if issubclass(cls, exc.IBMQRateLimitError):
        error: exc.IBMQError = cls(
            text,
            status=status,
            code=code,
            request_id=request_id,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    elif issubclass(cls, exc.IBMQApiError):
        error = cls(text, status=status, code=code, request_id=request_id)
    else:
        error = cls(f"{text} (HTTP {status}{', ' + code if code else ''})")
        error.status, error.code, error.request_id = status, code, request_id  # type: ignore[attr-defined]
    return error
