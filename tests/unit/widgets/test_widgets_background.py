"""The widgets' worker thread and the layer rule: widgets never import requests or the service."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import ibmq_widgets.widgets as widgets_package
from ibmq_widgets.widgets.feeds.background import BackgroundWorker

WIDGETS_DIR = Path(widgets_package.__file__).parent


def test_tasks_run_in_order_on_one_thread_and_errors_go_to_the_handler():
    errors: list[BaseException] = []
    worker = BackgroundWorker("test-worker", on_error=errors.append)
    assert not worker.running  # nothing starts before the first task
    seen: list[tuple[int, str]] = []
    for index in range(5):
        worker.submit(lambda index=index: seen.append((index, threading.current_thread().name)))
    worker.submit(lambda: 1 / 0)
    worker.submit(lambda: seen.append((5, threading.current_thread().name)))
    assert worker.wait_idle(10)
    assert [index for index, _ in seen] == list(range(6))
    assert {name for _, name in seen} == {"test-worker"}
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)
    worker.stop()
    worker.stop()  # idempotent
    assert not worker.running


def test_start_stop_cycles_leave_no_thread_behind():
    before = threading.active_count()
    for _ in range(50):
        worker = BackgroundWorker("cycle")
        worker.submit(lambda: None)
        worker.stop()
    assert threading.active_count() == before


def test_an_idle_worker_ends_its_thread_and_starts_again_on_demand():
    worker = BackgroundWorker("idle", idle_timeout=0.05)
    worker.submit(lambda: None)
    assert worker.wait_idle(5)
    deadline = time.monotonic() + 5
    while worker.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not worker.running
    done = threading.Event()
    worker.submit(done.set)
    assert done.wait(5) and worker.wait_idle(5)
    worker.stop()


def imports_of(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


def test_widgets_never_import_requests_or_the_service():
    paths = sorted(WIDGETS_DIR.rglob("*.py"))
    assert any(path.parent.name == "feeds" for path in paths)  # the subpackages are read too
    for path in paths:
        for name in imports_of(path):
            assert not name.startswith(("requests", "ibmq_widgets.service")), f"{path.name} imports {name}"


def test_the_feeds_draw_nothing():
    # Data and threads on one side, views on the other: nothing under feeds/ imports a view or a drawing library.
    for path in sorted((WIDGETS_DIR / "feeds").rglob("*.py")):
        for name in imports_of(path):
            assert not name.startswith(("ipywidgets", "matplotlib", "jinja2", "tqdm")), f"{path.name}: {name}"
            if name.startswith("ibmq_widgets.widgets"):
                assert name.startswith("ibmq_widgets.widgets.feeds"), f"{path.name} imports the view {name}"


def test_lazy_names_resolve():
    for name in widgets_package.__all__:
        assert getattr(widgets_package, name) is not None
