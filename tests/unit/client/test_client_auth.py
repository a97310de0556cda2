"""IAM token exchange and refresh, CRN parsing and region URLs, without sockets."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from client_fakes import FakeAdapter, fake_http, jwt, response

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.auth import TokenAuth, TokenManager, api_url_for_crn, is_crn, parse_crn

KEY = "iam-api-key-abcdefghijklmnop"
CRN = "crn:v1:bluemix:public:quantum-computing:eu-de:a/acct123:inst-456::"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def iam(tokens: list[str], expires_in: int = 3600):
    """An IAM answering each exchange with the next token."""

    def answer(sent):
        token = tokens.pop(0)
        return response(200, {"access_token": token, "token_type": "Bearer", "expires_in": expires_in})

    return FakeAdapter({("POST", "/identity/token"): answer})


def test_parse_crn_reads_the_region_from_field_6():
    crn = parse_crn(CRN)
    assert (crn.region, crn.account, crn.instance_id, crn.service_name) == (
        "eu-de",
        "acct123",
        "inst-456",
        "quantum-computing",
    )
    assert str(crn) == CRN and is_crn(CRN) and not is_crn("ibm-q/open/main")


def test_region_urls():
    assert api_url_for_crn(CRN) == "https://eu-de.quantum.cloud.ibm.com/api/v1"
    assert api_url_for_crn(CRN.replace("eu-de", "us-east")) == "https://quantum.cloud.ibm.com/api/v1"


@pytest.mark.parametrize("bad", ["ibm-q/open/main", "crn:v1:too:short", "crn:v1:bluemix:public:qc::a/x:y::"])
def test_malformed_crn_is_a_clear_value_error(bad):
    with pytest.raises(exc.IBMQAccountCredentialsInvalid, match="is not an instance CRN") as info:
        parse_crn(bad)
    assert isinstance(info.value, ValueError)


def test_exchange_sends_the_iam_form_and_caches_the_token():
    adapter = iam(["tok-1"])
    manager = TokenManager(KEY, "https://iam.cloud.ibm.com", http=fake_http(adapter), clock=Clock())
    assert manager.access_token() == "tok-1"
    assert manager.access_token() == "tok-1"
    assert len(adapter.sent) == 1
    sent = adapter.sent[0]
    assert sent.host == "iam.cloud.ibm.com"
    form = parse_qs(sent.body)
    assert form["grant_type"] == ["urn:ibm:params:oauth:grant-type:apikey"]
    assert form["apikey"] == [KEY]
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_token_is_refreshed_before_it_expires():
    clock = Clock()
    adapter = iam(["tok-1", "tok-2"], expires_in=1000)
    manager = TokenManager(KEY, "https://iam.test", http=fake_http(adapter), clock=clock)
    assert manager.access_token() == "tok-1"
    clock.now += 790  # 79% of its life: still good
    assert manager.access_token() == "tok-1"
    clock.now += 20  # 81%: refreshed although 190 s remain
    assert manager.access_token() == "tok-2"
    assert len(adapter.sent) == 2


def test_expiry_is_read_from_the_jwt_when_the_answer_has_none():
    clock = Clock()
    token = jwt(exp=clock.now + 100, iat=clock.now)
    adapter = FakeAdapter({("POST", "/identity/token"): response(200, {"access_token": token})})
    manager = TokenManager(KEY, "http://local.test", http=fake_http(adapter), clock=clock)
    manager.access_token()
    assert manager.expires_at == clock.now + 100
    clock.now += 85
    manager.access_token()
    assert len(adapter.sent) == 2


def test_invalidate_forces_a_new_exchange():
    adapter = iam(["tok-1", "tok-2"])
    manager = TokenManager(KEY, "https://iam.test", http=fake_http(adapter), clock=Clock())
    manager.access_token()
    manager.invalidate()
    assert manager.access_token() == "tok-2"


@pytest.mark.parametrize("status", [400, 401])
def test_a_refused_key_is_an_authentication_error_without_the_key(status):
    refused = response(
        status, {"errorCode": "BXNIM0415E", "errorMessage": f"Provided API key {KEY} not found"}
    )
    adapter = FakeAdapter({("POST", "/identity/token"): refused})
    manager = TokenManager(KEY, "https://iam.cloud.ibm.com", http=fake_http(adapter))
    with pytest.raises(exc.IBMQAuthenticationError) as info:
        manager.access_token()
    message = str(info.value)
    assert "refused by iam.cloud.ibm.com" in message
    assert KEY not in message
    assert "Check that it is the right API key" in message


def test_auth_sets_bearer_and_service_crn_and_hides_secrets():
    adapter = iam(["tok-xyz-123"])
    manager = TokenManager(KEY, "https://iam.test", http=fake_http(adapter), clock=Clock())
    auth = TokenAuth(manager, CRN)

    class Request:
        headers: dict

    request = Request()
    request.headers = {}
    auth(request)
    assert request.headers == {"Authorization": "Bearer tok-xyz-123", "Service-CRN": CRN}
    for text in (repr(manager), repr(auth)):
        assert KEY not in text and "tok-xyz-123" not in text
