"""Fixtures of the service's HTTP tests: per-instance API views of the session service, a private service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from service_http import OPEN, RESEARCH, Api, crn_of, ghz


@pytest.fixture(scope="session")
def research_api(local_service) -> Api:
    return Api(local_service.url, local_service.api_key, crn_of(local_service, RESEARCH))


@pytest.fixture(scope="session")
def open_api(local_service) -> Api:
    return Api(local_service.url, local_service.api_key, crn_of(local_service, OPEN))


@pytest.fixture(scope="session")
def manila_ghz(research_api) -> Any:
    """A 5-qubit GHZ transpiled for ibmq_manila (an ISA circuit)."""
    return research_api.isa(ghz(5), "ibmq_manila")


@pytest.fixture
def private_service(tmp_path) -> Iterator:
    """A service of the test's own on a fresh data directory (for tests that need their own config)."""
    from ibmq_widgets.service import start

    handle = start(data_dir=tmp_path / "data", port=0, workers=1)
    try:
        yield handle
    finally:
        handle.stop()
