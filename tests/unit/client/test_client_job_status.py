"""JobStatus and the wire's state names, status filters, QueueInfo."""

from __future__ import annotations

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.job_status import JOB_FINAL_STATES, JobStatus, parse_statuses, status_from_wire


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
