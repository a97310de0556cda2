"""A provider's backends without sockets: which instance of the account has a backend another one lacks."""

from __future__ import annotations

import pytest
from client_fakes import FakeAdapter, discovery_routes, fake_http, response

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.account import AccountManager

KEY = "local-key-0123456789abcdef"
TOKEN = "bearer-token-0123456789"
OPEN = {
    "hub": "ibm-q",
    "group": "open",
    "project": "main",
    "crn": "crn:v1:local:public:quantum:open:a/x:open::",
}
RESEARCH = {
    "hub": "ibm-q-network",
    "group": "research",
    "project": "main",
    "crn": "crn:v1:local:public:quantum:research:a/x:research::",
}
SMALL = [{"name": "ibmq_rome", "qubits": 5}, {"name": "ibmq_qasm_simulator", "qubits": 32, "simulator": True}]
BIG = [*SMALL, {"name": "ibm_fez", "qubits": 156}]


def backends_for(sent):
    """GET /backends as the instance named by Service-CRN sees it."""
    devices = BIG if sent.headers.get("Service-CRN") == RESEARCH["crn"] else SMALL
    return response(200, {"devices": devices})


@pytest.fixture
def manager() -> AccountManager:
    adapter = FakeAdapter(
        {
            ("GET", "/"): response(200, {"service": "ibmq_widgets", "version": "0"}),
            ("POST", "/identity/token"): response(200, {"access_token": TOKEN, "expires_in": 3600}),
            **discovery_routes(OPEN, RESEARCH),
            ("GET", "/api/v1/backends"): backends_for,
        }
    )
    return AccountManager(http_factory=lambda: fake_http(adapter))


def test_a_backend_of_another_instance_names_the_provider_that_has_it(manager):
    provider = manager.enable_account(KEY, url="http://127.0.0.1:8")
    assert provider.instance_name == "ibm-q/open/main"
    with pytest.raises(exc.IBMQBackendNotFound) as info:
        provider.get_backend("ibm_fez")
    message = str(info.value)
    assert message == (
        "ibm_fez is not available to ibm-q/open/main; "
        "IBMQ.get_provider(hub='ibm-q-network', group='research', project='main') has it"
    )
    assert "ibmq_rome" not in message and KEY not in message and TOKEN not in message
    research = manager.get_provider(hub="ibm-q-network")
    assert research.get_backend("ibm_fez").name() == "ibm_fez"
    assert research.providers_with_backend("ibmq_rome") == [provider]


def test_a_name_nobody_has_gets_near_names(manager):
    provider = manager.enable_account(KEY, url="http://127.0.0.1:8")
    with pytest.raises(exc.IBMQBackendNotFound, match="did you mean 'ibmq_rome'") as info:
        provider.get_backend("ibmq_roma")
    assert isinstance(info.value, LookupError)
    with pytest.raises(AttributeError, match="not available to ibm-q/open/main"):
        _ = provider.backends.ibm_fez


def test_the_listing_of_a_backend_is_readable_and_refreshed(manager):
    provider = manager.enable_account(KEY, url="http://127.0.0.1:8")
    rome = provider.get_backend("ibmq_rome")
    assert rome.listing is not None and rome.listing["n_qubits"] == 5 and rome.is_listed
    provider.backends()
    assert provider.get_backend("ibmq_rome") is rome and rome.listing["name"] == "ibmq_rome"
    assert [b.name() for b in provider.backends(min_num_qubits=6)] == ["ibmq_qasm_simulator"]
