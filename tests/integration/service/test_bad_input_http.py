"""Every kind of bad POST /jobs gets a clear 4xx with a code, and nothing is stored."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from service_http import RESEARCH, Api, crn_of, ghz

from ibmq_widgets import wire


def _body(backend: str, pubs: list, program: str = "sampler", **extra) -> str:
    params = wire.sampler_params(pubs) if program == "sampler" else wire.estimator_params(pubs)
    return wire.dumps({"program_id": program, "backend": backend, "params": params, **extra})


def _envelope(raw: bytes) -> dict:
    return {"__type__": "QuantumCircuit", "__value__": base64.standard_b64encode(zlib.compress(raw)).decode()}


def _cases(api: Api, manila_ghz) -> list[tuple[str, str | bytes, int, str]]:
    wide = api.isa(ghz(5), "ibmq_manila").copy()
    too_wide = QuantumCircuit(6)
    too_wide.measure_all()
    non_isa = ghz(3)
    wrong_edge = QuantumCircuit(5)
    wrong_edge.cx(0, 4)  # manila is a line 0-1-2-3-4: no 0-4 coupler
    wrong_edge.measure_all()
    theta = Parameter("theta")
    parametric = QuantumCircuit(1)
    parametric.rz(theta, 0)
    parametric.measure_all()
    good_params = json.loads(wire.dumps(wire.sampler_params([(manila_ghz, None, 16)])))
    garbage_qpy = dict(good_params, pubs=[[_envelope(b"not a QPY file at all"), None, 16]])
    not_base64 = dict(good_params, pubs=[[{"__type__": "QuantumCircuit", "__value__": "%%%"}, None, 16]])
    return [
        ("malformed JSON", b"{'program_id': sampler", 400, "invalid_json"),
        ("not an object", b"[1, 2, 3]", 400, "invalid_json"),
        ("not UTF-8", b"\xff\xfe\x00", 400, "invalid_json"),
        ("garbage QPY", json.dumps({"program_id": "sampler", "backend": "ibmq_manila",
                                    "params": garbage_qpy}), 400, "invalid_qpy"),
        ("not base64", json.dumps({"program_id": "sampler", "backend": "ibmq_manila", "params": not_base64}),
         400, "invalid_qpy"),
        ("unknown program", _body("ibmq_manila", [(manila_ghz, None, 16)], program="sampler").replace(
            '"program_id": "sampler"', '"program_id": "circuit-runner"'), 400, "unknown_program"),
        ("unknown backend", _body("ibm_atlantis", [(manila_ghz, None, 16)]), 404, "unknown_backend"),
        ("no backend", _body("", [(manila_ghz, None, 16)]), 400, "bad_request"),
        ("too many shots", _body("ibmq_manila", [(manila_ghz, None, 100_001)]), 400, "too_many_shots"),
        ("too many experiments", _body("ibmq_manila", [(manila_ghz, None, 1)] * 301), 400,
         "too_many_experiments"),
        ("too wide", _body("ibmq_manila", [(too_wide, None, 16)]), 400, "circuit_too_wide"),
        ("gates the device lacks", _body("ibmq_manila", [(non_isa, None, 16)]), 400, "unsupported_gate"),
        ("not on the coupling map", _body("ibmq_manila", [(wrong_edge, None, 16)]), 400, "unsupported_gate"),
        ("no pubs", _body("ibmq_manila", []), 400, "bad_request"),
        ("missing parameter values", _body("ibmq_manila", [(api.isa(parametric, "ibmq_manila"), None, 16)]),
         400, "bad_request"),
        ("tags not a list", _body("ibmq_manila", [(wide, None, 16)], tags="x"), 400, "bad_request"),
        ("negative cost", _body("ibmq_manila", [(wide, None, 16)], cost=-5), 400, "bad_request"),
        ("params not an object", json.dumps({"program_id": "sampler", "backend": "ibmq_manila", "params": 3}),
         400, "bad_request"),
        ("estimator observable of the wrong width",
         _body("ibmq_manila", [(api.isa(ghz(5, measure=False), "ibmq_manila"), [{"ZZ": 1.0}], None, None)],
               program="estimator"), 400, "bad_request"),
    ]  # fmt: skip


# Garbage QPY makes the reference decoder warn before it fails; the failure is what is tested.
@pytest.mark.filterwarnings("ignore:This job was serialized with a newer Qiskit")
def test_every_bad_submission_is_a_clear_4xx_and_stores_nothing(research_api, manila_ghz):
    before = research_api.job_count()
    for label, body, status, code in _cases(research_api, manila_ghz):
        response = research_api.post("/jobs", data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == status, (label, response.status_code, response.text)
        error = response.json()["error"]
        assert error["code"] == code, (label, error)
        assert len(error["message"]) > 20, label
    assert research_api.job_count() == before


def test_non_isa_message_says_to_transpile(research_api):
    response = research_api.submit("ibmq_manila", [(ghz(3), None, 16)])
    message = response.json()["error"]["message"]
    assert "transpile" in message and "'h'" in message


def test_backend_the_instance_may_not_use(open_api, research_api):
    isa = research_api.isa(ghz(5), "ibm_fez")
    before = open_api.job_count()
    response = open_api.submit("ibm_fez", [(isa, None, 16)])
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_backend"
    assert "ibm-q/open/main" in response.json()["error"]["message"]
    assert open_api.job_count() == before


@pytest.fixture
def small_body_service(tmp_path):
    from ibmq_widgets.service import start

    with start(data_dir=tmp_path / "data", port=0, workers=1, max_body_bytes=20_000) as service:
        yield service


def test_oversized_body_is_413(small_body_service, manila_ghz):
    api = Api(small_body_service.url, small_body_service.api_key, crn_of(small_body_service, RESEARCH))
    response = api.submit("ibmq_manila", [(manila_ghz, None, 16)] * 200)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    large = api.post("/jobs", data=b"x" * 200_000)  # read to the end, not kept
    assert large.status_code == 413
    huge = api.post("/jobs", data=b"x" * 3_000_000)  # over the hard cap: refused from its Content-Length
    assert huge.status_code == 413
    assert (
        huge.headers["Connection"] == "close"
    )  # the unread body spoils the connection: clients must not reuse it
    assert api.job_count() == 0
    assert api.submit("ibmq_manila", [(manila_ghz, None, 16)]).status_code == 200


def test_zlib_bomb_is_refused(small_body_service):
    api = Api(small_body_service.url, small_body_service.api_key, crn_of(small_body_service, RESEARCH))
    bomb = base64.standard_b64encode(
        zlib.compress(b"\0" * 1_000_000, 9)
    ).decode()  # 1 kB that inflates to 1 MB
    params = {"pubs": [[{"__type__": "QuantumCircuit", "__value__": bomb}, None, 16]], "version": 2}
    body = json.dumps({"program_id": "sampler", "backend": "ibmq_manila", "params": params})
    assert len(body) < 20_000
    response = api.post("/jobs", data=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert api.job_count() == 0
