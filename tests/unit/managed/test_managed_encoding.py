"""What one job of a set sends: Sampler or Estimator experiments, the set's tags, its batch; which modes exist."""

from __future__ import annotations

import functools

import pytest
from managed_fakes import FakeService, circuits

from ibmq_widgets.client.managed import tags as tagging
from ibmq_widgets.client.managed.encoding import encode_job, open_mode, send_job
from ibmq_widgets.client.managed.managed_job import ManagedJob
from ibmq_widgets.exceptions import IBMQJobManagerValueError


def info(index: int = 0) -> tagging.JobSetTags:
    return tagging.JobSetTags("set-1", index, 0, 1, "s", 1, 2)


def test_circuits_become_a_run_with_the_sets_tags_and_options():
    service = FakeService()
    payload = encode_job(service.backend, ManagedJob(0, 0, 1, circuits(2)), info(), ["mine"], {"shots": 8})
    assert isinstance(payload, functools.partial)
    job = send_job(payload)
    (call,) = service.backend.run_calls
    assert call["n"] == 2 and call["shots"] == 8 and call["job_name"] == "s_0_"
    assert (
        call["tags"][:3] == ["jobset:set-1", "jobset-index:0", "jobset-range:0-1"] and "mine" in call["tags"]
    )
    assert job.program_id() == "sampler" and job.session_id() is None


def test_estimator_tuples_become_an_estimate_joining_the_batch():
    service = FakeService()
    batch = service.backend.open_batch()
    circuit_a, circuit_b = circuits(2)
    mjob = ManagedJob(0, 0, 1, [(circuit_a, "ZZ", None), (circuit_b, ["ZZ", "XX"], [0.5])])
    job = send_job(encode_job(service.backend, mjob, info(), [], {"precision": 0.01}, batch))
    (call,) = service.backend.run_calls
    assert call["observables"] == ["ZZ", ["ZZ", "XX"]] and call["parameter_values"] == [None, [0.5]]
    assert call["precision"] == 0.01 and call["session"] is batch
    assert job.program_id() == "estimator" and job.session_id() == "batch-0"


def test_parameter_values_are_left_out_when_no_experiment_has_any():
    service = FakeService()
    mjob = ManagedJob(0, 0, 0, [(circuits(1)[0], "Z", None)])
    send_job(encode_job(service.backend, mjob, info(), [], {}))
    assert service.backend.run_calls[0]["parameter_values"] is None


def test_modes():
    service = FakeService()
    assert open_mode(service.backend, "job") is None
    batch = open_mode(service.backend, "batch")
    assert batch.session_id == "batch-0"
    with pytest.raises(IBMQJobManagerValueError, match="mode must be one of 'job', 'batch', 'session'"):
        open_mode(service.backend, "dedicated")
    with pytest.raises(IBMQJobManagerValueError, match=r"open_session\(\)"):
        open_mode(service.backend, "session")
