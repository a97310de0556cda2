"""A socket-free transport for the client's unit tests: a requests adapter that answers from a script."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import BaseAdapter


@dataclass
class Sent:
    """One request the adapter received."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any
    timeout: Any

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


def response(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    """A requests.Response with a JSON (or text) body."""
    resp = requests.Response()
    resp.status_code = status
    resp.reason = {200: "OK", 204: "No Content"}.get(status, "Error")
    if isinstance(body, (dict, list)):
        resp._content = json.dumps(body).encode()
        resp.headers["Content-Type"] = "application/json"
    else:
        resp._content = (body or "").encode()
    resp.headers.update(headers or {})
    return resp


def refused() -> requests.ConnectionError:
    """What requests raises when nothing listens: the request never left."""
    cause = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason=cause))  # type: ignore[arg-type]


def reset() -> requests.ConnectionError:
    """What requests raises when the connection drops after the request was sent."""
    cause = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    return requests.ConnectionError(cause)


Answer = requests.Response | Exception | Callable[[Sent], "requests.Response | Exception"]


@dataclass
class FakeAdapter(BaseAdapter):
    """Answers ``(METHOD, path)`` from ``routes``: one answer for every call, or a list consumed in order."""

    routes: dict[tuple[str, str], Answer | list[Answer]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        sent = Sent(request.method, request.url, dict(request.headers), body, timeout)
        self.sent.append(sent)
        answer = self.routes.get((request.method, sent.path))
        if answer is None:
            missing = {"error": {"message": f"no route {sent.path}", "code": "not_found"}}
            return self._finish(request, response(404, missing))
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if callable(answer) and not isinstance(answer, (requests.Response, Exception)):
            answer = answer(sent)
        if isinstance(answer, Exception):
            raise answer
        return self._finish(request, answer)

    @staticmethod
    def _finish(request, resp: requests.Response) -> requests.Response:
        resp.request = request
        resp.url = request.url
        return resp

    def close(self) -> None:
        pass

    def calls(self, method: str, path: str) -> list[Sent]:
        return [s for s in self.sent if s.method == method and s.path == path]


def fake_http(adapter: FakeAdapter) -> requests.Session:
    """A requests.Session whose every request goes to ``adapter``."""
    http = requests.Session()
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


def jwt(exp: float, iat: float) -> str:
    """An unsigned JWT with exp/iat claims (the client reads them unverified)."""
    import base64

    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part({'exp': exp, 'iat': iat})}.sig"
