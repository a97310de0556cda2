"""The scheduler-worker messages: typed records that survive the socket (pickling) and feed the runner."""

from __future__ import annotations

import dataclasses
import pickle
from multiprocessing import Pipe

import pytest
from service_unit_helpers import make_job

from ibmq_widgets.service.worker_messages import FromWorker, JobDone, JobFailed, Ready, RunJob, Stop, ToWorker


def test_messages_cross_a_connection_unchanged():
    parent, child = Pipe()
    messages = [
        Ready(),
        RunJob("j", "ibm_fez", "sampler", "{}"),
        JobDone("j", "[]"),
        JobFailed("j", "no"),
        Stop(),
    ]
    for message in messages:
        parent.send(message)
        assert child.recv() == message
    assert pickle.loads(pickle.dumps(messages)) == messages
    assert all(isinstance(m, ToWorker) for m in (messages[1], messages[4]))
    assert all(isinstance(m, FromWorker) for m in (messages[0], messages[2], messages[3]))


def test_run_job_is_built_from_a_record_and_gives_the_runner_its_dict():
    job = make_job("abc", backend="ibmq_lima", sleep=1)
    message = RunJob.of(job)
    assert message == RunJob("abc", "ibmq_lima", "sampler", job.params_text)
    assert message.runner_input() == {
        "id": "abc", "backend": "ibmq_lima", "program": "sampler", "params_text": job.params_text
    }  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.job_id = "other"  # type: ignore[misc]
