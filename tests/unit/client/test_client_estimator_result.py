"""EstimatorResult: expectation values and standard errors per pub, the qiskit pubs underneath, a table, and a
clear error instead of empty counts."""

from __future__ import annotations

import numpy as np
import pytest
from client_fakes import FakePlatform
from qiskit import QuantumCircuit
from qiskit.primitives import PrimitiveResult, PubResult
from qiskit.primitives.containers import BitArray, DataBin, SamplerPubResult

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client.estimator_result import DATAFRAME_COLUMNS, EstimatorResult, decode_result
from ibmq_widgets.client.result import Result


def estimator_primitive() -> PrimitiveResult:
    first = PubResult(
        DataBin(evs=np.array([0.98, 0.02]), stds=np.array([0.01, 0.01]), shape=(2,)),
        metadata={
            "target_precision": 0.01,
            "circuit_metadata": {
                "ibmq_widgets.name": "bell",
                "ibmq_widgets.observables": ["ZZ", "ZI"],
                "k": 1,
            },
        },
    )
    second = PubResult(DataBin(evs=np.array(0.5), stds=np.array(0.02), shape=()), metadata={})
    return PrimitiveResult([first, second], metadata={"version": 2})


@pytest.fixture
def result() -> EstimatorResult:
    text = wire.dumps(estimator_primitive())  # through the wire codec, as an answer arrives
    decoded = decode_result(
        text, program="estimator", job_id="j1", backend_name="b", circuit_names=["x", "y"]
    )
    assert isinstance(decoded, EstimatorResult)
    return decoded


def test_values_and_errors_by_index_name_and_circuit(result):
    assert result.success and len(result) == 2
    np.testing.assert_allclose(result.expectation_values(0), [0.98, 0.02])
    np.testing.assert_allclose(result.expectation_values("bell"), [0.98, 0.02])
    np.testing.assert_allclose(result.standard_errors(QuantumCircuit(1, name="y")), 0.02)
    assert float(result.expectation_values(-1)) == 0.5
    assert [r.header.name for r in result.results] == ["bell", "y"]
    assert result.results[0].header.metadata == {"k": 1} and result.results[0].observables == ["ZZ", "ZI"]
    assert isinstance(result.expectation_values(), list) and len(result.standard_errors()) == 2
    with pytest.raises(exc.IBMQExperimentNotFound):
        result.expectation_values("nope")


def test_pubs_iterate_as_qiskit_results_and_the_primitive_result_is_there(result):
    pubs = list(result)
    assert len(pubs) == 2 and float(pubs[1].data.evs) == 0.5
    assert result[0].metadata["target_precision"] == 0.01
    assert isinstance(result.primitive_result, PrimitiveResult)
    assert result.primitive_result.metadata == {"version": 2}


def test_to_dataframe_has_a_row_per_observable(result):
    frame = result.to_dataframe()
    assert list(frame.columns) == list(DATAFRAME_COLUMNS)
    assert frame["observable"].tolist()[:2] == ["ZZ", "ZI"] and frame["observable"].isna().tolist()[2]
    assert frame["expectation_value"].tolist() == [0.98, 0.02, 0.5]
    assert frame["standard_error"].tolist() == [0.01, 0.01, 0.02]
    assert frame["name"].tolist() == ["bell", "bell", "y"] and frame["position"].tolist() == [0, 1, 0]


def test_counts_of_an_estimator_result_are_a_clear_error(result):
    with pytest.raises(exc.IBMQJobResultTypeError, match=r"Estimator job.*expectation_values") as info:
        result.get_counts()
    assert isinstance(info.value, exc.IBMQJobError) and isinstance(info.value, TypeError)
    with pytest.raises(exc.IBMQJobResultTypeError):
        result.get_memory(0)


def test_the_kind_of_result_comes_from_the_program_or_else_from_the_data():
    estimator = wire.dumps(estimator_primitive())
    assert isinstance(decode_result(estimator, program=None, job_id="j", backend_name="b"), EstimatorResult)
    bits = BitArray.from_samples(["00", "11"], num_bits=2)
    sampler = wire.dumps(
        PrimitiveResult([SamplerPubResult(DataBin(meas=bits, shape=()), metadata={"shots": 2})])
    )
    for program in ("sampler", None):
        decoded = decode_result(sampler, program=program, job_id="j", backend_name="b")
        assert isinstance(decoded, Result) and decoded.get_counts() == {"00": 1, "11": 1}
    with pytest.raises(exc.IBMQJobResultTypeError, match=r"Sampler job.*get_counts"):
        decoded.expectation_values(0)


def test_an_estimator_jobs_result_is_an_estimator_result():
    platform = FakePlatform()
    backend = platform.provider().get_backend("ibmq_manila")
    circuit = QuantumCircuit(2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    job = backend.estimate(circuit, ["ZZ", "ZI"])
    platform.finish(0, estimator_primitive())
    result = job.result(timeout=5)
    assert isinstance(result, EstimatorResult) and result.job_id == job.job_id()
    with pytest.raises(exc.IBMQJobResultTypeError, match="is an Estimator job"):
        result.get_counts()
    again = backend.provider().backends.retrieve_job(job.job_id())
    assert again.program_id() == "estimator" and isinstance(again.result(timeout=5), EstimatorResult)
