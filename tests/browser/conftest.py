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
    MESSAGES,
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
            stacks, server_log = _kernel_stacks(), _server_of(request, jupyter_lab).log()
            messages = _page_value(page, MESSAGES) or {"lines": ["(not recorded)"], "comms": 0}
            (ARTIFACTS / f"FAILED-{request.node.name}.log").write_text(
                f"dialogs dismissed: {page.ibmq_dialogs}\n\nbrowser console (warnings, errors):\n"
                + "\n".join(console[-200:])
                + f"\n\nkernel messages ({messages['comms']} comm messages not listed):\n"
                + "\n".join(messages["lines"])
                + f"\n\nkernels:\n{stacks}\n\n{server_log}"
            )
            # a digest in the test's report too, for CI runs whose artifacts are gone
            print("--- browser console, last errors:", *console[-15:], sep="\n")
            print(f"--- kernel messages, last 60 ({messages['comms']} comm messages not listed):")
            print(*messages["lines"][-60:], sep="\n")
            print("--- kernels' main and ibmq threads:", _digest_stacks(stacks), sep="\n")
            print("--- server log, last lines:", *server_log.splitlines()[-25:], sep="\n")
        context.close()


def _server_of(request: pytest.FixtureRequest, default: JupyterLabServer) -> JupyterLabServer:
    """The server the failed test used (JupyterLab, Notebook 7 or Voila)."""
    servers = [value for value in request.node.funcargs.values() if isinstance(value, JupyterLabServer)]
    return servers[0] if servers else default


def _page_value(page, expression: str):
    """What ``expression`` gives in the page, or None if the page cannot answer (closed, crashed)."""
    try:
        return page.evaluate(expression)
    except Exception:
        return None


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


def _digest_stacks(stacks: str, max_lines: int = 120) -> str:
    """The parts of py-spy dumps that tell a hang: each kernel's header and its threads' first frames."""
    kept, frames_left = [], 0
    for line in stacks.splitlines():
        if line.startswith(("--- kernel", "Process ", "Python ")):
            kept.append(line)
        elif line.startswith("Thread "):
            kept.append(line)
            frames_left = 14 if "MainThread" in line else 4
        elif frames_left > 0 and line.strip():
            kept.append(line)
            frames_left -= 1
    return "\n".join(kept[:max_lines])


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
