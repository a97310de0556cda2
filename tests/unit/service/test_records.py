"""Job states and records: the enum is its wire strings everywhere a string was used; rows round-trip."""

from __future__ import annotations

import json
import pickle
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from ibmq_widgets.service import records
from ibmq_widgets.service.records import ALL_STATES, FINAL_STATES, PENDING_STATES, JobRecord, JobState


def test_job_states_are_the_wire_strings():
    assert [state.value for state in JobState] == ["Queued", "Running", "Completed", "Cancelled", "Failed"]
    assert ALL_STATES == PENDING_STATES + FINAL_STATES and len(set(ALL_STATES)) == 5
    for state in JobState:
        assert state == state.value and str(state) == state.value and f"{state}" == state.value
        assert hash(state) == hash(state.value) and state.stamp == state.value.lower()
        assert json.dumps({"status": state}) == json.dumps({"status": state.value})
        assert pickle.loads(pickle.dumps(state)) is state
        assert state.final == (state in FINAL_STATES)
    assert "Running" in PENDING_STATES and "Completed" not in PENDING_STATES
    assert JobState("Cancelled") is JobState.CANCELLED
    with pytest.raises(ValueError):
        JobState("Done")


def test_times_are_fixed_width_utc_text():
    aware = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert records.to_text(aware) == "2026-01-01T10:00:00.000000+00:00"
    assert records.to_text(datetime(2026, 1, 1, 10, 0)) == records.to_text(aware)  # naive is UTC
    assert records.from_text(records.to_text(aware)) == aware


def test_a_record_round_trips_through_a_row():
    created = datetime(2026, 1, 1, tzinfo=timezone.utc)
    job = JobRecord(
        id="j", instance="i", backend="b", program="sampler", params_text="{}", tags=["a"], status="Running",
        created=created, timestamps={"created": created}, max_seconds=2.5, idempotency_key="k",
    )  # fmt: skip
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    columns = records.COLUMNS
    conn.execute(f"CREATE TABLE jobs ({columns})")
    conn.execute(f"INSERT INTO jobs ({columns}) VALUES ({', '.join('?' * 16)})", records.record_to_row(job))
    back = records.record_from_row(conn.execute(f"SELECT {columns} FROM jobs").fetchone())
    assert back == job and back.status is JobState.RUNNING and back.pending
