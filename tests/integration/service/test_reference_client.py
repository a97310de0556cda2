"""The unmodified reference client, qiskit-ibm-runtime's QiskitRuntimeService, against the local service.

IAM_URL and QISKIT_FUNCTIONS_EXPERIMENTAL point the client's token exchange and instance lookup at the service;
url_resolver points its API calls there (``service_http.reference_runtime``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from service_http import RESEARCH, ghz, reference_runtime

# The reference client deprecates its V2 primitives for client-side ones; they are what it sends today.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The (Sampler|Estimator)V2 class is deprecated:DeprecationWarning"
)


@pytest.fixture
def runtime_service(local_service, monkeypatch):
    return reference_runtime(local_service, RESEARCH, monkeypatch)


def _counts_of_ghz(runtime_service, backend_name: str, tag: str) -> dict[str, int]:
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2

    backend = runtime_service.backend(backend_name)
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=3).run(ghz(5))
    sampler = SamplerV2(mode=backend)
    sampler.options.environment.job_tags = [tag]
    job = sampler.run([isa], shots=1024)
    result = job.result()
    assert job.status() == "DONE"
    return result[0].data.meas.get_counts()


def _assert_ghz(counts: dict[str, int]) -> None:
    assert sum(counts.values()) == 1024
    assert counts.get("00000", 0) + counts.get("11111", 0) > 0.7 * 1024
    assert counts.get("00000", 0) > 200 and counts.get("11111", 0) > 200


def test_lists_every_backend(runtime_service):
    names = {backend.name for backend in runtime_service.backends()}
    assert len(names) == 69
    assert {"ibm_fez", "ibmq_manila", "ibmq_qasm_simulator"} <= names
    fez = runtime_service.backend("ibm_fez")
    assert fez.num_qubits == 156
    assert fez.status().operational and fez.status().pending_jobs >= 0


def test_reads_properties_also_at_a_datetime(runtime_service):
    backend = runtime_service.backend("ibmq_manila")
    properties = backend.properties()
    assert properties is not None and properties.backend_name == "ibmq_manila"
    assert properties.t1(0) > 0
    assert properties.last_update_date.utcoffset() == timedelta(0)
    assert backend.properties(datetime=datetime(2019, 1, 1, tzinfo=timezone.utc)) is None
    later = backend.properties(datetime=datetime.now(timezone.utc))
    assert later is not None and later.last_update_date == properties.last_update_date


def test_sampler_ghz_on_a_5_qubit_device_and_on_ibm_fez(runtime_service):
    tag = f"ref-{uuid.uuid4().hex[:8]}"
    _assert_ghz(_counts_of_ghz(runtime_service, "ibmq_manila", tag))
    _assert_ghz(_counts_of_ghz(runtime_service, "ibm_fez", tag))
    tagged = runtime_service.jobs(job_tags=[tag])
    assert len(tagged) == 2
    on_fez = runtime_service.jobs(job_tags=[tag], backend_name="ibm_fez")
    assert [job.backend().name for job in on_fez] == ["ibm_fez"]
    assert runtime_service.job(on_fez[0].job_id()).status() == "DONE"


def test_estimator(runtime_service):
    from qiskit.quantum_info import SparsePauliOp
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_ibm_runtime import EstimatorV2

    backend = runtime_service.backend("ibmq_quito")
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(ghz(3, measure=False))
    observables = [SparsePauliOp(label).apply_layout(isa.layout) for label in ("ZZI", "XXX")]
    estimator = EstimatorV2(mode=backend)
    job = estimator.run([(isa, observables)], precision=0.03)
    values = job.result()[0].data.evs
    assert values[0] > 0.6  # ZZ correlation of GHZ
    assert values[1] > 0.4  # XXX = +1 on the GHZ state, damped by the noise


def test_cancels_a_job(runtime_service):
    from qiskit import QuantumCircuit
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2

    backend = runtime_service.backend("ibmq_valencia")
    # Mid-circuit measurements make the simulator go shot by shot: jobs of about a minute, so the third one
    # is still queued behind the first two (the service has two workers) when it is cancelled.
    circuit = QuantumCircuit(1, 1)
    for _ in range(30):
        circuit.x(0)
        circuit.measure(0, 0)
    isa = generate_preset_pass_manager(backend=backend, optimization_level=0).run(circuit)
    sampler = SamplerV2(mode=backend)
    jobs = [sampler.run([isa] * 40, shots=8192) for _ in range(3)]
    jobs[-1].cancel()  # queued behind the first two
    assert jobs[-1].status() == "CANCELLED"
    for job in jobs[:-1]:
        job.cancel()
    for job in jobs:
        job.wait_for_final_state(timeout=60)
        assert job.status() in ("CANCELLED", "DONE")
