"""The JobWatcher loses the real service, says so in the panel, and recovers by itself when it comes back."""

from __future__ import annotations

import socket
import time

import pytest

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.widgets.job_watcher import JobWatcher


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.slow
def test_connection_lost_is_shown_and_the_watcher_recovers_by_itself(tmp_path) -> None:
    from ibmq_widgets.service import start

    port = _free_port()
    service = start(data_dir=tmp_path, port=port, workers=1)
    provider = AccountManager().enable_account(
        service.api_key, url=service.url, hub="ibm-q-network", group="research", project="main"
    )
    watcher = JobWatcher(provider, interval=0.5)
    try:
        _wait_until(lambda: watcher.poller.state.kind == "ok", 30, "the first poll never succeeded")
        service.stop()
        # the client retries for a few seconds on its own, then the watcher says so and backs off
        lost = "connection lost, retrying in"
        _wait_until(lambda: lost in watcher.status_message, 60, watcher.status_message)
        assert watcher._state_label.style.text_color == "#c62828"
        assert "(last update " in watcher.status_message
        service = start(data_dir=tmp_path, port=port, workers=1)  # same address, same keys
        _wait_until(lambda: watcher.poller.state.kind == "ok", 60, f"no recovery: {watcher.status_message}")
        assert watcher.status_message.startswith("● ")
        assert watcher.poller.running
    finally:
        watcher.close()
        service.stop()
