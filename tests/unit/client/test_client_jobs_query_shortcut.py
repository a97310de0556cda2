"""The client's side of a GET /jobs listing: a query that checks nothing on the listed JSON skips
``JobQuery.matches`` (a watcher's poll of 1,000 jobs), and skipping it never changes which jobs are kept."""

from __future__ import annotations

import pytest

from ibmq_widgets.client.jobs_query import JobQuery

ITEMS = [
    {"id": "a", "state": {"status": "Queued"}, "tags": ["x", "name:first"], "session_id": "s1"},
    {"id": "b", "status": "Completed", "tags": [], "session_id": None},
    {"id": "c", "state": {"status": "Failed", "reason": "crash"}},
    {"id": "d", "state": "Running", "tags": None},
]


@pytest.mark.parametrize(
    "query",
    [
        JobQuery(limit=1000, descending=True),
        JobQuery(limit=None, skip=3, descending=False),
        JobQuery(backend_name="ibm_fez", start_datetime="2026-01-01T00:00:00Z", job_tags_operator="AND"),
    ],
)
def test_a_query_without_item_filters_keeps_every_item(query):
    assert not query.checks_items
    assert all(query.matches(item) for item in ITEMS)


@pytest.mark.parametrize(
    "query",
    [
        JobQuery(status="DONE"),
        JobQuery(pending=True),
        JobQuery(session_id="s1"),
        JobQuery(job_name="first"),
        JobQuery(job_tags=["x"]),
        JobQuery(job_tags=["x", "y"], job_tags_operator="AND"),
    ],
)
def test_a_query_with_item_filters_checks_each_item(query):
    assert query.checks_items
    assert not all(query.matches(item) for item in ITEMS)
