"""URL resolution against qiskit-ibm-runtime's own helpers, over the cases a real account meets."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime.accounts.utils import (
    get_global_catalog_api_url,
    get_global_search_api_url,
    get_iam_api_url,
    get_resource_controller_api_url,
)
from qiskit_ibm_runtime.api.utils import default_runtime_url_resolver

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.platform_urls import DEFAULT_CLOUD_URL, resolve_urls

US_EAST = "crn:v1:bluemix:public:quantum-computing:us-east:a/abc123:11111111-2222-3333-4444-555555555555::"
EU_DE = "crn:v1:bluemix:public:quantum-computing:eu-de:a/abc123:11111111-2222-3333-4444-555555555555::"
STAGING = "crn:v1:staging:public:quantum-computing:us-east:a/abc123:11111111-2222-3333-4444-555555555555::"
NO_ENV: dict[str, str] = {}


@pytest.mark.parametrize(
    ("url", "crn"),
    [
        (DEFAULT_CLOUD_URL, US_EAST),
        (DEFAULT_CLOUD_URL, EU_DE),
        ("https://test.cloud.ibm.com", STAGING),
        ("https://test.cloud.ibm.com", EU_DE),
    ],
)
def test_the_same_hosts_as_the_reference_client(url, crn):
    ours = resolve_urls(url, crn, environ=NO_ENV)
    assert ours.api == default_runtime_url_resolver(url, crn)
    assert ours.global_search == get_global_search_api_url(url)
    assert ours.global_catalog == get_global_catalog_api_url(url)
    assert ours.resource_controller == get_resource_controller_api_url(url)
    assert not ours.local
    if "staging" not in crn:
        assert ours.iam == get_iam_api_url(url)


def test_the_default_url_is_ibm_cloud():
    ours = resolve_urls(None, None, environ=NO_ENV)
    assert ours.api == "https://quantum.cloud.ibm.com/api/v1"
    assert ours.iam == "https://iam.cloud.ibm.com"


def test_a_staging_crn_uses_the_staging_iam_host_as_the_reference_does():
    from qiskit_ibm_runtime.api.auth import STAGING_CLOUD_IAM_URL

    assert resolve_urls("https://test.cloud.ibm.com", STAGING, environ=NO_ENV).iam == (
        f"https://{STAGING_CLOUD_IAM_URL}"
    )


def test_a_private_endpoint_matches_the_reference():
    ours = resolve_urls(DEFAULT_CLOUD_URL, EU_DE, private_endpoint=True, environ=NO_ENV)
    assert ours.api == default_runtime_url_resolver(DEFAULT_CLOUD_URL, EU_DE, private_endpoint=True)
    assert ours.iam == "https://private.iam.cloud.ibm.com"


@pytest.mark.parametrize(
    "url", ["https://quantum.cloud.ibm.com/api/v1", "https://quantum.cloud.ibm.com/api/v1/"]
)
def test_a_url_ending_in_api_v1_is_not_doubled(url):
    ours = resolve_urls(url, EU_DE, environ=NO_ENV)
    assert ours.api == "https://quantum.cloud.ibm.com/api/v1"
    assert ours.iam == "https://iam.cloud.ibm.com"
    assert ours.global_search == get_global_search_api_url(DEFAULT_CLOUD_URL)


def test_a_regional_api_url_keeps_its_region_and_finds_the_cloud_host():
    ours = resolve_urls("https://eu-de.quantum.cloud.ibm.com/api/v1", EU_DE, environ=NO_ENV)
    assert ours.api == "https://eu-de.quantum.cloud.ibm.com/api/v1"
    assert ours.resource_controller == "https://resource-controller.cloud.ibm.com"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8085", "http://localhost:8085/", "http://[::1]:9/api/v1"])
def test_a_local_service_serves_every_api_under_its_root(url):
    ours = resolve_urls(url, US_EAST, environ=NO_ENV)
    root = url.rstrip("/").removesuffix("/api/v1")
    assert ours.local
    assert ours.api == root + "/api/v1"
    assert ours.iam == root
    assert ours.global_search == root + "/global-search"
    assert ours.global_catalog == root + "/global-catalog/api/v1"
    assert ours.resource_controller == root + "/resource-controller"


def test_the_environment_overrides_win_as_in_the_reference():
    env = {
        "IAM_URL": "http://iam.example:1",
        "GLOBAL_SEARCH_URL": "http://gs.example:2",
        "GLOBAL_CATALOG_URL": "http://gc.example:3",
        "RESOURCE_CONTROLLER_URL": "http://rc.example:4",
    }
    ours = resolve_urls(DEFAULT_CLOUD_URL, US_EAST, environ=env)
    assert (ours.iam, ours.global_search, ours.global_catalog, ours.resource_controller) == (
        "http://iam.example:1",
        "http://gs.example:2",
        "http://gc.example:3",
        "http://rc.example:4",
    )
    assert ours.api == "https://quantum.cloud.ibm.com/api/v1"


@pytest.mark.parametrize("url", ["ftp://cloud.ibm.com", "cloud.ibm.com", "https://", "http://[bad"])
def test_a_url_that_is_not_http_is_refused_clearly(url):
    with pytest.raises(exc.IBMQAccountCredentialsInvalid, match="http") as raised:
        resolve_urls(url, US_EAST, environ=NO_ENV)
    assert isinstance(raised.value, ValueError)
