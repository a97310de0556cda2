"""Test helpers: the real local service over loopback HTTP, with plain requests and the wire codec."""

from __future__ import annotations

import time
from typing import Any

import requests

from ibmq_widgets import wire

OPEN = "ibm-q/open/main"
RESEARCH = "ibm-q-network/research/main"
FINAL = ("Completed", "Cancelled", "Failed")


def crn_of(service: Any, name: str) -> str:
    return next(instance["crn"] for instance in service.instances if instance["name"] == name)


def reference_runtime(service: Any, instance: str, monkeypatch: Any) -> Any:
    """The unmodified qiskit-ibm-runtime ``QiskitRuntimeService`` pointed at ``service``, for ``instance``.

    IAM_URL sends its token exchange to the service, QISKIT_FUNCTIONS_EXPERIMENTAL its instance lookup, and
    ``url_resolver`` its API calls.
    """
    monkeypatch.setenv("IAM_URL", service.url)
    monkeypatch.setenv("QISKIT_FUNCTIONS_EXPERIMENTAL", "1")
    from qiskit_ibm_runtime import QiskitRuntimeService

    api = f"{service.url}/api/v1"
    return QiskitRuntimeService(
        channel="ibm_quantum_platform",
        token=service.api_key,
        instance=crn_of(service, instance),
        url=service.url,
        url_resolver=lambda *args: api,
    )


def get_token(url: str, api_key: str) -> str:
    response = requests.post(
        f"{url}/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": api_key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class Api:
    """One instance's view of a service: bearer token and Service-CRN on every call."""

    _targets: dict[tuple[str, str], Any] = {}

    def __init__(self, url: str, api_key: str, crn: str | None) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {get_token(url, api_key)}"
        self.session.headers["IBM-API-Version"] = wire.API_VERSION
        if crn:
            self.session.headers["Service-CRN"] = crn

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        return self.session.request(method, f"{self.url}/api/v1{path}", **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def submit(
        self,
        backend: str,
        pubs: list,
        *,
        program: str = "sampler",
        tags: list[str] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> requests.Response:
        params = wire.sampler_params(pubs) if program == "sampler" else wire.estimator_params(pubs)
        body = {"program_id": program, "backend": backend, "params": params, **extra}
        if tags:
            body["tags"] = tags
        return self.post("/jobs", data=wire.dumps(body), headers=headers or {})

    def submit_ok(self, backend: str, pubs: list, **kwargs: Any) -> str:
        response = self.submit(backend, pubs, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def job(self, job_id: str) -> dict:
        response = self.get(f"/jobs/{job_id}", params={"exclude_params": "true"})
        assert response.status_code == 200, response.text
        return response.json()

    def wait(self, job_id: str, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["state"]["status"] in FINAL:
                return job
            assert time.monotonic() < deadline, (
                f"job {job_id} still {job['state']['status']} after {timeout} s"
            )
            time.sleep(0.05)

    def queue_length(self, backend: str, expected: int, timeout: float = 30.0) -> int:
        """The length_queue of ``backend`` once it equals ``expected`` (killed workers are reaped later)."""
        deadline = time.monotonic() + timeout
        while True:
            length = self.get(f"/backends/{backend}/status").json()["length_queue"]
            if length == expected or time.monotonic() > deadline:
                return length
            time.sleep(0.05)

    def result(self, job_id: str) -> Any:
        response = self.get(f"/jobs/{job_id}/results")
        assert response.status_code == 200, response.text
        return wire.loads(response.text)

    def target(self, backend: str) -> Any:
        from qiskit_ibm_runtime.models import BackendProperties, QasmBackendConfiguration
        from qiskit_ibm_runtime.utils.backend_converter import convert_to_target

        key = (self.url, backend)
        if key not in self._targets:
            conf = self.get(f"/backends/{backend}/configuration").json()
            props = self.get(f"/backends/{backend}/properties").json()
            self._targets[key] = convert_to_target(
                QasmBackendConfiguration.from_dict(conf),
                BackendProperties.from_dict(props) if props else None,
            )
        return self._targets[key]

    def isa(self, circuit: Any, backend: str) -> Any:
        from qiskit import transpile

        return transpile(circuit, target=self.target(backend), optimization_level=1, seed_transpiler=11)

    def job_count(self) -> int:
        return self.get("/jobs", params={"limit": 1, "exclude_params": "true"}).json()["count"]


def slow_pubs(api: Api, backend: str, bindings: int = 500) -> list:
    """One sampler pub that keeps a worker busy for seconds: Aer runs every parameter binding separately.

    Repeated parameter-free pubs are no longer slow: the worker samples them all from one simulation.
    Every binding is rx(pi), so each shot reads ``1`` unless noise flips it.
    """
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    theta = Parameter("theta")
    circuit = QuantumCircuit(1)
    circuit.rx(theta, 0)
    circuit.measure_all()
    return [(api.isa(circuit, backend), np.full((bindings, 1), np.pi), 8192)]


def ghz(n: int = 5, measure: bool = True) -> Any:
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(n)
    circuit.h(0)
    for qubit in range(n - 1):
        circuit.cx(qubit, qubit + 1)
    if measure:
        circuit.measure_all()
    return circuit


class ServeProcess:
    """``ibmq-widgets serve`` as a child process in its own session, and the JSON line it printed."""

    def __init__(self, data_dir: Any, *extra: str) -> None:
        import json
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ibmq_widgets.cli",
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(data_dir),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # so cleanup can reach its worker processes too
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line:
            self.kill_group()
            raise AssertionError(f"serve printed no line; stderr: {self.process.stderr.read()}")
        self.info = json.loads(line)

    @property
    def url(self) -> str:
        return self.info["url"]

    def kill_group(self) -> None:
        """SIGKILL the process group this test started (the service and its workers), if it still exists."""
        import contextlib
        import os
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def raw_exchange(url: str, request: bytes, timeout: float = 30.0) -> bytes:
    """Send ``request`` as is to the service at ``url`` over a fresh socket; everything it answers, until it
    closes the connection or the first response is complete (empty if it closed without a word)."""
    import contextlib
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    received = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # it may answer before reading all
            sock.sendall(request)
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)  # fmt: skip
            if length is not None and len(body) >= length:
                break
    return received
