"""The job store's SQLite file: created whole and private, a corrupt or empty one refused and left as it is."""

from __future__ import annotations

import os
import stat

import pytest

from ibmq_widgets.exceptions import LocalServiceError
from ibmq_widgets.service.database import CorruptStoreError, Database, is_busy


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty, 0 bytes"),
        (b"\x00\xffnot a database at all" * 100, "not an SQLite database"),
        (b"SQLite format 3\x00" + bytes(range(256)) * 20, "not a database"),
    ],
)
def test_a_corrupt_or_empty_file_is_refused_and_left_untouched(tmp_path, content, problem):
    path = tmp_path / "jobs.sqlite3"
    path.write_bytes(content)
    with pytest.raises(CorruptStoreError, match=problem) as error:
        Database(path)
    message = str(error.value)
    assert str(path) in message and "move it aside" in message and "\n" not in message
    assert isinstance(error.value, LocalServiceError) and error.value.path == path
    assert path.read_bytes() == content  # never replaced, never started empty over
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.sqlite3"]


def test_a_missing_file_becomes_a_private_empty_database(tmp_path):
    path = tmp_path / "sub" / "jobs.sqlite3"
    database = Database(path)
    with database.read() as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"jobs", "job_tags", "results"} <= tables
    with database.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for name in ("jobs.sqlite3", "jobs.sqlite3-wal", "jobs.sqlite3-shm"):
        assert stat.S_IMODE(os.stat(path.parent / name).st_mode) == 0o600, name
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left
    database.close()


def test_an_existing_loose_database_is_made_private(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    Database(path).close()
    os.chmod(path, 0o644)
    database = Database(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    database.close()


def test_a_failed_transaction_rolls_back(tmp_path):
    database = Database(tmp_path / "jobs.sqlite3")
    with pytest.raises(RuntimeError), database.write() as conn:
        conn.execute(
            "INSERT INTO jobs (id, instance, backend, program, params_text, tags, status, created, timestamps, "
            "private, num_pubs) VALUES ('j', 'i', 'b', 'p', '{}', '[]', 'Queued', 't', '{}', 0, 1)"
        )
        raise RuntimeError("boom")
    with database.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0
    database.close()


def test_busy_errors_are_told_from_others():
    import sqlite3

    locked = sqlite3.OperationalError("database is locked")
    other = sqlite3.OperationalError("no such table: x")
    for error, code in ((locked, 5), (other, 1)):
        error.sqlite_errorcode = code  # as Python 3.11+ sets it
    assert is_busy(locked) and not is_busy(other)
    assert is_busy(sqlite3.OperationalError("database is locked"))  # older Pythons: by the message
