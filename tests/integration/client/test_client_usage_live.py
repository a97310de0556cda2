"""Usage through the client: a job's quantum seconds and an instance's consumption, from a real service."""

from __future__ import annotations

from qiskit import QuantumCircuit

from ibmq_widgets.client.usage import InstanceUsage


def test_a_finished_job_and_its_instance_report_usage(provider):
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    before = provider.usage()
    job = provider.get_backend("ibmq_qasm_simulator").run(circuit, shots=64)
    job.result(timeout=120)
    seconds = job.usage()
    assert isinstance(seconds, float) and seconds >= 0
    assert job.usage(refresh=True) == seconds
    after = provider.usage()
    assert isinstance(after, InstanceUsage)
    assert after.consumed_seconds >= before.consumed_seconds
    assert after.limit_seconds is None and after.remaining_seconds is None and not after.limit_reached
    assert "no limit" in str(after)


def test_a_plan_limit_is_read_and_the_remainder_derived():
    limited = InstanceUsage(
        consumed_seconds=540.0, limit_seconds=600.0, limit_reached=False, remaining_seconds=60.0
    )
    assert str(limited) == "540.0 of 600 s used, 60.0 s left"
    reached = InstanceUsage(
        consumed_seconds=600.0, limit_seconds=600.0, limit_reached=True, remaining_seconds=0.0
    )
    assert "limit reached" in str(reached)
