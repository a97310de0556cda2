"""The job watcher as the browser tests see it, in any frontend: the notebook code they run, and what they read and
press on the page (rows by job id, statuses, the cancel button), each wait on the exact state it then checks.

The notebooks import the minutes-long circuit from tests/integration/watcher/watcher_live_helpers.py, so the
browser and the live tests keep one job of that kind.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from labdriver import REPO, screenshot, start_cell, wait_cell_done, wait_cell_started, wait_until

HELPERS = str(REPO / "tests" / "integration" / "watcher")
SETUP = f"""\
import json, pathlib, sys, threading, time
from qiskit import QuantumCircuit
from ibmq_widgets import IBMQ
from ibmq_widgets.exceptions import IBMQJobFailureError

provider = IBMQ.load_account()  # the server extension's service, found with no configuration
%load_ext ibmq_widgets
backend = provider.get_backend("ibmq_qasm_simulator")
sys.path.insert(0, {HELPERS!r})
from watcher_live_helpers import slow_circuit as busy_circuit  # shot by shot: seconds per thousand shots

print("SERVICE_URL=" + provider.url)
"""
WATCH = "%ibmq_job_watcher -i 0.5 -k 10"
LONG_JOB = """\
{name} = backend.run(busy_circuit(10, 20), shots=100_000, job_name="browser-{name}")  # minutes long
print("{marker}=" + {name}.job_id())
"""
WAIT_RESULT = """\
try:
    victim.result()
    print("RESULT_RETURNED")
except IBMQJobFailureError as error:
    print("RESULT_RAISED=" + json.dumps({"cancelled": "cancelled" in str(error), "error": str(error)}))
"""
OUTPUT_WITH = """(text) => [...document.querySelectorAll('.jp-OutputArea-output')]
    .map(output => output.textContent).find(content => content.includes(text)) || false"""


def write_notebook(path: Path, *sources: str) -> Path:
    """A notebook of one code cell per source at ``path``, with the python3 kernel named (no kernel dialog)."""

    def cell(source: str) -> dict:
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}

    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": [cell(source) for source in sources], "metadata": {"kernelspec": kernel}}
    path.write_text(json.dumps({**notebook, "nbformat": 4, "nbformat_minor": 5}))
    return path


def marker(page, name: str, timeout_ms: int = 120_000) -> str:
    """The value a cell printed as ``NAME=value`` (names in capitals: the panel itself says "jobs")."""
    text = wait_until(page, OUTPUT_WITH, timeout_ms, arg=f"{name}=")
    return text.split(f"{name}=", 1)[1].split()[0].strip()


def job_row(page, job_id: str):
    """The watcher rows of a job (a locator)."""
    return page.locator(".ibmq-job-row", has=page.locator(".ibmq-job-job_id", has_text=job_id))


# What the watcher panels on the page show: their state line and each row's job id and status.
PANELS = """() => [...document.querySelectorAll('.ibmq-job-watcher')].map(panel => ({
    state: (panel.querySelector('.ibmq-job-watcher-state') || {}).textContent,
    rows: [...panel.querySelectorAll('.ibmq-job-row')].map(row =>
        row.querySelector('.ibmq-job-job_id').textContent.trim() + ' '
        + row.querySelector('.ibmq-job-status').textContent.trim()),
}))"""


def wait_status(page, job_id: str, pattern: str, timeout_ms: int = 120_000) -> None:
    """Wait until the job's row shows a status matching the regular expression ``pattern``; on a timeout,
    the error says what the panels showed instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    status = job_row(page, job_id).first.locator(".ibmq-job-status", has_text=re.compile(pattern))
    try:
        status.wait_for(timeout=timeout_ms)
    except PlaywrightTimeout:
        shown = page.evaluate(PANELS)
        raise AssertionError(
            f"job {job_id} never showed /{pattern}/ in {timeout_ms} ms; panels: {shown}"
        ) from None


def wait_no_cancel_button(page, job_id: str, timeout_ms: int = 10_000) -> None:
    """Wait until the job's row has no cancel button (a finished job's row; the status label and the row's
    children are separate widget updates, so the page may show "cancelled" a moment before the button goes)."""
    from playwright.sync_api import expect

    expect(job_row(page, job_id).first.locator(".ibmq-job-cancel")).to_have_count(0, timeout=timeout_ms)


def cancel_while_result_waits(page, victim_cell: int, wait_cell: int, name: str) -> dict:
    """Run the cell submitting the victim, start the cell waiting in ``victim.result()``, press the victim's
    cancel button while it waits; return what the waiting cell printed once it raised (within 10 s).

    Checked on the way: the row says cancelling (or cancelled) within 10 s of the press, the job ends cancelled,
    and its row has no button left.
    """
    start_cell(page, victim_cell)
    assert wait_cell_done(page, victim_cell, 120_000)
    victim = marker(page, "VICTIM_JOB")
    wait_status(page, victim, "^(queued|running)$")
    start_cell(page, wait_cell)
    wait_cell_started(page, wait_cell)
    job_row(page, victim).first.locator(".ibmq-job-cancel").click()
    wait_status(page, victim, "^(cancelling|cancelled)$", 10_000)
    raised = wait_until(page, OUTPUT_WITH, 10_000, arg="RESULT_RAISED=")
    wait_status(page, victim, "^cancelled$", 30_000)
    wait_no_cancel_button(page, victim)  # finished rows: no button
    assert wait_cell_done(page, wait_cell, 30_000)
    screenshot(page, f"{name}-cancelled-while-waiting")
    return json.loads(raised.split("RESULT_RAISED=", 1)[1].splitlines()[0])
