"""Driving JupyterLab from Playwright: open a notebook, run cells, wait for the kernel, take screenshots."""

from __future__ import annotations

from pathlib import Path

from conftest import ARTIFACTS, JupyterLabServer


def open_notebook(page, server: JupyterLabServer, notebook: str) -> None:
    """Open ``notebook`` in JupyterLab and wait until its kernel is idle."""
    page.goto(server.lab_url(notebook))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    wait_kernel_idle(page)


def wait_kernel_idle(page, timeout_ms: int = 120_000) -> None:
    """Wait until the notebook's kernel reports idle and no cell shows ``[*]``."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')];
            const busy = prompts.some(p => p.textContent.includes('*'));
            const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
            const idle = !status || status.getAttribute('data-status') !== 'busy';
            return !busy && idle;
        }""",
        timeout=timeout_ms,
    )


def run_all_cells(page, timeout_ms: int = 300_000) -> None:
    """Run > Run All Cells from the menu bar and wait for the kernel to go idle.

    Runs again if no cell started: a kernel that restarts during start-up drops the queued cells (seen on a
    loaded machine).
    """
    # Queued or running cells show [*]; the counts stored in the notebook ([1], [2]...) prove nothing.
    started = "[...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')].some(p => p.textContent.includes('*'))"
    for _attempt in range(3):
        page.locator(".jp-Notebook").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(started, timeout=30_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    wait_kernel_idle(page, timeout_ms)


def screenshot(page, name: str) -> Path:
    """Save a screenshot to tests/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
