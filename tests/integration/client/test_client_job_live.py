"""One job against the real local service: counts, identity, tags, waiting, timeouts, queue, cancel, outages."""

from __future__ import annotations

import logging
import threading

import pytest
from client_live_helpers import bell, ghz

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import JobStatus
from ibmq_widgets.client.account import AccountManager


def test_run_transpiles_and_returns_counts_by_index_name_and_circuit(finished):
    _, job, _ = finished
    result = job.result()
    assert result.success and job.done() and job.status() is JobStatus.DONE
    first = result.get_counts("first")
    assert sum(first.values()) == 256 and set(first) <= {"00", "01", "10", "11"}
    assert first["00"] + first["11"] > 200  # a Bell state, with a device's noise
    assert result.get_counts(0) == first and result.get_counts(bell("first")) == first
    assert set(result.get_counts(1)) <= {format(i, "03b") for i in range(8)}
    assert [r.header.name for r in result.results] == ["first", "second"]
    frame = result.to_dataframe()
    assert set(frame["name"]) == {"first", "second"} and frame["count"].sum() == 512
    assert job.result() is result  # cached


def test_job_identity_and_times(finished):
    _provider, job, tag = finished
    assert job.name() == "two-circuits" and set(job.tags()) == {tag, "shared"}
    assert job.backend().name() == "ibmq_manila" and job.backend_name() == "ibmq_manila"
    assert job.creation_date().tzinfo is not None
    steps = job.time_per_step()
    assert steps["CREATED"] <= steps["RUNNING"] <= steps["DONE"]
    assert job.queue_info() is None and job.queue_position() is None  # it left the queue
    assert job.error_message() is None and job.in_final_state() and not job.running()
    assert repr(job) == f"<IBMQJob {job.job_id()} 'two-circuits' on ibmq_manila: DONE>"
    properties = job.properties()
    assert properties is not None and properties.last_update_date <= job.creation_date()


def test_update_tags_keeps_the_name(provider):
    job = provider.get_backend("ibmq_qasm_simulator").run(bell(), shots=10, job_name="tagged", job_tags=["a"])
    assert job.update_tags(additional_tags=["b"]) == ["a", "b"]
    assert job.update_tags(removal_tags=["a"]) == ["b"]
    again = provider.backends.retrieve_job(job.job_id())
    assert again.tags() == ["b"] and again.name() == "tagged"
    with pytest.raises(exc.IBMQJobError):
        job.update_tags()
    job.wait_for_final_state(timeout=120)


def test_timeout_while_waiting_queue_info_and_cancel(provider, local_service):
    backend = provider.get_backend("ibmq_toronto")
    heavy = [ghz(14, f"heavy-{i}") for i in range(5)]
    # more jobs than the service has workers, so the last one waits in the queue
    jobs = [backend.run(heavy, shots=8000) for _ in range(3)]
    try:
        with pytest.raises(exc.IBMQJobTimeoutError, match=r"did not finish within 0\.3 s") as info:
            jobs[0].result(timeout=0.3, wait=0.1)
        assert isinstance(info.value, TimeoutError)
        assert jobs[0].status() in (JobStatus.QUEUED, JobStatus.RUNNING)
        last = jobs[-1]
        assert last.status() is JobStatus.QUEUED
        queue_info = last.queue_info()
        assert queue_info is not None and queue_info.position >= 1
        assert last.queue_position() == queue_info.position
        assert queue_info.estimated_start_time is not None
        assert backend.job_limit().active_jobs == 3
        assert {j.job_id() for j in backend.active_jobs()} == {j.job_id() for j in jobs}
        assert backend.remaining_jobs_count() == 2
    finally:
        for job in jobs:
            job.cancel()
    for job in jobs:
        assert job.cancelled()
        with pytest.raises(exc.IBMQJobFailureError, match="cancelled"):
            job.result()
        assert job.cancel() is False  # already final


@pytest.mark.slow
def test_a_job_over_its_time_limit_fails_with_a_reason(provider):
    job = provider.get_backend("ibmq_guadalupe").run(
        [ghz(14, "slow")] * 4, shots=8000, max_execution_time=0.01
    )
    with pytest.raises(exc.IBMQJobFailureError) as info:
        job.result(timeout=120, wait=0.5)
    assert job.status() is JobStatus.ERROR
    assert job.error_message() and job.error_message() in str(info.value)


def test_wait_for_final_state_reports_each_poll(provider):
    job = provider.get_backend("ibmq_qasm_simulator").run(bell(), shots=20)
    seen = []
    job.wait_for_final_state(
        timeout=120, wait=0.2, callback=lambda job_id, status, j: seen.append((job_id, status))
    )
    assert seen[-1] == (job.job_id(), JobStatus.DONE)
    assert all(job_id == job.job_id() for job_id, _ in seen)
    with pytest.raises(exc.IBMQJobError, match="positive number"):
        job.wait_for_final_state(wait=0)


def test_rich_display_uses_the_widgets_and_falls_back_to_text(finished, monkeypatch):
    import sys

    _, job, _ = finished
    backend, result = job.backend(), job.result()
    assert "ibmq_manila" in backend._repr_html_()
    assert job.job_id() in job._repr_html_()
    assert "first" in result._repr_html_()
    monkeypatch.setitem(sys.modules, "ibmq_widgets.widgets.display", None)  # the import now fails
    assert (
        backend._repr_html_() == "<pre>&lt;IBMQBackend('ibmq_manila') from IBMQ(hub='ibm-q-network', "
        "group='research', project='main')&gt;</pre>"
    )
    assert job._repr_html_().startswith("<pre>&lt;IBMQJob ")
    assert result._repr_html_().startswith("<pre>Result(")


@pytest.mark.parametrize(("kwargs", "name"), [({"timeout": "soon"}, "timeout"), ({"wait": 0}, "wait")])
def test_bad_waits_name_the_argument(finished, kwargs, name):
    _, job, _ = finished
    for call in (job.result, job.wait_for_final_state):
        with pytest.raises(exc.IBMQJobValueError, match=f"^{name} must be") as info:
            call(**kwargs)
        assert isinstance(info.value, ValueError)


class _Lost(logging.Handler):
    """Counts the client's "reconnecting" warnings and lets a test wait for the first one."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "lost the connection" in record.getMessage():
            self.count += 1
            self.seen.set()


@pytest.mark.slow
def test_result_waits_through_a_restart_of_the_service(tmp_path):
    from ibmq_widgets.service import start

    data_dir = tmp_path / "data"
    first = start(data_dir=data_dir, port=0, workers=1)
    port, again = first.port, None
    try:
        provider = AccountManager().enable_account(first.api_key, url=first.url, hub="ibm-q-network")
        job = provider.get_backend("ibmq_qasm_simulator").run(bell(), shots=64)
    finally:
        first.stop()  # the service is gone; the job waits in its store
    watch = _Lost()
    logging.getLogger("ibmq_widgets.client").addHandler(watch)
    outcome: dict = {}

    def wait() -> None:
        try:
            outcome["counts"] = job.result(timeout=300, wait=0.5).get_counts()
        except Exception as error:  # reported below
            outcome["error"] = error

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    try:
        assert watch.seen.wait(120), "result() never said it lost the connection"
        assert waiter.is_alive() and not outcome, outcome  # still waiting, not failed
        again = start(data_dir=data_dir, port=port, workers=1)  # the same service back, on the same port
        waiter.join(240)
        assert not waiter.is_alive(), "result() did not return after the service came back"
    finally:
        logging.getLogger("ibmq_widgets.client").removeHandler(watch)
        if again is not None:
            again.stop()
    assert "error" not in outcome, outcome.get("error")
    assert sum(outcome["counts"].values()) == 64
    assert watch.count == 1  # said once, not at every poll
