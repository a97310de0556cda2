"""The tutorial notebooks in JupyterLab, in headless Chromium: Run All, as a reader would press it, and what stays.

- 04_job_watcher: both watchers (the magic's, following every instance, and the ``JobWatcher`` panel) are
  visible after Run All and stay live: their state lines keep updating, the jobs show done or cancelled, and
  the panel shows the Estimator job's result under its table.
- 02_job_manager: every progress bar ends full and green (none stays stuck part way).
- 01_account_and_backends: runs through, the timeout demo included.

Each check waits on the page's state, never on a fixed pause; screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from labdriver import (
    ARTIFACTS,
    CURRENT,
    open_notebook,
    screenshot,
    screenshot_whole,
    wait_kernel_idle,
    wait_until,
)

STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
RUN_ALL = """() => {
    window.ibmqRunAll = 'running';
    window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        ok => { window.ibmqRunAll = ok ? 'ok' : 'failed'; },
        error => { window.ibmqRunAll = 'error ' + error; });
}"""
ALL_RAN = f"""() => window.ibmqRunAll !== 'running' && {CURRENT}.content.widgets.every(
    cell => cell.model.type !== 'code' || cell.model.executionCount !== null) && window.ibmqRunAll"""
# Each watcher's title, state line, and the status of each row by job name.
WATCHERS = """() => [...document.querySelectorAll('.ibmq-job-watcher')].map(panel => ({
    title: panel.querySelector('.ibmq-job-watcher-title').textContent.trim(),
    state: panel.querySelector('.ibmq-job-watcher-state').textContent.trim(),
    rows: Object.fromEntries([...panel.querySelectorAll('.ibmq-job-row')].map(row => [
        row.querySelector('.ibmq-job-name').textContent.trim(),
        row.querySelector('.ibmq-job-status').textContent.trim()])),
    plot: !!panel.querySelector('img.ibmq-job-details-plot[src]'),
}))"""
# The magic's watcher, drawn on screen (the notebook draws the cells it scrolls to).
IN_VIEW = """() => {
    const panel = document.querySelector('.ibmq-job-watcher');
    const box = panel && panel.getBoundingClientRect();
    return !!box && box.height > 100 && box.top >= 0 && box.top < window.innerHeight / 2;
}"""
PROGRESS = """() => [...document.querySelectorAll('.widget-hprogress')].map(bar => ({
    width: bar.querySelector('.progress-bar').style.width,
    success: bar.querySelector('.progress-bar').classList.contains('progress-bar-success'),
}))"""


def run_all(page, server, notebook: str) -> None:
    """Open ``notebook`` and press Run All; return once every code cell has run and the kernel is idle."""
    open_notebook(page, server, notebook)
    page.evaluate(RUN_ALL)
    outcome = wait_until(page, ALL_RAN, 600_000)
    assert outcome == "ok", f"Run All ended with {outcome}"
    wait_kernel_idle(page)
    errors = page.locator(STDERR)
    assert errors.count() == 0, "\n---\n".join(errors.all_inner_texts())


def test_04_run_all_leaves_both_watchers_visible_and_live(jupyter_lab, lab_page) -> None:
    page = lab_page
    run_all(page, jupyter_lab, "04_job_watcher.ipynb")
    done = (
        "(ps) => ps.length === 3 && ['bell-0', 'bell-1', 'bell-2', 'bell-observables']"
        ".every(name => ps[0].rows[name] === 'done') && ps[0].rows['cancel-me'] === 'cancelled'"
        " && ps[1].rows['bell-observables'] === 'done' && ps[1].plot"
    )
    panels = wait_until(
        page, f"() => {{ const ps = ({WATCHERS})(); return ({done})(ps) ? ps : false; }}", 120_000
    )
    magic, panel, again = panels
    assert magic["title"] == "IBM Quantum jobs · 2 instances: ibm-q/open/main, ibm-q-network/research/main"
    assert panel["title"] == again["title"] == "IBM Quantum jobs · ibm-q-network/research/main"
    assert "bell-0" not in panel["rows"]  # the panel follows the research instance only
    for watcher in panels:
        assert watcher["state"].startswith("● ") and "connection lost" not in watcher["state"]
    # live: each state line says when it last heard from the service, and that time moves on
    moved = wait_until(
        page,
        f"(before) => {{ const now = ({WATCHERS})().map(p => p.state);"
        " return now.every((state, i) => state !== before[i] && state.startsWith('● ')) ? now : false; }",
        60_000,
        arg=[watcher["state"] for watcher in panels],
    )
    assert all("updated" in state for state in moved)
    page.locator(".ibmq-job-watcher").first.evaluate("panel => panel.scrollIntoView({block: 'start'})")
    wait_until(page, IN_VIEW, 30_000)
    screenshot(page, "notebook-04-watcher")
    output = page.locator(".jp-OutputArea-output", has=page.locator(".ibmq-job-details")).last
    screenshot_whole(page, output, ARTIFACTS / "notebook-04-panel-details.png")


def test_02_run_all_ends_with_every_progress_bar_full(jupyter_lab, lab_page) -> None:
    page = lab_page
    run_all(page, jupyter_lab, "02_job_manager.ipynb")
    bars = wait_until(
        page,
        f"() => {{ const bars = ({PROGRESS})();"
        " return bars.length >= 3 && bars.every(b => b.width === '100%' && b.success) ? bars : false; }",
        120_000,
    )
    assert len(bars) >= 3
    screenshot(page, "notebook-02-progress")


def test_01_run_all_runs_through(jupyter_lab, lab_page) -> None:
    page = lab_page
    run_all(page, jupyter_lab, "01_account_and_backends.ipynb")
    text = wait_until(
        page,
        "() => [...document.querySelectorAll('.jp-OutputArea-output')].map(o => o.textContent)"
        ".find(t => t.includes('IBMQJobTimeoutError after 2 s')) || false",
        30_000,
    )
    assert "finished: False" in text and "cancelled: True CANCELLED" in text
