"""Fixtures of the job manager's socket-free tests."""

from __future__ import annotations

import pytest

from ibmq_widgets.client.managed import collector, submitter


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    # the in-memory fakes answer at once: short pauses keep these tests fast without changing what they check
    monkeypatch.setattr(submitter, "SLOT_POLL_MIN", 0.01)
    monkeypatch.setattr(submitter, "SLOT_POLL_MAX", 0.02)
    monkeypatch.setattr(collector, "POLL_MIN", 0.01)
    monkeypatch.setattr(collector, "POLL_MAX", 0.02)
