"""The IBM-API-Version header and what it changes: the usage in the job JSON and the metrics, as IBM's changelog
has it (2026-03-15: usage as qpu_charge_time_seconds and status, no seconds, quantum_seconds or bss;
2026-04-15: circuits_execution_time_ns out of usage, at the metrics' root)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ibmq_widgets import wire
from ibmq_widgets.client.job import usage_seconds
from ibmq_widgets.service import store as store_module
from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.service.handlers.base import parse_api_version
from ibmq_widgets.service.handlers.job_views import (
    LATEST_API_VERSION,
    LEGACY_USAGE,
    USAGE_FORMATS,
    job_json,
    job_metrics,
    usage_format,
)
from ibmq_widgets.service.records import JobRecord

T0 = datetime(2026, 12, 4, 12, 0, 0, 250000, tzinfo=timezone.utc)
RAN = timedelta(seconds=2, microseconds=345678)  # 2.346 s rounded; 2,345,678,000 ns
NOW = T0 + timedelta(minutes=10)


def record(status: str, **stamps: datetime) -> JobRecord:
    return JobRecord(
        id="j", instance="i", backend="ibm_fez", program="sampler", params_text="{}", status=status,
        created=T0, timestamps={"created": T0, **stamps}, num_pubs=3,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(store_module, "utc_now", lambda: NOW)


FINISHED = {"running": T0, "finished": T0 + RAN, "completed": T0 + RAN}


def test_the_latest_version_is_the_one_the_clients_send():
    assert LATEST_API_VERSION == wire.API_VERSION == "2026-04-15"
    assert parse_api_version(None) == LATEST_API_VERSION


@pytest.mark.parametrize("raw", ["2026-04-15", "2026-03-15", "2026-02-01", "1999-12-31", "2099-01-01"])
def test_any_date_is_a_version(raw):
    assert parse_api_version(raw) == raw


@pytest.mark.parametrize(
    "raw", ["", "latest", "2026-4-15", "20260415", "2026-04-15T00:00:00Z", "2026-02-30", "0000-01-01",
            "2026-04-15,2026-04-15", " 2026-04-15", "\u0662\u0660\u0662\u0666-\u0660\u0664-\u0661\u0665", "x" * 500],
)  # fmt: skip
def test_anything_else_is_a_400_naming_the_header_and_the_format(raw):
    with pytest.raises(ApiError) as caught:
        parse_api_version(raw)
    error = caught.value
    assert error.status == 400 and error.code == "invalid_parameter"
    message = error.body()["error"]["message"]
    assert "IBM-API-Version" in message and "YYYY-MM-DD" in message and len(message) < 200


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1999-01-01", LEGACY_USAGE), ("2026-02-01", LEGACY_USAGE), ("2026-03-14", LEGACY_USAGE),
     ("2026-03-15", "2026-03-15"), ("2026-04-14", "2026-03-15"), ("2026-04-15", "2026-04-15"),
     ("2099-12-31", "2026-04-15")],
)  # fmt: skip
def test_versions_map_to_the_format_in_force_on_their_date(version, expected):
    assert usage_format(version) == expected and expected in USAGE_FORMATS


def test_the_latest_job_json_and_metrics():
    job = record("Completed", **FINISHED)
    assert job_json(job, None, include_params=False)["usage"] == {
        "qpu_charge_time_seconds": 2.346,
        "status": "final",
    }
    metrics = job_metrics(job, None)
    assert metrics["usage"] == {"qpu_charge_time_seconds": 2.346, "status": "final"}
    assert metrics["circuits_execution_time_ns"] == 2_345_678_000 and "bss" not in metrics
    assert type(metrics["circuits_execution_time_ns"]) is int
    assert metrics == job_metrics(job, None, version="2026-04-15")


def test_the_2026_03_15_job_json_and_metrics_carry_the_nanoseconds_in_usage():
    job = record("Completed", **FINISHED)
    usage = {"qpu_charge_time_seconds": 2.346, "status": "final", "circuits_execution_time_ns": 2_345_678_000}
    assert job_json(job, None, include_params=False, version="2026-03-15")["usage"] == usage
    metrics = job_metrics(job, None, version="2026-04-01")
    assert metrics["usage"] == usage and "circuits_execution_time_ns" not in metrics and "bss" not in metrics


def test_before_2026_03_15_the_fields_of_then():
    job = record("Completed", **FINISHED)
    assert job_json(job, None, include_params=False, version="2026-02-01")["usage"] == {
        "seconds": 2.346,
        "quantum_seconds": 2.346,
    }
    metrics = job_metrics(job, None, version="2026-03-14")
    assert metrics["usage"] == {
        "seconds": 2.346, "quantum_seconds": 2.346, "qpu_charge_time_seconds": 2.346, "status": "final",
    }  # fmt: skip
    assert metrics["bss"] == {"seconds": 2.346} and "circuits_execution_time_ns" not in metrics
    assert list(metrics)[:3] == ["timestamps", "usage", "bss"]


@pytest.mark.parametrize("version", ["2026-04-15", "2026-03-15", "2026-02-01"])
def test_pending_jobs_count_so_far_and_say_pending(version):
    queued = record("Queued")
    running = record("Running", running=NOW - RAN)
    assert usage_seconds(job_json(queued, None, include_params=False, version=version)["usage"]) == 0.0
    assert usage_seconds(job_json(running, None, include_params=False, version=version)["usage"]) == 2.346
    for job in (queued, running):
        assert job_metrics(job, None, version=version)["usage"]["status"] == "pending"
    assert job_metrics(running, None, version=version)["timestamps"]["running"] == wire.format_datetime(
        NOW - RAN
    )


def test_a_clock_set_back_counts_no_time():
    job = record("Completed", running=T0, finished=T0 - RAN)
    assert job_metrics(job, None)["circuits_execution_time_ns"] == 0
    assert job_json(job, None, include_params=False)["usage"]["qpu_charge_time_seconds"] == 0.0


@pytest.mark.parametrize(
    ("usage", "seconds"),
    [({"qpu_charge_time_seconds": 1.5, "status": "final"}, 1.5), ({"seconds": 2, "quantum_seconds": 3}, 3.0),
     ({"seconds": 4}, 4.0), ({"qpu_charge_time_seconds": None, "quantum_seconds": 5.0}, 5.0),
     ({"qpu_charge_time_seconds": True}, None), ({}, None), (None, None), ("1.0", None)],
)  # fmt: skip
def test_the_client_reads_every_versions_usage(usage, seconds):
    assert usage_seconds(usage) == seconds


def test_every_view_is_strict_json_for_every_version():
    for version in ("2026-04-15", "2026-03-15", "2026-02-01"):
        for job in (record("Completed", **FINISHED), record("Queued"), record("Running", running=T0)):
            json.dumps(job_json(job, None, include_params=False, version=version), allow_nan=False)
            json.dumps(job_metrics(job, None, version=version), allow_nan=False)
