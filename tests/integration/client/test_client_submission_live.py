"""backend.run() against the real local service: every kind of bad input refused before sending, transpiling."""

from __future__ import annotations

import pytest
from client_live_helpers import bell, ghz
from qiskit import QuantumCircuit

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client.session import RetryMode


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
        (bell(), {"max_execution_time": float("nan")}, "max_execution_time must be a positive, finite"),
        (bell(), {"max_execution_time": float("inf")}, "max_execution_time must be a positive, finite"),
        (bell(), {"max_execution_time": 0}, "max_execution_time must be a positive, finite"),
        (bell(), {"max_execution_time": -5}, "max_execution_time must be a positive, finite"),
        (bell(), {"max_execution_time": "60"}, "max_execution_time must be a positive, finite"),
        (bell(), {"optimization_level": 7}, "optimization_level must be 0, 1, 2 or 3"),
        (bell(), {"seed_simulator": "seven"}, "seed_simulator must be a non-negative integer"),
        (bell(), {"seed_transpiler": 1.5}, "seed_transpiler must be a non-negative integer"),
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
