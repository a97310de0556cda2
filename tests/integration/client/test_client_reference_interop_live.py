"""Jobs cross between this client and the unmodified reference client (qiskit-ibm-runtime), on one local service.

Jobs made by QiskitRuntimeService's SamplerV2 and EstimatorV2, in and out of sessions and batches, read
correctly here (retrieve_job, result, session_id), and jobs made here read correctly there
(``QiskitRuntimeService.job(id).result()``). The reference client is pointed at the service as
tests/integration/service/test_reference_client.py does (IAM_URL, QISKIT_FUNCTIONS_EXPERIMENTAL, url_resolver).
"""

from __future__ import annotations

import numpy as np
import pytest
from client_live_helpers import bell
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from ibmq_widgets.client.estimator_result import EstimatorResult
from ibmq_widgets.client.result import Result
from ibmq_widgets.client.sessions import Batch, Session

# The reference client deprecates its V2 primitives for client-side ones; they are what it sends today.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The (Sampler|Estimator)V2 class is deprecated:DeprecationWarning"
)

RESEARCH = "ibm-q-network/research/main"


@pytest.fixture
def runtime(local_service, monkeypatch):
    monkeypatch.setenv("IAM_URL", local_service.url)
    monkeypatch.setenv("QISKIT_FUNCTIONS_EXPERIMENTAL", "1")
    from qiskit_ibm_runtime import QiskitRuntimeService

    crn = next(instance["crn"] for instance in local_service.instances if instance["name"] == RESEARCH)
    api = f"{local_service.url}/api/v1"
    return QiskitRuntimeService(
        channel="ibm_quantum_platform",
        token=local_service.api_key,
        instance=crn,
        url=local_service.url,
        url_resolver=lambda *args: api,
    )


def unmeasured_bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    return circuit


def isa_for(runtime, name: str, circuit: QuantumCircuit):
    backend = runtime.backend(name)
    return backend, generate_preset_pass_manager(
        backend=backend, optimization_level=1, seed_transpiler=1
    ).run(circuit)


# --- the reference client's jobs read here ----------------------------------------------------------------------
def test_a_reference_sampler_job_reads_here(runtime, provider):
    from qiskit_ibm_runtime import SamplerV2

    backend, isa = isa_for(runtime, "ibmq_qasm_simulator", bell())
    job = SamplerV2(mode=backend).run([isa], shots=300)
    reference_counts = job.result()[0].data.c.get_counts()
    ours = provider.backends.retrieve_job(job.job_id())
    result = ours.result(timeout=60)
    assert isinstance(result, Result) and ours.program_id() == "sampler" and ours.session_id() is None
    assert result.get_counts(0) == reference_counts and sum(reference_counts.values()) == 300


def test_a_reference_estimator_job_reads_here(runtime, provider):
    from qiskit_ibm_runtime import EstimatorV2

    backend, isa = isa_for(runtime, "ibmq_manila", unmeasured_bell())
    observables = [SparsePauliOp(label).apply_layout(isa.layout) for label in ("ZZ", "XX")]
    job = EstimatorV2(mode=backend).run([(isa, observables)], precision=0.01)
    reference_values = job.result()[0].data.evs
    result = provider.backends.retrieve_job(job.job_id()).result(timeout=60)
    assert isinstance(result, EstimatorResult)
    np.testing.assert_allclose(result.expectation_values(0), reference_values)
    assert result.results[0].header.name == "circuit-0"  # the reference client names nothing


def test_reference_jobs_in_a_session_and_a_batch_read_here_with_their_session(runtime, provider):
    from qiskit_ibm_runtime import Batch as ReferenceBatch
    from qiskit_ibm_runtime import EstimatorV2, SamplerV2
    from qiskit_ibm_runtime import Session as ReferenceSession

    backend, isa = isa_for(runtime, "ibmq_manila", bell())
    with ReferenceSession(backend=backend) as session:
        sampled = SamplerV2(mode=session).run([isa], shots=200)
    assert session.session_id
    ours = provider.backends.retrieve_job(sampled.job_id())
    assert ours.session_id() == session.session_id
    assert ours.result(timeout=60).get_counts(0) == sampled.result()[0].data.c.get_counts()
    assert [job.job_id() for job in Session.from_id(session.session_id, provider).jobs()] == [
        sampled.job_id()
    ]

    _, unmeasured = isa_for(runtime, "ibmq_manila", unmeasured_bell())
    observable = SparsePauliOp("ZZ").apply_layout(unmeasured.layout)
    with ReferenceBatch(backend=backend) as batch:
        estimated = [
            EstimatorV2(mode=batch).run([(unmeasured, observable)], precision=0.01) for _ in range(2)
        ]
    found = Batch.from_id(batch.session_id, provider)
    assert not found.accepting_jobs  # the reference client closed it on leaving its block
    for job in estimated:
        mine = provider.backends.retrieve_job(job.job_id())
        assert mine.session_id() == batch.session_id
        assert float(mine.result(timeout=60).expectation_values(0)) == pytest.approx(
            float(job.result()[0].data.evs)
        )


# --- this client's jobs read by the reference client ------------------------------------------------------------
def test_our_sampler_and_estimator_jobs_read_there(runtime, provider):
    simulator = provider.get_backend("ibmq_qasm_simulator")
    sampled = simulator.run(bell(), shots=500)
    estimated = simulator.estimate(unmeasured_bell(), ["ZZ", "XI"], precision=0.01)
    counts = sampled.result(timeout=60).get_counts()
    values = estimated.result(timeout=60).expectation_values(0)
    reference_sampled = runtime.job(sampled.job_id())
    assert reference_sampled.result()[0].data.c.get_counts() == counts
    assert reference_sampled.primitive_id == "sampler" and reference_sampled.session_id is None
    reference_estimated = runtime.job(estimated.job_id())
    assert reference_estimated.primitive_id == "estimator"
    np.testing.assert_allclose(reference_estimated.result()[0].data.evs, values)


def test_our_session_and_batch_jobs_read_there_with_their_session(runtime, provider):
    from qiskit_ibm_runtime import Batch as ReferenceBatch

    manila = provider.get_backend("ibmq_manila")
    with manila.open_session() as session:
        job = session.run(bell(), shots=100)
    reference = runtime.job(job.job_id())
    assert reference.session_id == session.session_id
    assert reference.result()[0].data.c.get_counts() == job.result(timeout=60).get_counts()

    with manila.open_batch() as batch:
        estimated = batch.estimate(unmeasured_bell(), "ZZ", precision=0.01)
    reference = runtime.job(estimated.job_id())
    assert reference.session_id == batch.session_id
    assert float(reference.result()[0].data.evs) == pytest.approx(
        float(estimated.result().expectation_values(0))
    )
    details = ReferenceBatch.from_id(batch.session_id, runtime).details()
    assert details["mode"] == "batch" and details["accepting_jobs"] is False
