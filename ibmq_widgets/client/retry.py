"""When a request is repeated: urllib3's Retry in the transport, and a hand-written replay of safe POSTs.

Two policies, each where it serves:

- :class:`TransportRetry` (urllib3's ``Retry``) is mounted on the requests adapter of every connection pool the
  client builds (:func:`ibmq_widgets.client.session.build_http`). It repeats idempotent requests (GET, HEAD, PUT,
  DELETE) after a connection error, a read timeout or a 502/503/504, with exponential backoff, and honours
  ``Retry-After`` on 429 and 503. It repeats a request of any method whose connection was refused or timed out
  while connecting, since such a request never reached the server.
- :class:`PostReplay` repeats the POSTs the caller knows to be safe to send twice, which a pool-wide,
  method-based policy cannot know: see its docstring.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from ibmq_widgets import exceptions as exc

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "PostReplay",
    "RetryMode",
    "RetryPolicy",
    "TransportRetry",
    "transport_tries",
]

#: Methods the transport repeats after the request may have reached the server: repeating them changes nothing.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
#: Gateway answers worth repeating: the request did not reach a working server. (429 and 503 with Retry-After
#: are repeated too, after the delay the server asked for; a 429 without it is a full job limit, which only a
#: finishing job cures.)
RETRY_STATUSES = frozenset({502, 503, 504})


class RetryMode(enum.Enum):
    """How a request may be repeated after a failure."""

    SAFE = "safe"  # reads, tag updates, cancels, token exchanges: repeating changes nothing
    SUBMISSION = "submission"  # POST /jobs: repeat only when no job can have been created
    NEVER = "never"


@dataclass(frozen=True)
class RetryPolicy:
    """Retry settings shared by the transport and the replay of POSTs.

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
    retry_refused : bool
        Whether the transport repeats a request whose connection was refused. False for a local service found
        through its data directory: there a refused connection means the service moved, and the session asks
        the directory where it went instead of knocking on the old port.
    """

    attempts: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    retry_refused: bool = True

    def backoff(self, retry_number: int) -> float:
        """Seconds to sleep before retry ``retry_number`` (1-based): 0.5, 1, 2, 4, ... up to ``backoff_max``."""
        if retry_number < 1:
            return 0.0
        return min(self.backoff_max, self.backoff_factor * 2 ** (retry_number - 1))

    def transport_retry(self, sleep: Callable[[float], None] = time.sleep) -> TransportRetry:
        """The urllib3 ``Retry`` to mount on a requests adapter."""
        retries = max(self.attempts - 1, 0)
        return TransportRetry(
            total=retries,
            connect=None if self.retry_refused else 0,
            read=retries,
            status=retries,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            raise_on_status=False,  # the session turns the last error answer into the right exception
            respect_retry_after_header=True,
            policy=self,
            sleeper=sleep,
        )


class TransportRetry(Retry):
    """urllib3's Retry with the client's backoff sequence, a ceiling on ``Retry-After`` and an injectable sleep.

    Parameters
    ----------
    *args, **kwargs
        urllib3's ``Retry`` parameters.
    policy : RetryPolicy, optional
        Where the backoff sequence and the Retry-After ceiling come from.
    sleeper : callable
        ``time.sleep``; tests pass a recorder.
    """

    def __init__(
        self,
        *args: Any,
        policy: RetryPolicy | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy or RetryPolicy()
        self.sleeper = sleeper

    def new(self, **kw: Any) -> TransportRetry:
        """The next state of the retry (urllib3 makes one per try); it keeps the policy and the sleep."""
        retry = super().new(**kw)
        retry.policy, retry.sleeper = self.policy, self.sleeper
        return retry

    def get_backoff_time(self) -> float:
        """The same sequence as :meth:`RetryPolicy.backoff` (urllib3's own skips the first pause)."""
        return self.policy.backoff(len(self.history))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> TransportRetry:
        """urllib3's bookkeeping, except that a Retry-After over the ceiling ends the retries at once."""
        if response is not None and self.respect_retry_after_header:
            delay = self.get_retry_after(response)
            if delay is not None and delay > self.policy.max_retry_after:
                # the answer goes back to the session, which raises IBMQRateLimitError with the delay asked
                raise MaxRetryError(_pool, url, ResponseError(f"Retry-After of {delay:.0f} s is too long"))
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: Any = None) -> None:
        """Sleep as the server asked (``Retry-After``) or, failing that, for the backoff."""
        if self.respect_retry_after_header and response is not None:
            delay = self.get_retry_after(response)
            if delay is not None:
                self.sleeper(delay)
                return
        backoff = self.get_backoff_time()
        if backoff > 0:
            self.sleeper(backoff)


def transport_tries(retry: Any, *, refused: bool, gave_up: bool) -> int:
    """How many times the transport tried a request that ended in a connection error.

    Parameters
    ----------
    retry : Retry or Any
        The adapter's ``max_retries``.
    refused : bool
        Whether the error happened while connecting (the request never left).
    gave_up : bool
        Whether urllib3 ran out of retries (MaxRetryError), rather than refusing to retry at all.
    """
    if not gave_up or not isinstance(retry, Retry):
        return 1
    limits = [retry.total, retry.connect if refused else retry.read]
    known = [limit for limit in limits if isinstance(limit, int)]
    return 1 + max(min(known), 0) if known else 1


class PostReplay:
    """The hand-written retry of one POST that the caller declared safe to repeat.

    Why not urllib3's Retry: it is set once per connection pool and decides by method, so it must never repeat a
    POST that may have reached the server (a repeated job submission would create a second job). Only the caller
    knows that a given POST is safe to send twice: a job submission carrying an ``Idempotency-Key`` that the
    server honours (the local service), a cancel, a token exchange. For those this policy repeats the request
    after a lost answer (connection reset, read timeout) or a 502/503/504, with the policy's backoff. Every
    submission, idempotent or not, is also repeated after a 429 with ``Retry-After``: the server refused it
    outright, so nothing was created. Refused connections are the transport's to retry, never repeated here.

    Parameters
    ----------
    policy : RetryPolicy
        Attempts, backoff and the Retry-After ceiling.
    mode : RetryMode
        What the caller declared about the request.
    method : str
        The HTTP method; methods the transport retries itself are never replayed here.
    """

    def __init__(self, policy: RetryPolicy, mode: RetryMode, method: str) -> None:
        self.policy = policy
        self.mode = mode
        self.active = mode is not RetryMode.NEVER and method.upper() not in IDEMPOTENT_METHODS
        #: Times the request was sent by this policy (the first send included).
        self.tries = 1

    def _grant(self, delay: float) -> float:
        self.tries += 1
        return delay

    def after_error(self, *, reached_server: bool) -> float | None:
        """Seconds to wait before sending again after a connection error, or None to give up."""
        if not self.active or not reached_server or self.tries >= self.policy.attempts:
            return None
        if self.mode is RetryMode.SUBMISSION:
            return None  # the job may have been created: only the caller can look for it
        return self._grant(self.policy.backoff(self.tries))

    def after_status(self, status: int, error: exc.IBMQError, retry_after: float | None) -> float | None:
        """Seconds to wait before sending again after an error answer, or None when the error is final."""
        if not self.active or self.tries >= self.policy.attempts:
            return None
        if isinstance(error, exc.IBMQBackendJobLimitError):
            return None  # only a finishing job helps, not waiting a fixed time
        if status == 429:
            if retry_after is None or retry_after > self.policy.max_retry_after:
                return None
            return self._grant(retry_after)
        if status not in RETRY_STATUSES or self.mode is RetryMode.SUBMISSION:
            return None  # a gateway error may hide a job that was created
        if retry_after is not None:
            return None if retry_after > self.policy.max_retry_after else self._grant(retry_after)
        return self._grant(self.policy.backoff(self.tries))
