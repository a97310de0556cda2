"""ApiSession: every HTTP request of the client goes through here.

This is the client's one module that imports ``requests``. One ``requests.Session`` per account carries the
connection pool, built by :func:`build_http` with urllib3's Retry mounted on its adapters; an ``ApiSession`` adds
the base URL, the auth hook, a default timeout on every call, the replay of POSTs that are safe to repeat
(:mod:`ibmq_widgets.client.retry`), and turns every failure into an exception of :mod:`ibmq_widgets.exceptions`:
error answers through :func:`~ibmq_widgets.client.api_errors.error_from_response`, a server that cannot be
reached as IBMQConnectionError. :func:`probe` is the liveness check of a service root, for the modules that find
a service. Secrets (API keys, bearer tokens) are scrubbed from every message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3.exceptions

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.api_errors import error_from_response, parse_retry_after, redact
from ibmq_widgets.client.retry import PostReplay, RetryMode, RetryPolicy, TransportRetry, transport_tries
from ibmq_widgets.wire import API_VERSION

__all__ = [
    "DEFAULT_TIMEOUT",
    "PROBE_TIMEOUT",
    "ApiSession",
    "HeaderAuth",
    "HttpPool",
    "RetryMode",
    "RetryPolicy",
    "build_http",
    "error_from_response",
    "probe",
    "redact",
]

logger = logging.getLogger(__name__)

#: (connect, read) seconds applied to every request that does not name its own timeout.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
#: (connect, read) seconds of a liveness probe.
PROBE_TIMEOUT: tuple[float, float] = (3.0, 10.0)

#: The connection pool of one account (what tests replace with a fake transport).
HttpPool = requests.Session


class _QuietRetries(logging.Filter):
    """urllib3 logs a WARNING at every retry it makes. The client's retries are routine (a service restarting, a
    dropped connection), so they go to DEBUG instead of showing in a notebook as warnings; the client says
    itself when an outage matters. Retries of other libraries' pools are left as they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], TransportRetry):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


_quiet_retries = _QuietRetries()


def build_http(policy: RetryPolicy | None = None, *, sleep: Callable[[float], None] = time.sleep) -> HttpPool:
    """A connection pool whose adapters retry as ``policy`` says (urllib3's Retry, see client.retry)."""
    pool_logger = logging.getLogger("urllib3.connectionpool")
    if _quiet_retries not in pool_logger.filters:
        pool_logger.addFilter(_quiet_retries)
    http = requests.Session()
    adapter = requests.adapters.HTTPAdapter(max_retries=(policy or RetryPolicy()).transport_retry(sleep))
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


class HeaderAuth(requests.auth.AuthBase):
    """Adds the headers :meth:`headers` returns to every request (subclasses say which)."""

    def headers(self) -> dict[str, str]:
        """The headers to add."""
        raise NotImplementedError

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.headers())
        return request


def probe(
    root_url: str, *, http: HttpPool | None = None, timeout: Any = PROBE_TIMEOUT, verify: bool = True
) -> dict[str, Any] | None:
    """GET ``{root_url}/`` without auth: is anything there, and what does it say?

    Parameters
    ----------
    root_url : str
        A service root, e.g. ``http://127.0.0.1:8890``.
    http : requests.Session, optional
        The pool to use, with its adapters' retries and TLS settings; by default a one-off request that is not
        retried, so that nothing listening is known at once.
    timeout : (float, float)
        (connect, read) seconds.
    verify : bool
        Verify TLS certificates (of the one-off request).

    Returns
    -------
    dict or None
        None when nothing answers; the JSON body otherwise (``{}`` for an error status or a body that is not
        a JSON object). The local service answers ``{"service": "ibmq_widgets", "version": ...}``.
    """
    url = f"{root_url.rstrip('/')}/"
    try:
        if http is not None:
            response = http.get(url, timeout=timeout)
        else:
            response = requests.get(url, timeout=timeout, verify=verify)
    except requests.RequestException:
        return None
    if not response.ok:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _failed_before_sending(error: requests.RequestException) -> bool:
    """True when the connection was never made, so the server cannot have seen the request."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


def _retry_after(response: requests.Response, error: exc.IBMQError) -> float | None:
    """The seconds an error answer asked the client to wait, if it said."""
    retry_after = getattr(error, "retry_after", None)
    return retry_after if retry_after is not None else parse_retry_after(response.headers.get("Retry-After"))


def _retries_made(response: requests.Response) -> int:
    """How many times urllib3 repeated the request before this answer (0 without urllib3 underneath)."""
    return len(getattr(getattr(response.raw, "retries", None), "history", None) or ())


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
        The connection pool, shared by the sessions of one account; ``build_http(retry)`` by default.
    timeout : (float, float)
        Default (connect, read) timeout in seconds.
    retry : RetryPolicy
        Retry settings (of the replay of POSTs, and of the pool when the session builds it).
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
        http: HttpPool | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        secrets: Callable[[], Iterable[str]] | None = None,
        idempotent_submissions: bool = False,
        relocate: Callable[[], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.http = http if http is not None else build_http(self.retry, sleep=sleep)
        self.timeout = timeout
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
        """Send one request (repeated as ``retry`` allows) and return the successful response.

        Parameters
        ----------
        method, path : str
            The HTTP method and a path relative to ``base_url`` (or an absolute URL).
        params, json, data, headers
            As for ``requests``.
        timeout : float or (float, float), optional
            Overrides the session's default timeout.
        retry : RetryMode, optional
            SAFE by default for GET, HEAD, PUT and DELETE, NEVER for the others.

        Raises
        ------
        IBMQError
            The class :func:`error_from_response` picks for an error status.
        IBMQConnectionError
            When the server could not be reached after the retries.
        """
        # One loop holds the state of one request's tries (the replays, the one relocation, the one token
        # refresh), which is why it reads as one piece rather than as methods passing that state around.
        method = method.upper()
        mode = self._mode(method, retry)
        replay = PostReplay(self.retry, mode, method)
        absolute = path.startswith(("http://", "https://"))
        context = f"{method} {urlsplit(path).path if absolute else '/' + path.lstrip('/')}"
        send_headers = {"IBM-API-Version": API_VERSION, "Accept": "application/json", **(headers or {})}
        refreshed_auth = relocated = False
        tries = 0
        while True:
            url = path if absolute else f"{self.base_url}/{path.lstrip('/')}"
            try:
                response = self._send(method, url, params, json, data, send_headers, timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                tries += self._count(self._transport_tries(url, error))
                if self._relocate is not None and not relocated and _failed_before_sending(error):
                    relocated = True  # the request never left, so sending it elsewhere cannot duplicate it
                    if self._relocate():
                        continue
                delay = replay.after_error(reached_server=not _failed_before_sending(error))
                if delay is None:
                    raise self._connection_error(context, error, tries, mode) from None
                self._pause(context, type(error).__name__, replay.tries - 1, delay)
                continue
            tries += self._count(1 + _retries_made(response))
            if response.status_code < 400:
                return response
            if response.status_code == 401 and not refreshed_auth and hasattr(self.auth, "invalidate"):
                refreshed_auth = True  # an expired token: fetch a new one once
                self.auth.invalidate()  # type: ignore[union-attr]
                continue
            error = error_from_response(response, secrets=self.secrets(), context=context)
            delay = replay.after_status(response.status_code, error, _retry_after(response, error))
            if delay is None:
                raise error
            self._pause(context, f"HTTP {response.status_code}", replay.tries - 1, delay)

    def _mode(self, method: str, retry: RetryMode | None) -> RetryMode:
        if retry is None:
            return RetryMode.SAFE if method in ("GET", "HEAD", "PUT", "DELETE") else RetryMode.NEVER
        if retry is RetryMode.SUBMISSION and self.idempotent_submissions:
            return RetryMode.SAFE  # the server creates one job per Idempotency-Key, however often it is sent
        return retry

    def _send(
        self,
        method: str,
        url: str,
        params: Any,
        json: Any,
        data: Any,
        headers: dict[str, str],
        timeout: float | tuple[float, float] | None,
    ) -> requests.Response:
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
            method,
            urlsplit(url).path,
            response.status_code,
            time.perf_counter() - started,
        )
        return response

    def _count(self, tries: int) -> int:
        with self._count_lock:
            self.request_count += tries
        return tries

    def _transport_tries(self, url: str, error: requests.RequestException) -> int:
        cause = error.args[0] if error.args else None
        adapter_retry = getattr(self.http.get_adapter(url), "max_retries", None)
        return transport_tries(
            adapter_retry,
            refused=_failed_before_sending(error),
            gave_up=isinstance(cause, urllib3.exceptions.MaxRetryError),
        )

    def _pause(self, context: str, why: str, retry_number: int, delay: float) -> None:
        logger.info("%s failed (%s); retry %d in %.1fs", context, why, retry_number, delay)
        self._sleep(delay)

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
