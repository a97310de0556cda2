"""The job manager under a platform-style rate limit: every job of the set completes, none fails, and the
submissions it sends stay close to the limit's budget (Retry-After honoured, not hammered)."""

from __future__ import annotations

import threading

import pytest
import requests
from managed_live_helpers import basis_circuits, running_service, write_config

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.managed import IBMQJobManager

LIMIT, WINDOW = 4, 2  # submissions per window of seconds


@pytest.fixture(scope="module")
def limited_service(tmp_path_factory):
    data = tmp_path_factory.mktemp("rate-limited")
    write_config(data, job_limit=100, rate_limits={"submissions_per_minute": LIMIT, "window_seconds": WINDOW})
    with running_service(data) as handle:
        yield handle


class SubmissionLog:
    """Every POST /jobs answer the client received, by status."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self._lock = threading.Lock()

    def hook(self, response: requests.Response, *args, **kwargs) -> None:
        if response.request.method == "POST" and response.request.path_url.startswith("/api/v1/jobs"):
            with self._lock:
                self.statuses.append(response.status_code)


def test_thirty_jobs_under_a_submission_limit_all_complete(limited_service):
    log = SubmissionLog()

    def http() -> requests.Session:
        from ibmq_widgets.client.session import build_http

        session = build_http()
        session.hooks["response"].append(log.hook)
        return session

    provider = AccountManager(http_factory=http).enable_account(
        limited_service.api_key, url=limited_service.url
    )
    backend = provider.get_backend("ibmq_qasm_simulator")
    circuits = basis_circuits(30)
    job_set = IBMQJobManager().run(circuits, backend=backend, max_experiments_per_job=1, progress=False)
    results = job_set.results(timeout=240, progress=False)
    assert job_set.error_messages() is None
    assert [mjob.submit_error for mjob in job_set.managed_jobs()] == [None] * 30
    for index in range(30):
        expected = format(index % 8, "03b")
        assert results.get_counts(index) == {expected: 4096}
    accepted, refused = log.statuses.count(200), log.statuses.count(429)
    assert accepted == 30, log.statuses
    assert set(log.statuses) <= {200, 429}
    # Retry-After honoured: at most one refused submission per accepted one, not a retry storm
    assert refused <= accepted
    listed = provider.backends.jobs(limit=100, job_tags=[f"jobset:{job_set.job_set_id()}"])
    assert len(listed) == 30  # the same Idempotency-Key on every resend: no job twice
