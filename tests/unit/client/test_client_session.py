"""ApiSession without sockets: retries, backoff, Retry-After, no duplicate submissions, error mapping."""

from __future__ import annotations

import logging

import pytest
import requests
from client_fakes import FakeAdapter, ScriptedAdapter, fake_http, refused, reset, response, scripted_http

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.session import (
    DEFAULT_TIMEOUT,
    ApiSession,
    RetryMode,
    RetryPolicy,
)

SECRET = "sk-very-secret-api-key-0123456789"
BASE = "http://api.test/api/v1"


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make(routes, **kwargs) -> tuple[ApiSession, ScriptedAdapter, Sleeps]:
    """A session over a pool built as the client builds it (urllib3's Retry on the adapter), minus the sockets."""
    sleeps = Sleeps()
    http, adapter = scripted_http(routes, kwargs.get("retry"), sleeps)
    session = ApiSession(BASE, http=http, sleep=sleeps, secrets=lambda: [SECRET], **kwargs)
    return session, adapter, sleeps


def test_get_is_retried_on_gateway_errors_with_exponential_backoff():
    ok = response(200, {"devices": []})
    session, adapter, sleeps = make(
        {("GET", "/api/v1/backends"): [response(502), response(503), response(504), ok]}
    )
    assert session.get_json("/backends") == {"devices": []}
    assert len(adapter.sent) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert session.request_count == 4


def test_backoff_is_capped_and_attempts_are_bounded():
    session, adapter, sleeps = make(
        {("GET", "/api/v1/backends"): response(503)},
        retry=RetryPolicy(attempts=6, backoff_factor=1, backoff_max=3),
    )
    with pytest.raises(exc.IBMQServerError) as info:
        session.get_json("/backends")
    assert info.value.status == 503
    assert len(adapter.sent) == 6
    assert sleeps == [1, 2, 3, 3, 3]


def test_retry_after_is_honoured_on_429():
    limited = response(429, {"error": {"message": "slow down", "code": "rate_limited"}}, {"Retry-After": "2"})
    session, _adapter, sleeps = make({("GET", "/api/v1/jobs"): [limited, response(200, {"jobs": []})]})
    assert session.get_json("/jobs") == {"jobs": []}
    assert sleeps == [2.0]


def test_retry_after_longer_than_allowed_raises_at_once_with_the_delay():
    limited = response(
        429, {"error": {"message": "slow down", "code": "rate_limited"}}, {"Retry-After": "3600"}
    )
    session, adapter, sleeps = make({("GET", "/api/v1/jobs"): limited})
    with pytest.raises(exc.IBMQRateLimitError) as info:
        session.get_json("/jobs")
    assert info.value.retry_after == 3600
    assert sleeps == []
    assert len(adapter.sent) == 1


def test_job_limit_429_is_a_backend_error_and_never_retried():
    full = response(429, {"error": {"message": "5 jobs already", "code": "job_limit_reached"}})
    session, adapter, sleeps = make({("POST", "/api/v1/jobs"): full})
    with pytest.raises(exc.IBMQBackendJobLimitError) as info:
        session.request("POST", "/jobs", json={}, retry=RetryMode.SUBMISSION)
    assert "Wait for one of your jobs" in str(info.value)
    assert info.value.status == 429 and info.value.code == "job_limit_reached"
    assert len(adapter.sent) == 1 and sleeps == []


def test_get_is_retried_on_connection_errors_then_gives_a_clear_error():
    session, adapter, _sleeps = make({("GET", "/api/v1/backends"): reset()}, retry=RetryPolicy(attempts=3))
    with pytest.raises(exc.IBMQConnectionError) as info:
        session.get_json("/backends")
    assert "after 3 attempts" in str(info.value)
    assert "api.test" in str(info.value)
    assert len(adapter.sent) == 3


def test_submission_is_retried_when_the_connection_was_refused_before_sending():
    created = response(200, {"id": "job-1", "backend": "ibm_fez"})
    session, adapter, _sleeps = make({("POST", "/api/v1/jobs"): [refused(), refused(), created]})
    answer = session.request(
        "POST", "/jobs", data="{}", headers={"Idempotency-Key": "k1"}, retry=RetryMode.SUBMISSION
    )
    assert answer.json()["id"] == "job-1"
    assert len(adapter.sent) == 3
    assert {s.headers["Idempotency-Key"] for s in adapter.sent} == {"k1"}


@pytest.mark.parametrize(
    "failure", [reset(), requests.ReadTimeout("read timed out"), response(502), response(503)]
)
def test_submission_that_may_have_reached_the_server_is_not_repeated(failure):
    session, adapter, _sleeps = make({("POST", "/api/v1/jobs"): [failure, response(200, {"id": "dup"})]})
    with pytest.raises((exc.IBMQConnectionError, exc.IBMQServerError)) as info:
        session.request("POST", "/jobs", data="{}", retry=RetryMode.SUBMISSION)
    assert len(adapter.sent) == 1  # never a second POST: it could create a second job
    if isinstance(info.value, exc.IBMQConnectionError):
        assert "may have been created" in str(info.value)


def test_submission_is_repeated_after_a_lost_answer_when_the_server_honours_idempotency_keys():
    created = response(200, {"id": "job-1"})
    session, adapter, _ = make({("POST", "/api/v1/jobs"): [reset(), created]}, idempotent_submissions=True)
    session.request(
        "POST", "/jobs", data="{}", headers={"Idempotency-Key": "same"}, retry=RetryMode.SUBMISSION
    )
    assert [s.headers["Idempotency-Key"] for s in adapter.sent] == ["same", "same"]


def test_a_plain_post_is_never_retried():
    session, adapter, _ = make({("POST", "/api/v1/things"): response(503)})
    with pytest.raises(exc.IBMQServerError):
        session.request("POST", "/things")
    assert len(adapter.sent) == 1


def test_every_request_has_a_timeout_and_the_api_version_header():
    adapter = FakeAdapter({("GET", "/api/v1/x"): response(200, {})})  # sees what requests hands the adapter
    session = ApiSession(BASE, http=fake_http(adapter))
    session.get_json("/x")
    session.get_json("/x", timeout=1.5)
    assert adapter.sent[0].timeout == DEFAULT_TIMEOUT
    assert adapter.sent[1].timeout == 1.5
    assert adapter.sent[0].headers["IBM-API-Version"]


class Invalidating(requests.auth.AuthBase):
    def __init__(self):
        self.generation = 0

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer token-{self.generation}"
        return r

    def invalidate(self):
        self.generation += 1


def test_a_401_refreshes_the_token_once_and_repeats():
    auth = Invalidating()
    adapter = FakeAdapter(
        {
            ("GET", "/api/v1/x"): lambda s: (
                response(200, {})
                if s.headers["Authorization"] == "Bearer token-1"
                else response(401, {"error": {"message": "expired", "code": "unauthorized"}})
            )
        }
    )
    session = ApiSession(BASE, auth, http=fake_http(adapter))
    assert session.get_json("/x") == {}
    assert [s.headers["Authorization"] for s in adapter.sent] == ["Bearer token-0", "Bearer token-1"]


def test_a_401_after_a_fresh_token_is_an_authentication_error():
    auth = Invalidating()
    denied = response(401, {"error": {"message": "not authorized", "code": "unauthorized"}})
    session = ApiSession(BASE, auth, http=fake_http(FakeAdapter({("GET", "/api/v1/x"): denied})))
    with pytest.raises(exc.IBMQAuthenticationError) as info:
        session.get_json("/x")
    assert "Check the token" in str(info.value)


def test_secrets_never_reach_messages_or_logs(caplog):
    echo = response(400, {"error": {"message": f"bad key {SECRET}", "code": "bad_request"}})
    session, _adapter, _ = make(
        {("GET", "/api/v1/x"): echo, ("GET", "/api/v1/down"): reset()}, retry=RetryPolicy(attempts=2)
    )
    with (
        caplog.at_level(logging.DEBUG, logger="ibmq_widgets"),
        pytest.raises(exc.IBMQBadRequestError) as info,
    ):
        session.get_json("/x")
    assert SECRET not in str(info.value) and "***" in str(info.value)
    with (
        caplog.at_level(logging.DEBUG, logger="ibmq_widgets"),
        pytest.raises(exc.IBMQConnectionError) as info,
    ):
        session.get_json("/down")
    assert SECRET not in str(info.value)
    assert caplog.records, "requests are logged at DEBUG"
    assert all(SECRET not in record.getMessage() for record in caplog.records)
    assert SECRET not in repr(session)


def test_a_refused_connection_asks_once_where_the_service_went():
    adapter = FakeAdapter(
        {("GET", "/api/v1/backends"): lambda s: refused() if s.host == "api.test" else response(200, {})}
    )
    moves = []

    def relocate() -> bool:
        moves.append(1)
        session.base_url = "http://moved.test/api/v1"
        return True

    session = ApiSession(BASE, http=fake_http(adapter), relocate=relocate, sleep=lambda s: None)
    assert session.get_json("/backends") == {}
    assert [s.host for s in adapter.sent] == ["api.test", "moved.test"] and moves == [1]


def test_relocation_is_not_tried_after_the_request_left():
    moves = []
    session, adapter, _ = make({("POST", "/api/v1/jobs"): reset()}, relocate=lambda: moves.append(1) or True)
    with pytest.raises(exc.IBMQConnectionError):
        session.request("POST", "/jobs", data="{}", retry=RetryMode.SUBMISSION)
    assert moves == [] and len(adapter.sent) == 1
