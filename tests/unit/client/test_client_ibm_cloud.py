"""The real-platform path without sockets: IAM at iam.cloud.ibm.com, the region API from the CRN."""

from __future__ import annotations

import pytest
from client_fakes import FakeAdapter, fake_http, response

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.client.job import JobStatus

KEY = "cloud-api-key-0123456789abcdef"
CRN = "crn:v1:bluemix:public:quantum-computing:eu-de:a/acct9:inst-1::"
DEVICE = {"name": "ibm_fez", "status": {"name": "online"}, "queue_length": 7, "qubits": 156}
JOB = {
    "id": "d1x2",
    "backend": "ibm_fez",
    "state": {"status": "Queued"},
    "created": "2026-01-02T03:04:05Z",
    "tags": ["name:mine", "t1"],
    "program": {"id": "sampler"},
}


@pytest.fixture
def cloud():
    adapter = FakeAdapter(
        {
            ("POST", "/identity/token"): response(
                200, {"access_token": "bearer-abc-123", "expires_in": 3600}
            ),
            ("GET", "/api/v1/backends"): response(
                200, {"devices": [DEVICE, {**DEVICE, "name": "ibm_torino", "queue_length": 2}]}
            ),
            ("GET", "/api/v1/jobs/d1x2"): response(200, JOB),
            ("GET", "/api/v1/jobs"): response(200, {"jobs": [JOB], "count": 1}),
        }
    )
    manager = AccountManager(http_factory=lambda: fake_http(adapter))
    return manager, adapter


def test_enable_account_exchanges_the_key_at_ibm_iam_and_uses_the_region_api(cloud):
    manager, adapter = cloud
    provider = manager.enable_account(KEY, instance=CRN)
    assert provider.crn == CRN and not provider.is_local_service
    assert "IBM Quantum Platform" in repr(provider) and "local service" not in repr(provider)
    names = [b.name() for b in provider.backends()]
    assert names == ["ibm_fez", "ibm_torino"]
    token_call = adapter.calls("POST", "/identity/token")[0]
    assert token_call.host == "iam.cloud.ibm.com"
    api_call = adapter.calls("GET", "/api/v1/backends")[0]
    assert api_call.host == "eu-de.quantum.cloud.ibm.com"
    assert api_call.headers["Authorization"] == "Bearer bearer-abc-123"
    assert api_call.headers["Service-CRN"] == CRN
    assert api_call.headers["IBM-API-Version"]
    assert KEY not in repr(provider) and KEY not in repr(provider.credentials) and KEY not in repr(manager)


def test_where_instances_cannot_be_listed_the_platform_needs_a_crn(cloud):
    manager, adapter = cloud
    with pytest.raises(exc.IBMQAccountCredentialsInvalid, match="name yours by CRN") as raised:
        manager.enable_account(KEY, hub="ibm-q", group="open", project="main")
    assert KEY not in str(raised.value)
    assert [s.path for s in adapter.sent] == ["/identity/token", "/v3/resources/search"]
    assert adapter.sent[1].host == "api.global-search-tagging.cloud.ibm.com"


def test_least_busy_and_summaries_from_one_listing(cloud):
    from ibmq_widgets.client import least_busy

    manager, adapter = cloud
    provider = manager.enable_account(KEY, instance=CRN)
    backends = provider.backends(operational=True, simulator=False)
    before = len(adapter.sent)
    assert least_busy(backends).name() == "ibm_torino"
    assert len(adapter.sent) - before == 1


def test_jobs_without_the_extensions(cloud):
    manager, adapter = cloud
    provider = manager.enable_account(KEY, instance=CRN)
    job = provider.backends.retrieve_job("d1x2")
    assert job.status() is JobStatus.QUEUED
    assert job.queue_info() is None  # the platform reports no queue position
    assert job.name() == "mine" and job.tags() == ["t1"]
    assert job.creation_date().year == 2026
    jobs = provider.backends.jobs(job_name="mine", status="QUEUED")
    assert [j.job_id() for j in jobs] == ["d1x2"]
    sent = adapter.calls("GET", "/api/v1/jobs")[0]
    assert "tags=name%3Amine" in sent.url and "pending=true" not in sent.url


def test_job_limit_falls_back_to_counting_active_jobs(cloud):
    manager, _adapter = cloud
    provider = manager.enable_account(KEY, instance=CRN)
    limit = provider.get_backend("ibm_fez").job_limit()
    assert limit.maximum_jobs is None and limit.active_jobs == 1
    assert provider.get_backend("ibm_fez").remaining_jobs_count() is None


def test_unknown_backend_suggests_near_names(cloud):
    manager, _ = cloud
    provider = manager.enable_account(KEY, instance=CRN)
    with pytest.raises(exc.IBMQBackendNotFound, match="did you mean 'ibm_fez'") as info:
        provider.get_backend("ibm_fex")
    assert isinstance(info.value, LookupError)
    with pytest.raises(AttributeError, match="did you mean"):
        _ = provider.backends.ibm_torin
    assert "ibm_torino" in dir(provider.backends)
    assert provider.backends.ibm_torino.name() == "ibm_torino"


def test_without_an_open_instance_the_first_listed_is_the_default():
    research = {
        "crn": CRN,
        "name": "research-main",
        "service_plan_unique_id": "plan-1",
        "tags": ["hub:ibm-q-network", "group:research", "project:main"],
        "doc": {"extensions": [{}]},
    }
    plan = {"overview_ui": {"en": {"display_name": "Premium"}}, "metadata": {"pricing": {"type": "paid"}}}
    adapter = FakeAdapter(
        {
            ("GET", "/"): response(200, {"service": "ibmq_widgets", "version": "0"}),
            ("POST", "/identity/token"): response(200, {"access_token": "tok-123456", "expires_in": 60}),
            ("POST", "/global-search/v3/resources/search"): response(200, {"items": [research]}),
            ("GET", "/global-catalog/api/v1/plan-1"): response(200, plan),
        }
    )
    manager = AccountManager(http_factory=lambda: fake_http(adapter))
    provider = manager.enable_account(KEY, url="http://127.0.0.1:8")
    assert provider.instance_name == "ibm-q-network/research/main" and provider.is_local_service
    assert provider.plan == "premium" and provider.cloud_name == "research-main"
    search = adapter.calls("POST", "/global-search/v3/resources/search")[0]
    assert (
        search.headers.get("Service-CRN") is None and search.headers["Authorization"] == "Bearer tok-123456"
    )
    with pytest.raises(exc.IBMQProviderNotFound, match="available: ibm-q-network/research/main"):
        manager.enable_account(KEY, url="http://127.0.0.1:8", hub="ibm-q")
