"""Job listings without sockets: paging, a server that caps its pages, filters the server cannot apply."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from client_fakes import FakeAdapter, fake_http, response

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.account import AccountManager

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
    ],
)
def test_bad_arguments_are_clear_errors(setup, kwargs, match):
    provider, adapter = setup
    before = len(adapter.sent)
    with pytest.raises(exc.IBMQJobValueError, match=match) as info:
        provider.backends.jobs(**kwargs)
    assert isinstance(info.value, ValueError)
    assert len(adapter.sent) == before
