"""Tokens, keys and instances: who may see what, over HTTP."""

from __future__ import annotations

import base64
import json
import os
import stat
import time

import pytest
import requests
from service_http import OPEN, RESEARCH, Api, crn_of, get_token

from ibmq_widgets.service.auth import Authenticator
from ibmq_widgets.service.config import load_config


def test_token_is_a_jwt_the_reference_client_can_read(local_service):
    import jwt  # what ibm-cloud-sdk-core decodes it with, unverified

    response = requests.post(
        f"{local_service.url}/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": local_service.api_key},
        timeout=10,
    )
    body = response.json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] > claims["iat"] >= int(time.time()) - 5
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert local_service.api_key not in body["access_token"]


@pytest.mark.parametrize("api_key", ["not-a-key", ""])
def test_wrong_or_missing_api_key_is_refused(local_service, api_key):
    response = requests.post(f"{local_service.url}/identity/token", data={"apikey": api_key}, timeout=10)
    assert response.status_code in (400, 401)
    assert response.json()["error"]["code"] in ("unauthorized", "bad_request")


def test_missing_wrong_and_expired_tokens_get_401(local_service):
    url = f"{local_service.url}/api/v1/backends"
    crn = crn_of(local_service, RESEARCH)
    missing = requests.get(url, headers={"Service-CRN": crn}, timeout=10)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    forged = requests.get(url, headers={"Service-CRN": crn, "Authorization": "Bearer a.b.c"}, timeout=10)
    assert forged.status_code == 401
    # A token signed with the service's own secret but already expired.
    config = load_config(local_service.data_dir)
    auth = Authenticator(config)
    payload = get_token(local_service.url, local_service.api_key).split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    expired = auth.encode({**claims, "iat": claims["iat"] - 7200, "exp": int(time.time()) - 1})
    response = requests.get(
        url, headers={"Service-CRN": crn, "Authorization": f"Bearer {expired}"}, timeout=10
    )
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_missing_or_foreign_service_crn_is_forbidden(local_service):
    token = get_token(local_service.url, local_service.api_key)
    url = f"{local_service.url}/api/v1/backends"
    no_crn = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert no_crn.status_code == 403 and no_crn.json()["error"]["code"] == "forbidden"
    foreign = "crn:v1:bluemix:public:quantum-computing:us-east:a/abc:def::"
    response = requests.get(
        url, headers={"Authorization": f"Bearer {token}", "Service-CRN": foreign}, timeout=10
    )
    assert response.status_code == 403


def test_instances_extension_lists_both_default_instances(local_service):
    api = Api(local_service.url, local_service.api_key, None)
    instances = api.get("/instances").json()["instances"]
    assert {i["name"] for i in instances} == {OPEN, RESEARCH}
    for instance in instances:
        assert instance["crn"].startswith("crn:v1:bluemix:public:quantum-computing:us-east:a/")
        assert instance["crn"].endswith("::")
        assert "/".join((instance["hub"], instance["group"], instance["project"])) == instance["name"]


def test_a_job_is_visible_only_to_its_instance(research_api, open_api, manila_ghz):
    job_id = research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 64)])
    assert research_api.get(f"/jobs/{job_id}").status_code == 200
    for method, path in [("GET", ""), ("GET", "/results"), ("GET", "/metrics"), ("GET", "/logs"),
                         ("POST", "/cancel"), ("DELETE", ""), ("PUT", "/tags")]:  # fmt: skip
        response = open_api.request(method, f"/jobs/{job_id}{path}", json={"tags": ["x"]})
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "job_not_found"
    assert job_id not in {job["id"] for job in open_api.get("/jobs", params={"limit": 1000}).json()["jobs"]}
    assert research_api.wait(job_id)["state"]["status"] == "Completed"


def _write_config_with_second_key(data_dir, second_key: str) -> None:
    config = load_config(data_dir)  # writes the defaults
    raw = json.loads((config.data_dir / "config.json").read_text())
    raw["api_keys"] = [{"key": second_key, "instances": [OPEN]}]
    raw["instances"][0]["job_limits"] = {"ibmq_quito": 1}
    (config.data_dir / "config.json").write_text(json.dumps(raw))


def test_second_key_sees_only_its_instance(tmp_path):
    from ibmq_widgets.service import start

    second_key = "second-user-key-0123456789"
    _write_config_with_second_key(tmp_path / "data", second_key)
    with start(data_dir=tmp_path / "data", port=0, workers=1) as service:
        api = Api(service.url, second_key, None)
        assert [i["name"] for i in api.get("/instances").json()["instances"]] == [OPEN]
        research = crn_of(service, RESEARCH)
        response = api.get("/backends", headers={"Service-CRN": research})
        assert response.status_code == 403
        # A job of the first key's open instance is visible to the second key's open instance (same instance).
        first = Api(service.url, service.api_key, crn_of(service, OPEN))
        second = Api(service.url, second_key, crn_of(service, OPEN))
        circuit = first.isa(__import__("qiskit").QuantumCircuit(1).compose(_one()), "ibmq_quito")
        job_id = first.submit_ok("ibmq_quito", [(circuit, None, 32)])
        assert second.job(job_id)["id"] == job_id
        # The per-backend job limit of config.json (1 on ibmq_quito) holds for the instance.
        assert first.get("/backends/ibmq_quito/job_limit").json()["maximum_jobs"] == 1
        first.wait(job_id)


def _one():
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(1)
    circuit.measure_all()
    return circuit


def test_tokens_survive_a_restart_and_files_are_private(tmp_path):
    from ibmq_widgets.service import start

    data = tmp_path / "data"
    with start(data_dir=data, port=0, workers=1) as service:
        token = get_token(service.url, service.api_key)
        crn = crn_of(service, RESEARCH)
        assert (data / "service.json").exists()
        assert service.api_key not in (data / "service.json").read_text()
        assert service.api_key not in repr(service)
    assert not (data / "service.json").exists()
    for name in ("api_key", "secret", "config.json"):
        assert stat.S_IMODE(os.stat(data / name).st_mode) == 0o600, name
    with start(data_dir=data, port=0, workers=1) as again:
        response = requests.get(
            f"{again.url}/api/v1/backends",
            headers={"Authorization": f"Bearer {token}", "Service-CRN": crn},
            timeout=30,
        )
        assert response.status_code == 200
        assert again.api_key == service.api_key


def test_two_services_never_share_a_data_directory(private_service):
    from ibmq_widgets.exceptions import LocalServiceError
    from ibmq_widgets.service import start

    with pytest.raises(LocalServiceError, match=str(os.getpid())) as info:
        start(data_dir=private_service.data_dir, port=0, workers=1)
    assert private_service.url in str(info.value)
    assert private_service.api_key not in str(info.value)
