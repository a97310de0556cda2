"""The Jupyter server extension: listed as OK; a real Jupyter server runs the service every kernel finds."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[3]
CONFIG = REPO / "jupyter-config"


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_the_config_file_enables_the_extension() -> None:
    config = json.loads((CONFIG / "jupyter_server_config.d" / "ibmq_widgets.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"ibmq_widgets": True}}}


def test_jupyter_server_extension_list_reports_it_enabled_and_ok(tmp_path) -> None:
    # `extension list` reads the user, environment and system config dirs; JUPYTER_CONFIG_DIR makes a copy of
    # the repo's jupyter-config the user dir, as installing the package makes it part of the environment's.
    # A copy, because Jupyter writes a "migrated" marker into its user config dir.
    config = tmp_path / "jupyter-config"
    shutil.copytree(CONFIG / "jupyter_server_config.d", config / "jupyter_server_config.d")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config)}
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "server", "extension", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    output = _plain(done.stdout + done.stderr)
    assert done.returncode == 0, output
    section = output.split(f"Config dir: {config}", 1)[1].split("Config dir:", 1)[0]
    assert "ibmq_widgets enabled" in section
    assert re.search(r"ibmq_widgets \S+ OK", section), section


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(path: Path, server: subprocess.Popen, log: Path, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return json.loads(path.read_text())
        if server.poll() is not None:
            pytest.fail(f"jupyter server exited early:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    pytest.fail(f"no {path.name} after {seconds} s:\n{log.read_text()[-3000:]}")


def _python(code: str, env: dict[str, str], *args: str) -> list[str]:
    """Run ``code`` in a fresh Python process (a kernel, as far as the service can tell); its stdout lines."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if not line.startswith("ibmq_widgets: using")]


@pytest.mark.slow
def test_a_real_jupyter_server_runs_the_service_every_kernel_finds_and_jobs_outlive_kernels(tmp_path) -> None:
    jupyter_data = tmp_path / "jupyter-data"
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(CONFIG), "JUPYTER_DATA_DIR": str(jupyter_data)}
    env.pop("IBMQ_WIDGETS_DATA_DIR", None)  # so the service uses <jupyter data dir>/ibmq_widgets
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "user-config")
    log_path = tmp_path / "server.log"
    port = _free_port()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=secret-token",
             f"--ServerApp.root_dir={tmp_path}"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    service_json = jupyter_data / "ibmq_widgets" / "service.json"
    try:
        info = _wait_for(service_json, server, log_path)
        url = info["url"]
        assert requests.get(f"{url}/", timeout=10).json()["service"] == "ibmq_widgets"
        assert info["pid"] == server.pid  # the service runs in the Jupyter server's process
        # what a kernel of that server does: load_account() with no configuration at all, then submit a job
        first_kernel = (
            "from qiskit import QuantumCircuit\n"
            "from ibmq_widgets.client.account import AccountManager\n"
            "provider = AccountManager().load_account()\n"
            "circuit = QuantumCircuit(1, 1)\n"
            "circuit.x(0)\n"
            "circuit.measure(0, 0)\n"
            "job = provider.get_backend('ibmq_qasm_simulator').run(circuit, shots=20)\n"
            "print(provider.url)\n"
            "print(job.job_id())\n"
        )
        # a later kernel (after a restart) finds the same service and the job submitted before
        second_kernel = (
            "import sys\n"
            "from ibmq_widgets.client.account import AccountManager\n"
            "provider = AccountManager().load_account()\n"
            "job = provider.backends.retrieve_job(sys.argv[1])\n"
            "print(provider.url)\n"
            "print(job.result(timeout=120).get_counts())\n"
        )
        kernel = _python(first_kernel, env)
        assert kernel[0] == url
        job_id = kernel[1]
        again = _python(second_kernel, env, job_id)
        assert again == [url, "{'1': 20}"]
        api_key = (jupyter_data / "ibmq_widgets" / "api_key").read_text().strip()
        log_text = log_path.read_text()
        announced = [line for line in log_text.splitlines() if "local IBM Quantum service at" in line]
        assert len(announced) == 1 and url in announced[0]
        assert api_key not in log_text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert not service_json.exists()  # removed on the clean stop
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/", timeout=5)
