"""GET /jobs from kept job texts (handlers/job_listing.py) is byte for byte the uncached listing, before and
after every kind of change to the jobs, for every IBM-API-Version's usage format: a kept text never shows a stale
state, nor another version's usage."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ibmq_widgets.service import store as store_module
from ibmq_widgets.service.handlers.base import dumps
from ibmq_widgets.service.handlers.job_listing import (
    QUEUE_INFO,
    USAGE,
    JobJsonCache,
    JobText,
    listing_text,
    queue_info_text,
    usage_text,
)
from ibmq_widgets.service.handlers.job_views import LATEST_API_VERSION, USAGE_FORMATS, job_json, usage_format
from ibmq_widgets.service.records import PENDING_STATES, JobRecord
from ibmq_widgets.service.store import JobStore

INSTANCE = "ibm-q-network/research/main"
T0 = datetime(2026, 12, 4, 12, 0, 0, 250000, tzinfo=timezone.utc)
NOW = T0 + timedelta(minutes=5, microseconds=123457)
FILTERS: dict[str, Any] = {
    "limit": 200, "offset": 0, "backend": None, "pending": None, "statuses": None, "program": None, "tags": [],
    "created_after": None, "created_before": None, "ascending": False, "tags_any": False, "session_id": None,
}  # fmt: skip
# API versions of every usage format, and one past the latest and one before the oldest; listed with one cache.
VERSIONS = (LATEST_API_VERSION, "2026-03-15", "2026-04-14", "2026-02-01", "2099-12-31", "1999-01-01")
# Filter sets a watcher, a session view and the job manager use; each is checked against the reference.
VARIANTS: list[dict[str, Any]] = [
    {},
    {"pending": True},
    {"pending": False, "ascending": True},
    {"statuses": ["Running", "Failed"]},
    {"tags": ["shared"]},
    {"tags": ["shared", "ünïcode ☃"], "tags_any": True},
    {"session_id": "session-a"},
    {"backend": "ibm_fez", "limit": 3, "offset": 1},
    {"limit": 0},
]


class FakeScheduler:
    """Fixed queue info: a position and estimates for some pending jobs, nothing for the others."""

    def __init__(self) -> None:
        self.infos: dict[str, dict] = {}

    def queue_infos(self, job_ids: list[str]) -> dict[str, dict]:
        return {job_id: self.infos.get(job_id, {}) for job_id in job_ids}


def reference(
    store: JobStore, scheduler: FakeScheduler, filters: dict, include: bool, version: str = LATEST_API_VERSION
) -> bytes:
    """The listing as the handler wrote it before job texts were kept: job_json for each JobRecord."""
    jobs, count = store.list_jobs(INSTANCE, **filters)
    infos = scheduler.queue_infos([job.id for job in jobs if job.status in PENDING_STATES])
    items = [job_json(job, infos.get(job.id), include_params=include, version=version) for job in jobs]
    return dumps({"jobs": items, "count": count, "limit": len(items), "offset": filters["offset"]}).encode()


def job(job_id: str, **fields: Any) -> JobRecord:
    values: dict[str, Any] = {
        "instance": INSTANCE, "backend": "ibmq_qasm_simulator", "program": "sampler", "num_pubs": 2,
        "params_text": json.dumps({"pubs": [[job_id, None, 16]], "version": 2}), "created": T0,
    }  # fmt: skip
    values.update(fields)
    return JobRecord(id=job_id, **values)


@pytest.fixture
def clock(monkeypatch):
    """job_views.run_seconds reads store.utc_now: frozen at NOW, as listing_text(now=NOW) is."""
    monkeypatch.setattr(store_module, "utc_now", lambda: NOW)


@pytest.fixture
def jobs(store, monkeypatch) -> FakeScheduler:
    """Jobs in every state, with tags, sessions, reasons and odd costs; the fake scheduler knows some.

    The states change at T0 + 4 min (the store stamps them with store.utc_now), the listings are at NOW.
    """
    minute = timedelta(minutes=1)
    monkeypatch.setattr(store_module, "utc_now", lambda: T0 + 4 * minute + timedelta(microseconds=17))
    store.create_jobs(
        [
            job("queued-1", tags=["shared", "name:first"], session_id="session-a", max_seconds=30.0),
            job("queued-2", created=T0 + minute, tags=["ünïcode ☃", 'quo"te\\'], private=True),
            job("queued-lost", created=T0 + 2 * minute, backend="ibm_fez"),  # the scheduler does not know it
            job("running-1", created=T0 + 3 * minute, session_id="session-a", program="estimator"),
            job("done-1", created=T0 + 4 * minute, tags=["shared"], max_seconds=float("inf")),
            job("cancelled-1", created=T0 + 5 * minute, backend="ibm_fez"),
            job("failed-1", created=T0 + 6 * minute, backend="ibm_fez", max_seconds=float("nan")),
            job("other-instance", instance="ibm-q/open/main", created=T0 + 7 * minute),
        ]
    )
    store.set_status("running-1", "Running")
    store.set_status("done-1", "Running")
    store.set_result("done-1", '{"results": []}')
    store.set_status("cancelled-1", "Cancelled", reason="Cancelled by the user.")
    store.set_status("failed-1", "Running")
    store.set_status("failed-1", "Failed", reason="Job ran over its time limit.", reason_code=1305)
    scheduler = FakeScheduler()
    scheduler.infos["queued-1"] = {
        "position": 1, "estimated_start_time": T0 + 7 * minute,
        "estimated_completion_time": T0 + timedelta(minutes=8, microseconds=1),
    }  # fmt: skip
    scheduler.infos["queued-2"] = {
        "position": 2, "estimated_start_time": NOW.astimezone(timezone(timedelta(hours=2))),
        "estimated_completion_time": (T0 + 9 * minute).replace(microsecond=0),
    }  # fmt: skip
    scheduler.infos["running-1"] = {
        "position": None, "estimated_start_time": None, "estimated_completion_time": NOW + minute,
    }  # fmt: skip
    monkeypatch.setattr(store_module, "utc_now", lambda: NOW)
    return scheduler


def assert_same_listings(store: JobStore, scheduler: FakeScheduler, cache: JobJsonCache) -> None:
    """Every variant, with and without params, for every version, byte for byte the reference."""
    for version in VERSIONS:
        for variant in VARIANTS:
            filters = {**FILTERS, **variant}
            for include in (False, True):
                expected = reference(store, scheduler, filters, include, version)
                got = listing_text(
                    store, scheduler, INSTANCE, filters, include_params=include, cache=cache, now=NOW,
                    version=version,
                )  # fmt: skip
                assert json.loads(got) == json.loads(expected), (version, variant, include)
                assert got == expected, (version, variant, include)


def statuses(store: JobStore, scheduler: FakeScheduler, cache: JobJsonCache) -> dict[str, str]:
    text = listing_text(store, scheduler, INSTANCE, FILTERS, include_params=False, cache=cache, now=NOW)
    return {item["id"]: item["state"]["status"] for item in json.loads(text)["jobs"]}


def test_listing_equals_the_uncached_listing_and_reuses_job_texts(store, jobs):
    cache = JobJsonCache()
    assert_same_listings(store, jobs, cache)
    misses = cache.misses
    assert_same_listings(store, jobs, cache)  # warm: every listing again, all from kept texts
    assert cache.misses == misses and cache.hits > 0


def test_a_kept_text_never_shows_a_stale_state(store, jobs):
    cache = JobJsonCache()
    assert statuses(store, jobs, cache)["queued-1"] == "Queued"
    changes = [
        ("queued-1", lambda: store.set_status("queued-1", "Running"), "Running"),
        ("queued-1", lambda: store.set_result("queued-1", '{"results": [1]}'), "Completed"),
        (
            "queued-2",
            lambda: store.set_status("queued-2", "Cancelled", reason="Deleted by the user."),
            "Cancelled",
        ),
        (
            "running-1",
            lambda: store.set_status("running-1", "Failed", reason="crash", reason_code=1517),
            "Failed",
        ),
        ("queued-lost", lambda: store.set_status("queued-lost", "Running"), "Running"),
        (
            "queued-lost",
            lambda: store.set_status("queued-lost", "Queued"),
            "Queued",
        ),  # requeued after a crash
    ]
    for job_id, change, status in changes:
        change()
        assert statuses(store, jobs, cache)[job_id] == status
        assert_same_listings(store, jobs, cache)
    assert cache.hits > 0


def test_changed_tags_and_a_recreated_id_are_encoded_again(store, jobs):
    cache = JobJsonCache()
    assert_same_listings(store, jobs, cache)
    store.set_tags("done-1", ["retagged", "shared"])
    store.set_tags("queued-1", [])
    assert_same_listings(store, jobs, cache)
    store.delete_job("cancelled-1")
    store.create_job(job("cancelled-1", created=T0 + 5 * timedelta(minutes=1), backend="ibm_torino"))
    assert statuses(store, jobs, cache)["cancelled-1"] == "Queued"
    assert_same_listings(store, jobs, cache)
    listed = json.loads(
        listing_text(store, jobs, INSTANCE, FILTERS, include_params=False, cache=cache, now=NOW)
    )
    assert {item["id"]: item["backend"] for item in listed["jobs"]}["cancelled-1"] == "ibm_torino"


def test_a_requeued_job_keeps_counting_its_run_time(store, jobs, monkeypatch):
    """A job sent back to the queue after it started has a running stamp and no finish: usage so far."""
    store.set_status("queued-lost", "Running")
    store.set_status("queued-lost", "Queued")
    cache = JobJsonCache()
    for later in (NOW, NOW + timedelta(seconds=2.5)):
        monkeypatch.setattr(store_module, "utc_now", lambda later=later: later)
        filters = {**FILTERS, "backend": "ibm_fez"}
        for version in VERSIONS:
            got = listing_text(
                store, jobs, INSTANCE, filters, include_params=False, cache=cache, now=later, version=version
            )
            assert got == reference(store, jobs, filters, False, version)
    assert cache.hits > 0


def test_jobs_of_two_stores_with_one_id_share_a_cache_safely(tmp_path, clock):
    cache, scheduler = JobJsonCache(), FakeScheduler()
    stores = [JobStore(tmp_path / f"jobs-{n}.sqlite3") for n in range(2)]
    try:
        stores[0].create_job(job("same-id", tags=["first"]))
        stores[1].create_job(job("same-id", backend="ibm_fez"))
        for _ in range(2):
            for store in stores:
                got = listing_text(
                    store, scheduler, INSTANCE, FILTERS, include_params=False, cache=cache, now=NOW
                )
                assert got == reference(store, scheduler, FILTERS, False)
    finally:
        for store in stores:
            store.close()


def test_the_cache_is_bounded_least_recently_listed_first(store, jobs):
    cache = JobJsonCache(max_entries=3)
    assert_same_listings(store, jobs, cache)
    assert len(cache) == 3 * len(USAGE_FORMATS)  # the bound is per usage format
    cache.clear()
    assert len(cache) == 0
    assert_same_listings(store, jobs, cache)


def test_job_texts_keep_slots_only_for_what_changes(store, jobs):
    rows, _ = store.list_jobs(INSTANCE, **FILTERS, params=False, rows=True)
    parts = {row[0]: JobText(row).parts for row in rows}
    assert len(parts["done-1"]) == len(parts["cancelled-1"]) == len(parts["failed-1"]) == 1
    assert QUEUE_INFO in parts["queued-1"] and USAGE not in parts["queued-1"]
    assert QUEUE_INFO in parts["running-1"] and USAGE in parts["running-1"]


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {},
        {"position": None, "estimated_start_time": None, "estimated_completion_time": None},
        {"position": 3, "estimated_start_time": T0, "estimated_completion_time": T0.replace(microsecond=0)},
        {"position": 3, "estimated_start_time": datetime(2026, 1, 1, 5), "estimated_completion_time": None},
        {"position": True, "estimated_start_time": "2026-01-01T00:00:00Z"},
        {"position": 7, "estimated_start_time": T0.astimezone(timezone(timedelta(hours=-5)))},
    ],
)
def test_queue_info_text_is_what_job_json_encodes(raw):
    pending = job("q")
    assert json.loads(queue_info_text(raw)) == job_json(pending, raw, include_params=False)["queue_info"]
    assert queue_info_text(raw) == dumps(job_json(pending, raw, include_params=False)["queue_info"])


@pytest.mark.parametrize("seconds", [0.0, 0.0004, 1.0, 2.5, 123.4567891, 86400.1, -3.0])
@pytest.mark.parametrize("status", ["Running", "Queued", "Cancelled"])
@pytest.mark.parametrize("version", ["2026-04-15", "2026-03-15", "2026-02-01"])
def test_usage_text_is_what_job_json_encodes(monkeypatch, seconds, status, version):
    """A job started and not finished (a Cancelled one only in an old store) at any time, clock set back too."""
    running = job("r", timestamps={"running": T0}, status=status)
    now = T0 + timedelta(seconds=seconds)
    monkeypatch.setattr(store_module, "utc_now", lambda: now)
    text = usage_text(T0, now, pending=running.pending, usage=usage_format(version))
    assert text == dumps(job_json(running, None, include_params=False, version=version)["usage"])


def test_each_version_lists_its_own_usage_from_one_cache(store, jobs):
    cache = JobJsonCache()
    shapes = {
        "2026-04-15": {"qpu_charge_time_seconds", "status"},
        "2026-03-15": {"qpu_charge_time_seconds", "status", "circuits_execution_time_ns"},
        "2026-02-01": {"seconds", "quantum_seconds"},
    }
    for _ in range(2):  # the second time from kept texts
        for version, keys in shapes.items():
            listed = json.loads(
                listing_text(
                    store,
                    jobs,
                    INSTANCE,
                    FILTERS,
                    include_params=False,
                    cache=cache,
                    now=NOW,
                    version=version,
                )
            )["jobs"]
            assert {frozenset(item["usage"]) for item in listed} == {frozenset(keys)}, version
            usage = {item["id"]: item["usage"] for item in listed}
            if "status" in keys:
                assert usage["running-1"]["status"] == usage["queued-1"]["status"] == "pending"
                assert usage["done-1"]["status"] == usage["failed-1"]["status"] == "final"
    assert cache.hits == cache.misses


def test_queue_info_texts_sharing_minutes_are_what_job_json_encodes():
    """A listing's calls share each minute's text: every datetime still comes out as isoformat writes it."""
    utc = timezone.utc
    values = [T0 + timedelta(microseconds=k * 7_654_321) for k in range(3000)]  # about 6 h, minute by minute
    values += [datetime(1, 1, 1, tzinfo=utc), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=utc)]
    values += [
        T0.replace(microsecond=0),
        T0.replace(microsecond=10),
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=utc),
    ]
    minutes: dict = {}
    pending = job("q")
    for start, end in zip(values, reversed(values), strict=True):
        raw = {"position": 1, "estimated_start_time": start, "estimated_completion_time": end}
        assert queue_info_text(raw, minutes) == dumps(
            job_json(pending, raw, include_params=False)["queue_info"]
        )
    assert 300 < len(minutes) < len(values)
