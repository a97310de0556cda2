"""The job store: every job, its state transitions, tags and result, in SQLite (WAL).

Everything about a job lives here: its parameters as received, its tags, every state transition time, and
its result text exactly as the worker produced it (served byte for byte, also after a restart). A job in a
final state (Completed, Cancelled, Failed) never changes state again, so a cancel racing a completion cannot
corrupt either.

Tag filters follow the reference client (qiskit-ibm-runtime: "matched jobs are associated with all tags"):
repeated ``tags`` select jobs carrying *all* of them; ``list_jobs(..., tags_any=True)`` those with *any*.

The file itself (``database.Database``): a missing one becomes a new store; an empty or garbage one raises
``CorruptStoreError`` and is left alone; a database locked elsewhere makes a call wait at most
``busy_timeout`` seconds and then raise ``StoreBusyError`` having changed nothing, so that the HTTP layer can
answer 503 with Retry-After and the scheduler can keep a finished job's outcome and write it later. Both
errors are defined in ``database`` and exported here, the store's API.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from ibmq_widgets.service.database import DEFAULT_BUSY_TIMEOUT, CorruptStoreError, Database, StoreBusyError
from ibmq_widgets.service.records import (
    ALL_STATES,
    COLUMNS,
    FINAL_STATES,
    PENDING_STATES,
    JobRecord,
    JobState,
    record_from_row,
    record_to_row,
    to_text,
    utc_now,
)

__all__ = [
    "ALL_STATES",
    "DEFAULT_BUSY_TIMEOUT",
    "FINAL_STATES",
    "PENDING_STATES",
    "CorruptStoreError",
    "JobRecord",
    "JobState",
    "JobStore",
    "StoreBusyError",
    "utc_now",
]


def _states(pending: bool | None, statuses: list[str] | None) -> list[str] | None:
    """The states a listing keeps (None: any): those of ``pending`` that are also among ``statuses``."""
    states = None if pending is None else list(PENDING_STATES if pending else FINAL_STATES)
    if statuses:
        states = [state for state in (states or statuses) if state in statuses]
    return states


# COLUMNS with an empty params_text: the params are the bulk of a row, and most listings exclude them.
_COLUMNS_WITHOUT_PARAMS = COLUMNS.replace("params_text", "'' AS params_text")


def _source(states: list[str] | None) -> str:
    """The table of a listing, with the index to read it by where SQLite, knowing nothing of how many jobs
    are in each state, would walk every job of the instance in time order looking for a rare state.

    A listing of pending jobs, or of one state, reads the (instance, status, created) index: pending jobs
    are few among many finished ones, and one state comes out of it already in time order. (A listing
    by tags is read from the tags: ``+instance`` keeps SQLite from walking the instance's jobs instead.)
    """
    if states is not None and (len(states) <= 1 or set(states) <= set(PENDING_STATES)):
        return "jobs INDEXED BY jobs_by_instance_status"
    return "jobs"


class JobStore:
    """Jobs, their states and results in one SQLite database (WAL); safe to use from any thread.

    Parameters
    ----------
    path : Path
        The database file (see ``database.Database``: made if missing, refused with ``CorruptStoreError`` if
        it is not a database).
    busy_timeout : float
        Seconds any call waits for a lock held elsewhere; then it raises ``StoreBusyError``, having changed
        nothing.
    """

    def __init__(self, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self._db = Database(Path(path), busy_timeout)
        self.path = self._db.path
        self.busy_timeout = self._db.busy_timeout
        self._write = self._db.write
        self._read = self._db.read

    def journal_mode(self) -> str:
        """The SQLite journal mode in use (``wal``)."""
        return self._db.connection().execute("PRAGMA journal_mode").fetchone()[0]

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        self._db.close()

    # -- writing -----------------------------------------------------------------------------------
    def create_job(self, job: JobRecord) -> None:
        """Insert ``job`` and its tags atomically.

        Raises
        ------
        sqlite3.IntegrityError
            If a job with this id, or with this idempotency key in this instance, exists.
        StoreBusyError
            If the database stays locked elsewhere (nothing was stored).
        """
        self.create_jobs([job])

    def create_jobs(self, jobs: Iterable[JobRecord]) -> None:
        """Insert ``jobs`` with their tags in one transaction: all of them or, on an error, none.

        Raises
        ------
        sqlite3.IntegrityError
            If a job with one of these ids, or with its idempotency key in its instance, exists.
        StoreBusyError
            If the database stays locked elsewhere (nothing was stored).
        """
        rows, tags = [], []
        for job in jobs:
            job.status = JobState(job.status)
            timestamps = dict(job.timestamps)
            timestamps.setdefault("created", job.created)
            timestamps.setdefault(job.status.stamp, job.created)
            job.timestamps = timestamps
            rows.append(record_to_row(job))
            tags.extend((job.id, tag) for tag in job.tags)
        marks = ", ".join("?" * len(COLUMNS.split(",")))
        with self._write() as conn:
            conn.executemany(f"INSERT INTO jobs ({COLUMNS}) VALUES ({marks})", rows)
            conn.executemany("INSERT OR IGNORE INTO job_tags (job_id, tag) VALUES (?, ?)", tags)

    def _transition(
        self,
        conn: sqlite3.Connection,
        job_id: str,
        status: JobState,
        reason: str | None,
        reason_code: int | None,
    ) -> bool:
        row = conn.execute("SELECT status, timestamps FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or row["status"] in FINAL_STATES:
            return False
        stamps = json.loads(row["timestamps"])
        now = to_text(utc_now())
        stamps[status.stamp] = now
        if status.final:
            stamps["finished"] = now
        conn.execute(
            "UPDATE jobs SET status = ?, reason = ?, reason_code = ?, timestamps = ? WHERE id = ?",
            (status.value, reason, reason_code, json.dumps(stamps), job_id),
        )
        return True

    def set_status(
        self, job_id: str, status: str, *, reason: str | None = None, reason_code: int | None = None
    ) -> bool:
        """Move a job to ``status`` (a ``JobState`` or its wire string), recording when.

        A job in a final state is left alone.

        Returns
        -------
        bool
            Whether the job changed (False: no such job, or it already finished).

        Raises
        ------
        ValueError
            If ``status`` is not a job state.
        StoreBusyError
            If the database stays locked elsewhere (nothing changed).
        """
        try:
            state = JobState(status)
        except ValueError:
            expected = ", ".join(ALL_STATES)
            raise ValueError(f"unknown job status {status!r}; expected one of {expected}") from None
        with self._write() as conn:
            return self._transition(conn, job_id, state, reason, reason_code)

    def set_result(self, job_id: str, result_text: str) -> bool:
        """Store the result text and mark the job Completed, in one transaction (unless already final).

        Returns
        -------
        bool
            Whether the job is now Completed with this result (False: no such job, or it already finished).

        Raises
        ------
        StoreBusyError
            If the database stays locked elsewhere (nothing changed; keep the result and retry).
        """
        with self._write() as conn:
            if not self._transition(conn, job_id, JobState.COMPLETED, None, None):
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
            row = conn.execute(f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else record_from_row(row)

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
        params: bool = True,
        rows: bool = False,
    ) -> tuple[list[Any], int]:
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
        params : bool
            Whether to read ``params_text``; False leaves it ``""`` (a listing that does not send params).
        rows : bool
            Give each job as its plain row tuple (``COLUMNS`` order) instead of a ``JobRecord``: the GET /jobs
            listing reuses each job's JSON while its row is unchanged (``handlers/job_listing.py``).

        Returns
        -------
        tuple
            The page (``JobRecord`` objects, or row tuples with ``rows=True``) and the count of all matches.
        """
        # Over 60 lines by its signature and docstring (twelve filters); the body builds one query.
        states = _states(pending, statuses)
        unique_tags = list(dict.fromkeys(tags or []))
        where, args = ["instance = ?"], [instance]
        equal = (("backend", backend), ("program", program), ("session_id", session_id), ("status", states))
        for column, value in equal:
            if isinstance(value, list):
                where.append(f"{column} IN ({', '.join('?' * len(value))})")
                args.extend(value)
            elif value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        for condition, bound in (("created >= ?", created_after), ("created <= ?", created_before)):
            if bound is not None:
                where.append(condition)
                args.append(to_text(bound))
        # Filters on nothing but instance, backend, program and state are counted from the kept counts.
        kept = session_id is None and not unique_tags and created_after is None and created_before is None
        count = f"SELECT COALESCE(SUM(jobs), 0) FROM job_counts WHERE {' AND '.join(where)}" if kept else None
        source = "jobs" if unique_tags else _source(states)
        if unique_tags:
            where[0] = "+instance = ?"  # see _source
            marks = ", ".join("?" * len(unique_tags))
            having = "" if tags_any else f" GROUP BY job_id HAVING COUNT(*) = {len(unique_tags)}"
            where.append(f"id IN (SELECT job_id FROM job_tags WHERE tag IN ({marks}){having})")
            args.extend(unique_tags)
        clause = " AND ".join(where)
        order = "ASC" if ascending else "DESC"
        columns = COLUMNS if params else _COLUMNS_WITHOUT_PARAMS
        with self._read() as conn:
            total = conn.execute(count or f"SELECT COUNT(*) FROM jobs WHERE {clause}", args).fetchone()[0]
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples: a sqlite3.Row per job costs more than the tuple
            found = cursor.execute(
                f"SELECT {columns} FROM {source} WHERE {clause} ORDER BY created {order}, rowid {order} "
                "LIMIT ? OFFSET ?",
                [*args, max(0, int(limit)), max(0, int(offset))],
            ).fetchall()
        return (found if rows else [record_from_row(row) for row in found]), int(total)

    def unfinished_jobs(self) -> list[JobRecord]:
        """Every Queued or Running job, oldest first (what a restart must run again)."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM jobs WHERE status IN (?, ?) ORDER BY created, rowid", PENDING_STATES
            ).fetchall()
        return [record_from_row(row) for row in rows]

    def usage_seconds(self, instance: str) -> float:
        """Seconds the finished jobs of ``instance`` ran (running -> finished), in all.

        The reference client asks for usage before every submission: the sum is kept by the database as jobs
        change (``database.AGGREGATES``), so this reads one row however many jobs there are.
        """
        with self._read() as conn:
            row = conn.execute(
                "SELECT seconds FROM instance_usage WHERE instance = ?", (instance,)
            ).fetchone()
        # Sums of many additions and subtractions may end a rounding error below zero.
        return max(0.0, float(row[0])) if row is not None else 0.0

    def rebuild_aggregates(self) -> None:
        """Compute the kept counts and usage sums from the jobs again (see ``database.AGGREGATES``)."""
        self._db.rebuild_aggregates()

    def find_by_idempotency_key(self, instance: str, key: str) -> JobRecord | None:
        """The job submitted by ``instance`` with this Idempotency-Key, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {COLUMNS} FROM jobs WHERE instance = ? AND idempotency_key = ?", (instance, key)
            ).fetchone()
        return None if row is None else record_from_row(row)
