"""Rebuilding a set from its jobs' tags: gaps, repeated indices, failed jobs and foreign jobs."""

from __future__ import annotations

import datetime as dt

import pytest
from managed_fakes import FakeService
from qiskit import QuantumCircuit

from ibmq_widgets.client.job import JobStatus
from ibmq_widgets.client.managed import IBMQJobManager, SubmitState
from ibmq_widgets.client.managed import tags as tagging
from ibmq_widgets.client.managed.job_set import ManagedJobSet
from ibmq_widgets.client.managed.retrieve import rebuild_job_set
from ibmq_widgets.exceptions import IBMQJobManagerUnknownJobSet, IBMQManagedResultDataNotAvailable


def add_job(service: FakeService, set_id: str, index: int, first: int, last: int, state=JobStatus.DONE):
    circuits = []
    for i in range(first, last + 1):
        circuit = QuantumCircuit(1, 1, name=f"c{i}")
        circuit.measure(0, 0)
        circuits.append(circuit)
    info = tagging.JobSetTags(set_id, index, first, last, "s", 4, 8)
    job = service.submit(circuits, f"s_{index}_", tagging.encode_tags(info, ["user"]))
    job.state = state
    if state is JobStatus.CANCELLED:
        job.reason = "cancelled by the user"
    return job


def test_a_set_with_a_gap_a_cancelled_job_and_a_repeat_comes_back_whole():
    service = FakeService(per_tick=0)
    set_id = "ibmq_jobset_x"
    add_job(service, set_id, 0, 0, 1)
    cancelled = add_job(service, set_id, 1, 2, 3, JobStatus.CANCELLED)
    older = add_job(service, set_id, 3, 6, 7, JobStatus.ERROR)
    newer = add_job(service, set_id, 3, 6, 7)
    older.created -= dt.timedelta(minutes=5)
    service.submit([], None, ["jobset:another", "jobset-index:0", "jobset-range:0-0"])  # another set's job
    job_set = rebuild_job_set(set_id, service.list_jobs([f"jobset:{set_id}"], None), service.provider)
    assert isinstance(job_set, ManagedJobSet)
    mjobs = job_set.managed_jobs()
    assert [(m.first, m.last) for m in mjobs] == [(0, 1), (2, 3), (4, 5), (6, 7)]
    assert job_set.jobs()[2] is None and mjobs[2].submit_state is SubmitState.MISSING
    assert job_set.jobs()[3] is newer and job_set.jobs()[1] is cancelled
    assert job_set.name() == "s" and job_set.tags() == ["user"] and job_set.num_experiments() == 8
    results = job_set.results(partial=True, progress=False)
    assert results.get_counts(7) == {"0": 7, "1": 1}
    with pytest.raises(IBMQManagedResultDataNotAvailable, match=cancelled.job_id()):
        results.get_counts(2)
    with pytest.raises(IBMQManagedResultDataNotAvailable, match="never submitted"):
        results.get_counts(5)


def test_an_unknown_set_id_says_so():
    service = FakeService()
    with pytest.raises(IBMQJobManagerUnknownJobSet, match="no job carries"):
        IBMQJobManager().retrieve_job_set("ibmq_jobset_nothing", service.provider)
    with pytest.raises(ValueError, match="job_set_id"):
        IBMQJobManager().retrieve_job_set("", service.provider)
