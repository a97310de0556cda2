"""Jobs against the real local service: run, status, results, lookups, tags, and every kind of bad input."""

from __future__ import annotations

import uuid

import pytest
from qiskit import QuantumCircuit

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client import JobStatus, events, execute
from ibmq_widgets.client.session import RetryMode


def bell(name: str = "bell") -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2, name=name)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def ghz(n: int, name: str = "ghz") -> QuantumCircuit:
    circuit = QuantumCircuit(n, name=name)
    circuit.h(0)
    for q in range(1, n):
        circuit.cx(0, q)
    circuit.measure_all()
    return circuit


@pytest.fixture(scope="module")
def finished(local_service):
    """One finished job on ibmq_manila with two named circuits (shared by the read-only tests)."""
    from ibmq_widgets.client.account import AccountManager

    provider = AccountManager().enable_account(
        local_service.api_key, url=local_service.url, hub="ibm-q-network"
    )
    tag = f"t-{uuid.uuid4().hex[:8]}"
    job = provider.get_backend("ibmq_manila").run(
        [bell("first"), ghz(3, "second")], shots=256, job_name="two-circuits", job_tags=[tag, "shared"]
    )
    job.result(timeout=120)
    return provider, job, tag


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


def test_jobs_are_found_by_name_tag_status_and_backend(finished):
    provider, job, tag = finished
    by_name = provider.backends.jobs(job_name="two-circuits", limit=None)
    assert job.job_id() in [j.job_id() for j in by_name]
    assert [j.job_id() for j in provider.backends.jobs(job_tags=[tag])] == [job.job_id()]
    assert [j.job_id() for j in provider.backends.jobs(job_tags=[tag, "absent"], job_tags_operator="OR")] == [
        job.job_id()
    ]
    assert provider.backends.jobs(job_tags=[tag, "absent"], job_tags_operator="AND") == []
    done = provider.backends.jobs(status=JobStatus.DONE, job_tags=[tag])
    assert [j.job_id() for j in done] == [job.job_id()]
    assert provider.backends.jobs(status="RUNNING", job_tags=[tag]) == []
    on_backend = provider.get_backend("ibmq_manila").jobs(limit=50)
    assert job.job_id() in [j.job_id() for j in on_backend]
    assert provider.get_backend("ibmq_lima").jobs(job_tags=[tag]) == []
    before = provider.session.request_count
    listed = provider.backends.jobs(limit=5)
    assert provider.session.request_count - before == 1  # one page, no request per job
    assert all(j.status(refresh=False) in JobStatus for j in listed)


def test_retrieve_job(finished):
    provider, job, _ = finished
    again = provider.backends.retrieve_job(job.job_id())
    assert again.job_id() == job.job_id() and again.name() == "two-circuits"
    assert again.result().get_counts("first") == job.result().get_counts("first")
    assert provider.get_backend("ibmq_manila").retrieve_job(job.job_id()).job_id() == job.job_id()
    with pytest.raises(exc.IBMQBackendError, match="ran on 'ibmq_manila'"):
        provider.get_backend("ibmq_lima").retrieve_job(job.job_id())


def test_a_job_id_that_does_not_exist(provider):
    with pytest.raises(exc.IBMQJobNotFound, match="has no job 'no-such-job'") as info:
        provider.backends.retrieve_job("no-such-job")
    assert isinstance(info.value, LookupError)


def test_another_instance_cannot_see_the_job(finished, open_provider):
    _, job, _ = finished
    with pytest.raises(exc.IBMQJobNotFound):
        open_provider.backends.retrieve_job(job.job_id())


def test_update_tags_keeps_the_name(provider):
    job = provider.get_backend("ibmq_qasm_simulator").run(bell(), shots=10, job_name="tagged", job_tags=["a"])
    assert job.update_tags(additional_tags=["b"]) == ["a", "b"]
    assert job.update_tags(removal_tags=["a"]) == ["b"]
    again = provider.backends.retrieve_job(job.job_id())
    assert again.tags() == ["b"] and again.name() == "tagged"
    with pytest.raises(exc.IBMQJobError):
        job.update_tags()
    job.wait_for_final_state(timeout=120)


def test_execute_and_the_submitted_event(provider):
    seen = []
    events.subscribe(seen.append)
    try:
        job = execute(bell(), provider.get_backend("ibmq_qasm_simulator"), shots=100, seed_simulator=7)
    finally:
        events.unsubscribe(seen.append)
    assert seen == [job]
    counts = job.result(timeout=120).get_counts()
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 100  # the ideal simulator
    with pytest.raises(exc.IBMQBackendValueError, match="needs an IBMQBackend"):
        execute(bell(), "ibmq_qasm_simulator")


@pytest.mark.parametrize(
    ("circuits", "kwargs", "match"),
    [
        (ghz(6), {}, "needs 6 qubits but ibmq_belem has 5"),
        (bell(), {"shots": 10**7}, "is more than ibmq_belem allows"),
        (bell(), {"shots": 0}, "positive integer"),
        (QuantumCircuit(2), {}, "measures nothing"),
        ("OPENQASM 2.0;", {}, "takes a QuantumCircuit"),
        ([], {}, "empty list"),
        (bell(), {"memory": True}, "unknown options"),
        (bell(), {"job_tags": "one-tag"}, "list of non-empty strings"),
        (bell(), {"job_tags": ["name:x"]}, "reserved"),
        ("too many", {}, "split them"),
    ],
)
def test_bad_runs_are_refused_before_anything_is_sent(provider, circuits, kwargs, match):
    backend = provider.get_backend("ibmq_belem")
    configuration = backend.configuration()  # cached: the checks below must not need the network
    if circuits == "too many":
        circuits = [bell()] * (configuration.max_experiments + 1)
    before = provider.session.request_count
    with pytest.raises(exc.IBMQBackendValueError, match=match) as info:
        backend.run(circuits, **kwargs)
    assert isinstance(info.value, ValueError)
    assert provider.session.request_count == before


def test_a_circuit_the_device_cannot_run_is_refused_by_the_service(provider):
    circuit = QuantumCircuit(2, 2)
    circuit.h(0)  # not a native gate of ibmq_belem: the service says so
    circuit.measure([0, 1], [0, 1])
    body = {
        "program_id": "sampler",
        "backend": "ibmq_belem",
        "params": wire.sampler_params([(circuit, None, 10)]),
    }
    with pytest.raises(exc.IBMQBackendValueError) as info:
        provider.session.request("POST", "/jobs", data=wire.dumps(body), retry=RetryMode.SUBMISSION)
    assert info.value.status == 400 and info.value.code in (
        "unsupported_gate",
        "bad_request",
        "invalid_parameter",
    )


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


def test_a_gate_the_device_cannot_make_is_refused_with_the_reason(provider):
    from qiskit.circuit import Gate

    circuit = QuantumCircuit(1, 1, name="opaque")
    circuit.append(Gate("mystery", 1, []), [0])  # no definition: nothing can translate it
    circuit.measure(0, 0)
    before = provider.session.request_count
    with pytest.raises(exc.IBMQBackendValueError, match="circuit 'opaque' cannot run on ibmq_belem") as info:
        provider.get_backend("ibmq_belem").run(circuit)
    assert "mystery" in str(info.value)
    assert provider.backends.jobs(backend_name="ibmq_belem", job_tags=["never"]) == []
    assert (
        provider.session.request_count - before <= 4
    )  # listing, configuration, properties, that jobs() call


def test_concurrent_runs_of_non_isa_circuits_on_one_backend_all_transpile(provider):
    # Qiskit's Target is not thread-safe to transpile against; backend.run serialises transpiling per device.
    from concurrent.futures import ThreadPoolExecutor

    from qiskit import QuantumCircuit

    backend = provider.get_backend("ibmq_qasm_simulator")

    def toffoli(i: int) -> QuantumCircuit:
        circuit = QuantumCircuit(3, name=f"ccx-{i}")
        circuit.x([0, 1])
        circuit.ccx(0, 1, 2)
        circuit.measure_all()
        return circuit

    for round_ in range(3):  # rounds of 4 stay under the instance's limit of 5 jobs per backend
        with ThreadPoolExecutor(max_workers=4) as pool:
            jobs = list(pool.map(lambda i: backend.run([toffoli(i)] * 3, shots=16), range(4)))
        assert len({job.job_id() for job in jobs}) == 4
        for job in jobs:
            assert job.result(timeout=120).get_counts(2) == {"111": 16}, f"round {round_}"
