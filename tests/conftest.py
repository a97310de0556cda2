"""Shared fixtures: one real local service per test session, and providers talking to it over loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

_ISOLATED_HOME: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    # Never read or write the user's saved account, data directory or Jupyter settings.
    global _ISOLATED_HOME
    import tempfile

    _ISOLATED_HOME = Path(tempfile.mkdtemp(prefix="ibmq-widgets-home-"))
    os.environ["HOME"] = str(_ISOLATED_HOME)
    os.environ["JUPYTER_DATA_DIR"] = str(_ISOLATED_HOME / "jupyter-data")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(_ISOLATED_HOME / "jupyter-runtime")
    os.environ["IBMQ_WIDGETS_DATA_DIR"] = str(_ISOLATED_HOME / "ibmq-widgets-data")
    os.environ["MPLBACKEND"] = "Agg"
    for name in ("IBMQ_TOKEN", "IBMQ_URL", "IBMQ_INSTANCE", "QISKIT_IBM_TOKEN", "IAM_URL"):
        os.environ.pop(name, None)


@pytest.fixture(scope="session")
def local_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A real local service on a free loopback port with a fresh data directory, for the test session."""
    from ibmq_widgets.service import start

    handle = start(data_dir=tmp_path_factory.mktemp("service-data"), port=0, workers=2)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def account_manager():
    """A fresh AccountManager (never the global IBMQ), so tests do not leak accounts into each other."""
    from ibmq_widgets.client.account import AccountManager

    return AccountManager()


@pytest.fixture
def provider(local_service, account_manager):
    """The provider of the research instance (every backend) on the session's local service."""
    return account_manager.enable_account(
        local_service.api_key,
        url=local_service.url,
        hub="ibm-q-network",
        group="research",
        project="main",
    )


@pytest.fixture
def open_provider(local_service):
    """The provider of the open instance (devices up to 27 qubits and the simulator)."""
    from ibmq_widgets.client.account import AccountManager

    return AccountManager().enable_account(
        local_service.api_key, url=local_service.url, hub="ibm-q", group="open", project="main"
    )
