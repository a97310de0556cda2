"""Socket-free transports for the client's unit tests: a requests adapter that answers from a script
(FakeAdapter), and one that answers below urllib3's pool so that the Retry on the adapter runs (ScriptedAdapter)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPResponse


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


class _ScriptedPool(HTTPConnectionPool):
    """A urllib3 pool that never opens a socket: each request is answered by its ScriptedAdapter."""

    def __init__(self, adapter: ScriptedAdapter, netloc: str) -> None:
        host, _, port = netloc.partition(":")
        super().__init__(host, int(port or 80))
        self.adapter = adapter
        self.netloc = netloc

    def _make_request(self, conn, method, url, body=None, headers=None, retries=None, timeout=None, **kwargs):
        return self.adapter.answer(self, method, url, body, dict(headers or {}), retries, timeout)


class ScriptedAdapter(HTTPAdapter):
    """Answers like FakeAdapter, but below urllib3's connection pool, so that urllib3 (and the Retry mounted on
    the adapter) runs exactly as in production: only the socket is replaced.

    ``refused()``, ``reset()`` and ``requests.ReadTimeout`` answers become the urllib3 errors a real socket
    raises (a refused connection, a dropped one, a read timeout).
    """

    def __init__(self, routes: dict[tuple[str, str], Answer | list[Answer]], max_retries: Any) -> None:
        super().__init__(max_retries=max_retries)
        self.routes = routes
        self.sent: list[Sent] = []
        self._pools: dict[str, _ScriptedPool] = {}

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        netloc = urlsplit(request.url).netloc
        if netloc not in self._pools:
            self._pools[netloc] = _ScriptedPool(self, netloc)
        return self._pools[netloc]

    def answer(self, pool: _ScriptedPool, method, url, body, headers, retries, timeout):
        text = body.decode() if isinstance(body, bytes) else body
        sent = Sent(method, f"http://{pool.netloc}{url}", headers, text, timeout)
        self.sent.append(sent)
        answer = self.routes.get((method, sent.path))
        if answer is None:
            answer = response(404, {"error": {"message": f"no route {sent.path}", "code": "not_found"}})
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if callable(answer) and not isinstance(answer, (requests.Response, Exception)):
            answer = answer(sent)
        if isinstance(answer, requests.ReadTimeout):
            raise urllib3.exceptions.ReadTimeoutError(pool, url, "Read timed out.")
        if isinstance(answer, requests.ConnectionError):
            cause = answer.args[0]
            raise cause.reason if isinstance(cause, urllib3.exceptions.MaxRetryError) else cause
        if isinstance(answer, Exception):
            raise answer
        raw = HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=dict(answer.headers),
            status=answer.status_code,
            reason=answer.reason,
            preload_content=False,
            decode_content=False,
            request_method=method,
            request_url=url,
        )
        raw.retries = retries
        return raw

    def calls(self, method: str, path: str) -> list[Sent]:
        return [s for s in self.sent if s.method == method and s.path == path]


def scripted_http(routes: dict, policy: Any = None, sleep: Callable[[float], None] = lambda s: None):
    """A pool built as the client builds its own (urllib3's Retry from ``policy`` on the adapter), answering
    from ``routes`` without sockets. Returns (http, adapter)."""
    from ibmq_widgets.client.retry import RetryPolicy

    adapter = ScriptedAdapter(routes, (policy or RetryPolicy()).transport_retry(sleep))
    http = requests.Session()
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http, adapter


def discovery_routes(*instances: dict, plan: str = "Premium") -> dict:
    """Global Search and Global Catalog answers (a local service's paths) listing ``instances``.

    Each instance is ``{"hub", "group", "project", "crn"}``; its tags carry the hub/group/project.
    """
    items = [
        {
            "crn": item["crn"],
            "name": f"{item['group']}-{item['project']}",
            "service_plan_unique_id": "plan-1",
            "tags": [f"hub:{item['hub']}", f"group:{item['group']}", f"project:{item['project']}"],
            "doc": {"extensions": [{}]},
        }
        for item in instances
    ]
    entry = {"overview_ui": {"en": {"display_name": plan}}, "metadata": {"pricing": {"type": "paid"}}}
    return {
        ("POST", "/global-search/v3/resources/search"): response(200, {"items": items}),
        ("GET", "/global-catalog/api/v1/plan-1"): response(200, entry),
    }


class FakePlatform:
    """An in-memory IBM Quantum Platform for one device, as a FakeAdapter's routes: the device's configuration
    and calibration (a real snapshot), sessions (``POST /sessions`` answers ``session_ids`` in turn), jobs
    (``POST /jobs`` answers ``job-0``, ``job-1``...) and, for the jobs given one, a result.

    ``posted`` keeps every POST /jobs body decoded with the wire codec; ``sessions`` every session's JSON.
    """

    def __init__(self, device: str = "manila", session_ids: tuple[str, ...] = ("s-1", "s-2")) -> None:
        from pathlib import Path

        import qiskit_ibm_runtime

        folder = Path(qiskit_ibm_runtime.__file__).parent / "fake_provider" / "backends" / device
        self.configuration = json.loads((folder / f"conf_{device}.json").read_text())
        self.properties = json.loads((folder / f"props_{device}.json").read_text())
        self.name = self.configuration["backend_name"]
        self.session_ids = list(session_ids)
        self.sessions: dict[str, dict[str, Any]] = {}
        self.posted: list[dict[str, Any]] = []
        self.results: dict[str, str] = {}  # job id -> result text
        self.refuse_closed = True  # POST /jobs to a closed session answers 400, as the platform does
        base = f"/api/v1/backends/{self.name}"
        self.adapter = FakeAdapter(
            {
                ("POST", "/identity/token"): response(
                    200, {"access_token": "t0k3n-abcdef", "expires_in": 3600}
                ),
                ("GET", "/api/v1/backends"): response(200, {"devices": [{"name": self.name, "qubits": 5}]}),
                ("GET", f"{base}/configuration"): lambda sent: response(200, self.configuration),
                ("GET", f"{base}/properties"): lambda sent: response(200, self.properties),
                ("GET", f"{base}/status"): response(
                    200, {"state": True, "status": "active", "length_queue": 0}
                ),
                ("POST", "/api/v1/sessions"): self._open,
                ("POST", "/api/v1/jobs"): self._submit,
                ("GET", "/api/v1/jobs"): self._list,
            }
        )
        for session_id in self.session_ids:
            path = f"/api/v1/sessions/{session_id}"
            self.adapter.routes[("GET", path)] = self._details
            self.adapter.routes[("PATCH", path)] = self._close
            self.adapter.routes[("DELETE", f"{path}/close")] = self._cancel

    def provider(self) -> Any:
        from ibmq_widgets.client.account import AccountManager

        crn = "crn:v1:bluemix:public:quantum-computing:us-east:a/acct:inst::"
        return AccountManager(http_factory=lambda: fake_http(self.adapter)).enable_account(
            "key-123456", instance=crn
        )

    def calls(self, method: str, path: str) -> list[Sent]:
        return self.adapter.calls(method, f"/api/v1{path}")

    # --- sessions -------------------------------------------------------------------------------------------
    def _open(self, sent: Sent) -> requests.Response:
        body = json.loads(sent.body)
        session_id = self.session_ids[len(self.sessions)]
        self.sessions[session_id] = {
            "id": session_id,
            "backend_name": body["backend"],
            "mode": body["mode"],
            "max_ttl": body.get("max_ttl", 28800),
            "interactive_ttl": 60,
            "state": "open",
            "accepting_jobs": True,
            "elapsed_time": 12.5,
            "request": body,
        }
        return response(200, {"id": session_id})

    def _details(self, sent: Sent) -> requests.Response:
        session = self.sessions.get(sent.path.rsplit("/", 1)[-1])
        if session is None:
            return response(404, {"error": {"message": "Session not found.", "code": "not_found"}})
        return response(200, {k: v for k, v in session.items() if k != "request"})

    def _close(self, sent: Sent) -> requests.Response:
        self.sessions[sent.path.rsplit("/", 1)[-1]].update(json.loads(sent.body))
        return response(204)

    def _cancel(self, sent: Sent) -> requests.Response:
        self.sessions[sent.path.split("/")[-2]].update(state="closed", accepting_jobs=False)
        return response(204)

    # --- jobs -----------------------------------------------------------------------------------------------
    def _submit(self, sent: Sent) -> requests.Response:
        from ibmq_widgets import wire

        body = wire.loads(sent.body)
        session = self.sessions.get(body.get("session_id") or "")
        if session is not None and self.refuse_closed and not session["accepting_jobs"]:
            message = f"Session {session['id']} is closed and is not accepting jobs."
            return response(400, {"error": {"message": message, "code": "session_closed"}})
        self.posted.append(body)
        return response(200, {"id": f"job-{len(self.posted) - 1}", "backend": body["backend"]})

    def job_json(self, index: int, status: str = "Completed") -> dict[str, Any]:
        body = self.posted[index]
        return {
            "id": f"job-{index}",
            "backend": body["backend"],
            "state": {"status": status},
            "program": {"id": body["program_id"]},
            "session_id": body.get("session_id"),
            "tags": body.get("tags", []),
            "created": "2026-01-01T00:00:00Z",
        }

    def finish(self, index: int, primitive_result: Any) -> None:
        """Make job ``index`` done with this result."""
        from ibmq_widgets import wire

        path = f"/api/v1/jobs/job-{index}"
        self.adapter.routes[("GET", path)] = response(200, self.job_json(index))
        self.adapter.routes[("GET", f"{path}/results")] = response(200, wire.dumps(primitive_result))

    def _list(self, sent: Sent) -> requests.Response:
        from urllib.parse import parse_qs

        query = parse_qs(urlsplit(sent.url).query)
        wanted = query.get("session_id", [None])[0]
        jobs = [self.job_json(i) for i in range(len(self.posted))]
        jobs = [job for job in jobs if wanted is None or job["session_id"] == wanted]
        return response(200, {"jobs": jobs, "count": len(jobs)})


def bell(measured: bool = True) -> Any:
    """A Bell pair, measured into two bits unless ``measured`` is False."""
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2, 2 if measured else 0, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    if measured:
        circuit.measure([0, 1], [0, 1])
    return circuit
