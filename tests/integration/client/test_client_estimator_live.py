"""backend.estimate() against the real local service over loopback HTTP: Bell-state expectation values on the
ideal simulator and on a noisy device, parameters, retrieval, and bad input refused before anything is sent."""

from __future__ import annotations

import numpy as np
import pytest
from client_live_helpers import bell
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.estimator_result import EstimatorResult


def unmeasured_bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    return circuit


def test_bell_zz_is_one_on_the_ideal_simulator(provider):
    # precision 0.004: the simulator's estimate is the exact value plus noise of that standard error, so the
    # 0.02 tolerance is five standard errors
    job = provider.get_backend("ibmq_qasm_simulator").estimate(
        unmeasured_bell(), ["ZZ", "XX", "ZI"], precision=0.004, job_name="bell-zz"
    )
    result = job.result(timeout=120)
    assert isinstance(result, EstimatorResult) and job.program_id() == "estimator"
    zz, xx, zi = result.expectation_values(0)
    assert abs(zz - 1) < 0.02 and abs(xx - 1) < 0.02 and abs(zi) < 0.02
    np.testing.assert_allclose(result.standard_errors("bell"), 0.004)
    with pytest.raises(exc.IBMQJobResultTypeError, match="Estimator job"):
        result.get_counts()
    frame = result.to_dataframe()
    assert frame["observable"].tolist() == ["ZZ", "XX", "ZI"]


def test_bell_zz_on_a_noisy_device_is_below_one_by_its_noise(provider):
    # The device's gate noise takes the exact value to 0.988 on qubits 0-1, the layout the transpiler picks
    # (up to 0.996 on qubits 3-4, hence the fixed seed); precision 0.001 keeps the estimate within a few
    # thousandths of it, so both bounds hold by more than five standard errors.
    backend = provider.get_backend("ibmq_manila")
    job = backend.estimate(bell(), "ZZ", precision=0.001, seed_transpiler=1)  # measurements are dropped
    result = job.result(timeout=120)
    zz = float(result.expectation_values(0))
    error = float(result.standard_errors(0))
    assert error == pytest.approx(0.001)
    assert 0.95 < zz < 1 - 5 * error


def test_parameters_and_several_circuits_in_one_job(provider):
    theta = Parameter("theta")
    rotation = QuantumCircuit(1, name="rotation")
    rotation.ry(theta, 0)
    angles = np.linspace(0, np.pi, 5)
    job = provider.get_backend("ibmq_qasm_simulator").estimate(
        [rotation, unmeasured_bell()],
        ["Z", "ZZ"],
        parameter_values=[angles.reshape(-1, 1), None],
        precision=0.004,
    )
    result = job.result(timeout=120)
    np.testing.assert_allclose(result.expectation_values("rotation"), np.cos(angles), atol=0.02)
    assert abs(float(result.expectation_values(1)) - 1) < 0.02
    again = provider.backends.retrieve_job(job.job_id()).result(timeout=60)
    assert isinstance(again, EstimatorResult) and [r.header.name for r in again.results] == [
        "rotation",
        "bell",
    ]
    assert again.results[0].observables == ["Z"] * 5 or again.results[0].observables is None


@pytest.mark.parametrize(
    ("call", "match"),
    [
        ({"observables": "ZZZ"}, "observables acts on 3 qubits"),
        ({"observables": "ZZ", "precision": 0}, "precision must be a positive number"),
        ({"observables": "ZZ", "parameter_values": [[0.1]]}, "has no parameters"),
    ],
)
def test_bad_input_sends_nothing(provider, call, match):
    backend = provider.get_backend("ibmq_qasm_simulator")
    backend.configuration()
    before = provider.session.request_count
    with pytest.raises(exc.IBMQBackendValueError, match=match):
        backend.estimate(unmeasured_bell(), **call)
    assert provider.session.request_count == before
