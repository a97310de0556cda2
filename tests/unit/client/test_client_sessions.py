"""Sessions and batches without sockets: IBM's session API as qiskit-ibm-runtime calls it, jobs carrying the
session's id, and every bad input refused before anything is sent."""

from __future__ import annotations

import json

import pytest
from client_fakes import bell, response

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.sessions import Batch, Session, parse_max_time


def test_open_session_posts_what_the_reference_client_posts(platform, backend):
    session = backend.open_session(max_time="1h 30m")
    (sent,) = platform.calls("POST", "/sessions")
    assert json.loads(sent.body) == {
        "mode": "dedicated",
        "backend": "ibmq_manila",
        "instance": "crn:v1:bluemix:public:quantum-computing:us-east:a/acct:inst::",
        "max_ttl": 5400,
    }
    assert session.session_id == "s-1" and session.max_time == 5400 and session.accepting_jobs
    assert repr(session) == "<Session s-1 on ibmq_manila (dedicated, accepting jobs)>"
    assert "t0k3n" not in repr(session)


def test_a_batch_posts_mode_batch_and_no_max_ttl_when_not_asked(platform, backend):
    batch = Batch(backend)
    assert json.loads(platform.calls("POST", "/sessions")[0].body) == {
        "mode": "batch",
        "backend": "ibmq_manila",
        "instance": "crn:v1:bluemix:public:quantum-computing:us-east:a/acct:inst::",
    }
    assert isinstance(batch, Session) and batch.mode == "batch"


def test_jobs_in_a_session_carry_its_id_and_leaving_the_with_block_closes_it(platform, backend):
    with backend.open_session() as session:
        job = session.run(bell(), shots=100)
        other = backend.run(bell(), shots=100, session=session)
        estimate = session.estimate(bell(), "ZZ")
    assert [body["session_id"] for body in platform.posted] == ["s-1", "s-1", "s-1"]
    assert [body["program_id"] for body in platform.posted] == ["sampler", "sampler", "estimator"]
    assert job.session_id() == other.session_id() == estimate.session_id() == "s-1"
    assert job.program_id() == "sampler" and estimate.program_id() == "estimator"
    (closing,) = platform.calls("PATCH", "/sessions/s-1")
    assert json.loads(closing.body) == {"accepting_jobs": False}
    assert not session.accepting_jobs
    session.close()  # closing twice sends nothing more
    assert len(platform.calls("PATCH", "/sessions/s-1")) == 1


def test_a_job_outside_a_session_sends_no_session_id(platform, backend):
    job = backend.run(bell(), shots=10)
    assert "session_id" not in platform.posted[0]
    assert job.session_id() is None


def test_a_job_to_a_session_this_client_closed_is_refused_before_sending(platform, backend):
    session = backend.open_session()
    session.close()
    with pytest.raises(exc.IBMQSessionClosedError, match=r"s-1 is closed.*open_session"):
        backend.run(bell(), session=session)
    with pytest.raises(exc.IBMQSessionClosedError):
        session.estimate(bell(), "ZZ")
    assert platform.calls("POST", "/jobs") == []


def test_a_job_the_service_refuses_for_a_closed_session_is_a_clear_error(platform, backend):
    session = backend.open_session()
    platform.sessions["s-1"]["accepting_jobs"] = False  # closed elsewhere (another process, max_time)
    with pytest.raises(exc.IBMQSessionClosedError, match=r"refused for session s-1.*not accepting jobs"):
        session.run(bell())
    assert platform.posted == []


@pytest.mark.parametrize("max_time", [0, -5, "0s", "soon", float("inf"), True, "1 fortnight"])
def test_max_time_must_be_positive_and_nothing_is_sent(platform, backend, max_time):
    with pytest.raises(exc.IBMQSessionValueError, match="max_time") as info:
        backend.open_session(max_time=max_time)
    assert isinstance(info.value, ValueError)
    assert platform.calls("POST", "/sessions") == []


def test_max_time_forms():
    assert parse_max_time(None) is None
    assert parse_max_time(90) == 90 and parse_max_time(0.2) == 1
    assert (
        parse_max_time("2h 30m 40s") == 9040
        and parse_max_time("1d") == 86400
        and parse_max_time("600") == 600
    )


def test_a_session_of_another_backend_or_not_a_session_is_refused(platform, backend):
    with pytest.raises(exc.IBMQSessionValueError, match="Session or Batch"):
        backend.run(bell(), session="s-1")
    session = backend.open_session()
    session._backend = platform.provider().backends.backend_for("ibmq_lima")
    with pytest.raises(exc.IBMQSessionValueError, match=r"runs on ibmq_lima.*not ibmq_manila"):
        backend.run(bell(), session=session)
    assert platform.calls("POST", "/jobs") == []


def test_details_status_and_usage_read_get_sessions(platform, backend):
    session = backend.open_session(max_time=600)
    details = session.details()
    assert (
        details["id"] == "s-1" and details["backend_name"] == "ibmq_manila" and details["mode"] == "dedicated"
    )
    assert (
        details["max_time"] == 600 and details["interactive_timeout"] == 60 and details["usage_time"] == 12.5
    )
    assert session.status() == "Pending"
    platform.sessions["s-1"].update(state="active")
    assert session.status() == "In progress, accepting new jobs"
    platform.sessions["s-1"].update(accepting_jobs=False)
    assert session.status() == "In progress, not accepting new jobs"
    platform.sessions["s-1"].update(state="closed")
    assert session.status() == "Closed"
    assert session.usage() == 12.5


def test_cancel_deletes_and_refuses_further_jobs(platform, backend):
    batch = backend.open_batch()
    batch.cancel()
    assert len(platform.calls("DELETE", "/sessions/s-1/close")) == 1
    assert not batch.accepting_jobs
    with pytest.raises(exc.IBMQSessionClosedError, match="open_batch"):
        batch.run(bell())


def test_session_jobs_lists_by_session_id(platform, backend):
    session = backend.open_session()
    session.run(bell(), shots=10)
    backend.run(bell(), shots=10)
    session.run(bell(), shots=10)
    jobs = session.jobs()
    assert [job.job_id() for job in jobs] == ["job-0", "job-2"]
    listing = platform.calls("GET", "/jobs")[-1]
    assert "session_id=s-1" in listing.url


def test_from_id_reads_the_session_and_checks_its_mode(platform, backend):
    backend.open_batch()
    again = Batch.from_id("s-1", backend.provider())
    assert again.session_id == "s-1" and again.backend() == backend and again.accepting_jobs
    with pytest.raises(exc.IBMQSessionValueError, match="is a batch"):
        Session.from_id("s-1", backend.provider())
    with pytest.raises(exc.IBMQSessionError, match="no session 's-2'"):
        Session.from_id("s-2", backend.provider())


def test_an_error_in_the_block_is_not_hidden_by_a_failing_close(platform, backend):
    platform.adapter.routes[("PATCH", "/api/v1/sessions/s-1")] = response(
        409, {"error": {"message": "boom", "code": "conflict"}}
    )
    with pytest.raises(KeyError), backend.open_session(), backend.open_session():
        raise KeyError("the user's error")


def test_a_service_without_sessions_says_so(platform, backend):
    del platform.adapter.routes[("POST", "/api/v1/sessions")]
    with pytest.raises(exc.IBMQSessionError, match="offers no sessions"):
        backend.open_batch()
