"""One owner per data directory: the flock, service.json and its takeover from a dead owner, private modes."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ibmq_widgets.exceptions import LocalServiceError
from ibmq_widgets.service.ownership import (
    DataDirLock,
    make_private,
    read_service_json,
    remove_service_json,
    write_service_json,
)


def test_lock_names_the_running_service(tmp_path):
    first = DataDirLock(tmp_path)
    first.acquire()
    write_service_json(tmp_path, {"url": "http://127.0.0.1:1234", "pid": 4321})
    with pytest.raises(LocalServiceError, match=r"pid 4321, http://127.0.0.1:1234"):
        DataDirLock(tmp_path).acquire()
    first.release()
    first.release()  # idempotent
    second = DataDirLock(tmp_path)
    second.acquire()
    second.release()


def test_the_lock_message_says_who_started_the_owner(tmp_path):
    first = DataDirLock(tmp_path)
    first.acquire()
    write_service_json(tmp_path, {"url": "http://127.0.0.1:1234", "pid": 4321, "started_by": "serve"})
    try:
        with pytest.raises(LocalServiceError, match=r"pid 4321, started by serve, http://127.0.0.1:1234"):
            DataDirLock(tmp_path).acquire()
        assert read_service_json(tmp_path)["started_by"] == "serve"  # a refused taker leaves it alone
    finally:
        first.release()


def test_a_dead_owners_lock_and_service_json_are_taken_over(tmp_path):
    # What kill -9 leaves: a lock file naming a dead pid (the flock itself died with it) and its service.json.
    (tmp_path / "service.lock").write_text("999999999")
    write_service_json(tmp_path, {"url": "http://127.0.0.1:9", "pid": 999999999, "started_by": "serve"})
    lock = DataDirLock(tmp_path)
    lock.acquire()
    try:
        assert read_service_json(tmp_path) is None
        assert (tmp_path / "service.lock").read_text() == str(os.getpid())
        assert stat.S_IMODE(os.stat(tmp_path / "service.lock").st_mode) == 0o600
    finally:
        lock.release()


def test_service_json_is_private_and_never_half_written(tmp_path):
    write_service_json(tmp_path, {"url": "http://127.0.0.1:1", "pid": 1, "started_by": "embedded"})
    assert stat.S_IMODE(os.stat(tmp_path / "service.json").st_mode) == 0o600
    assert json.loads((tmp_path / "service.json").read_text())["started_by"] == "embedded"
    assert [p.name for p in tmp_path.iterdir()] == ["service.json"]  # no temporary file left
    (tmp_path / "service.json").write_text("{not json")
    assert read_service_json(tmp_path) is None
    remove_service_json(tmp_path)
    remove_service_json(tmp_path)  # idempotent
    assert read_service_json(tmp_path) is None


def test_make_private_tightens_the_directory_and_its_files(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o755)
    for name in ("api_key", "config.json", "unrelated.txt"):
        (data / name).write_text("x")
        os.chmod(data / name, 0o644)
    make_private(data)
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data / "api_key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(data / "config.json").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(data / "unrelated.txt").st_mode) == 0o644  # not ours to judge


def test_make_private_leaves_a_shared_directory_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp
    make_private(shared)
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o1777
