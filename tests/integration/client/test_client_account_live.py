"""Accounts against the real local service: providers, bad token, wrong hub, the lookup order."""

from __future__ import annotations

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import local
from ibmq_widgets.client.account import AccountManager


def test_enable_account_gives_the_open_provider_and_lists_both(local_service, account_manager):
    provider = account_manager.enable_account(local_service.api_key, url=local_service.url)
    assert (provider.hub, provider.group, provider.project) == ("ibm-q", "open", "main")
    names = sorted(p.instance_name for p in account_manager.providers())
    assert names == ["ibm-q-network/research/main", "ibm-q/open/main"]
    research = account_manager.get_provider(hub="ibm-q-network")
    assert research.group == "research" and research.crn.startswith("crn:v1:")
    assert account_manager.providers(group="open") == [provider]
    assert "local service" in repr(provider)
    assert provider.is_local_service


def test_no_secret_in_reprs_or_account_info(local_service, provider, account_manager):
    key = local_service.api_key
    texts = [
        repr(provider),
        repr(provider.credentials),
        str(provider.credentials),
        repr(account_manager),
        str(account_manager.active_account()),
        repr(provider.session),
        repr(provider.backends),
    ]
    token = provider.session.auth.tokens.access_token()
    for text in texts:
        assert key not in text and token not in text


def test_wrong_hub_lists_what_exists_and_enables_nothing(local_service, account_manager):
    with pytest.raises(exc.IBMQProviderNotFound, match="available: ibm-q/open/main") as info:
        account_manager.enable_account(local_service.api_key, url=local_service.url, hub="no-such-hub")
    assert "no-such-hub" in str(info.value)
    assert account_manager.active_account() is None
    account_manager.enable_account(local_service.api_key, url=local_service.url)
    with pytest.raises(exc.IBMQProviderNotFound, match="no provider matches \\*/\\*/nope"):
        account_manager.get_provider(project="nope")
    with pytest.raises(exc.IBMQProviderNotFound, match="2 providers match"):
        account_manager.get_provider(project="main")


def test_bad_token_is_refused_clearly_without_echoing_it(local_service, account_manager):
    bad = "this-is-not-the-key-123456"
    with pytest.raises(exc.IBMQAuthenticationError) as info:
        account_manager.enable_account(bad, url=local_service.url)
    assert bad not in str(info.value)
    assert "enable the account again" in str(info.value)
    assert account_manager.active_account() is None


def test_active_and_disabled_account(provider, account_manager, local_service):
    info = account_manager.active_account()
    assert info["url"] == local_service.url and info["local_service"] is True and "token" not in info
    account_manager.disable_account()
    assert account_manager.active_account() is None
    with pytest.raises(exc.IBMQAccountCredentialsNotFound):
        account_manager.providers()


def test_load_account_reads_the_environment_first(local_service, monkeypatch, tmp_path):
    monkeypatch.setenv("IBMQ_TOKEN", local_service.api_key)
    monkeypatch.setenv("IBMQ_URL", local_service.url)
    monkeypatch.setenv("IBMQ_INSTANCE", "ibm-q-network/research/main")
    saved = tmp_path / "qiskitrc.json"
    manager = AccountManager(credentials_path=saved)
    manager.save_account("a-saved-but-wrong-key", url="http://127.0.0.1:1")  # must not be used
    provider = manager.load_account()
    assert provider.instance_name == "ibm-q-network/research/main"
    assert manager.active_account()["source"] == "environment"


def test_load_account_uses_the_saved_account(local_service, tmp_path):
    manager = AccountManager(credentials_path=tmp_path / "qiskitrc.json")
    manager.save_account(local_service.api_key, url=local_service.url, hub="ibm-q-network")
    provider = manager.load_account()
    assert provider.hub == "ibm-q-network"
    assert manager.active_account()["source"] == "saved"
    assert manager.load_account(hub="ibm-q").hub == "ibm-q"


def test_load_account_finds_the_running_service_and_says_so(local_service, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(local, "_announced", set())
    manager = AccountManager(credentials_path=tmp_path / "none.json", data_dir=local_service.data_dir)
    provider = manager.load_account()
    assert provider.url == local_service.url
    assert manager.active_account()["source"] == "local service"
    out = capsys.readouterr().out
    assert out.count("using the local service") == 1 and "not IBM hardware" in out
    assert local_service.api_key not in out
    manager.load_account()
    assert "using the local service" not in capsys.readouterr().out  # said once


def test_instance_by_name_or_crn(local_service, account_manager):
    research = next(i for i in local_service.instances if i["name"] == "ibm-q-network/research/main")
    by_name = account_manager.enable_account(
        local_service.api_key, url=local_service.url, instance="ibm-q-network/research/main"
    )
    assert by_name.crn == research["crn"]
    by_crn = AccountManager().enable_account(
        local_service.api_key, url=local_service.url, instance=research["crn"]
    )
    assert by_crn.instance_name == "ibm-q-network/research/main"
    with pytest.raises(exc.IBMQProviderNotFound, match="no instance of this key has CRN"):
        AccountManager().enable_account(
            local_service.api_key, url=local_service.url, instance=research["crn"].replace("a/", "a/0")
        )
