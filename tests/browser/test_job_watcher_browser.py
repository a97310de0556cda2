"""%ibmq_job_watcher in JupyterLab, in headless Chromium: cancel while a cell waits, cancel while the kernel is
busy elsewhere, a job's result inline, and live rows while another cell keeps the kernel busy.

1. A cell blocks in ``job.result()`` of a minutes-long job; a click on that job's cancel button cancels it on
   the service within 10 s, while the cell still waits, and the cell ends with the client's "cancelled" error.
2. A cell keeps the kernel busy with something else (until the test releases it): the pressed button reads
   "cancel queued" at once, in the browser alone; once the cell ends, the kernel takes the click and cancels.
3. A click on a finished job's id shows its details and its counts histogram under the table.
4. One cell submits three jobs and the next sleeps: while the kernel is busy sleeping, the panel (updated by
   the watcher's poller thread) shows the jobs go from queued to running to done. The page itself records every
   status each row shows (a MutationObserver), so no state is missed between two looks.
"""

from __future__ import annotations

import json

from labdriver import (
    ARTIFACTS,
    open_notebook,
    run_cells,
    screenshot,
    screenshot_whole,
    start_cell,
    wait_cell_done,
    wait_cell_started,
    wait_until,
)
from watcher_page import (
    LONG_JOB,
    OUTPUT_WITH,
    SETUP,
    WAIT_RESULT,
    WATCH,
    cancel_while_result_waits,
    job_row,
    marker,
    wait_status,
    write_notebook,
)

SLEEP_SECONDS = 45

# busy with something that is not this package's wait, until the test creates the file
BUSY_UNTIL_RELEASED = """\
release = pathlib.Path("release-busy-cell")
while not release.exists():
    threading.Event().wait(0.1)
print("RELEASED_" + "DONE")
"""
TINY = """\
bell = QuantumCircuit(2, 2, name="bell")
bell.h(0)
bell.cx(0, 1)
bell.measure([0, 1], [0, 1])
tiny = backend.run(bell, shots=100, job_name="browser-tiny")
print("TINY_JOB=" + tiny.job_id(), sorted(tiny.result().get_counts()))
"""
SUBMIT = """\
jobs = [backend.run(busy_circuit(8, 10), shots=6000, job_name=f"browser-{i}") for i in range(3)]
print("SUBMITTED_JOBS=" + json.dumps([job.job_id() for job in jobs]))
"""
# the kernel stays busy as a long computation would keep it (a wait in the kernel, not in the test)
SLEEP = f"threading.Event().wait({SLEEP_SECONDS})\nprint('SLEPT_' + 'DONE')"

# Records, in the page, every status each visible row shows, in order: window.ibmqHistory[job id] = [states].
RECORD_HISTORY = """() => {
    window.ibmqHistory = {};
    const record = () => {
        for (const row of document.querySelectorAll('.ibmq-job-row')) {
            if (row.offsetParent === null) continue;
            const id = row.querySelector('.ibmq-job-job_id').textContent.trim();
            const status = row.querySelector('.ibmq-job-status').textContent.trim();
            const seen = window.ibmqHistory[id] = window.ibmqHistory[id] || [];
            if (seen[seen.length - 1] !== status) seen.push(status);
        }
    };
    new MutationObserver(record).observe(document.body,
        {subtree: true, childList: true, characterData: true, attributes: true});
    record();
}"""
# Ends when every job shows "done" or when the sleeping cell has printed, whichever comes first.
ALL_DONE_OR_AWAKE = """(ids) => {
    const history = window.ibmqHistory;
    const done = ids.every(id => (history[id] || []).slice(-1)[0] === 'done');
    const awake = [...document.querySelectorAll('.jp-OutputArea-output')]
        .some(output => output.textContent.includes('SLEPT_DONE'));
    return done || awake ? {done, awake, history: ids.map(id => history[id] || [])} : false;
}"""
# What the pressed cancel button of a job's row reads: its text, or the stylesheet's text over it.
CANCEL_TEXT = """(id) => {
    const row = [...document.querySelectorAll('.ibmq-job-row')]
        .find(row => row.querySelector('.ibmq-job-job_id').textContent.trim() === id);
    const button = row && row.querySelector('.ibmq-job-cancel');
    if (!button) return false;
    const over = getComputedStyle(button, '::after').content;
    return over && over !== 'none' && over !== 'normal' ? over.replace(/"/g, '') : button.textContent.trim();
}"""


def _in_order(seen: list[str], wanted: list[str]) -> bool:
    """Whether ``wanted`` occurs in ``seen`` as a subsequence."""
    remaining = iter(seen)
    return all(any(state == want for state in remaining) for want in wanted)


def test_cancel_while_result_waits_while_busy_elsewhere_and_a_result_inline(jupyter_lab, lab_page) -> None:
    page = lab_page
    release = jupyter_lab.root_dir / "release-busy-cell"
    release.unlink(missing_ok=True)
    cells = [
        SETUP,
        WATCH,
        LONG_JOB.format(name="victim", marker="VICTIM_JOB"),
        WAIT_RESULT,
        LONG_JOB.format(name="second", marker="SECOND_JOB"),
        BUSY_UNTIL_RELEASED,
        TINY,
    ]
    write_notebook(jupyter_lab.root_dir / "watcher_cancel.ipynb", *cells)
    open_notebook(page, jupyter_lab, "watcher_cancel.ipynb")
    run_cells(page, [0, 1])
    service = json.loads((jupyter_lab.data_dir / "service.json").read_text())
    assert marker(page, "SERVICE_URL") == service["url"]  # the kernel found the server extension's service

    # 1. the cell blocks in victim.result(); the click goes through the waiting loop, within 10 s
    raised = cancel_while_result_waits(page, 2, 3, "job-watcher")
    assert raised["cancelled"], raised["error"]

    # 2. busy elsewhere: the button says the click is queued, at once; the kernel cancels after the cell
    run_cells(page, [4])
    second = marker(page, "SECOND_JOB")
    wait_status(page, second, "^(queued|running)$")
    start_cell(page, 5)
    wait_cell_started(page, 5)
    job_row(page, second).first.locator(".ibmq-job-cancel").click()
    assert wait_until(page, f"(id) => ({CANCEL_TEXT})(id) === 'cancel queued'", 10_000, arg=second)
    screenshot(page, "job-watcher-cancel-queued")
    assert job_row(page, second).first.locator(".ibmq-job-status").inner_text() in ("queued", "running")
    release.write_text("go")
    assert wait_cell_done(page, 5, 60_000)
    wait_status(page, second, "^cancelled$", 60_000)

    # 3. a finished job's id shows its details and its histogram
    run_cells(page, [6])
    tiny = marker(page, "TINY_JOB")
    wait_status(page, tiny, "^done$")
    job_row(page, tiny).first.locator(".ibmq-job-job_id").click()
    details = page.locator(".ibmq-job-details").first
    details.locator("img.ibmq-job-details-plot[src]").wait_for(timeout=60_000)
    wait_until(
        page,
        "(id) => { const d = document.querySelector('.ibmq-job-details'); "
        "return d && d.innerText.includes(id) && d.innerText.includes('100'); }",
        30_000,
        arg=tiny,
    )
    screenshot_whole(page, page.locator(".ibmq-job-watcher").first, ARTIFACTS / "job-watcher-details.png")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, "\n---\n".join(errors.all_inner_texts())


def test_watcher_rows_stay_live_while_the_kernel_is_busy(jupyter_lab, lab_page) -> None:
    page = lab_page
    write_notebook(jupyter_lab.root_dir / "watcher_live.ipynb", SETUP, WATCH, SUBMIT, SLEEP)
    open_notebook(page, jupyter_lab, "watcher_live.ipynb")
    run_cells(page, [0, 1])
    page.locator(".ibmq-job-watcher").first.wait_for(timeout=60_000)
    page.evaluate(RECORD_HISTORY)
    run_cells(page, [2])
    run_ids = json.loads(wait_until(page, OUTPUT_WITH, 60_000, arg="SUBMITTED_JOBS=").split("=", 1)[1])
    start_cell(page, 3)
    wait_cell_started(page, 3)
    seen = wait_until(page, ALL_DONE_OR_AWAKE, (SLEEP_SECONDS + 120) * 1000, arg=run_ids)
    history = dict(zip(run_ids, seen["history"], strict=True))
    page.locator(".ibmq-job-watcher").first.evaluate("panel => panel.scrollIntoView({block: 'start'})")
    screenshot(page, "job-watcher")
    assert seen["done"] and not seen["awake"], (
        f"the panel did not show every job finish while the kernel slept: {history}"
    )
    assert any(_in_order(states, ["queued", "running", "done"]) for states in history.values()), history
    state = page.locator(".ibmq-job-watcher-state").first.inner_text()
    assert "pending" in state and "connection lost" not in state
    assert wait_cell_done(page, 3, 120_000)
