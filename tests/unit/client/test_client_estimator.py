"""backend.estimate() without sockets: the pubs EstimatorV2 sends, observables following the layout, and every
bad argument refused by name before anything is sent."""

from __future__ import annotations

import math

import numpy as np
import pytest
from client_fakes import FakePlatform, bell
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Parameter
from qiskit.primitives.containers.observables_array import ObservablesArray
from qiskit.quantum_info import SparsePauliOp

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.estimator import OBSERVABLES_METADATA_KEY, observable_label


def rotation() -> QuantumCircuit:
    circuit = QuantumCircuit(2, name="rotation")
    circuit.ry(Parameter("theta"), 0)
    circuit.rx(Parameter("alpha"), 1)
    circuit.cx(0, 1)
    return circuit


def sent_pubs(platform: FakePlatform) -> list:
    (body,) = platform.posted
    assert body["program_id"] == "estimator" and body["params"]["version"] == 2
    return body["params"]["pubs"]


def test_one_circuit_becomes_one_pub_with_observables_laid_out_for_the_device(platform, backend):
    job = backend.estimate(bell(), ["ZZ", SparsePauliOp("XI"), {"YY": 0.5}], precision=0.01, job_name="e")
    ((circuit, observables, values, precision),) = sent_pubs(platform)
    assert job.name() == "e" and job.program_id() == "estimator"
    assert precision == 0.01 and values.shape == (0,)
    assert circuit.num_qubits == 5 and not any(i.operation.name == "measure" for i in circuit.data)
    expected = ObservablesArray(["ZZ", "XI", {"YY": 0.5}]).apply_layout(circuit.layout, 5).tolist()
    assert observables == expected and all(len(label) == 5 for obs in observables for label in obs)
    assert circuit.metadata[OBSERVABLES_METADATA_KEY] == ["ZZ", "XI", "0.5*YY"]
    assert circuit.metadata["ibmq_widgets.name"] == "bell"


def test_parameter_values_follow_the_sorted_parameters_and_broadcast(platform, backend):
    values = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])  # (alpha, theta) in sorted order, 3 sets
    backend.estimate(rotation(), [["ZZ"], ["XX"]], parameter_values=values)
    ((circuit, observables, sent, precision),) = sent_pubs(platform)
    assert precision is None and len(observables) == 2
    assert [p.name for p in circuit.parameters] == ["alpha", "theta"]
    np.testing.assert_allclose(sent, values)
    backend.estimate(rotation(), "ZZ", parameter_values={"theta": [1.0, 2.0], "alpha": [3.0, 4.0]})
    np.testing.assert_allclose(platform.posted[1]["params"]["pubs"][0][2], [[3.0, 1.0], [4.0, 2.0]])


def test_several_circuits_take_one_entry_each_or_one_observable_for_all(platform, backend):
    backend.estimate([bell(), rotation()], ["ZZ", ["XX", "YY"]], parameter_values=[None, [0.1, 0.2]])
    pubs = sent_pubs(platform)
    assert len(pubs) == 2 and isinstance(pubs[0][1], dict) and len(pubs[1][1]) == 2
    backend.estimate([bell(), bell()], "ZZ")
    assert all(isinstance(pub[1], dict) for pub in platform.posted[1]["params"]["pubs"])


def test_an_isa_circuit_keeps_device_wide_observables_and_gets_its_layout_for_narrow_ones(platform, backend):
    isa = transpile(bell(measured=False), backend=backend, optimization_level=1, seed_transpiler=1)
    wide = SparsePauliOp("ZZ").apply_layout(isa.layout)
    backend.estimate(isa, wide)
    backend.estimate(isa, "ZZ")
    first, second = (body["params"]["pubs"][0][1] for body in platform.posted)
    assert first == second == {wide.paulis[0].to_label(): 1.0}


def test_estimate_in_a_job_carries_the_options(platform, backend):
    backend.estimate(bell(), "ZZ", seed_simulator=7, max_execution_time=30, job_tags=["t"])
    (body,) = platform.posted
    assert body["params"]["options"] == {"simulator": {"seed_simulator": 7}}
    assert body["cost"] == 30 and body["tags"] == ["t"]


def test_run_bodies_keep_their_shape(platform, backend):
    backend.run(bell(), shots=10, job_tags=["t"])
    assert list(platform.posted[0]) == ["program_id", "backend", "params", "tags"]
    assert platform.posted[0]["params"]["pubs"][0][1:] == [None, 10]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (dict(circuits=bell(), observables="ZZZ"), r"observables acts on 3 qubits but circuit 'bell' has 2"),
        (dict(circuits=[bell(), bell()], observables=["ZZ", "ZZZ"]), r"observables\[1\] acts on 3 qubits"),
        (dict(circuits=bell(), observables="ZQ"), r"observables is not an observable"),
        (dict(circuits=bell(), observables=None), r"observables is missing"),
        (
            dict(circuits=[bell(), bell()], observables=["ZZ"] * 3),
            r"observables has 3 entries for 2 circuits",
        ),
        (dict(circuits=rotation(), observables="ZZ"), r"has parameters \(alpha, theta\).*parameter_values"),
        (
            dict(circuits=rotation(), observables="ZZ", parameter_values=[0.1, 0.2, 0.3]),
            r"parameter_values has shape \(3,\) but circuit 'rotation' has 2 parameter",
        ),
        (
            dict(circuits=rotation(), observables=["ZZ", "XX"], parameter_values=[[0, 1]] * 3),
            r"observables of shape \(2,\) and parameter_values of shape \(3, 2\).*do not broadcast",
        ),
        (
            dict(circuits=bell(), observables="ZZ", parameter_values=[0.5]),
            r"circuit 'bell' has no parameters",
        ),
        (
            dict(circuits=bell(), observables="ZZ", parameter_values=["x"]),
            r"parameter_values must be numbers",
        ),
        (
            dict(circuits=[bell(), rotation()], observables="ZZ", parameter_values=[None]),
            r"one entry per circuit",
        ),
        (dict(circuits=bell(), observables="ZZ", precision=0), r"precision must be a positive number"),
        (dict(circuits=bell(), observables="ZZ", precision=-0.1), r"precision must be a positive number"),
        (dict(circuits=bell(), observables="ZZ", precision=math.nan), r"precision must be a positive number"),
        (dict(circuits=bell(), observables="ZZ", precision=True), r"precision must be a positive number"),
        (dict(circuits=bell(), observables="ZZ", shots=100), r"estimate\(\) got unknown options \['shots'\]"),
        (dict(circuits="bell", observables="ZZ"), r"takes a QuantumCircuit"),
        (dict(circuits=[], observables="ZZ"), r"empty list"),
    ],
)
def test_bad_input_is_refused_by_name_before_anything_is_sent(platform, backend, call, match):
    with pytest.raises(exc.IBMQBackendValueError, match=match) as info:
        backend.estimate(**call)
    assert isinstance(info.value, ValueError)
    assert platform.calls("POST", "/jobs") == [] and platform.posted == []


def test_observable_labels():
    assert observable_label({"ZZ": 1.0}) == "ZZ"
    assert observable_label({"ZZ": 0.5, "XX": -1}) == "0.5*ZZ + -1*XX"
