"""Finding or starting the local service that owns a data directory (client/local.py), against real services."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import local
from ibmq_widgets.client.account import AccountManager

URL_NOBODY = "http://127.0.0.1:9"  # the discard port: nothing answers there


def test_a_stale_service_json_is_ignored(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "service.json").write_text('{"url": "http://127.0.0.1:9", "pid": 1}')
    (data_dir / "api_key").write_text("k" * 20)
    assert local.find_running_service(data_dir) is None


@pytest.mark.slow
def test_load_account_starts_the_embedded_service_once(tmp_path, capsys):
    data_dir = tmp_path / "embedded"
    try:
        first = AccountManager(credentials_path=tmp_path / "none.json", data_dir=data_dir).load_account()
        second = AccountManager(credentials_path=tmp_path / "none.json", data_dir=data_dir).load_account()
        assert first.url == second.url and first.is_local_service
        assert (data_dir / "service.json").exists()
        assert "ibmq_qasm_simulator" in first.backends.names()
        assert "using the local service" in capsys.readouterr().out
    finally:
        handle = local._embedded.pop(data_dir.resolve(), None) or local._embedded.pop(data_dir, None)
        if handle is not None:
            handle.stop()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _used_data_dir(tmp_path) -> Path:
    """A data directory a service has run on (key, secret, store) and then left."""
    from ibmq_widgets.service import start

    data_dir = tmp_path / "data"
    start(data_dir=data_dir, port=0, workers=1).stop()
    return data_dir


@pytest.mark.slow
def test_a_killed_serve_keeps_its_directory_and_the_client_says_how_to_restart_it(tmp_path):
    from ibmq_widgets.service import start

    data_dir = _used_data_dir(tmp_path)
    pid = _dead_pid()  # `ibmq-widgets serve`, killed with kill -9: its service.json stays behind
    (data_dir / "service.json").write_text(json.dumps({"url": URL_NOBODY, "pid": pid, "started_by": "serve"}))
    manager = AccountManager(credentials_path=tmp_path / "none.json", data_dir=data_dir)
    with pytest.raises(exc.LocalServiceError) as info:
        manager.load_account()
    message = str(info.value)
    assert URL_NOBODY in message and f"pid {pid}" in message and "`ibmq-widgets serve`" in message
    assert f"ibmq-widgets serve --data-dir {data_dir}" in message
    assert data_dir not in local._embedded and manager.active_account() is None
    restarted = start(data_dir=data_dir, port=0, workers=1)  # what the user runs next: the directory is free
    restarted.stop()


@pytest.mark.slow
def test_a_dead_kernels_embedded_service_is_replaced_by_ours(tmp_path, capsys):
    data_dir = _used_data_dir(tmp_path)
    (data_dir / "service.json").write_text(
        json.dumps({"url": URL_NOBODY, "pid": _dead_pid(), "started_by": "embedded"})
    )
    try:
        provider = AccountManager(credentials_path=tmp_path / "none.json", data_dir=data_dir).load_account()
        assert provider.is_local_service and provider.url != URL_NOBODY
        out = capsys.readouterr().out
        assert out.count("using the local service") == 1 and "embedded in this process" in out
    finally:
        handle = local._embedded.pop(data_dir, None)
        if handle is not None:
            handle.stop()
