"""The HTTP layer's one error type: a caller's mistake, answered as ``{"error": {"message", "code"}}``."""

from __future__ import annotations

__all__ = ["ApiError"]


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
