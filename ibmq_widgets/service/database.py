"""The job store's SQLite file: opening it safely, one connection per thread, bounded waits for locks.

``Database`` is the layer below ``store.JobStore``; it knows nothing of jobs but the schema.

- A missing file becomes a new database, built under a temporary name and linked into place, so a crash never
  leaves a zero-length file behind.
- A file that is empty or not an SQLite database raises ``CorruptStoreError`` and is left untouched: the
  service never starts empty over someone's jobs.
- A lock held elsewhere (another process's transaction) is waited for at most ``busy_timeout`` seconds (SQLite's
  busy handler retries with backoff meanwhile); then the transaction is rolled back and ``StoreBusyError``
  raised, so no caller, and above all no HTTP request on the IOLoop, is frozen for long.
- The database and its ``-wal``/``-shm`` files are readable by their owner only.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from ibmq_widgets.exceptions import LocalServiceError

__all__ = ["AGGREGATES", "DEFAULT_BUSY_TIMEOUT", "SCHEMA", "CorruptStoreError", "Database", "StoreBusyError"]

#: Seconds a store call waits for a database locked by someone else before it raises StoreBusyError.
DEFAULT_BUSY_TIMEOUT = 2.0
_SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (the low byte of their extended codes too)

_FINAL = "('Completed', 'Cancelled', 'Failed')"


def _usage(row: str) -> str:
    """SQL for the seconds a job row ran (running -> finished) if it is final, else 0."""
    span = (
        f"86400.0 * (julianday(json_extract({row}.timestamps, '$.finished'))"
        f" - julianday(json_extract({row}.timestamps, '$.running')))"
    )
    return f"(CASE WHEN {row}.status IN {_FINAL} THEN COALESCE(MAX(0.0, {span}), 0.0) ELSE 0.0 END)"


def _count(row: str, delta: int) -> str:
    return (
        "INSERT INTO job_counts (instance, backend, program, status, jobs)"
        f" VALUES ({row}.instance, {row}.backend, {row}.program, {row}.status, {delta})"
        f" ON CONFLICT DO UPDATE SET jobs = jobs + ({delta});"
    )


def _add_usage(row: str, sign: str) -> str:
    return (
        f"INSERT INTO instance_usage (instance, seconds) VALUES ({row}.instance, {sign}{_usage(row)})"
        " ON CONFLICT DO UPDATE SET seconds = seconds + excluded.seconds;"
    )


#: Aggregates the service reads on every request, kept by triggers in the same transaction as each change to
#: ``jobs``, so they are as durable as the jobs: jobs per (instance, backend, program, status), for the counts
#: of GET /jobs, and per instance the seconds its finished jobs ran, for GET /instances/usage (which the
#: reference client asks before every submission). Both would otherwise read every job of an instance.
AGGREGATES = f"""
CREATE TABLE IF NOT EXISTS job_counts (
    instance TEXT NOT NULL,
    backend TEXT NOT NULL,
    program TEXT NOT NULL,
    status TEXT NOT NULL,
    jobs INTEGER NOT NULL,
    PRIMARY KEY (instance, backend, program, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS instance_usage (
    instance TEXT PRIMARY KEY,
    seconds REAL NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS jobs_count_insert AFTER INSERT ON jobs BEGIN
    {_count("NEW", 1)}
END;
CREATE TRIGGER IF NOT EXISTS jobs_count_delete AFTER DELETE ON jobs BEGIN
    {_count("OLD", -1)}
END;
CREATE TRIGGER IF NOT EXISTS jobs_count_update AFTER UPDATE OF instance, backend, program, status ON jobs BEGIN
    {_count("OLD", -1)}
    {_count("NEW", 1)}
END;
CREATE TRIGGER IF NOT EXISTS jobs_usage_insert AFTER INSERT ON jobs WHEN NEW.status IN {_FINAL} BEGIN
    {_add_usage("NEW", "+")}
END;
CREATE TRIGGER IF NOT EXISTS jobs_usage_delete AFTER DELETE ON jobs WHEN OLD.status IN {_FINAL} BEGIN
    {_add_usage("OLD", "-")}
END;
CREATE TRIGGER IF NOT EXISTS jobs_usage_update AFTER UPDATE OF instance, status, timestamps ON jobs
WHEN OLD.status IN {_FINAL} OR NEW.status IN {_FINAL} BEGIN
    {_add_usage("OLD", "-")}
    {_add_usage("NEW", "+")}
END;
"""
#: ``PRAGMA user_version`` of a store whose aggregates are kept (see ``REBUILD_AGGREGATES``).
AGGREGATES_VERSION = 1

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    instance TEXT NOT NULL,
    backend TEXT NOT NULL,
    program TEXT NOT NULL,
    params_text TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    reason_code INTEGER,
    created TEXT NOT NULL,
    timestamps TEXT NOT NULL,
    session_id TEXT,
    private INTEGER NOT NULL,
    num_pubs INTEGER NOT NULL,
    max_seconds REAL,
    idempotency_key TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_instance ON jobs (instance, created);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_idempotency_key ON jobs (instance, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS job_tags (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (job_id, tag)
);
CREATE INDEX IF NOT EXISTS job_tags_by_tag ON job_tags (tag);
CREATE TABLE IF NOT EXISTS results (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    result_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_instance_status ON jobs (instance, status, created);
CREATE INDEX IF NOT EXISTS jobs_by_instance_backend ON jobs (instance, backend, created);
CREATE INDEX IF NOT EXISTS jobs_by_session ON jobs (instance, session_id, created) WHERE session_id IS NOT NULL;
"""
    + AGGREGATES
)

#: What ``AGGREGATES`` computes from scratch: run at the first open of a store made before they existed
#: (``PRAGMA user_version`` below ``AGGREGATES_VERSION``), and by ``Database.rebuild_aggregates``.
REBUILD_AGGREGATES = f"""
DELETE FROM job_counts;
INSERT INTO job_counts (instance, backend, program, status, jobs)
    SELECT instance, backend, program, status, COUNT(*) FROM jobs GROUP BY instance, backend, program, status;
DELETE FROM instance_usage;
INSERT INTO instance_usage (instance, seconds)
    SELECT instance, SUM({_usage("jobs")}) FROM jobs GROUP BY instance;
"""


class StoreBusyError(LocalServiceError):
    """The database stayed locked by someone else for the whole bounded wait; the call changed nothing.

    Retrying later succeeds once the lock is gone. The HTTP layer answers it with 503 and a ``Retry-After``
    of ``retry_after`` seconds; the scheduler keeps the outcome it could not write and retries.

    Attributes
    ----------
    path : Path
        The database file.
    retry_after : int
        Seconds after which a retry is worth it (at least 1).
    """

    def __init__(self, path: Path, waited: float) -> None:
        super().__init__(
            f"the job database {path} is locked by another process or connection (waited {waited:g} s); "
            "nothing was changed, try again shortly"
        )
        self.path = path
        self.retry_after = max(1, round(waited))


class CorruptStoreError(LocalServiceError):
    """The job database file exists but is not a usable SQLite database; it is left untouched.

    Attributes
    ----------
    path : Path
        The database file.
    """

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"the job database {path} is not usable ({problem}); it was left as it is: move it aside to start "
            "with an empty job store, or restore it from a backup"
        )
        self.path = path


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether ``error`` means the database is locked by another connection (SQLITE_BUSY or LOCKED)."""
    code = getattr(error, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _create(path: Path) -> None:
    """Create an empty, owner-only database at ``path``: built under a temporary name, then linked into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.executescript(SCHEMA)
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
        try:
            os.link(tmp, path)  # never replaces a database someone else created meanwhile
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _check(path: Path) -> None:
    """Refuse a database file that is empty or has no SQLite header."""
    size = path.stat().st_size
    if size == 0:
        raise CorruptStoreError(path, "the file is empty, 0 bytes")
    with open(path, "rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise CorruptStoreError(path, f"not an SQLite database: {size} bytes without the SQLite header")


class Database:
    """One SQLite file in WAL mode with the job schema, a connection per thread, bounded lock waits.

    Parameters
    ----------
    path : Path
        The database file: created if missing, refused if not a database.
    busy_timeout : float
        Seconds any transaction waits for a lock held elsewhere before raising ``StoreBusyError``.

    Raises
    ------
    CorruptStoreError
        If ``path`` exists but is empty or not an SQLite database (the file is left untouched).
    StoreBusyError
        If the database stays locked elsewhere for ``busy_timeout`` seconds.
    """

    def __init__(self, path: Path, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.busy_timeout = float(busy_timeout)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        if not self.path.exists():
            _create(self.path)
        _check(self.path)
        try:
            with self.busy_as_error():
                self.connection().executescript(SCHEMA)
            self._upgrade()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise CorruptStoreError(self.path, str(exc)) from None
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.chmod(self.path.with_name(self.path.name + suffix), 0o600)

    def _upgrade(self) -> None:
        """Fill the aggregates of a store made before they existed (once: the version is then recorded)."""
        with self.write() as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] >= AGGREGATES_VERSION:
                return
            self._rebuild(conn)
            conn.execute(f"PRAGMA user_version = {AGGREGATES_VERSION}")

    @staticmethod
    def _rebuild(conn: sqlite3.Connection) -> None:
        for statement in REBUILD_AGGREGATES.split(";"):
            if statement.strip():
                conn.execute(statement)

    def rebuild_aggregates(self) -> None:
        """Compute the aggregates from the jobs again (they are kept by triggers; this is for checks)."""
        with self.write() as conn:
            self._rebuild(conn)

    @contextlib.contextmanager
    def busy_as_error(self) -> Iterator[None]:
        """``with``: a lock held elsewhere past the busy timeout surfaces as ``StoreBusyError``."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                raise StoreBusyError(self.path, self.busy_timeout) from None
            raise

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, check_same_thread=False, isolation_level=None
            )
            conn.row_factory = sqlite3.Row
            with self.busy_as_error():
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")  # durable across process kills in WAL mode
                conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def write(self) -> Transaction:
        """A write transaction; IMMEDIATE takes the write lock up front, so read-then-write never interleaves."""
        return Transaction(self, "BEGIN IMMEDIATE")

    def read(self) -> Transaction:
        """A read transaction (a consistent snapshot; WAL readers are not blocked by a writer)."""
        return Transaction(self, "BEGIN")

    def close(self) -> None:
        """Close every connection opened (in any thread)."""
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


class Transaction:
    """``with``: one transaction on a thread's connection, committed or rolled back.

    A lock held elsewhere past the busy timeout, at BEGIN, in a statement or at COMMIT, rolls the transaction
    back and raises ``StoreBusyError``.
    """

    def __init__(self, database: Database, begin: str) -> None:
        self._database = database
        self._conn = database.connection()
        self._begin = begin

    def __enter__(self) -> sqlite3.Connection:
        with self._database.busy_as_error():
            self._conn.execute(self._begin)
        return self._conn

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            try:
                with self._database.busy_as_error():
                    self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            return
        self._rollback()
        if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):
            raise StoreBusyError(self._database.path, self._database.busy_timeout) from None

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
