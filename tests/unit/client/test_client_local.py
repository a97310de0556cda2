"""One owner per data directory, decided from a hand-written service.json: no service is started or probed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import local

URL = "http://127.0.0.1:8890"


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def quiet(monkeypatch):
    """Nothing answers at any URL, and starting the embedded service is recorded instead of done."""
    started: list[Path] = []

    def fake_start(data_dir: Path) -> local.LocalService:
        started.append(data_dir)
        return local.LocalService(
            url="http://127.0.0.1:7000", api_key="k" * 20, data_dir=data_dir, started_here=True
        )

    monkeypatch.setattr(local, "_is_live", lambda url: False)
    monkeypatch.setattr(local, "_start_embedded", fake_start)
    monkeypatch.setattr(local, "_SERVER_STARTUP_GRACE", 0.2)
    monkeypatch.setattr(local, "_announced", set())
    monkeypatch.setattr(local, "_origins", {})
    return started


def data_dir_with(tmp_path: Path, **record) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "service.json").write_text(json.dumps({"url": URL, **record}))
    (data_dir / "api_key").write_text("k" * 20)
    return data_dir


@pytest.mark.parametrize("owner", ["serve", "jupyter"])
def test_a_dead_server_owning_the_directory_is_named_and_no_service_is_started(
    tmp_path, quiet, dead_pid, owner
):
    data_dir = data_dir_with(tmp_path, pid=dead_pid, started_by=owner)
    with pytest.raises(exc.LocalServiceError) as info:
        local.connect_local_service(data_dir)
    message = str(info.value)
    assert quiet == []  # the directory is left to its owner
    assert URL in message and f"pid {dead_pid}" in message and "no longer running" in message
    assert f"ibmq-widgets serve --data-dir {data_dir}" in message
    assert ("`ibmq-widgets serve`" if owner == "serve" else "Jupyter server") in message
    assert "k" * 20 not in message


def test_a_live_server_that_does_not_answer_is_given_a_moment_then_named(tmp_path, quiet):
    import os

    data_dir = data_dir_with(tmp_path, pid=os.getpid(), started_by="serve")
    with pytest.raises(exc.LocalServiceError, match="still running but not answering"):
        local.connect_local_service(data_dir)
    assert quiet == []


@pytest.mark.parametrize("record", [{"pid": None}, {}], ids=["no-pid", "no-started_by"])
def test_an_old_file_or_a_dead_kernels_service_lets_the_embedded_one_start(tmp_path, quiet, dead_pid, record):
    data_dir = data_dir_with(tmp_path, **{"pid": dead_pid, **record})
    service = local.connect_local_service(data_dir)
    assert service.started_here and quiet == [data_dir]


def test_a_dead_embedded_service_lets_the_embedded_one_start(tmp_path, quiet, dead_pid):
    data_dir = data_dir_with(tmp_path, pid=dead_pid, started_by="embedded")
    assert local.connect_local_service(data_dir).started_here and quiet == [data_dir]


def test_without_start_a_missing_service_is_an_error(tmp_path, quiet):
    with pytest.raises(exc.LocalServiceError, match="no local service is running"):
        local.connect_local_service(tmp_path, start=False)
    assert quiet == []


def test_the_record_is_read_with_its_owner(tmp_path, dead_pid):
    data_dir = data_dir_with(tmp_path, pid=dead_pid, started_by="serve")
    record = local.read_service_record(data_dir)
    assert record == local.ServiceRecord(url=URL, pid=dead_pid, started_by="serve")
    assert record.long_lived and not record.process_alive()
    assert local.read_service_record(tmp_path / "nowhere") is None
    (data_dir / "service.json").write_text("{not json")
    assert local.read_service_record(data_dir) is None


def test_the_service_in_use_is_announced_once_with_who_started_it(tmp_path, quiet, monkeypatch, capsys):
    import os

    data_dir = data_dir_with(tmp_path, pid=os.getpid(), started_by="serve")
    monkeypatch.setattr(local, "_is_live", lambda url: True)
    found = local.connect_local_service(data_dir)
    assert found.url == URL and not found.started_here
    local.announce(found.url)
    local.announce(found.url)
    out = capsys.readouterr().out
    assert out.count("using the local service") == 1
    assert (
        f"`ibmq-widgets serve` (pid {os.getpid()})" in out
        and str(data_dir) in out
        and "not IBM hardware" in out
    )
