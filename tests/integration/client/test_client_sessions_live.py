"""Sessions and batches against the real local service over loopback HTTP: IBM's session endpoints as
qiskit-ibm-runtime calls them, jobs carrying the session's id, closing, cancelling, and refusals."""

from __future__ import annotations

import pytest
from client_live_helpers import bell
from qiskit import QuantumCircuit

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.job import JobStatus
from ibmq_widgets.client.sessions import Batch, Session

STATUSES = ("Pending", "In progress, accepting new jobs", "In progress, not accepting new jobs", "Closed")


def unmeasured_bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    return circuit


@pytest.fixture
def manila(provider):
    return provider.get_backend("ibmq_manila")


def test_jobs_in_a_session_carry_its_id_and_the_session_closes_on_exit(provider, manila):
    with manila.open_session(max_time=600) as session:
        sampled = session.run(bell(), shots=256)
        estimated = session.estimate(unmeasured_bell(), "ZZ", precision=0.01)
        details = session.details()
        assert details["id"] == session.session_id and details["mode"] == "dedicated"
        assert details["backend_name"] == "ibmq_manila" and details["accepting_jobs"] is True
        assert session.status() in STATUSES
    assert sampled.session_id() == estimated.session_id() == session.session_id
    assert sum(sampled.result(timeout=120).get_counts().values()) == 256
    assert float(estimated.result(timeout=120).expectation_values(0)) > 0.9
    assert not session.accepting_jobs and session.details()["accepting_jobs"] is False
    listed = session.jobs()
    assert {job.job_id() for job in listed} == {sampled.job_id(), estimated.job_id()}
    again = provider.backends.retrieve_job(sampled.job_id())
    assert again.session_id() == session.session_id
    usage = session.usage()
    assert usage is None or usage >= 0


def test_a_batch_of_estimator_jobs(provider, manila):
    with manila.open_batch() as batch:
        jobs = [batch.estimate(unmeasured_bell(), ["ZZ", "XX"], precision=0.01) for _ in range(3)]
        assert batch.details()["mode"] == "batch"
    for job in jobs:
        assert job.session_id() == batch.session_id
        values = job.result(timeout=120).expectation_values(0)
        assert values.shape == (2,) and (values > 0.9).all()
    assert Batch.from_id(batch.session_id, provider).session_id == batch.session_id
    with pytest.raises(exc.IBMQSessionValueError):
        Session.from_id(batch.session_id, provider)


def test_a_job_to_a_session_closed_here_is_refused_without_a_request(provider, manila):
    session = manila.open_session()
    session.close()
    manila.configuration()
    before = provider.session.request_count
    with pytest.raises(exc.IBMQSessionClosedError):
        session.run(bell(), shots=10)
    assert provider.session.request_count == before


def test_a_job_to_a_session_closed_elsewhere_is_refused_by_the_service(provider, manila):
    session = manila.open_session()
    Session.from_id(session.session_id, provider).close()  # as another process would
    with pytest.raises(exc.IBMQSessionError) as info:
        session.run(bell(), shots=10)
    assert session.session_id in str(info.value)
    assert session.jobs() == []


def test_cancel_stops_the_session_and_its_queued_jobs(provider, manila):
    session = manila.open_session()
    job = session.run(bell(), shots=10)
    session.cancel()
    assert not session.accepting_jobs and session.details()["accepting_jobs"] is False
    job.wait_for_final_state(timeout=120, wait=0.5)
    assert job.status() in (JobStatus.CANCELLED, JobStatus.DONE)  # it may have run before the cancel
    with pytest.raises(exc.IBMQSessionClosedError):
        session.run(bell(), shots=10)


@pytest.mark.parametrize("max_time", [0, -1, "0m"])
def test_max_time_not_positive_sends_nothing(provider, manila, max_time):
    manila.configuration()
    before = provider.session.request_count
    with pytest.raises(exc.IBMQSessionValueError):
        manila.open_session(max_time=max_time)
    assert provider.session.request_count == before
