"""Fixtures of the client's socket-free tests: an in-memory platform with one device, and that device."""

from __future__ import annotations

import pytest
from client_fakes import FakePlatform


@pytest.fixture
def platform() -> FakePlatform:
    """An in-memory IBM Quantum Platform serving ibmq_manila (see client_fakes.FakePlatform)."""
    return FakePlatform()


@pytest.fixture
def backend(platform):
    """ibmq_manila as a provider of ``platform`` sees it."""
    return platform.provider().get_backend("ibmq_manila")
