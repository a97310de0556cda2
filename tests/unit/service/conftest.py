"""Fixtures shared by the service's unit tests."""

from __future__ import annotations

import pytest

from ibmq_widgets.service.store import JobStore


@pytest.fixture
def store(tmp_path):
    """An empty job store in a temporary directory, closed after the test."""
    store = JobStore(tmp_path / "jobs.sqlite3")
    yield store
    store.close()
