"""The token auth of the local service: API keys to bearer tokens, expiry, and the Service-CRN instance."""

from __future__ import annotations

import time

import pytest

from ibmq_widgets.service.auth import Authenticator, AuthError
from ibmq_widgets.service.config import key_id, load_config


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
