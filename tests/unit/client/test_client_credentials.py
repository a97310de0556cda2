"""Credentials and the saved-account file: no token in reprs, mode 0600, no silent overwrite."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.client.credentials import (
    Credentials,
    credentials_from_environment,
    read_saved,
    split_instance,
    write_saved,
)

TOKEN = "secret-token-0123456789abcdef"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_repr_and_str_never_show_the_token():
    creds = Credentials(token=TOKEN, url="http://127.0.0.1:9000", instance="ibm-q/open/main")
    for text in (repr(creds), str(creds), str(creds.public_dict())):
        assert TOKEN not in text
    assert "127.0.0.1:9000" in repr(creds)
    assert (creds.hub, creds.group, creds.project) == ("ibm-q", "open", "main")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"token": ""}, "token is empty"),
        ({"token": TOKEN, "url": "127.0.0.1:9000"}, "is not an http"),
        ({"token": TOKEN, "instance": "ibm-q/open"}, "hub/group/project"),
    ],
)
def test_malformed_credentials_say_what_to_do(kwargs, match):
    with pytest.raises(exc.IBMQAccountCredentialsInvalid, match=match) as info:
        Credentials(**kwargs)
    assert TOKEN not in str(info.value)


def test_split_instance():
    assert split_instance("a/b/c") == ("a", "b", "c")
    assert split_instance("crn:v1:x") == (None, None, None)
    assert split_instance(None) == (None, None, None)


def test_saved_file_is_owner_only_and_reads_back(tmp_path):
    path = tmp_path / "cfg" / "qiskitrc.json"
    write_saved(Credentials(token=TOKEN, url="http://127.0.0.1:1", instance="ibm-q/open/main"), path)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    loaded = read_saved(path)
    assert loaded.token == TOKEN and loaded.url == "http://127.0.0.1:1" and loaded.source == "saved"
    assert json.loads(path.read_text())["default"]["instance"] == "ibm-q/open/main"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".qiskitrc-")]  # no temp file left


def test_save_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "qiskitrc.json"
    manager = AccountManager(credentials_path=path)
    manager.save_account(TOKEN, url="http://127.0.0.1:1")
    with pytest.raises(exc.IBMQAccountCredentialsExist, match="overwrite=True") as info:
        manager.save_account("other-token-xxxxxxxx", url="http://127.0.0.1:2")
    assert TOKEN not in str(info.value)
    assert read_saved(path).url == "http://127.0.0.1:1"  # nothing lost
    manager.save_account("other-token-xxxxxxxx", url="http://127.0.0.1:2", overwrite=True)
    assert read_saved(path).url == "http://127.0.0.1:2"
    assert mode(path) == 0o600


def test_stored_and_deleted_account(tmp_path):
    manager = AccountManager(credentials_path=tmp_path / "qiskitrc.json")
    assert manager.stored_account() == {}
    manager.save_account(TOKEN, hub="h", group="g", project="p", url="http://127.0.0.1:1")
    stored = manager.stored_account()
    assert stored["hub"] == "h" and "token" not in stored and TOKEN not in str(stored)
    manager.delete_account()
    assert manager.stored_account() == {}
    with pytest.raises(exc.IBMQAccountCredentialsNotFound):
        manager.delete_account()


def test_a_widened_file_is_restricted_again(tmp_path):
    path = tmp_path / "qiskitrc.json"
    write_saved(Credentials(token=TOKEN), path)
    os.chmod(path, 0o644)
    read_saved(path)
    assert mode(path) == 0o600


def test_a_corrupt_file_is_reported_and_left_alone(tmp_path):
    path = tmp_path / "qiskitrc.json"
    path.write_text('{"default": {"url": 1')
    with pytest.raises(exc.IBMQAccountCredentialsInvalid, match="overwrite=True"):
        read_saved(path)
    assert path.read_text() == '{"default": {"url": 1'


def test_environment_variables():
    assert credentials_from_environment({}) is None
    creds = credentials_from_environment(
        {"IBMQ_TOKEN": TOKEN, "IBMQ_URL": "http://127.0.0.1:5", "IBMQ_INSTANCE": "a/b/c"}
    )
    assert (creds.url, creds.hub, creds.source) == ("http://127.0.0.1:5", "a", "environment")


def test_no_active_account_is_a_clear_error():
    manager = AccountManager()
    assert manager.active_account() is None
    for call in (manager.providers, manager.get_provider, manager.disable_account):
        with pytest.raises(exc.IBMQAccountCredentialsNotFound, match="load_account"):
            call()


def test_enable_account_rejects_unknown_arguments():
    with pytest.raises(exc.IBMQAccountCredentialsInvalid, match="unexpected arguments"):
        AccountManager().enable_account(TOKEN, url="http://127.0.0.1:1", hubb="x")
