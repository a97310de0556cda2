"""JobStatus mapping, status filters, the job_submitted event and the client's public names."""

from __future__ import annotations

import logging

import pytest

import ibmq_widgets
import ibmq_widgets.client as client
from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import events
from ibmq_widgets.client.job import JOB_FINAL_STATES, JobStatus, status_from_wire
from ibmq_widgets.client.jobs_query import parse_statuses


@pytest.mark.parametrize(
    ("wire", "status"),
    [
        ("Queued", JobStatus.QUEUED),
        ("Running", JobStatus.RUNNING),
        ("Completed", JobStatus.DONE),
        ("Cancelled", JobStatus.CANCELLED),
        ("Failed", JobStatus.ERROR),
        ("QUEUED", JobStatus.QUEUED),
        (None, JobStatus.INITIALIZING),
    ],
)
def test_wire_states(wire, status):
    assert status_from_wire(wire) is status


def test_final_states_and_classic_messages():
    assert set(JOB_FINAL_STATES) == {JobStatus.DONE, JobStatus.CANCELLED, JobStatus.ERROR}
    assert JobStatus.QUEUED.value == "job is queued"
    assert JobStatus.DONE.value == "job has successfully run"


def test_status_filters_accept_names_values_wire_states_and_pending():
    assert parse_statuses("pending") == {JobStatus.QUEUED, JobStatus.RUNNING}
    assert parse_statuses(["DONE", "job has been cancelled", "Failed"]) == set(JOB_FINAL_STATES)
    assert parse_statuses(JobStatus.RUNNING) == {JobStatus.RUNNING}
    with pytest.raises(exc.IBMQJobError, match="unknown job status 'finished'"):
        parse_statuses("finished")


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
