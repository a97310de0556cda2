"""Sessions and batches through the unmodified qiskit-ibm-runtime: Session and Batch run SamplerV2 and EstimatorV2
jobs on the local service, report their details and status as the platform does, and a dedicated session holds its
backend while another instance's job waits."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from service_http import OPEN, RESEARCH, reference_runtime

from ibmq_widgets.wire import parse_datetime

pytestmark = pytest.mark.filterwarnings(
    "ignore:The (Sampler|Estimator)V2 class is deprecated:DeprecationWarning"
)


def bell_isa(backend) -> QuantumCircuit:
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=7).run(circuit)


def zz_pub(backend):
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=7).run(circuit)
    return isa, SparsePauliOp("ZZ").apply_layout(isa.layout)


def stamps(job) -> dict:
    return {key: parse_datetime(value) for key, value in job.metrics()["timestamps"].items() if value}


@pytest.mark.parametrize("kind", ["Session", "Batch"])
def test_session_and_batch_run_sampler_and_estimator_jobs(local_service, monkeypatch, kind):
    import qiskit_ibm_runtime as runtime_module

    runtime = reference_runtime(local_service, RESEARCH, monkeypatch)
    backend = runtime.backend("ibmq_manila")  # the reference opens no session on a simulator
    with getattr(runtime_module, kind)(backend=backend) as session:
        sampler = runtime_module.SamplerV2(mode=session)
        estimator = runtime_module.EstimatorV2(mode=session)
        counts_job = sampler.run([bell_isa(backend)], shots=400)
        value_job = estimator.run([zz_pub(backend)])
        counts = counts_job.result()[0].data.meas.get_counts()
        value = float(value_job.result()[0].data.evs)
        std = float(value_job.result()[0].data.stds)
        details = session.details()
        assert session.status() == "In progress, accepting new jobs"
    # noisy ibmq_manila: mostly 00 and 11, <ZZ> a little below 1
    assert sum(counts.values()) == 400 and counts.get("00", 0) + counts.get("11", 0) > 320
    assert 0 < std < 0.05
    assert (
        0.9 < value < 1.0 + 5 * std
    )  # the exact noisy value is about 0.99; a sample may pass 1 by its error
    assert counts_job.session_id == value_job.session_id == session.session_id
    assert details["mode"] == ("dedicated" if kind == "Session" else "batch")
    assert details["backend_name"] == "ibmq_manila" and details["state"] == "active"
    assert details["last_job_started"] is not None and details["max_time"] > 0
    # leaving `with` closed it: accepting no more jobs, and closed once its jobs are done
    assert session.details()["accepting_jobs"] is False
    assert session.status() == "Closed"


def test_a_dedicated_session_holds_its_backend_while_another_instances_job_waits(local_service, monkeypatch):
    from qiskit_ibm_runtime import SamplerV2, Session

    research = reference_runtime(local_service, RESEARCH, monkeypatch)
    backend = research.backend("ibmq_manila")
    circuit = bell_isa(backend)
    session = Session(backend=backend)
    first = SamplerV2(mode=session).run([circuit], shots=100)
    first.result()
    other = SamplerV2(mode=reference_runtime(local_service, OPEN, monkeypatch).backend("ibmq_manila")).run(
        [circuit], shots=100
    )
    second = SamplerV2(mode=session).run([circuit], shots=100)
    second.result()
    assert other.status() == "QUEUED"  # a free worker, but the session holds ibmq_manila
    session.close()
    other.result()
    first_at, second_at, other_at = stamps(first), stamps(second), stamps(other)
    assert first_at["finished"] <= second_at["running"]
    assert other_at["running"] >= second_at["finished"]
    assert other_at["created"] < second_at["created"]  # it was queued first, and still waited


def test_a_closed_session_takes_no_job(local_service, monkeypatch):
    from qiskit_ibm_runtime import SamplerV2, Session

    runtime = reference_runtime(local_service, RESEARCH, monkeypatch)
    backend = runtime.backend("ibmq_manila")
    session = Session(backend=backend)
    session.cancel()
    with pytest.raises(Exception, match="closed"):
        SamplerV2(mode=session).run([bell_isa(backend)], shots=10).result()
