"""%ibmq_job_watcher in JupyterLab, in headless Chromium: live rows while another cell is busy, and cancel.

The notebook runs the magic and submits a long job, which a click on its row's cancel button cancels on the
service. Then one cell submits three jobs and the next sleeps: while the kernel is busy sleeping, the panel
(updated by the watcher's poller thread) must show the jobs go from queued to running to done.
"""

from __future__ import annotations

import json
import re
import time

from labdriver import open_notebook, screenshot, wait_kernel_idle

SLEEP_SECONDS = 45

SETUP = """\
import json, time
from qiskit import QuantumCircuit
from ibmq_widgets import IBMQ

provider = IBMQ.load_account()  # the server extension's service, found with no configuration
%load_ext ibmq_widgets

def busy_circuit(width, layers):
    # mid-circuit measurements make Aer simulate shot by shot: a job of a few seconds
    circuit = QuantumCircuit(width, width)
    for layer in range(layers):
        for qubit in range(width):
            circuit.rx(0.1 * (qubit + layer + 1), qubit)
        for qubit in range(width - 1):
            circuit.cx(qubit, qubit + 1)
        circuit.measure(0, 0)
    circuit.measure(range(width), range(width))
    return circuit

print("SERVICE_URL=" + provider.url)
"""
WATCH = "%ibmq_job_watcher -i 0.5 -k 10"
VICTIM = """\
backend = provider.get_backend("ibmq_qasm_simulator")
victim = backend.run(busy_circuit(10, 20), shots=100_000, job_name="browser-cancel-me")  # minutes long
print("VICTIM_JOB=" + victim.job_id())
"""
SUBMIT = """\
jobs = [backend.run(busy_circuit(8, 10), shots=6000, job_name=f"browser-{i}") for i in range(3)]
print("SUBMITTED_JOBS=" + json.dumps([job.job_id() for job in jobs]))
"""
BUSY = f"time.sleep({SLEEP_SECONDS})\nprint('SLEPT_' + 'DONE')"

ROWS_JS = """() => [...document.querySelectorAll('.ibmq-job-row')]
    .filter(row => row.offsetParent !== null)
    .map(row => [row.querySelector('.ibmq-job-job_id').textContent.trim(),
                 row.querySelector('.ibmq-job-status').textContent.trim()])"""


def _notebook() -> dict:
    def cell(source: str) -> dict:
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}

    return {
        "cells": [cell(SETUP), cell(WATCH), cell(VICTIM), cell(SUBMIT), cell(BUSY)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _accept_kernel_dialog(page) -> bool:
    """Answer JupyterLab's "Select Kernel" dialog, if it is showing, with the default kernel."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    if dialog.count() == 0:
        return False
    dialog.locator("button", has_text="Select").click()
    dialog.wait_for(state="detached")
    return True


def _run_cell(page, index: int) -> None:
    """Run one cell with Shift+Enter and make sure it started (JupyterLab may still be settling its kernel,
    or ask which kernel to use, and then drop the request)."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    for _attempt in range(6):
        _accept_kernel_dialog(page)
        prompt.click()  # selects the cell without entering its editor
        page.keyboard.press("Shift+Enter")
        for _tick in range(20):
            page.wait_for_timeout(250)
            if re.search(r"\[(\*|\d+)\]", prompt.inner_text()):
                return
            if _accept_kernel_dialog(page):
                break
    raise AssertionError(f"cell {index} never started running")


def _in_order(seen: list[str], wanted: list[str]) -> bool:
    """Whether ``wanted`` occurs in ``seen`` as a subsequence."""
    remaining = iter(seen)
    return all(any(state == want for state in remaining) for want in wanted)


def test_watcher_panel_updates_while_the_kernel_is_busy_and_cancels(jupyter_lab, lab_page) -> None:
    page = lab_page
    (jupyter_lab.root_dir / "watcher_browser.ipynb").write_text(json.dumps(_notebook()))
    open_notebook(page, jupyter_lab, "watcher_browser.ipynb")
    # markers in capitals with "=": Playwright's has_text ignores case, and the panel itself says "jobs"
    outputs = page.locator(".jp-OutputArea-output")

    def marker(name: str) -> str:
        outputs.filter(has_text=f"{name}=").first.wait_for(timeout=180_000)
        return outputs.filter(has_text=f"{name}=").first.inner_text().split(f"{name}=", 1)[1].strip()

    _run_cell(page, 0)
    service = json.loads((jupyter_lab.data_dir / "service.json").read_text())
    assert marker("SERVICE_URL") == service["url"]  # the kernel found the server extension's service
    _run_cell(page, 1)
    page.locator(".ibmq-job-watcher").first.wait_for(timeout=60_000)

    # cancel: a widget's click is handled by the kernel between cells (a busy kernel queues it)
    _run_cell(page, 2)
    victim = marker("VICTIM_JOB")
    wait_kernel_idle(page)
    victim_row = page.locator(".ibmq-job-row", has_text=victim)
    victim_row.locator(".ibmq-job-status", has_text=re.compile("^(queued|running)$")).wait_for()
    victim_row.locator("button", has_text="cancel").click()
    victim_row.locator(".ibmq-job-status", has_text=re.compile("^cancelled$")).wait_for(timeout=60_000)
    assert victim_row.locator("button").is_disabled()

    # live rows while the kernel sleeps: submit three jobs, then a cell that keeps the kernel busy
    _run_cell(page, 3)
    run_ids = json.loads(marker("SUBMITTED_JOBS"))
    _run_cell(page, 4)
    history: dict[str, list[str]] = {job_id: [] for job_id in run_ids}
    deadline = time.monotonic() + SLEEP_SECONDS - 5
    finished_while_busy = False
    while time.monotonic() < deadline:
        busy = outputs.filter(has_text="SLEPT_DONE").count() == 0
        for job_id, status in page.evaluate(ROWS_JS):
            if job_id in history and (not history[job_id] or history[job_id][-1] != status):
                history[job_id].append(status)
        if all(states[-1:] == ["done"] for states in history.values()):
            finished_while_busy = busy
            break
        page.wait_for_timeout(150)

    page.locator(".ibmq-job-watcher").first.evaluate("panel => panel.scrollIntoView({block: 'start'})")
    screenshot(page, "job-watcher")
    assert finished_while_busy, f"the panel did not show every job finish while the kernel slept: {history}"
    assert any(_in_order(states, ["queued", "running", "done"]) for states in history.values()), history
    assert victim_row.locator(".ibmq-job-status").inner_text() == "cancelled"
    state = page.locator(".ibmq-job-watcher-state").first.inner_text()
    assert "pending" in state and "connection lost" not in state
    wait_kernel_idle(page, timeout_ms=120_000)
