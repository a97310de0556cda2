"""ApiSession: every HTTP request of the client goes through here.

One ``requests.Session`` per account carries the connection pool; an ``ApiSession`` adds the base URL, the
auth hook, a default timeout on every call, retries with exponential backoff (honouring ``Retry-After``) for
requests that are safe to repeat, and :func:`error_from_response`, the one place that turns an HTTP error into
an exception of :mod:`ibmq_widgets.exceptions`. Secrets (API keys, bearer tokens) are scrubbed from every
message it builds.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from ibmq_widgets import exceptions as exc
from ibmq_widgets.wire import API_VERSION

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApiSession",
    "RetryMode",
    "RetryPolicy",
    "error_from_response",
    "redact",
]

logger = logging.getLogger(__name__)

#: (connect, read) seconds applied to every request that does not name its own timeout.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)

_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_SUBMISSION_REJECTED_STATUSES = frozenset({429})  # the server refused it outright, so nothing was created

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


class RetryMode(enum.Enum):
    """How a request may be repeated after a failure."""

    SAFE = "safe"  # reads, tag updates, cancels: repeating changes nothing
    SUBMISSION = "submission"  # POST /jobs: repeat only when no job can have been created
    NEVER = "never"


@dataclass(frozen=True)
class RetryPolicy:
    """Retry settings.

    Parameters
    ----------
    attempts : int
        Total tries, the first one included.
    backoff_factor : float
        Seconds before the second try; doubled before each further one.
    backoff_max : float
        Upper bound of one backoff sleep.
    max_retry_after : float
        The longest ``Retry-After`` honoured; a server asking for more gets an immediate IBMQRateLimitError.
    """

    attempts: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0

    def backoff(self, retry_number: int) -> float:
        """Seconds to sleep before retry ``retry_number`` (1-based)."""
        return min(self.backoff_max, self.backoff_factor * 2 ** (retry_number - 1))


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret of length >= 4 replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
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


def _error_body(response: requests.Response) -> tuple[str, str | None]:
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
    response: requests.Response, *, secrets: Iterable[str] = (), context: str | None = None
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
            retry_after=_parse_retry_after(response.headers.get("Retry-After")),
        )
    elif issubclass(cls, exc.IBMQApiError):
        error = cls(text, status=status, code=code, request_id=request_id)
    else:
        error = cls(f"{text} (HTTP {status}{', ' + code if code else ''})")
        error.status, error.code, error.request_id = status, code, request_id  # type: ignore[attr-defined]
    return error


def _failed_before_sending(error: requests.RequestException) -> bool:
    """True when the connection was never made, so the server cannot have seen the request."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


class ApiSession:
    """HTTP access to one API root for one account.

    Parameters
    ----------
    base_url : str
        The API root, e.g. ``http://127.0.0.1:8888/api/v1``; request paths are relative to it.
    auth : requests.auth.AuthBase, optional
        Adds the Authorization (and Service-CRN) headers. If it has ``invalidate()``, a 401 makes the session
        invalidate it and try once more with a fresh token.
    http : requests.Session, optional
        The connection pool, shared by the sessions of one account. A new one by default.
    timeout : (float, float)
        Default (connect, read) timeout in seconds.
    retry : RetryPolicy
        Retry settings.
    secrets : callable returning str iterable, optional
        The secrets to scrub from messages (the auth's key and current token).
    idempotent_submissions : bool
        True when the server honours ``Idempotency-Key`` (the local service), so a job submission whose answer
        was lost can be repeated like a read.
    relocate : callable returning bool, optional
        Called once per request when nothing listens at ``base_url`` any more; returns True after it pointed
        ``base_url`` somewhere new (a local service that moved to another port), and the request goes there.
    sleep : callable
        ``time.sleep``; tests pass a recorder.
    """

    def __init__(
        self,
        base_url: str,
        auth: requests.auth.AuthBase | None = None,
        *,
        http: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        secrets: Callable[[], Iterable[str]] | None = None,
        idempotent_submissions: bool = False,
        relocate: Callable[[], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.http = http if http is not None else requests.Session()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.idempotent_submissions = idempotent_submissions
        self._secrets = secrets or (lambda: ())
        self._relocate = relocate
        self._sleep = sleep
        self._count_lock = threading.Lock()
        #: HTTP requests sent through this session (retries included); benchmarks and tests read it.
        self.request_count = 0

    def __repr__(self) -> str:
        return f"<ApiSession {self.base_url} requests={self.request_count}>"

    @property
    def host(self) -> str:
        """The host:port of the API root, for messages."""
        return urlsplit(self.base_url).netloc

    def secrets(self) -> list[str]:
        """The secrets to keep out of messages."""
        return [s for s in self._secrets() if s]

    # --- requests -------------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | tuple[float, float] | None = None,
        retry: RetryMode | None = None,
    ) -> requests.Response:
        """Send one request (retrying as ``retry`` allows) and return the successful response.

        Raises
        ------
        IBMQError
            The class :func:`error_from_response` picks for an error status.
        IBMQConnectionError
            When the server could not be reached after the retries.
        """
        if retry is None:
            retry = RetryMode.SAFE if method.upper() in ("GET", "HEAD", "PUT", "DELETE") else RetryMode.NEVER
        if retry is RetryMode.SUBMISSION and self.idempotent_submissions:
            retry = RetryMode.SAFE
        absolute = path.startswith(("http://", "https://"))
        context = f"{method.upper()} {urlsplit(path).path if absolute else '/' + path.lstrip('/')}"
        send_headers = {"IBM-API-Version": API_VERSION, "Accept": "application/json"}
        send_headers.update(headers or {})
        refreshed_auth = relocated = False
        attempt = 0
        while True:
            attempt += 1
            url = path if absolute else f"{self.base_url}/{path.lstrip('/')}"
            try:
                response = self._send(method, url, params, json, data, send_headers, timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                if self._relocate is not None and not relocated and _failed_before_sending(error):
                    relocated = True  # the request never left, so sending it elsewhere cannot duplicate it
                    if self._relocate():
                        attempt -= 1
                        continue
                may_repeat = retry is RetryMode.SAFE or (
                    retry is RetryMode.SUBMISSION and _failed_before_sending(error)
                )
                if may_repeat and attempt < self.retry.attempts:
                    delay = self.retry.backoff(attempt)
                    logger.info(
                        "%s failed (%s); retry %d in %.1fs", context, type(error).__name__, attempt, delay
                    )
                    self._sleep(delay)
                    continue
                raise self._connection_error(context, error, attempt, retry) from None
            if response.status_code < 400:
                return response
            if response.status_code == 401 and not refreshed_auth and hasattr(self.auth, "invalidate"):
                refreshed_auth = True  # an expired token: fetch a new one once
                self.auth.invalidate()  # type: ignore[union-attr]
                continue
            error = error_from_response(response, secrets=self.secrets(), context=context)
            delay = self._retry_delay(response, error, retry, attempt)
            if delay is None:
                raise error
            logger.info("%s answered %d; retry %d in %.1fs", context, response.status_code, attempt, delay)
            self._sleep(delay)

    def _send(self, method, url, params, json, data, headers, timeout) -> requests.Response:
        with self._count_lock:
            self.request_count += 1
        started = time.perf_counter()
        response = self.http.request(
            method,
            url,
            params=params,
            json=json,
            data=data,
            headers=headers,
            auth=self.auth,
            timeout=timeout if timeout is not None else self.timeout,
        )
        logger.debug(
            "%s %s -> %d in %.3fs",
            method.upper(),
            urlsplit(url).path,
            response.status_code,
            time.perf_counter() - started,
        )
        return response

    def _retry_delay(
        self, response: requests.Response, error: exc.IBMQError, mode: RetryMode, attempt: int
    ) -> float | None:
        """Seconds to wait before repeating, or None when the error is final."""
        status = response.status_code
        if status not in _RETRY_STATUSES or attempt >= self.retry.attempts or mode is RetryMode.NEVER:
            return None
        if isinstance(error, exc.IBMQBackendJobLimitError):
            return None  # only a finishing job helps, not waiting a fixed time
        if mode is RetryMode.SUBMISSION and status not in _SUBMISSION_REJECTED_STATUSES:
            return None  # a gateway error may hide a job that was created
        retry_after = getattr(error, "retry_after", None)
        if retry_after is None:
            retry_after = _parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            if retry_after > self.retry.max_retry_after:
                return None
            return retry_after
        return self.retry.backoff(attempt)

    def _connection_error(
        self, context: str, error: Exception, attempts: int, mode: RetryMode
    ) -> exc.IBMQConnectionError:
        kind = "timed out" if isinstance(error, requests.Timeout) else "could not connect"
        message = f"{context} to {self.host} {kind} after {attempts} attempt{'s' * (attempts > 1)}"
        if mode is RetryMode.SUBMISSION and not _failed_before_sending(error):
            message += (
                "; the job may have been created: look for it with provider.backends.jobs() "
                "before submitting again"
            )
        else:
            message += "; check that the service is running and the URL is right"
        return exc.IBMQConnectionError(redact(message, self.secrets()))

    # --- conveniences ---------------------------------------------------------------------------------------
    def get_json(self, path: str, *, params: Any = None, timeout: Any = None) -> Any:
        """GET ``path`` and decode its JSON body."""
        return self.request("GET", path, params=params, timeout=timeout).json()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()
