"""The one mapping from an HTTP error answer to an exception; Retry-After parsing; secrets scrubbed."""

from __future__ import annotations

import pytest
from client_fakes import response

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.api_errors import error_from_response, parse_retry_after, redact


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "bad_request", exc.IBMQBadRequestError),
        (401, "unauthorized", exc.IBMQAuthenticationError),
        (403, "forbidden", exc.IBMQAuthenticationError),
        (404, None, exc.IBMQNotFoundError),
        (404, "unknown_backend", exc.IBMQBackendNotFound),
        (404, "job_not_found", exc.IBMQJobNotFound),
        (409, None, exc.IBMQBadRequestError),
        (413, "payload_too_large", exc.IBMQBadRequestError),
        (422, None, exc.IBMQBadRequestError),
        (400, "too_many_shots", exc.IBMQBackendValueError),
        (400, "circuit_too_wide", exc.IBMQBackendValueError),
        (400, "unsupported_gate", exc.IBMQBackendValueError),
        (429, "job_limit_reached", exc.IBMQBackendJobLimitError),
        (429, None, exc.IBMQRateLimitError),
        (500, None, exc.IBMQServerError),
        (418, None, exc.IBMQApiError),
    ],
)
def test_error_mapping(status, code, cls):
    body = (
        {"error": {"message": "what went wrong", "code": code}} if code else {"error": {"message": "wrong"}}
    )
    resp = response(status, body, {"X-Request-Id": "req-7"})
    error = error_from_response(resp, context="GET /x")
    assert type(error) is cls
    assert error.status == status and error.code == code and error.request_id == "req-7"
    assert "GET /x" in str(error)


def test_error_mapping_reads_other_body_shapes():
    assert "bad key" in str(
        error_from_response(response(400, {"errorMessage": "bad key", "errorCode": "BXN"}))
    )
    assert "first" in str(error_from_response(response(400, {"errors": [{"message": "first", "code": "c"}]})))
    assert "gateway down" in str(error_from_response(response(502, "gateway down")))


def test_retry_after_in_seconds_or_as_an_http_date():
    import email.utils
    import time

    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(later) <= 31
    assert parse_retry_after("-3") == 0.0


def test_redact_scrubs_every_secret_but_not_tiny_ones():
    assert redact("key abcd and token xyz12345", ["abcd", "xyz12345", "a"]) == "key *** and token ***"


def test_a_rate_limit_carries_its_retry_after_and_secrets_are_scrubbed():
    secret = "sk-0123456789"
    answer = response(429, {"error": {"message": f"slow down {secret}"}}, {"Retry-After": "12"})
    error = error_from_response(answer, secrets=[secret], context="GET /jobs")
    assert isinstance(error, exc.IBMQRateLimitError) and error.retry_after == 12.0
    assert secret not in str(error) and "***" in str(error)
