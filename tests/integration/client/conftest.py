"""Fixtures of the client's live tests."""

from __future__ import annotations

import uuid

import pytest
from client_live_helpers import bell, ghz


@pytest.fixture(scope="module")
def finished(local_service):
    """One finished job on ibmq_manila with two named circuits (shared by the read-only tests)."""
    from ibmq_widgets.client.account import AccountManager

    provider = AccountManager().enable_account(
        local_service.api_key, url=local_service.url, hub="ibm-q-network"
    )
    tag = f"t-{uuid.uuid4().hex[:8]}"
    job = provider.get_backend("ibmq_manila").run(
        [bell("first"), ghz(3, "second")], shots=256, job_name="two-circuits", job_tags=[tag, "shared"]
    )
    job.result(timeout=120)
    return provider, job, tag
