"""Helpers of the job manager's tests against a real local service."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qiskit import QuantumCircuit

# The live tests keep one circuit that holds a job busy (seconds per thousand shots): the watcher's.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "watcher"))
from watcher_live_helpers import slow_circuit as slow_circuit  # re-exported

RESEARCH = ("ibm-q-network", "research", "main")


def research_provider(url: str, api_key: str) -> Any:
    """The research instance's provider of a fresh AccountManager on the service at ``url``."""
    from ibmq_widgets.client.account import AccountManager

    hub, group, project = RESEARCH
    return AccountManager().enable_account(api_key, url=url, hub=hub, group=group, project=project)


def basis_circuits(count: int, qubits: int = 3) -> list[QuantumCircuit]:
    """Circuit ``i`` prepares basis state ``i mod 2**qubits``: an ideal run counts exactly that string."""
    circuits = []
    for index in range(count):
        circuit = QuantumCircuit(qubits, name=f"basis{index}")
        value = index % (2**qubits)
        for bit in range(qubits):
            if value >> bit & 1:
                circuit.x(bit)
        circuit.measure_all()
        circuits.append(circuit)
    return circuits


def expected_bits(index: int, qubits: int = 3) -> str:
    return format(index % (2**qubits), f"0{qubits}b")


def write_config(data_dir: Path, job_limit: int, job_limits: dict | None = None, **settings: Any) -> None:
    """A config.json (the service's format, see ibmq_widgets/service/config.py) with a given job limit, per-backend
    limits of the research instance, and any other top-level ``settings`` (``rate_limits=...``)."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = {
        "account": "0123456789abcdef0123456789abcdef",
        "instances": [
            {"name": "ibm-q-network/research/main", "plan": "premium", "max_qubits": None, "backends": None,
             "job_limit": job_limit, "job_limits": job_limits or {}},
        ],
        "default_key_instances": None,
        "api_keys": [],
        **settings,
    }  # fmt: skip
    path = data_dir / "config.json"
    path.write_text(json.dumps(config))
    path.chmod(0o600)


@contextlib.contextmanager
def running_service(data_dir: Path, workers: int = 2) -> Iterator[Any]:
    """An in-process local service on ``data_dir`` (its config written beforehand), stopped afterwards."""
    from ibmq_widgets.service import start

    handle = start(data_dir=data_dir, port=0, workers=workers)
    try:
        yield handle
    finally:
        handle.stop()


class ServeProcess:
    """``ibmq-widgets serve`` in a child process of its own session (its workers can be reached too)."""

    def __init__(self, data_dir: Path, port: int = 0, workers: int = 1) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ibmq_widgets.cli", "serve", "--port", str(port),
             "--data-dir", str(data_dir), "--workers", str(workers)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line:
            self.kill_group()
            raise AssertionError("ibmq-widgets serve printed no line")
        self.info: dict[str, Any] = json.loads(line)

    @property
    def url(self) -> str:
        return self.info["url"]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def kill_service_only(self) -> None:
        """kill -9 the service process (not its workers, which are orphaned as in a real crash)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def kill_group(self) -> None:
        """SIGKILL the process group this test started (the service and its workers)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
