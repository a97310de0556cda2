"""The other two frontends the widgets must work in: Jupyter Notebook 7 and Voilà, started like labdriver starts
JupyterLab (a free loopback port, private settings, the server's log kept), and a small notebook for them.

Notebook 7 is JupyterLab's application shell around one notebook, so labdriver's commands (run cells through
``window.jupyterapp``, wait on the kernel, dismiss dialogs) drive it unchanged. Voilà runs the notebook itself and
shows only the outputs, with no kernel commands for a page to call: a test waits on what the outputs show.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from labdriver import (
    SERVER_START_SECONDS,
    JupyterLabServer,
    _free_port,
    _pump,
    _wait_listening,
    _write_settings,
    record_kernel_messages,
    wait_kernel_idle,
    wait_until,
    wait_widgets_restored,
)

#: The picker linked to the plot, as 03_widgets.ipynb shows them, in a notebook of its own for these frontends.
PICKER_AND_PLOT = """import traitlets
import ipywidgets as widgets
from ibmq_widgets import IBMQ, BackendPicker, QubitPropertyPlot

IBMQ.load_account()
provider = IBMQ.get_provider(hub="ibm-q-network", group="research", project="main")
picker = BackendPicker(provider, min_qubits=5, sort_by="qubits")
plot = QubitPropertyPlot(property="t1")
link = traitlets.link((picker, "value"), (plot, "backend"))
picker.value = "ibm_fez"
widgets.VBox([picker, plot])"""


def write_notebook(path: Path, source: str) -> Path:
    """A one-cell notebook of ``source`` at ``path``, with the python3 kernel named (no kernel dialog)."""
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [source]}
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": [cell], "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook))
    return path


def _start(
    command: list[str], env: dict[str, str], home: Path, port: int, token: str, root: Path, data_dir: Path
):
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log_path = home / f"server-{port}.log"
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, log_path, lines), daemon=True).start()
    return JupyterLabServer(f"http://127.0.0.1:{port}", token, root, data_dir, log_path, process), lines


def _stop(process: subprocess.Popen) -> None:
    """Ask the server to stop; kill it if it has not within 20 s."""
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    if process.poll() is None:
        process.kill()
        process.wait()


@contextmanager
def start_notebook7(root: Path, data_dir: Path, home: Path) -> Iterator[JupyterLabServer]:
    """Jupyter Notebook 7 serving ``root`` with the ibmq_widgets server extension and ``window.jupyterapp``."""
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "IBMQ_WIDGETS_DATA_DIR": str(data_dir), **_write_settings(home)}
    # The flags labdriver gives JupyterLab, for Notebook 7's application class.
    flags = {
        "port": port,
        "ServerApp.port_retries": 0,
        "IdentityProvider.token": token,
        "ServerApp.root_dir": root,
        "ServerApp.jpserver_extensions": "{'ibmq_widgets': True}",
        "JupyterNotebookApp.expose_app_in_browser": True,
    }
    command = [sys.executable, "-m", "jupyter", "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1"]
    command += [f"--{name}={value}" for name, value in flags.items()]
    server, lines = _start(command, env, home, port, token, root, data_dir)
    try:
        _wait_listening(server, lines)
        yield server
    finally:
        _stop(server.process)


def notebook7_url(server: JupyterLabServer, notebook: str) -> str:
    return f"{server.url}/notebooks/{notebook}?token={server.token}"


def open_in_notebook7(page, server: JupyterLabServer, notebook: str) -> None:
    """Open ``notebook`` in Notebook 7 and wait until its kernel is idle."""
    page.goto(notebook7_url(server, notebook))
    current = "(window.jupyterapp && window.jupyterapp.shell.currentWidget)"
    wait_until(page, f"() => {current} && {current}.content && {current}.content.widgets.length > 0", 120_000)
    wait_kernel_idle(page)
    wait_widgets_restored(page)
    record_kernel_messages(page)


def _serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


@contextmanager
def start_voila(notebook: Path, data_dir: Path, home: Path) -> Iterator[JupyterLabServer]:
    """Voilà serving ``notebook`` at ``/`` on loopback (no token: Voilà offers only that notebook's outputs).

    Ready once it has said it runs and serves its own script (asking for ``/`` would start a kernel)."""
    port = _free_port()
    env = {**os.environ, "IBMQ_WIDGETS_DATA_DIR": str(data_dir), **_write_settings(home)}
    command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}"]
    command += ["--Voila.ip=127.0.0.1", "--show_tracebacks=True"]
    server, lines = _start(command, env, home, port, "", notebook.parent, data_dir)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        said = False
        while not (said and _serves(f"{server.url}/voila/static/voila.js")):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Voilà did not start within {SERVER_START_SECONDS} s:\n{server.log()}")
            try:  # each new line of the log (or a quarter second of silence) is the next moment to ask
                line = lines.get(timeout=0.25)
            except queue.Empty:
                line = ""
            if line is None:
                raise RuntimeError(f"Voilà exited at start:\n{server.log()}")
            said = said or "running at" in line
        yield server
    finally:
        _stop(server.process)
