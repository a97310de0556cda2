"""JobValidator: POST /jobs bodies checked against the real catalog, without sockets."""

from __future__ import annotations

import json

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

from ibmq_widgets import wire
from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.config import load_config
from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.service.validation import JobValidator


@pytest.fixture(scope="module")
def validator() -> JobValidator:
    return JobValidator(Catalog(), max_inflated_bytes=10_000_000)


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    return load_config(tmp_path_factory.mktemp("data")).instances


def _isa_ghz() -> QuantumCircuit:
    circuit = QuantumCircuit(3)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    circuit.measure_all()
    return transpile(circuit, backend=FakeManilaV2(), optimization_level=1, seed_transpiler=1)


def _body(pubs, backend="ibmq_manila", program="sampler", **extra) -> bytes:
    params = wire.sampler_params(pubs) if program == "sampler" else wire.estimator_params(pubs)
    return wire.dumps({"program_id": program, "backend": backend, "params": params, **extra}).encode()


def test_a_valid_sampler_job(validator, instances):
    submission = validator.validate(
        _body([(_isa_ghz(), None, 100)] * 2, tags=["a"], cost=30), instances["ibm-q/open/main"]
    )
    assert submission.program == "sampler" and submission.backend == "ibmq_manila"
    assert submission.num_pubs == 2 and submission.tags == ["a"] and submission.max_seconds == 30
    assert json.loads(submission.params_text)["pubs"][0][2] == 100


def test_the_simulator_takes_circuits_as_written(validator, instances):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    submission = validator.validate(_body([(circuit, None, 10)], backend="ibmq_qasm_simulator"),
                                    instances["ibm-q/open/main"])  # fmt: skip
    assert submission.backend == "ibmq_qasm_simulator"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{", 400, "invalid_json"),
        (b"null", 400, "invalid_json"),
        (b'{"program_id": "qasm3-runner", "backend": "ibmq_manila", "params": {}}', 400, "unknown_program"),
        (b'{"program_id": "sampler", "backend": "ibm_nowhere", "params": {}}', 404, "unknown_backend"),
        (b'{"program_id": "sampler", "backend": "ibm_fez", "params": {}}', 404, "unknown_backend"),
        (b'{"program_id": "sampler", "backend": "ibmq_manila", "params": {"pubs": []}}', 400, "bad_request"),
        (
            b'{"program_id": "sampler", "backend": "ibmq_manila", "params": {"pubs": [[1]]}}',
            400,
            "bad_request",
        ),
    ],
)
def test_bad_bodies(validator, instances, body, status, code):
    with pytest.raises(ApiError) as info:
        validator.validate(body, instances["ibm-q/open/main"])  # open: ibm_fez is not available
    assert (info.value.status, info.value.code) == (status, code)
    assert info.value.body() == {"error": {"message": info.value.message, "code": code}}


def test_limits_of_the_device(validator, instances):
    research = instances["ibm-q-network/research/main"]
    isa = _isa_ghz()
    with pytest.raises(ApiError, match="at most 100000") as shots:
        validator.validate(_body([(isa, None, 100_001)]), research)
    assert shots.value.code == "too_many_shots"
    with pytest.raises(ApiError) as experiments:
        validator.validate(_body([(isa, None, 1)] * 301), research)
    assert experiments.value.code == "too_many_experiments"
    wide = QuantumCircuit(6)
    wide.measure_all()
    with pytest.raises(ApiError) as too_wide:
        validator.validate(_body([(wide, None, 1)]), research)
    assert too_wide.value.code == "circuit_too_wide"


def test_non_isa_circuits_are_refused_with_advice(validator, instances):
    research = instances["ibm-q-network/research/main"]
    h_gate = QuantumCircuit(1)
    h_gate.h(0)
    with pytest.raises(ApiError, match="transpile") as gate:
        validator.validate(_body([(h_gate, None, 1)]), research)
    assert gate.value.code == "unsupported_gate"
    far = QuantumCircuit(5)
    far.cx(0, 3)
    with pytest.raises(ApiError, match="coupling map") as edge:
        validator.validate(_body([(far, None, 1)]), research)
    assert edge.value.code == "unsupported_gate"
    inside = QuantumCircuit(5, 1)
    with inside.if_test((inside.clbits[0], 1)):
        inside.h(0)  # control-flow bodies are checked too
    with pytest.raises(ApiError, match="'h'"):
        validator.validate(_body([(inside, None, 1)]), research)


def test_compressed_payloads_are_bounded(instances):
    import base64
    import zlib

    small = JobValidator(Catalog(), max_inflated_bytes=1000)
    bomb = {
        "__type__": "QuantumCircuit",
        "__value__": base64.standard_b64encode(zlib.compress(b"\0" * 5000)).decode(),
    }
    body = {"program_id": "sampler", "backend": "ibmq_manila", "params": {"pubs": [[bomb, None, 1]]}}
    with pytest.raises(ApiError) as info:
        small.validate(json.dumps(body).encode(), instances["ibm-q-network/research/main"])
    assert (info.value.status, info.value.code) == (413, "payload_too_large")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"cost": 0}, "10800"),
        ({"cost": 10800.5}, "10800"),
        ({"tags": ["t"] * 51}, "at most 50"),
        ({"tags": ["x" * 257]}, "256"),
        ({"tags": {}}, "list of strings"),
        ({"session_id": ""}, "session_id"),
        ({"log_level": {}}, "log_level"),
    ],
)
def test_optional_fields_are_bounded(validator, instances, extra, words):
    with pytest.raises(ApiError, match=words) as info:
        validator.validate(_body([(_isa_ghz(), None, 10)], **extra), instances["ibm-q/open/main"])
    assert info.value.code == "bad_request"


@pytest.mark.parametrize(
    "text", [b'{"cost": NaN}', b'{"cost": 1e999}', b'{"a": [' + b"9" * 25 + b"]}", b"[" * 65 + b"]" * 65,
             b'{"tags": ["\\ud800"]}', b"\xff"],
)  # fmt: skip
def test_bodies_are_strict_json(validator, instances, text):
    with pytest.raises(ApiError) as info:
        validator.validate(text, instances["ibm-q/open/main"])
    assert (info.value.status, info.value.code) == (400, "invalid_json")


def test_too_many_pubs_are_refused_before_decoding(validator, instances):
    garbage = {"__type__": "QuantumCircuit", "__value__": "not even base64"}
    body = {"program_id": "sampler", "backend": "ibmq_manila", "params": {"pubs": [[garbage]] * 301}}
    with pytest.raises(ApiError) as info:
        validator.validate(json.dumps(body).encode(), instances["ibm-q-network/research/main"])
    assert info.value.code == "too_many_experiments"
