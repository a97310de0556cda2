"""The job watcher in the other two frontends, Jupyter Notebook 7 and Voilà, each in headless Chromium.

- Notebook 7: the same check as in JupyterLab: a cell blocks in ``job.result()`` of a minutes-long job, a click on
  that job's cancel button cancels it within 10 s, and the cell ends with the client's "cancelled" error.
- Voilà (the notebook's outputs as a page, its kernel idle once they are shown): the watcher of every instance is
  live, and a click on a job's cancel button cancels it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from frontends import open_in_notebook7, start_notebook7, start_voila
from labdriver import JupyterLabServer, run_cells, screenshot
from watcher_page import (
    HELPERS,
    LONG_JOB,
    SETUP,
    WAIT_RESULT,
    WATCH,
    cancel_while_result_waits,
    job_row,
    marker,
    wait_no_cancel_button,
    wait_status,
    write_notebook,
)

NOTEBOOK = "watcher_frontend.ipynb"
VOILA_WATCHER = f"""\
import sys
from ibmq_widgets import IBMQ, JobWatcher
sys.path.insert(0, {HELPERS!r})
from watcher_live_helpers import slow_circuit

provider = IBMQ.load_account()
job = provider.get_backend("ibmq_qasm_simulator").run(slow_circuit(), shots=100_000, job_name="voila-cancel-me")
print("VOILA_JOB=" + job.job_id())
JobWatcher(IBMQ, interval=0.5)
"""


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory, jupyter_lab) -> Iterator[JupyterLabServer]:
    """Notebook 7 on a free loopback port (after JupyterLab's fixture, which checks Chromium is there)."""
    root = tmp_path_factory.mktemp("nb7-watcher-root")
    write_notebook(
        root / NOTEBOOK, SETUP, WATCH, LONG_JOB.format(name="victim", marker="VICTIM_JOB"), WAIT_RESULT
    )
    data_dir, home = tmp_path_factory.mktemp("nb7-watcher-data"), tmp_path_factory.mktemp("nb7-watcher-home")
    with start_notebook7(root, data_dir, home) as server:
        yield server


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory, jupyter_lab) -> Iterator[JupyterLabServer]:
    """Voilà serving a notebook that submits a long job and shows the watcher."""
    notebook = write_notebook(tmp_path_factory.mktemp("voila-watcher-root") / NOTEBOOK, VOILA_WATCHER)
    data_dir, home = (
        tmp_path_factory.mktemp("voila-watcher-data"),
        tmp_path_factory.mktemp("voila-watcher-home"),
    )
    with start_voila(notebook, data_dir, home) as server:
        yield server


def test_cancel_while_result_waits_in_notebook7(notebook7, lab_page) -> None:
    page = lab_page
    open_in_notebook7(page, notebook7, NOTEBOOK)
    run_cells(page, [0, 1])
    raised = cancel_while_result_waits(page, 2, 3, "job-watcher-notebook7")
    assert raised["cancelled"], raised["error"]


def test_watcher_in_voila_is_live_and_cancels(voila, lab_page) -> None:
    page = lab_page
    page.goto(voila.url)  # Voilà runs the notebook and shows its outputs: wait on what they show
    job_id = marker(page, "VOILA_JOB", 300_000)
    wait_status(page, job_id, "^(queued|running)$")
    title = page.locator(".ibmq-job-watcher-title").first.inner_text()
    assert title == "IBM Quantum jobs · 2 instances: ibm-q/open/main, ibm-q-network/research/main"
    job_row(page, job_id).first.locator(".ibmq-job-cancel").click()
    wait_status(page, job_id, "^(cancelling|cancelled)$", 10_000)
    wait_status(page, job_id, "^cancelled$", 60_000)
    wait_no_cancel_button(page, job_id)
    screenshot(page, "job-watcher-voila")
    assert page.locator(".jp-OutputArea-output[data-mime-type*='stderr'], .voila-error").count() == 0
