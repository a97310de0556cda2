"""The counts and usage sums the store keeps as jobs change: always what a scan of every job would give, across
restarts, cancels, failures, deletions and concurrent writers; and stores made before them are filled once."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from datetime import timedelta

import pytest

from ibmq_widgets.service.store import JobRecord, JobStore, utc_now

INSTANCES = ("hub/a/one", "hub/b/two")
BACKENDS = ("ibm_fez", "ibmq_manila")


def make_job(job_id: str, instance: str = INSTANCES[0], backend: str = BACKENDS[0], **fields) -> JobRecord:
    return JobRecord(
        id=job_id,
        instance=instance,
        backend=backend,
        program="sampler",
        params_text="{}",
        num_pubs=1,
        **fields,
    )


def finished(job_id: str, seconds: float, status: str = "Completed", **fields) -> JobRecord:
    """A job stored already finished, having run ``seconds``."""
    start = utc_now() - timedelta(hours=1)
    stamps = {"created": start, "running": start, "finished": start + timedelta(seconds=seconds)}
    return make_job(job_id, status=status, created=start, timestamps=stamps, **fields)


def scanned_usage(store: JobStore, instance: str) -> float:
    """The usage as the store computed it before it kept sums: a scan of every job of the instance."""
    with store._read() as conn:
        (total,) = conn.execute(
            "SELECT SUM(MAX(0.0, 86400.0 * (julianday(json_extract(timestamps, '$.finished'))"
            " - julianday(json_extract(timestamps, '$.running')))))"
            " FROM jobs WHERE instance = ? AND status NOT IN ('Queued', 'Running')"
            " AND json_extract(timestamps, '$.running') IS NOT NULL"
            " AND json_extract(timestamps, '$.finished') IS NOT NULL",
            (instance,),
        ).fetchone()
    return float(total or 0.0)


def assert_counts_match_a_scan(store: JobStore) -> None:
    """Every kept figure equals a count or sum over the jobs themselves."""
    for instance in INSTANCES:
        assert store.usage_seconds(instance) == pytest.approx(scanned_usage(store, instance), abs=1e-6)
        filters = itertools.product(
            (None, *BACKENDS), (None, True, False), (None, ["Completed"], ["Queued", "Failed"])
        )
        for backend, pending, statuses in filters:
            _, count = store.list_jobs(
                instance, limit=0, offset=0, backend=backend, pending=pending, statuses=statuses
            )
            jobs, _ = store.list_jobs(
                instance, limit=10_000, offset=0, backend=backend, pending=pending, statuses=statuses
            )
            assert count == len(jobs), (instance, backend, pending, statuses)


def test_usage_follows_runs_cancels_failures_and_deletions(store):
    store.create_jobs([finished("done", 2.5), finished("failed", 1.0, status="Failed")])
    store.create_job(make_job("queued"))
    store.create_job(make_job("cancelled-queued"))
    store.create_job(make_job("cancelled-running"))
    assert store.usage_seconds(INSTANCES[0]) == pytest.approx(3.5, abs=1e-3)
    store.set_status("cancelled-queued", "Cancelled")  # never ran: no usage
    store.set_status("cancelled-running", "Running")
    store.set_status("cancelled-running", "Cancelled")  # ran a moment
    store.set_status("queued", "Running")
    assert store.set_result("queued", "{}")
    store.set_status("done", "Failed")  # final: ignored, usage unchanged
    assert_counts_match_a_scan(store)
    store.delete_job("done")
    assert store.usage_seconds(INSTANCES[0]) == pytest.approx(scanned_usage(store, INSTANCES[0]), abs=1e-6)
    assert store.usage_seconds(INSTANCES[0]) == pytest.approx(1.0, abs=0.5)
    assert store.usage_seconds("nobody") == 0.0
    assert_counts_match_a_scan(store)


def test_counts_and_usage_survive_a_restart(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path)
    store.create_jobs([finished(f"f{i}", 0.5 * i, instance=INSTANCES[i % 2]) for i in range(10)])
    store.create_job(make_job("pending", backend=BACKENDS[1]))
    before = [store.usage_seconds(instance) for instance in INSTANCES]
    store.close()
    reopened = JobStore(path)
    assert [reopened.usage_seconds(instance) for instance in INSTANCES] == before
    assert reopened.list_jobs(INSTANCES[0], limit=0, offset=0, pending=True)[1] == 1
    assert_counts_match_a_scan(reopened)
    reopened.close()


def test_a_store_made_before_the_kept_counts_is_filled_at_its_first_open(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path)
    store.create_jobs([finished(f"f{i}", 1.0 + i, instance=INSTANCES[i % 2]) for i in range(6)])
    store.create_job(make_job("pending"))
    store.close()
    conn = sqlite3.connect(path)  # as an older version left it: no triggers, no tables, version 0
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.executescript("DROP TABLE job_counts; DROP TABLE instance_usage; PRAGMA user_version = 0;")
    conn.close()
    upgraded = JobStore(path)
    assert upgraded.usage_seconds(INSTANCES[0]) == pytest.approx(1 + 3 + 5, abs=1e-3)
    assert_counts_match_a_scan(upgraded)
    upgraded.create_job(finished("later", 2.0))  # kept from now on
    assert upgraded.usage_seconds(INSTANCES[0]) == pytest.approx(11.0, abs=1e-3)
    upgraded.close()


def test_concurrent_writers_keep_the_counts_exact(store):
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for i in range(40):
                job_id = f"w{worker}-{i}"
                store.create_job(make_job(job_id, instance=INSTANCES[i % 2], backend=BACKENDS[worker % 2]))
                if i % 4 == 0:
                    continue  # stays queued
                store.set_status(job_id, "Running")
                if i % 4 == 1:
                    store.set_result(job_id, "{}")
                elif i % 4 == 2:
                    store.set_status(job_id, "Failed", reason="boom")
                else:
                    store.set_status(job_id, "Cancelled")
                    if i % 8 == 3:
                        store.delete_job(job_id)
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert_counts_match_a_scan(store)
    kept = [store.usage_seconds(instance) for instance in INSTANCES]
    store.rebuild_aggregates()  # computed again from the jobs: the same
    assert [store.usage_seconds(instance) for instance in INSTANCES] == pytest.approx(kept, abs=1e-6)


def test_counts_with_filters_the_kept_counts_cannot_answer_still_count_jobs(store):
    store.create_jobs([finished(f"f{i}", 1.0, tags=["name:x"] if i % 3 == 0 else []) for i in range(9)])
    assert store.list_jobs(INSTANCES[0], limit=1, offset=0, tags=["name:x"])[1] == 3
    assert store.list_jobs(INSTANCES[0], limit=1, offset=0, tags=["name:x"], pending=False)[1] == 3
    assert store.list_jobs(INSTANCES[0], limit=1, offset=0, created_after=utc_now())[1] == 0
    page, total = store.list_jobs(INSTANCES[0], limit=2, offset=1, tags=["name:x"], ascending=True)
    assert total == 3 and [job.id for job in page] == ["f3", "f6"]
