"""The guards every request passes: the Host allowlist (403), the header cap (431) and per-route body caps (413)."""

from __future__ import annotations

import json

import pytest
import requests
from service_http import raw_exchange

from ibmq_widgets.service.app import make_app


def _get_root(url: str, host: str) -> requests.Response:
    return requests.get(f"{url}/", headers={"Host": host}, timeout=30)


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:80", "localhost.evil.example", "127.0.0.1.nip.io"]
)
def test_other_hosts_are_refused(local_service, host):
    response = _get_root(local_service.url, host)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert "DNS-rebinding" in error["message"] and "allowed_hosts" in error["message"]


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:{port}", "127.0.0.1:{port}", "[::1]:{port}", "[::1]"]
)
def test_loopback_names_are_answered(local_service, research_api, host):
    host = host.format(port=local_service.port)
    assert _get_root(local_service.url, host).status_code == 200
    response = research_api.get("/backends/ibmq_manila/status", headers={"Host": host})
    assert response.status_code == 200, response.text


def test_allowed_hosts_widen_the_allowlist(private_service):
    url = private_service.url
    assert _get_root(url, "quantum.lan:8080").status_code == 403
    make_app(private_service.state, allowed_hosts=["quantum.lan"])
    assert _get_root(url, "quantum.lan:8080").status_code == 200
    assert _get_root(url, "other.lan").status_code == 403
    make_app(private_service.state, allowed_hosts=["*"])
    assert _get_root(url, "other.lan").status_code == 200


def test_a_100_kb_header_gets_431(local_service):
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
    answer = raw_exchange(local_service.url, request)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower()
    assert json.loads(body)["error"]["code"] == "header_too_large"
    assert requests.get(f"{local_service.url}/", timeout=30).status_code == 200  # still serving


def test_many_headers_summing_over_the_cap_get_431(local_service):
    headers = {f"X-H{i}": "b" * 1000 for i in range(80)}
    response = requests.get(f"{local_service.url}/", headers=headers, timeout=30)
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "header_too_large"


@pytest.mark.parametrize(
    ("method", "path", "size"),
    [("PUT", "/api/v1/jobs/abc/tags", 300_000), ("POST", "/identity/token", 20_000),
     ("POST", "/api/v1/jobs/abc/cancel", 20_000), ("PUT", "/api/v1/jobs/abc/tags", 3_000_000)],
)  # fmt: skip
def test_small_routes_cap_their_bodies(local_service, research_api, method, path, size):
    body = json.dumps({"tags": ["x" * size]})
    response = research_api.session.request(method, local_service.url + path, data=body, timeout=30)
    if path.endswith("cancel"):  # takes no body: one over the cap is ignored up to the hard cap
        assert response.status_code == 404, response.text
        return
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    assert str(response.json()["error"]["message"]).count("bytes") == 1
