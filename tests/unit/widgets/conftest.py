"""Fixtures for the widget tests: a provider of the session's local service shared by a whole module.

Building a picker fetches the properties of all 68 devices once; sharing the provider (whose backends cache
their properties) keeps that to once per module instead of once per test.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def research_provider(local_service):
    """The research instance (every backend) on the session's local service, for one test module."""
    from ibmq_widgets.client.account import AccountManager

    return AccountManager().enable_account(
        local_service.api_key, url=local_service.url, hub="ibm-q-network", group="research", project="main"
    )


@pytest.fixture
def count_requests(monkeypatch):
    """Count every HTTP request the client sends (requests.Session.send) from now on."""
    import requests

    sent: list[str] = []
    original = requests.Session.send

    def counting_send(self, request, **kwargs):
        sent.append(f"{request.method} {request.path_url}")
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", counting_send)
    return sent
