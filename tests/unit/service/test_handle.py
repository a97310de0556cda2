"""ServiceHandle: stop once however often it is called, no key in its repr, one atexit hook per process."""

from __future__ import annotations

import atexit
import gc
from pathlib import Path

from ibmq_widgets.service import handle as handle_module
from ibmq_widgets.service.handle import ServiceHandle, stop_at_exit


def make_handle(stops: list[str], name: str = "h") -> ServiceHandle:
    return ServiceHandle(
        url="http://127.0.0.1:1", port=1, api_key="very-secret-key", instances=[], data_dir=Path("/d"),
        started_by="embedded", state=None, application=None, stopper=lambda: stops.append(name),  # type: ignore[arg-type]
    )  # fmt: skip


def test_stop_runs_once_and_with_stops():
    stops: list[str] = []
    with make_handle(stops) as handle:
        assert handle.running
    handle.stop()
    assert stops == ["h"] and not handle.running
    assert "very-secret-key" not in repr(handle) and "stopped" in repr(handle)


def test_every_handle_is_stopped_at_exit_by_one_hook(monkeypatch):
    registered: list = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(handle_module, "_exit_hook_registered", False)
    monkeypatch.setattr(handle_module, "_live_handles", type(handle_module._live_handles)())
    stops: list[str] = []
    handles = [make_handle(stops, name) for name in ("a", "b", "c")]
    for handle in handles:
        stop_at_exit(handle)
    assert len(registered) == 1
    handles[1].stop()
    registered[0]()  # what the interpreter does at exit
    assert sorted(stops) == ["a", "b", "c"]  # b stopped once, by its owner


def test_the_exit_hook_does_not_keep_a_dropped_handle_alive(monkeypatch):
    monkeypatch.setattr(atexit, "register", lambda hook: None)
    monkeypatch.setattr(handle_module, "_live_handles", type(handle_module._live_handles)())
    stop_at_exit(make_handle([]))
    gc.collect()
    assert len(handle_module._live_handles) == 0
