"""Driving JupyterLab from Playwright: start a server, open a notebook, run cells, wait on exact states.

Every wait here is on a condition the test cares about (the kernel is idle, a cell's execution finished, the
page shows this text), never a fixed pause, so a slow machine only makes a test slower, not flaky. JupyterLab's
dialogs (kernel selection, build notices, "Kernel Restarting") are kept from appearing where settings can do
it, and dismissed where they appear anyway: before every Playwright action and during every wait.

The server runs with ``window.jupyterapp`` exposed, so cells run through JupyterLab's own commands and the
harness waits on the promise that ends with their execution instead of watching the prompts.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"  # gitignored: no test writes a tracked file
CHROMIUM = os.environ.get("IBMQ_WIDGETS_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, and this machine refuses that.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SERVER_START_SECONDS = 120
# User settings that keep JupyterLab's dialogs away: start the notebook's own kernel without asking which,
# and no confirmation dialogs on restart. Widget messages go to the main shell, as `./dev lab` sets it: over
# kernel subshells (JupyterLab's default with ipykernel 7) a widget's handler runs beside the cell on another
# thread, and JupyterLab's subshell comms still lose messages now and then (jupyterlab#19719), which left a
# cell showing [*] for good once in several runs here.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/sessionDialogs.jupyterlab-settings": {"skipKernelRestartDialog": True},
    "@jupyterlab/apputils-extension/kernels-settings.jupyterlab-settings": {"commsOverSubshells": "disabled"},
}
# The "Jupyter news?" toast would cover the page in screenshots.
PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


@dataclass
class JupyterLabServer:
    """A running JupyterLab server: its base ``url``, access ``token`` and notebook ``root_dir``."""

    url: str
    token: str
    root_dir: Path
    data_dir: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def lab_url(self, notebook: str | None = None) -> str:
        # A fresh workspace each time: JupyterLab would otherwise reopen the notebooks of earlier tests in
        # hidden tabs, and selectors would find their cells first.
        workspace = f"/lab/workspaces/t{secrets.token_hex(4)}"
        path = f"{workspace}/tree/{notebook}" if notebook else workspace
        return f"{self.url}{path}?token={self.token}&reset"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_settings(home: Path) -> dict[str, str]:
    """Private Jupyter config, settings and workspace folders; returns the environment that selects them."""
    config_dir, settings_dir, workspaces_dir = home / "config", home / "settings", home / "workspaces"
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(PAGE_CONFIG))
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    workspaces_dir.mkdir(parents=True, exist_ok=True)
    return {
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(workspaces_dir),
    }


def _pump(stream: Any, log_path: Path, lines: queue.Queue) -> None:
    """Copy the server's output to its log file and hand each line to the waiting thread (None at the end)."""
    with log_path.open("w") as log:
        for line in stream:
            log.write(line)
            log.flush()
            lines.put(line)
    lines.put(None)


@contextmanager
def start_lab(root: Path, data_dir: Path, home: Path) -> Iterator[JupyterLabServer]:
    """JupyterLab on a free loopback port serving ``root``, with the ibmq_widgets server extension.

    Returns once the server has said it listens and answered ``/api/status``; stops it on exit.
    """
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "IBMQ_WIDGETS_DATA_DIR": str(data_dir), **_write_settings(home)}
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1"]
    command += [f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={root}", "--ServerApp.jpserver_extensions={'ibmq_widgets': True}"]
    command += ["--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    command += ["--LabApp.expose_app_in_browser=True"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log_path = home / f"jupyter-lab-{port}.log"
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, log_path, lines), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    server = JupyterLabServer(url, token, root, data_dir, log_path, process)
    try:
        _wait_listening(server, lines)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(server: JupyterLabServer) -> bool:
    try:
        with urllib.request.urlopen(f"{server.url}/api/status?token={server.token}", timeout=30) as response:
            json.load(response)
    except OSError:
        return False
    return True


def _wait_listening(server: JupyterLabServer, lines: queue.Queue) -> None:
    """Wait until the server answers ``/api/status``.

    The server logs its URL just before its event loop starts and binds the port, so from that line on it is
    asked again on each new line of its log (or every quarter second, when it says nothing more) until it answers.
    """
    deadline = time.monotonic() + SERVER_START_SECONDS
    said_url = False
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.25 if said_url else max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            line = ""
        if line is None:
            raise RuntimeError(f"JupyterLab exited at start:\n{server.log()}")
        said_url = said_url or f"{server.url}/" in line
        if said_url and _answers(server):
            return
    raise RuntimeError(f"JupyterLab did not start within {SERVER_START_SECONDS} s:\n{server.log()}")


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# --- dialogs ----------------------------------------------------------------------------------------------------
DIALOG = ".jp-Dialog"


_DISMISS = """() => {
    const dialogs = document.querySelectorAll('.jp-Dialog');
    const dialog = dialogs[dialogs.length - 1];
    if (!dialog) return null;
    const title = (dialog.querySelector('.jp-Dialog-header') || dialog).textContent.trim();
    const accept = dialog.querySelector('.jp-Dialog-button.jp-mod-accept');
    const reject = dialog.querySelector('.jp-Dialog-button.jp-mod-reject');
    const button = (/kernel/i.test(title) && accept) || reject || accept;
    if (button) {
        button.click();
    } else {
        dialog.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
    }
    return {title, left: dialogs.length - 1};
}"""


def dismiss_dialog(page) -> str | None:
    """Answer the dialog on top, if any: the default kernel for "Select Kernel", "Dismiss"/"Cancel" for a
    question (a build notice), "Ok" for a notice ("Kernel Restarting"). Returns the dialog's title.

    The button is clicked from the page's own script: a Playwright click would itself wait for the dialog
    handler that calls this function.
    """
    answer = page.evaluate(_DISMISS)
    if answer is None:
        return None
    page.wait_for_function(
        "left => document.querySelectorAll('.jp-Dialog').length <= left", arg=answer["left"]
    )
    page.ibmq_dialogs.append(answer["title"])
    return answer["title"]


def handle_dialogs(page) -> None:
    """Dismiss any JupyterLab dialog before each Playwright action on ``page`` (titles kept in
    ``page.ibmq_dialogs`` for the failure report)."""
    page.ibmq_dialogs = []
    page.add_locator_handler(
        page.locator(DIALOG).first, lambda _dialog: dismiss_dialog(page), no_wait_after=True
    )


def wait_until(page, condition: str, timeout_ms: int = 120_000, arg: Any = None) -> Any:
    """Wait until the JavaScript ``condition`` (a function of ``arg``) returns a truthy value, dismissing
    any dialog that appears meanwhile; returns that value."""
    watch = f"""(arg) => {{
        if (document.querySelector('{DIALOG}')) return {{dialog: true}};
        const value = ({condition})(arg);
        return value ? {{value}} : false;
    }}"""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left_ms = (deadline - time.monotonic()) * 1000
        if left_ms <= 0:
            raise TimeoutError(f"timed out after {timeout_ms} ms waiting for {condition}")
        state = page.wait_for_function(watch, arg=arg, timeout=left_ms).json_value()
        if "dialog" not in state:
            return state["value"]
        dismiss_dialog(page)


# --- notebooks and kernels ----------------------------------------------------------------------------------------
CURRENT = "(window.jupyterapp && window.jupyterapp.shell.currentWidget)"
KERNEL_IDLE = f"""() => {{
    const panel = {CURRENT};
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected'
        && !panel.sessionContext.pendingInput;
}}"""


def open_notebook(page, server: JupyterLabServer, notebook: str) -> None:
    """Open ``notebook`` in JupyterLab, with its outputs and execution counts cleared, once its kernel is idle."""
    page.goto(server.lab_url(notebook))
    wait_until(page, f"() => {CURRENT} && {CURRENT}.content && {CURRENT}.content.widgets.length > 0", 120_000)
    wait_kernel_idle(page)
    wait_widgets_restored(page)
    record_kernel_messages(page)
    # Cleared counts tell the cells run in this session from the counts saved in the notebook.
    page.evaluate(f"() => {{ {CURRENT}.content.activeCellIndex = 0; }}")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
    wait_until(page, f"() => {CURRENT}.content.widgets.every(cell => cell.model.type !== 'code' "
               "|| cell.model.executionCount === null)", 30_000)  # fmt: skip


def wait_kernel_idle(page, timeout_ms: int = 180_000) -> None:
    """Wait until the notebook's kernel is connected and idle."""
    wait_until(page, KERNEL_IDLE, timeout_ms)


# The notebook's ipywidgets manager, reached through a widget renderer of the notebook's rendermime (the manager
# itself is kept in a WeakMap): it is stashed on the panel for WIDGETS_RESTORED to read.
_FIND_WIDGET_MANAGER = f"""async () => {{
    const panel = {CURRENT};
    const renderer = panel.content.rendermime.createRenderer('application/vnd.jupyter.widget-view+json');
    panel.ibmqWidgetManager = await renderer._manager.promise;
    renderer.dispose();
}}"""
WIDGETS_RESTORED = f"""() => {{
    const manager = {CURRENT}.ibmqWidgetManager;
    return manager && manager._restoredStatus && !manager._kernelRestoreInProgress;
}}"""


# Keeps, in the page, every message between the notebook and its kernel but the widgets' own (comm messages are
# only counted): time, direction, channel, type, and the type and id of the request it answers. A failing test's
# report prints them (tests/browser/conftest.py): they tell a message the kernel never sent from one the page
# dropped.
_RECORD_MESSAGES = f"""() => {{
    const kernel = {CURRENT}.sessionContext.session.kernel;
    const record = window.ibmqMessages = {{lines: [], comms: 0}};
    kernel.anyMessage.connect((_kernel, args) => {{
        const {{header, parent_header: parent, channel, content}} = args.msg;
        if (header.msg_type.startsWith('comm_')) {{ record.comms += 1; return; }}
        const detail = header.msg_type === 'status' ? content.execution_state : '';
        record.lines.push([performance.now().toFixed(0), args.direction, channel, header.msg_type, detail,
            (parent && parent.msg_type) || '', ((parent && parent.msg_id) || '').slice(-8),
            header.msg_id.slice(-8)].join(' '));
        if (record.lines.length > 400) record.lines.shift();
    }});
}}"""
MESSAGES = "() => window.ibmqMessages || null"


def record_kernel_messages(page) -> None:
    """Start keeping the messages between the open notebook and its kernel (``MESSAGES`` reads them)."""
    page.evaluate(_RECORD_MESSAGES)


def wait_widgets_restored(page, timeout_ms: int = 60_000) -> None:
    """Wait until the notebook's widget manager has restored the widgets of its new kernel.

    At a kernel's start the manager asks it for its widgets; while ipywidgets is not imported there, it falls
    back to listing the kernel's comms, and a cell that makes widgets while that listing is on its way can lose
    its widgets' models ("Error displaying widget: model not found"). A person opening a notebook is slower than
    that; a test runs its first cells at once, so it waits for the restore to end first."""
    page.evaluate(_FIND_WIDGET_MANAGER)
    wait_until(page, WIDGETS_RESTORED, timeout_ms)


def run_cells(page, indices: list[int], timeout_ms: int = 600_000) -> None:
    """Run the code cells at ``indices`` in order and wait for each to finish; a cell the kernel dropped
    (a kernel restarting under load) runs again, up to twice."""
    for index in indices:
        for _attempt in range(3):
            start_cell(page, index)
            if wait_cell_done(page, index, timeout_ms):
                break
            wait_kernel_idle(page)
        else:
            raise AssertionError(f"cell {index} never ran; dialogs seen: {page.ibmq_dialogs}")


def run_all_cells(page, timeout_ms: int = 600_000) -> None:
    """Run every code cell of the open notebook, in order, waiting for each to finish."""
    count = page.evaluate(f"() => {CURRENT}.content.widgets.length")
    code = [
        i for i in range(count) if page.evaluate(f"i => {CURRENT}.content.widgets[i].model.type", i) == "code"
    ]
    run_cells(page, code, timeout_ms)


def start_cell(page, index: int) -> None:
    """Ask JupyterLab to run cell ``index``; returns at once (see ``wait_cell_done``)."""
    wait_kernel_ready = (
        f"() => !!({CURRENT}.sessionContext.session && {CURRENT}.sessionContext.session.kernel)"
    )
    wait_until(page, wait_kernel_ready, 180_000)
    page.evaluate(
        f"""(index) => {{
            const panel = {CURRENT};
            window.ibmqRuns = window.ibmqRuns || {{}};
            panel.content.activeCellIndex = index;
            panel.content.deselectAll();
            window.ibmqRuns[index] = 'running';
            window.jupyterapp.commands.execute('notebook:run-cell').then(
                ok => {{ window.ibmqRuns[index] = ok ? 'ok' : 'failed'; }},
                error => {{ window.ibmqRuns[index] = 'error ' + error; }});
        }}""",
        index,
    )


def wait_cell_started(page, index: int, timeout_ms: int = 120_000) -> None:
    """Wait until cell ``index`` is executing or has finished (its prompt shows [*] or a count)."""
    wait_until(page, f"""(index) => {{
        const cell = {CURRENT}.content.widgets[index];
        return cell.model.executionCount !== null || cell.promptNode.textContent.includes('*');
    }}""", timeout_ms, arg=index)  # fmt: skip


def wait_cell_done(page, index: int, timeout_ms: int = 600_000) -> bool:
    """Wait until JupyterLab's run of cell ``index`` ends; True if the kernel executed it (it has a count)."""
    wait_until(page, "(index) => window.ibmqRuns[index] !== 'running'", timeout_ms, arg=index)
    return page.evaluate(f"i => {CURRENT}.content.widgets[i].model.executionCount !== null", index)


# --- pictures -------------------------------------------------------------------------------------------------
def screenshot(page, name: str) -> Path:
    """Save a screenshot of the window to tests/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def screenshot_whole(page, element, path: Path) -> Path:
    """Screenshot ``element`` whole to ``path``: the notebook scrolls inside the page, so the window grows to
    fit it first (and shrinks back after)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    height = int(element.bounding_box()["height"]) + 200
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(path), animations="disabled")
    page.set_viewport_size(viewport)
    return path
