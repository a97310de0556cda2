"""The retry policies on their own: urllib3's Retry as the client configures it, and the replay of safe POSTs."""

from __future__ import annotations

import pytest
from urllib3 import HTTPResponse
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError
from urllib3.util.retry import Retry

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.retry import (
    IDEMPOTENT_METHODS,
    PostReplay,
    RetryMode,
    RetryPolicy,
    TransportRetry,
    transport_tries,
)


def answer(status: int, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(body=b"", headers=headers or {}, status=status, preload_content=False)


def test_backoff_doubles_from_the_factor_up_to_the_cap():
    policy = RetryPolicy(backoff_factor=0.5, backoff_max=3)
    assert [policy.backoff(n) for n in range(0, 6)] == [0.0, 0.5, 1.0, 2.0, 3, 3]


def test_the_transport_retry_is_urllib3s_configured_for_idempotent_calls():
    retry = RetryPolicy(attempts=4).transport_retry()
    assert isinstance(retry, Retry)
    assert retry.total == 3 and retry.read == 3 and retry.status == 3
    assert retry.allowed_methods == IDEMPOTENT_METHODS and "POST" not in retry.allowed_methods
    assert set(retry.status_forcelist) == {502, 503, 504}
    assert retry.respect_retry_after_header and not retry.raise_on_status
    assert retry.is_retry("GET", 503) and not retry.is_retry("POST", 503)
    # a 429 is repeated only when the server says when (a full job limit sends no Retry-After)
    assert retry.is_retry("GET", 429, has_retry_after=True) and not retry.is_retry("GET", 429)


def test_a_refused_connection_is_not_retried_where_the_session_relocates_instead():
    retry = RetryPolicy(retry_refused=False).transport_retry()
    refused = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    with pytest.raises(MaxRetryError):
        retry.increment("GET", "/x", error=refused)
    again = RetryPolicy().transport_retry().increment("GET", "/x", error=refused)
    assert again.total == 3


def test_each_state_keeps_the_policy_and_the_sleep_and_backs_off_like_the_policy():
    sleeps: list[float] = []
    retry = RetryPolicy(backoff_factor=0.25).transport_retry(sleeps.append)
    for _ in range(3):
        retry = retry.increment("GET", "/x", error=ProtocolError("reset"))
        assert isinstance(retry, TransportRetry) and retry.sleeper == sleeps.append
        retry.sleep()
    assert sleeps == [0.25, 0.5, 1.0]


def test_retry_after_is_slept_and_a_too_long_one_ends_the_retries():
    sleeps: list[float] = []
    retry = RetryPolicy(max_retry_after=10).transport_retry(sleeps.append)
    retry.increment("GET", "/x", response=answer(503, {"Retry-After": "4"})).sleep(
        answer(503, {"Retry-After": "4"})
    )
    assert sleeps == [4.0]
    with pytest.raises(MaxRetryError, match="too long"):
        retry.increment("GET", "/x", response=answer(429, {"Retry-After": "11"}))


@pytest.mark.parametrize(
    ("refused", "gave_up", "tries"),
    [(True, True, 5), (False, True, 5), (False, False, 1), (True, False, 1)],
)
def test_transport_tries_counts_what_urllib3_did(refused, gave_up, tries):
    assert (
        transport_tries(RetryPolicy(attempts=5).transport_retry(), refused=refused, gave_up=gave_up) == tries
    )


def test_transport_tries_without_urllib3_is_one():
    assert transport_tries(None, refused=True, gave_up=True) == 1
    no_refused_retries = RetryPolicy(retry_refused=False).transport_retry()
    assert transport_tries(no_refused_retries, refused=True, gave_up=True) == 1


def server_error(status: int = 503) -> exc.IBMQError:
    return exc.IBMQServerError("down", status=status)


def test_replay_leaves_idempotent_methods_to_the_transport():
    for method in IDEMPOTENT_METHODS:
        replay = PostReplay(RetryPolicy(), RetryMode.SAFE, method)
        assert replay.after_error(reached_server=True) is None
        assert replay.after_status(503, server_error(), None) is None


def test_a_safe_post_is_replayed_after_a_lost_answer_and_gateway_errors_with_backoff():
    replay = PostReplay(RetryPolicy(attempts=4, backoff_factor=1), RetryMode.SAFE, "POST")
    assert replay.after_error(reached_server=True) == 1
    assert replay.after_status(502, server_error(502), None) == 2
    assert replay.after_status(503, server_error(), 3.0) == 3.0  # Retry-After wins
    assert replay.after_error(reached_server=True) is None  # 4 tries made
    assert replay.tries == 4


def test_a_refused_post_is_the_transports_to_retry():
    replay = PostReplay(RetryPolicy(), RetryMode.SAFE, "POST")
    assert replay.after_error(reached_server=False) is None


def test_a_submission_is_replayed_only_when_the_server_refused_it_outright():
    replay = PostReplay(RetryPolicy(), RetryMode.SUBMISSION, "POST")
    assert replay.after_error(reached_server=True) is None  # the job may exist
    assert replay.after_status(502, server_error(502), None) is None
    limited = exc.IBMQRateLimitError("slow down", status=429, retry_after=2.0)
    assert replay.after_status(429, limited, 2.0) == 2.0
    assert replay.after_status(429, limited, 3600.0) is None  # longer than the policy waits
    full = exc.IBMQBackendJobLimitError("5 jobs already")
    assert replay.after_status(429, full, None) is None


def test_never_means_never():
    replay = PostReplay(RetryPolicy(), RetryMode.NEVER, "POST")
    assert replay.after_error(reached_server=True) is None
    assert replay.after_status(503, server_error(), None) is None
