"""The HTTP layer's errors, and the one mapping from exceptions to HTTP error responses.

Every error the service answers has the body ``{"error": {"message": str, "code": str}}``. Callers' mistakes are
:class:`ApiError` (4xx); :func:`as_api_error` also maps the errors other layers raise: an ``AuthError`` (401/403)
and a busy job store (503 with ``Retry-After``). Anything else is a bug of the service (500).
"""

from __future__ import annotations

import sqlite3

__all__ = ["STORE_BUSY_RETRY_AFTER", "ApiError", "as_api_error"]

#: Seconds a caller should wait before retrying when the job store is busy (HTTP 503 ``Retry-After``).
STORE_BUSY_RETRY_AFTER = 1


class ApiError(Exception):
    """An error answered with ``status`` and the JSON body ``{"error": {"message": ..., "code": ...}}``.

    Parameters
    ----------
    status : int
        The HTTP status (4xx for the caller's mistakes).
    code : str
        A stable error code from docs/architecture.md (``bad_request``, ``unknown_backend``, ...).
    message : str
        What was wrong and what to do; never contains a token or key.
    headers : dict, optional
        Extra response headers (``Retry-After``).
    """

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict:
        """The JSON error body."""
        return {"error": {"message": self.message, "code": self.code}}


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _is_store_busy(exc: BaseException) -> bool:
    # store.StoreBusyError is matched by name so that this module needs no import of the store (nor its
    # presence); a plain "database is locked" from sqlite3 means the same thing.
    if "StoreBusyError" in _class_names(exc):
        return True
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def as_api_error(exc: BaseException) -> ApiError | None:
    """The HTTP error to answer for ``exc``, or None when ``exc`` is a bug of the service (a 500).

    Parameters
    ----------
    exc : BaseException
        What a handler raised.

    Returns
    -------
    ApiError or None
        ``exc`` itself for an ApiError; 401/403 for an ``AuthError`` (401 with ``WWW-Authenticate``); 503
        ``service_busy`` with ``Retry-After`` for a busy job store.
    """
    if isinstance(exc, ApiError):
        return exc
    if "AuthError" in _class_names(exc):
        status = int(getattr(exc, "status", 401))
        headers = {"WWW-Authenticate": 'Bearer realm="ibmq_widgets"'} if status == 401 else {}
        return ApiError(status, str(getattr(exc, "code", "unauthorized")), str(exc), headers)
    if _is_store_busy(exc):
        retry_after = getattr(exc, "retry_after", None) or STORE_BUSY_RETRY_AFTER
        return ApiError(
            503,
            "service_busy",
            "The job store is busy (another process holds its lock); retry in a moment.",
            {"Retry-After": str(max(1, round(float(retry_after))))},
        )
    return None
