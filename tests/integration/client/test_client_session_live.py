"""The session against the real local service: a lost submission answer never duplicates a job, secrets stay out
of logs."""

from __future__ import annotations

import logging
import uuid

import pytest
import requests
import urllib3.exceptions
from client_live_helpers import bell
from requests.adapters import HTTPAdapter

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.account import AccountManager


class LoseFirstSubmissionAnswer(HTTPAdapter):
    """Delivers every request, but drops the connection before the first POST /jobs answer arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[str] = []

    def send(self, request, **kwargs):
        answer = super().send(request, **kwargs)
        if request.method == "POST" and request.path_url.endswith("/jobs"):
            self.posts.append(request.headers.get("Idempotency-Key", ""))
            if len(self.posts) == 1:
                cause = urllib3.exceptions.ProtocolError(
                    "Connection aborted.", ConnectionResetError(104, "reset")
                )
                raise requests.ConnectionError(cause)
        return answer


def test_a_lost_answer_is_retried_with_the_same_key_and_makes_one_job(provider):
    adapter = LoseFirstSubmissionAnswer()
    provider.session.http.mount("http://", adapter)
    tag = f"once-{uuid.uuid4().hex[:8]}"
    job = provider.get_backend("ibmq_qasm_simulator").run(bell(), shots=10, job_tags=[tag])
    assert len(adapter.posts) == 2 and adapter.posts[0] == adapter.posts[1] != ""
    assert [j.job_id() for j in provider.backends.jobs(job_tags=[tag], limit=None)] == [job.job_id()]
    job.wait_for_final_state(timeout=120)


def test_without_idempotency_a_lost_answer_is_reported_not_repeated(provider):
    adapter = LoseFirstSubmissionAnswer()
    provider.session.http.mount("http://", adapter)
    provider.session.idempotent_submissions = False  # as against a server that ignores the key
    tag = f"lost-{uuid.uuid4().hex[:8]}"
    with pytest.raises(exc.IBMQConnectionError, match="may have been created"):
        provider.get_backend("ibmq_qasm_simulator").run(bell(), shots=10, job_tags=[tag])
    assert len(adapter.posts) == 1
    found = provider.backends.jobs(job_tags=[tag], limit=None)
    assert len(found) == 1  # the job the lost answer was about, exactly once
    found[0].wait_for_final_state(timeout=120)


def test_a_whole_session_logs_no_secret(local_service, caplog):
    with caplog.at_level(logging.DEBUG):
        provider = AccountManager().enable_account(local_service.api_key, url=local_service.url)
        backend = provider.get_backend("ibmq_qasm_simulator")
        job = backend.run(bell(), shots=10)
        job.result(timeout=120)
        with pytest.raises(exc.IBMQJobNotFound) as info:
            provider.backends.retrieve_job("missing")
        token = provider.session.auth.tokens.access_token()
    texts = [r.getMessage() for r in caplog.records] + [str(info.value), repr(job), repr(job.result())]
    assert any("/api/v1/jobs" in t for t in texts)  # requests are logged
    for text in texts:
        assert local_service.api_key not in text and token not in text
