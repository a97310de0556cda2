"""The job store: round trips, transitions, filters and counts, idempotency, durability, WAL."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest

from ibmq_widgets.service.store import JobRecord, JobStore

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def make_job(job_id: str, **fields) -> JobRecord:
    values = dict(
        instance="ibm-q/open/main",
        backend="ibmq_manila",
        program="sampler",
        params_text='{"pubs": []}',
        tags=[],
        created=T0,
        num_pubs=1,
    )
    values.update(fields)
    return JobRecord(id=job_id, **values)


def test_round_trip_keeps_every_field(store):
    job = make_job(
        "j1", tags=["name:ghz", "jobset:abc"], session_id="s1", private=True, max_seconds=30.5,
        idempotency_key="key-1", num_pubs=3,
    )  # fmt: skip
    store.create_job(job)
    got = store.get_job("j1")
    assert got == job
    assert got.timestamps == {"created": T0, "queued": T0}
    assert store.get_job("missing") is None


def test_wal_mode(store):
    assert store.journal_mode() == "wal"


def test_transitions_record_times_and_final_states_stick(store):
    store.create_job(make_job("j1"))
    assert store.set_status("j1", "Running")
    assert store.set_result("j1", '{"result": 1}')
    got = store.get_job("j1")
    assert got.status == "Completed" and not got.pending
    assert {"created", "queued", "running", "completed", "finished"} <= set(got.timestamps)
    assert got.timestamps["created"] <= got.timestamps["running"] <= got.timestamps["finished"]
    # A late cancel or failure does not overwrite a completed job, nor its result.
    assert not store.set_status("j1", "Cancelled")
    assert not store.set_result("j1", "other")
    assert store.get_job("j1").status == "Completed"
    assert store.get_result("j1") == '{"result": 1}'


def test_failure_keeps_reason_and_cancelled_job_gets_no_result(store):
    store.create_job(make_job("j1"))
    store.set_status("j1", "Failed", reason="worker crashed", reason_code=1517)
    got = store.get_job("j1")
    assert (got.status, got.reason, got.reason_code) == ("Failed", "worker crashed", 1517)
    store.create_job(make_job("j2"))
    store.set_status("j2", "Cancelled")
    assert not store.set_result("j2", "late")
    assert store.get_result("j2") is None
    with pytest.raises(ValueError, match="unknown job status"):
        store.set_status("j2", "Done")


def test_result_text_is_byte_identical_after_reopening(tmp_path):
    text = '{"__type__": "PrimitiveResult", "__value__": {"x": [1.0000000000000002, "é\\u00e9"]}}  '
    first = JobStore(tmp_path / "jobs.sqlite3")
    first.create_job(make_job("j1"))
    first.set_result("j1", text)
    # No close: a killed process never closes its connections either.
    second = JobStore(tmp_path / "jobs.sqlite3")
    assert second.get_result("j1") == text
    assert second.get_job("j1").status == "Completed"
    first.close()
    second.close()


def test_list_filters_and_counts(store):
    for i in range(12):
        store.create_job(
            make_job(
                f"j{i:02d}",
                created=T0 + timedelta(minutes=i),
                backend="ibm_fez" if i % 3 == 0 else "ibmq_manila",
                program="estimator" if i % 4 == 0 else "sampler",
                tags=["even"] if i % 2 == 0 else ["odd", f"n{i}"],
            )
        )
    store.create_job(make_job("other", instance="ibm-q-network/research/main"))
    for i in range(0, 12, 5):
        store.set_status(f"j{i:02d}", "Running")
    store.set_result("j05", "r")
    page, total = store.list_jobs("ibm-q/open/main", limit=5, offset=0)
    assert total == 12
    assert [job.id for job in page] == ["j11", "j10", "j09", "j08", "j07"]
    page, total = store.list_jobs("ibm-q/open/main", limit=5, offset=10, ascending=True)
    assert total == 12 and [job.id for job in page] == ["j10", "j11"]
    _, total = store.list_jobs("ibm-q/open/main", limit=100, offset=0, backend="ibm_fez")
    assert total == 4
    _, total = store.list_jobs("ibm-q/open/main", limit=100, offset=0, program="estimator")
    assert total == 3
    page, total = store.list_jobs("ibm-q/open/main", limit=100, offset=0, pending=True)
    assert total == 11 and "j05" not in {job.id for job in page}
    page, total = store.list_jobs("ibm-q/open/main", limit=100, offset=0, pending=False)
    assert [job.id for job in page] == ["j05"] and total == 1
    page, total = store.list_jobs("ibm-q/open/main", limit=100, offset=0, statuses=["Running"])
    assert {job.id for job in page} == {"j00", "j10"} and total == 2
    after, before = T0 + timedelta(minutes=3), T0 + timedelta(minutes=6)
    page, total = store.list_jobs(
        "ibm-q/open/main", limit=2, offset=0, created_after=after, created_before=before, ascending=True
    )
    assert total == 4 and [job.id for job in page] == ["j03", "j04"]
    # Naive datetimes are UTC.
    _, total = store.list_jobs("ibm-q/open/main", limit=1, offset=0, created_after=after.replace(tzinfo=None))
    assert total == 9


def test_tag_filters_all_of_and_any_of(store):
    store.create_job(make_job("a", tags=["x", "y"]))
    store.create_job(make_job("b", tags=["x"]))
    store.create_job(make_job("c", tags=["z"]))
    ids = lambda page: sorted(job.id for job in page[0])  # noqa: E731
    assert ids(store.list_jobs("ibm-q/open/main", limit=10, offset=0, tags=["x"])) == ["a", "b"]
    assert ids(store.list_jobs("ibm-q/open/main", limit=10, offset=0, tags=["x", "y"])) == ["a"]
    assert ids(store.list_jobs("ibm-q/open/main", limit=10, offset=0, tags=["x", "x"])) == ["a", "b"]
    page = store.list_jobs("ibm-q/open/main", limit=10, offset=0, tags=["y", "z"], tags_any=True)
    assert ids(page) == ["a", "c"] and page[1] == 2
    store.set_tags("b", ["y", "new"])
    assert store.get_job("b").tags == ["y", "new"]
    assert ids(store.list_jobs("ibm-q/open/main", limit=10, offset=0, tags=["x"])) == ["a"]
    assert ids(store.list_jobs("ibm-q/open/main", limit=10, offset=0, tags=["new"])) == ["b"]


def test_delete_removes_job_tags_and_result(store):
    store.create_job(make_job("j1", tags=["t"]))
    store.set_result("j1", "r")
    store.delete_job("j1")
    assert store.get_job("j1") is None and store.get_result("j1") is None
    assert store.list_jobs("ibm-q/open/main", limit=10, offset=0, tags=["t"]) == ([], 0)


def test_unfinished_jobs_oldest_first(store):
    for i, status in enumerate(["Queued", "Running", "Completed", "Queued", "Failed"]):
        store.create_job(make_job(f"j{i}", created=T0 - timedelta(minutes=i)))
        if status == "Completed":
            store.set_result(f"j{i}", "r")
        elif status != "Queued":
            store.set_status(f"j{i}", status)
    assert [job.id for job in store.unfinished_jobs()] == ["j3", "j1", "j0"]


def test_idempotency_key_is_per_instance_and_unique(store):
    store.create_job(make_job("j1", idempotency_key="k"))
    store.create_job(make_job("j2", idempotency_key="k", instance="ibm-q-network/research/main"))
    assert store.find_by_idempotency_key("ibm-q/open/main", "k").id == "j1"
    assert store.find_by_idempotency_key("ibm-q-network/research/main", "k").id == "j2"
    assert store.find_by_idempotency_key("ibm-q/open/main", "other") is None
    with pytest.raises(sqlite3.IntegrityError):
        store.create_job(make_job("j3", idempotency_key="k"))
    assert store.get_job("j3") is None


def test_concurrent_writers_from_threads(store):
    errors: list[BaseException] = []

    def submit(start: int) -> None:
        try:
            for i in range(start, start + 25):
                store.create_job(make_job(f"t{i}", tags=[f"w{start}"]))
                store.set_status(f"t{i}", "Running")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(n * 100,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert store.list_jobs("ibm-q/open/main", limit=1, offset=0, statuses=["Running"])[1] == 100


def test_usage_seconds_sums_the_run_time_of_finished_jobs_of_one_instance(tmp_path):
    from datetime import timedelta

    from ibmq_widgets.service.store import JobRecord, JobStore, utc_now

    store = JobStore(tmp_path / "usage.sqlite3")
    start = utc_now()

    def job(job_id: str, instance: str, ran: float | None, status: str) -> JobRecord:
        stamps = {"created": start}
        if ran is not None:
            stamps["running"] = start
            if status != "Running":
                stamps["finished"] = start + timedelta(seconds=ran)
        return JobRecord(
            id=job_id, instance=instance, backend="ibmq_qasm_simulator", program="sampler", params_text="{}",
            tags=[], status=status, reason=None, reason_code=None, created=start, timestamps=stamps,
            session_id=None, private=False, num_pubs=1, max_seconds=None, idempotency_key=None,
        )  # fmt: skip

    store.create_job(job("a", "one", 2.5, "Completed"))
    store.create_job(job("b", "one", 1.0, "Failed"))
    store.create_job(job("c", "one", 7.0, "Running"))  # still running: not counted yet
    store.create_job(job("d", "one", None, "Cancelled"))  # never ran
    store.create_job(job("e", "two", 4.0, "Completed"))  # another instance
    assert abs(store.usage_seconds("one") - 3.5) < 1e-3
    assert abs(store.usage_seconds("two") - 4.0) < 1e-3
    assert store.usage_seconds("nobody") == 0.0


def test_a_database_locked_elsewhere_costs_a_bounded_wait_and_changes_nothing(tmp_path):
    from service_unit_helpers import database_locked

    from ibmq_widgets.service.store import StoreBusyError

    store = JobStore(tmp_path / "jobs.sqlite3", busy_timeout=0.2)
    store.create_job(make_job("before"))
    with database_locked(store.path):
        with pytest.raises(StoreBusyError, match="locked by another process") as busy:
            store.create_job(make_job("during"))
        assert busy.value.retry_after >= 1 and busy.value.path == store.path
        with pytest.raises(StoreBusyError):
            store.set_status("before", "Running")
        with pytest.raises(StoreBusyError):
            store.set_result("before", "r")
        assert store.get_job("before").status == "Queued"  # reads go on (WAL)
    assert store.get_job("during") is None
    store.create_job(make_job("during"))  # the same connection works again once the lock is gone
    assert store.set_result("during", "r") and store.get_result("during") == "r"
    store.close()


def test_states_are_job_states_with_their_wire_strings(store):
    from ibmq_widgets.service.store import JobState

    store.create_job(make_job("j1"))
    got = store.get_job("j1")
    assert got.status is JobState.QUEUED and got.status == "Queued" and f"{got.status}" == "Queued"
    store.set_status("j1", JobState.FAILED, reason="r")
    assert store.get_job("j1").status is JobState.FAILED
    assert store.list_jobs("ibm-q/open/main", limit=5, offset=0, statuses=["Failed"])[1] == 1
