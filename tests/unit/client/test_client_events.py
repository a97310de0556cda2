"""The job_submitted event, its subscribers, and the client's public names."""

from __future__ import annotations

import logging

import pytest

import ibmq_widgets
import ibmq_widgets.client as client
from ibmq_widgets.client import events
from ibmq_widgets.client.job import JobStatus


def test_event_subscribers_are_called_and_a_failing_one_does_not_break_the_others(caplog):
    seen = []

    def broken(job):
        raise RuntimeError("listener bug")

    event = events.Event("test")
    event.subscribe(broken)
    event.subscribe(seen.append)
    event.subscribe(seen.append)  # twice is once
    with caplog.at_level(logging.ERROR):
        event.emit("job-1")
    assert seen == ["job-1"]
    assert "listener bug" in caplog.text
    event.unsubscribe(seen.append)
    event.unsubscribe(seen.append)  # unknown: ignored
    event.emit("job-2")
    assert seen == ["job-1"]
    with pytest.raises(TypeError):
        event.subscribe("not callable")


def test_module_level_subscribe_uses_job_submitted():
    seen = []
    events.subscribe(seen.append)
    try:
        events.job_submitted.emit("x")
    finally:
        events.unsubscribe(seen.append)
    events.job_submitted.emit("y")
    assert seen == ["x"]


def test_public_names_resolve():
    for name in client.__all__:
        assert getattr(client, name) is not None
    assert ibmq_widgets.IBMQ is client.IBMQ
    assert ibmq_widgets.least_busy is client.least_busy
    assert ibmq_widgets.execute is client.execute
    assert ibmq_widgets.JobStatus is JobStatus
    assert repr(client.IBMQ).startswith("<AccountManager")
