"""The job store: SQLite in WAL mode, one connection per thread.

Everything about a job lives here: its parameters as received, its tags, every state transition time, and
its result text exactly as the worker produced it (served byte for byte, also after a restart). A job in a
final state (Completed, Cancelled, Failed) never changes state again, so a cancel racing a completion cannot
corrupt either.

Tag filters follow the reference client (qiskit-ibm-runtime: "matched jobs are associated with all tags"):
repeated ``tags`` select jobs carrying *all* of them; ``list_jobs(..., tags_any=True)`` those with *any*.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["FINAL_STATES", "PENDING_STATES", "JobRecord", "JobStore", "utc_now"]

PENDING_STATES = ("Queued", "Running")
FINAL_STATES = ("Completed", "Cancelled", "Failed")
ALL_STATES = PENDING_STATES + FINAL_STATES

_SCHEMA = """
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
"""

_COLUMNS = (
    "id, instance, backend, program, params_text, tags, status, reason, reason_code, created, timestamps, "
    "session_id, private, num_pubs, max_seconds, idempotency_key"
)


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def _to_text(value: datetime) -> str:
    # Fixed width (always microseconds, always +00:00) so that text order is time order in SQL.
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _from_text(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@dataclass
class JobRecord:
    """One job as stored: what was submitted and where it stands.

    ``timestamps`` maps ``created`` and the lower-case name of every state the job entered (``queued``,
    ``running``, ``completed``, ``cancelled``, ``failed``) to when it entered it, plus ``finished`` for the
    final state.
    """

    id: str
    instance: str
    backend: str
    program: str
    params_text: str
    tags: list[str] = field(default_factory=list)
    status: str = "Queued"
    reason: str | None = None
    reason_code: int | None = None
    created: datetime = field(default_factory=utc_now)
    timestamps: dict[str, datetime] = field(default_factory=dict)
    session_id: str | None = None
    private: bool = False
    num_pubs: int = 0
    max_seconds: float | None = None
    idempotency_key: str | None = None

    @property
    def pending(self) -> bool:
        """Whether the job is still queued or running."""
        return self.status in PENDING_STATES


def _record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        id=row["id"],
        instance=row["instance"],
        backend=row["backend"],
        program=row["program"],
        params_text=row["params_text"],
        tags=json.loads(row["tags"]),
        status=row["status"],
        reason=row["reason"],
        reason_code=row["reason_code"],
        created=_from_text(row["created"]),
        timestamps={key: _from_text(value) for key, value in json.loads(row["timestamps"]).items()},
        session_id=row["session_id"],
        private=bool(row["private"]),
        num_pubs=row["num_pubs"],
        max_seconds=row["max_seconds"],
        idempotency_key=row["idempotency_key"],
    )


class JobStore:
    """Jobs, their states and results in one SQLite database (WAL); safe to use from any thread.

    Parameters
    ----------
    path : Path
        The database file (created with its tables if missing).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._raw().executescript(_SCHEMA)

    def _raw(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable across process kills in WAL mode
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def _write(self) -> _Transaction:
        # IMMEDIATE: take the write lock up front, so read-then-write steps never interleave.
        return _Transaction(self._raw(), "BEGIN IMMEDIATE")

    def _read(self) -> _Transaction:
        return _Transaction(self._raw(), "BEGIN")

    def journal_mode(self) -> str:
        """The SQLite journal mode in use (``wal``)."""
        return self._raw().execute("PRAGMA journal_mode").fetchone()[0]

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    # -- writing -----------------------------------------------------------------------------------
    def create_job(self, job: JobRecord) -> None:
        """Insert ``job`` and its tags atomically.

        Raises
        ------
        sqlite3.IntegrityError
            If a job with this id, or with this idempotency key in this instance, exists.
        """
        timestamps = dict(job.timestamps)
        timestamps.setdefault("created", job.created)
        timestamps.setdefault(job.status.lower(), job.created)
        job.timestamps = timestamps
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO jobs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id, job.instance, job.backend, job.program, job.params_text, json.dumps(job.tags),
                    job.status, job.reason, job.reason_code, _to_text(job.created),
                    json.dumps({key: _to_text(value) for key, value in timestamps.items()}),
                    job.session_id, int(job.private), job.num_pubs, job.max_seconds, job.idempotency_key,
                ),
            )  # fmt: skip
            conn.executemany(
                "INSERT OR IGNORE INTO job_tags (job_id, tag) VALUES (?, ?)",
                [(job.id, tag) for tag in job.tags],
            )

    def _transition(
        self, conn: sqlite3.Connection, job_id: str, status: str, reason: str | None, reason_code: int | None
    ) -> bool:
        row = conn.execute("SELECT status, timestamps FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or row["status"] in FINAL_STATES:
            return False
        stamps = json.loads(row["timestamps"])
        now = _to_text(utc_now())
        stamps[status.lower()] = now
        if status in FINAL_STATES:
            stamps["finished"] = now
        conn.execute(
            "UPDATE jobs SET status = ?, reason = ?, reason_code = ?, timestamps = ? WHERE id = ?",
            (status, reason, reason_code, json.dumps(stamps), job_id),
        )
        return True

    def set_status(
        self, job_id: str, status: str, *, reason: str | None = None, reason_code: int | None = None
    ) -> bool:
        """Move a job to ``status``, recording when; a job in a final state is left alone.

        Returns
        -------
        bool
            Whether the job changed (False: no such job, or it already finished).
        """
        if status not in ALL_STATES:
            raise ValueError(f"unknown job status {status!r}; expected one of {', '.join(ALL_STATES)}")
        with self._write() as conn:
            return self._transition(conn, job_id, status, reason, reason_code)

    def set_result(self, job_id: str, result_text: str) -> bool:
        """Store the result text and mark the job Completed, in one transaction (unless already final)."""
        with self._write() as conn:
            if not self._transition(conn, job_id, "Completed", None, None):
                return False
            conn.execute(
                "INSERT OR REPLACE INTO results (job_id, result_text) VALUES (?, ?)", (job_id, result_text)
            )
            return True

    def set_tags(self, job_id: str, tags: list[str]) -> None:
        """Replace the tags of a job."""
        with self._write() as conn:
            conn.execute("UPDATE jobs SET tags = ? WHERE id = ?", (json.dumps(list(tags)), job_id))
            conn.execute("DELETE FROM job_tags WHERE job_id = ?", (job_id,))
            conn.executemany(
                "INSERT OR IGNORE INTO job_tags (job_id, tag) VALUES (?, ?)", [(job_id, tag) for tag in tags]
            )

    def delete_job(self, job_id: str) -> None:
        """Delete a job with its tags and result (nothing happens for an unknown id)."""
        with self._write() as conn:
            conn.execute("DELETE FROM job_tags WHERE job_id = ?", (job_id,))
            conn.execute("DELETE FROM results WHERE job_id = ?", (job_id,))
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    # -- reading -----------------------------------------------------------------------------------
    def get_job(self, job_id: str) -> JobRecord | None:
        """The job with this id, or None."""
        with self._read() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _record(row)

    def get_result(self, job_id: str) -> str | None:
        """The result text of a completed job, exactly as stored, or None."""
        with self._read() as conn:
            row = conn.execute("SELECT result_text FROM results WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else row[0]

    def list_jobs(
        self,
        instance: str,
        *,
        limit: int,
        offset: int,
        backend: str | None = None,
        pending: bool | None = None,
        statuses: list[str] | None = None,
        program: str | None = None,
        tags: list[str] | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        ascending: bool = False,
        tags_any: bool = False,
        session_id: str | None = None,
    ) -> tuple[list[JobRecord], int]:
        """One page of an instance's jobs, and how many jobs match in all.

        Parameters
        ----------
        instance : str
            Only jobs of this instance.
        limit, offset : int
            The page: at most ``limit`` jobs after skipping ``offset``.
        backend, program, session_id : str, optional
            Exact matches.
        pending : bool, optional
            True: Queued or Running only; False: final states only.
        statuses : list of str, optional
            Only jobs in one of these states.
        tags : list of str, optional
            Jobs carrying all of them (any of them with ``tags_any=True``).
        created_after, created_before : datetime, optional
            Creation time bounds, inclusive (naive = UTC).
        ascending : bool
            Oldest first; default newest first.
        """
        where, args = ["instance = ?"], [instance]
        for column, value in (("backend", backend), ("program", program), ("session_id", session_id)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if pending is not None:
            states = PENDING_STATES if pending else FINAL_STATES
            where.append(f"status IN ({', '.join('?' * len(states))})")
            args.extend(states)
        if statuses:
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            args.extend(statuses)
        unique_tags = list(dict.fromkeys(tags or []))
        if unique_tags:
            marks = ", ".join("?" * len(unique_tags))
            having = "" if tags_any else f" GROUP BY job_id HAVING COUNT(*) = {len(unique_tags)}"
            where.append(f"id IN (SELECT job_id FROM job_tags WHERE tag IN ({marks}){having})")
            args.extend(unique_tags)
        if created_after is not None:
            where.append("created >= ?")
            args.append(_to_text(created_after))
        if created_before is not None:
            where.append("created <= ?")
            args.append(_to_text(created_before))
        clause = " AND ".join(where)
        order = "ASC" if ascending else "DESC"
        with self._read() as conn:
            total = conn.execute(f"SELECT COUNT(*) FROM jobs WHERE {clause}", args).fetchone()[0]
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE {clause} ORDER BY created {order}, rowid {order} "
                "LIMIT ? OFFSET ?",
                [*args, max(0, int(limit)), max(0, int(offset))],
            ).fetchall()
        return [_record(row) for row in rows], int(total)

    def unfinished_jobs(self) -> list[JobRecord]:
        """Every Queued or Running job, oldest first (what a restart must run again)."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE status IN (?, ?) ORDER BY created, rowid", PENDING_STATES
            ).fetchall()
        return [_record(row) for row in rows]

    def usage_seconds(self, instance: str) -> float:
        """Seconds the finished jobs of ``instance`` ran (running -> finished), summed in SQL.

        The reference client asks for usage before every submission, so this must not read every job.
        """
        with self._read() as conn:
            (total,) = conn.execute(
                "SELECT SUM(MAX(0.0, 86400.0 * (julianday(json_extract(timestamps, '$.finished'))"
                " - julianday(json_extract(timestamps, '$.running')))))"
                " FROM jobs WHERE instance = ? AND status NOT IN (?, ?)"
                " AND json_extract(timestamps, '$.running') IS NOT NULL"
                " AND json_extract(timestamps, '$.finished') IS NOT NULL",
                (instance, *PENDING_STATES),
            ).fetchone()
        return float(total or 0.0)

    def find_by_idempotency_key(self, instance: str, key: str) -> JobRecord | None:
        """The job submitted by ``instance`` with this Idempotency-Key, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE instance = ? AND idempotency_key = ?", (instance, key)
            ).fetchone()
        return None if row is None else _record(row)


class _Transaction:
    """``with``: one transaction on a thread's connection, committed or rolled back."""

    def __init__(self, conn: sqlite3.Connection, begin: str) -> None:
        self._conn = conn
        self._begin = begin

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute(self._begin)
        return self._conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        else:
            self._conn.execute("ROLLBACK")
