"""The data directory (keys, instances, lock) and the token auth of the local service, without sockets."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest

from ibmq_widgets.exceptions import LocalServiceError
from ibmq_widgets.service.auth import Authenticator, AuthError
from ibmq_widgets.service.config import DataDirLock, key_id, load_config, write_service_json

CRN_PREFIX = "crn:v1:bluemix:public:quantum-computing:us-east:a/"


def test_first_start_writes_private_defaults(tmp_path):
    config = load_config(tmp_path / "data")
    for name in ("api_key", "secret", "config.json"):
        assert stat.S_IMODE(os.stat(tmp_path / "data" / name).st_mode) == 0o600
    assert list(config.instances) == ["ibm-q/open/main", "ibm-q-network/research/main"]
    for instance in config.instances.values():
        assert instance.crn.startswith(CRN_PREFIX) and instance.crn.endswith("::")
        assert len(instance.crn.split(":")) == 10
    again = load_config(tmp_path / "data")
    assert again.api_key == config.api_key and again.secret == config.secret
    assert {i.crn for i in again.instances.values()} == {i.crn for i in config.instances.values()}
    assert config.api_key not in repr(config)


def test_open_instance_limits(tmp_path):
    open_instance = load_config(tmp_path).instances["ibm-q/open/main"]
    assert open_instance.may_use("ibmq_manila", 5, simulator=False)
    assert open_instance.may_use("ibm_geneva", 27, simulator=False)
    assert not open_instance.may_use("ibm_fez", 156, simulator=False)
    assert open_instance.may_use("ibmq_qasm_simulator", 32, simulator=True)
    assert open_instance.limit_for("ibm_fez") == 5


def test_config_json_defines_keys_instances_and_limits(tmp_path):
    load_config(tmp_path)
    raw = json.loads((tmp_path / "config.json").read_text())
    raw["instances"].append(
        {"name": "acme/lab/team", "backends": ["ibmq_lima"], "job_limit": 2, "job_limits": {"ibmq_lima": 1}}
    )
    raw["api_keys"] = [{"key": "team-key", "instances": ["acme/lab/team"]}]
    (tmp_path / "config.json").write_text(json.dumps(raw))
    config = load_config(tmp_path)
    team = config.instances["acme/lab/team"]
    assert team.crn.startswith(CRN_PREFIX)
    assert team.may_use("ibmq_lima", 5, False) and not team.may_use("ibmq_manila", 5, False)
    assert team.limit_for("ibmq_lima") == 1 and team.limit_for("other") == 2
    assert [i.name for i in config.instances_for_key(key_id("team-key"))] == ["acme/lab/team"]
    assert len(config.instances_for_key(key_id(config.api_key))) == 3


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw.update(instances=[{"name": "no-slashes"}]),
        lambda raw: raw.update(instances=[]),
        lambda raw: raw["instances"][0].update(job_limit=0),
        lambda raw: raw.update(api_keys=[{"key": "k", "instances": ["nope/nope/nope"]}]),
    ],
)
def test_invalid_config_json_is_a_clear_error(tmp_path, change):
    load_config(tmp_path)
    raw = json.loads((tmp_path / "config.json").read_text())
    change(raw)
    (tmp_path / "config.json").write_text(json.dumps(raw))
    with pytest.raises(LocalServiceError, match=r"config\.json"):
        load_config(tmp_path)


def test_lock_names_the_running_service(tmp_path):
    first = DataDirLock(tmp_path)
    first.acquire()
    write_service_json(tmp_path, {"url": "http://127.0.0.1:1234", "pid": 4321})
    with pytest.raises(LocalServiceError, match=r"pid 4321, http://127.0.0.1:1234"):
        DataDirLock(tmp_path).acquire()
    first.release()
    first.release()  # idempotent
    second = DataDirLock(tmp_path)
    second.acquire()
    second.release()


def test_tokens_round_trip_and_expire(tmp_path):
    config = load_config(tmp_path, api_key="extra-key")
    auth = Authenticator(config, lifetime=60)
    issued = auth.issue(config.api_key)
    kid = auth.verify(f"Bearer {issued['access_token']}")
    assert kid == key_id(config.api_key)
    assert auth.verify(f"Bearer {auth.issue('extra-key')['access_token']}") == key_id("extra-key")
    expired = auth.encode({"sub": kid, "iat": time.time() - 120, "exp": time.time() - 60})
    with pytest.raises(AuthError, match="expired") as info:
        auth.verify(f"Bearer {expired}")
    assert info.value.status == 401
    other = Authenticator(load_config(tmp_path / "other"))
    with pytest.raises(AuthError, match="not valid"):
        other.verify(f"Bearer {issued['access_token']}")
    for header in (None, "", "Basic abc", "Bearer abc"):
        with pytest.raises(AuthError):
            auth.verify(header)
    with pytest.raises(AuthError) as wrong:
        auth.issue("wrong-key")
    assert "wrong-key" not in str(wrong.value)


def test_instance_by_service_crn(tmp_path):
    config = load_config(tmp_path)
    auth = Authenticator(config)
    kid = key_id(config.api_key)
    research = config.instances["ibm-q-network/research/main"]
    assert auth.instance(kid, research.crn) is research
    for crn in (None, "crn:v1:bluemix:public:quantum-computing:us-east:a/x:y::"):
        with pytest.raises(AuthError) as info:
            auth.instance(kid, crn)
        assert info.value.status == 403
