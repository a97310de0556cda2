"""The data directory's configuration: keys, instances, job limits, config.json errors, private modes."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ibmq_widgets.exceptions import LocalServiceError
from ibmq_widgets.service.config import key_id, load_config

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


def test_start_tightens_a_loose_data_directory_and_a_hand_written_config_json(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    raw = {"instances": [{"name": "acme/lab/team"}], "api_keys": [{"key": "secret-key", "instances": []}]}
    (data / "config.json").write_text(json.dumps(raw))
    os.chmod(data / "config.json", 0o644)  # as an editor leaves it: world-readable, with an API key inside
    load_config(data)
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    for name in ("config.json", "api_key", "secret"):
        assert stat.S_IMODE(os.stat(data / name).st_mode) == 0o600, name
