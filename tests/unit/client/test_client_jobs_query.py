"""Job listings without sockets: paging, a server that caps its pages, filters the server cannot apply."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from client_fakes import FakeAdapter, fake_http, response

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.client.job_status import JobStatus
from ibmq_widgets.client.jobs_query import JobQuery

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/acct:inst::"
STATES = ["Completed", "Queued", "Completed", "Failed", "Completed", "Running", "Completed"]
JOBS = [
    {
        "id": f"job-{i}",
        "backend": "ibm_fez",
        "state": {"status": s},
        "tags": ["even"] if i % 2 == 0 else ["odd"],
    }
    for i, s in enumerate(STATES)
]


def listing(sent):
    """A GET /jobs that ignores status filters (like the real platform) and caps pages at 2 jobs."""
    query = parse_qs(urlsplit(sent.url).query)
    offset, limit = int(query.get("offset", ["0"])[0]), int(query["limit"][0])
    page = JOBS[offset : offset + min(limit, 2)]
    return response(200, {"jobs": page, "count": len(JOBS)})


@pytest.fixture
def setup():
    adapter = FakeAdapter(
        {
            ("POST", "/identity/token"): response(200, {"access_token": "t0k3n-abcdef", "expires_in": 3600}),
            ("GET", "/api/v1/jobs"): listing,
            ("GET", "/api/v1/backends"): response(200, {"devices": [{"name": "ibm_fez", "qubits": 156}]}),
        }
    )
    provider = AccountManager(http_factory=lambda: fake_http(adapter)).enable_account(
        "key-123456", instance=CRN
    )
    return provider, adapter


def test_pages_until_the_count_even_when_the_server_caps_pages(setup):
    provider, adapter = setup
    jobs = provider.backends.jobs(limit=None)
    assert [j.job_id() for j in jobs] == [f"job-{i}" for i in range(7)]
    assert len(adapter.calls("GET", "/api/v1/jobs")) == 4  # 2 + 2 + 2 + 1


def test_limit_and_skip_go_to_the_server_when_it_applies_every_filter(setup):
    provider, adapter = setup
    jobs = provider.backends.jobs(limit=2, skip=3)
    assert [j.job_id() for j in jobs] == ["job-3", "job-4"]
    query = parse_qs(urlsplit(adapter.sent[-1].url).query)
    assert query["offset"] == ["3"] and query["limit"] == ["2"]


def test_filters_the_server_ignores_are_applied_here_with_skip(setup):
    provider, _ = setup
    done = provider.backends.jobs(status="DONE", limit=2, skip=1)
    assert [j.job_id() for j in done] == ["job-2", "job-4"]
    either = provider.backends.jobs(job_tags=["even", "odd"], job_tags_operator="OR", limit=None)
    assert len(either) == 7
    pending = provider.backends.jobs(pending=True, limit=None)
    assert {j.job_id() for j in pending} == {"job-1", "job-5"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"limit": -1}, "limit must be"),
        ({"skip": "2"}, "skip must be"),
        ({"job_tags_operator": "XOR"}, "'OR' or 'AND'"),
        ({"job_tags": "even"}, "list of strings"),
        ({"status": "finished"}, "unknown job status"),
        ({"status": 5}, "status must be a JobStatus"),
        ({"start_datetime": "garbage"}, "start_datetime must be a datetime .* or an ISO 8601 string"),
        ({"end_datetime": 1700000000}, "end_datetime must be a datetime"),
        ({"start_datetime": "2025-02-01", "end_datetime": "2025-01-01"}, "is after end_datetime"),
        ({"backend_name": 3}, "backend_name must be a non-empty string"),
        ({"job_name": ""}, "job_name must be a non-empty string"),
        ({"job_tags": ["ok", 3]}, "list of non-empty strings"),
        ({"descending": "no"}, "descending must be True or False"),
        ({"pending": "yes"}, "pending must be True or False or None"),
        ({"limit": 2.5}, "limit must be"),
    ],
)
def test_bad_arguments_are_clear_errors(setup, kwargs, match):
    provider, adapter = setup
    before = len(adapter.sent)
    with pytest.raises(exc.IBMQJobValueError, match=match) as info:
        provider.backends.jobs(**kwargs)
    assert isinstance(info.value, ValueError)
    assert len(adapter.sent) == before


def test_a_bad_argument_to_a_backends_jobs_is_refused_the_same_way(setup):
    provider, adapter = setup
    backend = provider.get_backend("ibm_fez")
    before = len(adapter.sent)
    with pytest.raises(exc.IBMQJobValueError, match="start_datetime must be"):
        backend.jobs(start_datetime="garbage")
    assert len(adapter.sent) == before


def test_a_query_normalises_what_it_was_given():
    query = JobQuery(
        status=["done", "Failed"],
        start_datetime="2025-01-31T12:00:00Z",
        end_datetime=date(2025, 2, 1),
        job_tags=["a", "b"],
        job_tags_operator="and",
    )
    assert query.status == frozenset({JobStatus.DONE, JobStatus.ERROR})
    assert query.start_datetime == datetime(2025, 1, 31, 12, tzinfo=timezone.utc)
    assert query.end_datetime == datetime(2025, 2, 1)
    assert query.job_tags == ("a", "b") and query.job_tags_operator == "AND"
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.limit = 5  # type: ignore[misc]
    assert query == JobQuery(
        status={JobStatus.ERROR, JobStatus.DONE},
        start_datetime=datetime(2025, 1, 31, 12, tzinfo=timezone.utc),
        end_datetime="2025-02-01T00:00:00",
        job_tags=("a", "b"),
        job_tags_operator="AND",
    )


def test_the_request_params_carry_what_the_server_can_filter():
    query = JobQuery(
        backend_name="ibm_fez",
        job_name="mine",
        start_datetime=datetime(2025, 1, 31, 12, tzinfo=timezone.utc),
        job_tags=["a", "b"],
        job_tags_operator="AND",
        descending=False,
        pending=True,
    )
    params = query.params()
    assert params["backend"] == "ibm_fez" and params["sort"] == "ASC"
    assert params["status"] == ["Queued", "Running"]  # the local service's extension; the platform ignores it
    assert params["created_after"].startswith("2025-01-31T12:00:00")
    assert params["tags"] == ["name:mine", "a", "b"]
    assert not query.server_applies_all  # a server may ignore "status", so skipping happens here
    assert JobQuery(status="pending").params()["pending"] == "true"


def test_filters_only_the_client_can_apply_are_checked_on_each_job():
    either = JobQuery(job_tags=["a", "b"])  # OR of several tags: the API only has AND
    assert "tags" not in either.params() and not either.server_applies_all
    assert either.matches({"tags": ["b"]}) and not either.matches({"tags": ["c"]})
    done = JobQuery(status="DONE")
    assert done.params()["pending"] == "false" and "status" not in done.params()
    assert done.matches({"state": {"status": "Completed"}}) and not done.matches({"status": "Failed"})
    assert JobQuery(status="DONE", pending=True).matches_nothing
