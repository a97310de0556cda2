"""Browser fixtures: a real JupyterLab server on loopback and a Playwright page in Debian's headless Chromium.

Under CI (CI=true) a missing Chromium or Playwright is a failure, never a silent skip: ./dev test installs both.
The server and the browser come from labdriver.py, which the README's screenshot script
(scripts/readme_screenshot.py) uses too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from labdriver import (
    ARTIFACTS,
    CHROMIUM,
    REPO,
    JupyterLabServer,
    handle_dialogs,
    launch_chromium,
    start_lab,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)


def _require_browser() -> None:
    """Skip outside CI when Chromium or Playwright is missing; fail under CI, where ./dev test installs them."""
    problems = []
    if not Path(CHROMIUM).exists():
        problems.append(f"{CHROMIUM} not found (apt-get install chromium chromium-driver)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("playwright is not installed (pip install playwright)")
    if problems:
        message = "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need: {message}")
        pytest.skip(f"browser tests need: {message}")


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    """JupyterLab on a free loopback port serving a copy of notebooks/, with the ibmq_widgets extension."""
    _require_browser()
    root = tmp_path_factory.mktemp("lab-root")
    for notebook in (REPO / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, root / notebook.name)
    data_dir = tmp_path_factory.mktemp("lab-service-data")
    with start_lab(root, data_dir, tmp_path_factory.mktemp("lab-home")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    _require_browser()
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def lab_page(browser, jupyter_lab: JupyterLabServer, request: pytest.FixtureRequest) -> Iterator:
    """A fresh browser page (1400x1000) that dismisses JupyterLab's dialogs; on failure, a screenshot and
    the server's log are kept in tests/artifacts/."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    handle_dialogs(page)
    console: list[str] = []  # the page's warnings and errors, kept for a failure's log
    page.on(
        "console", lambda message: console.append(f"{message.type}: {message.text}"[:500])
        if message.type in ("warning", "error") else None
    )  # fmt: skip
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
            (ARTIFACTS / f"FAILED-{request.node.name}.log").write_text(
                f"dialogs dismissed: {page.ibmq_dialogs}\n\nbrowser console (warnings, errors):\n"
                + "\n".join(console[-200:])
                + f"\n\nkernels:\n{_kernel_stacks()}\n\n{jupyter_lab.log()}"
            )
        context.close()


def _kernel_stacks() -> str:
    """Every running ipykernel's Python stacks, when py-spy is installed (a hang's evidence)."""
    import subprocess

    if shutil.which("py-spy") is None or shutil.which("pgrep") is None:
        return "(py-spy not installed)"
    found = subprocess.run(
        ["pgrep", "-f", "ipykernel_launcher"], capture_output=True, text=True
    ).stdout.split()
    dumps = []
    for pid in found:
        dump = subprocess.run(["py-spy", "dump", "--pid", pid], capture_output=True, text=True, timeout=60)
        dumps.append(f"--- kernel pid {pid}\n{dump.stdout}{dump.stderr}")
    return "\n".join(dumps) or "(no kernel running)"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
