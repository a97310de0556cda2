"""The real-platform code path end to end: the client keeps IBM's default URLs, a transport adapter routes IBM's
hosts to a local service, and only paths that exist on IBM's platform may be used."""

from __future__ import annotations

import json
import os

import pytest
from ibm_hosts import IbmHostsToLocalService, routed_session
from qiskit import QuantumCircuit

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import AccountManager, least_busy
from ibmq_widgets.managed import IBMQJobManager

EU_CRN = "crn:v1:bluemix:public:quantum-computing:eu-de:a/acct42:eu-instance-0001::"
CONFIG = {
    "account": "acct42",
    "instances": [
        {"name": "ibm-q/open/main", "plan": "open", "max_qubits": 27},
        {"name": "ibm-q-network/research/main", "plan": "premium"},
        {"name": "ibm-q-eu/lab/main", "plan": "premium", "crn": EU_CRN, "max_qubits": 7},
    ],
    "default_key_instances": None,
    "api_keys": [{"key": "key-without-instances-0123", "instances": []}],
}


@pytest.fixture(scope="module")
def cloud_service(tmp_path_factory):
    from ibmq_widgets.service import start

    data = tmp_path_factory.mktemp("cloud-data")
    config = data / "config.json"
    config.write_text(json.dumps(CONFIG))
    os.chmod(config, 0o600)
    handle = start(data_dir=data, port=0, workers=2)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def routed(cloud_service, tmp_path):
    adapter = IbmHostsToLocalService(cloud_service.url)
    manager = AccountManager(
        credentials_path=tmp_path / "qiskitrc.json", http_factory=lambda: routed_session(adapter)
    )
    yield manager, adapter
    assert adapter.refused == [], "requests to paths IBM's platform does not have"


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def test_the_seed_tutorial_on_ibms_hosts(routed, cloud_service):
    ibmq, adapter = routed
    provider = ibmq.enable_account(cloud_service.api_key)  # no url, no instance: the seed's first line
    assert not provider.is_local_service
    assert provider.instance_name == "ibm-q/open/main"
    assert {p.instance_name for p in ibmq.providers()} == {
        "ibm-q/open/main",
        "ibm-q-network/research/main",
        "ibm-q-eu/lab/main",
    }
    assert {p.plan for p in ibmq.providers()} == {"open", "premium"}
    research = ibmq.get_provider(hub="ibm-q-network", group="research", project="main")
    devices = research.backends(simulator=False, operational=True, min_num_qubits=100)
    assert devices and all(b.configuration().n_qubits >= 100 for b in devices)
    backend = least_busy(research.backends(filters=lambda b: b.configuration().n_qubits == 5))
    job = backend.run(bell(), shots=300, job_name="seed-job")
    counts = job.result(timeout=120).get_counts()
    assert sum(counts.values()) == 300 and counts.get("00", 0) + counts.get("11", 0) > 200
    assert job.job_id() in [j.job_id() for j in research.backends.jobs(limit=10)]
    assert research.backends.retrieve_job(job.job_id()).name() == "seed-job"
    assert job.usage() is not None and job.usage() >= 0
    usage = research.usage()
    assert usage.consumed_seconds >= 0 and usage.limit_reached is False
    assert backend.job_limit().maximum_jobs is None  # the platform publishes no per-backend limit
    job_set = IBMQJobManager().run(
        [bell()] * 6, backend=backend, max_experiments_per_job=2, name="seed-set", progress=False
    )
    results = job_set.results(timeout=180, progress=False)
    assert [sum(results.get_counts(i).values()) for i in range(6)] == [4096] * 6
    assert {
        "iam.cloud.ibm.com",
        "api.global-search-tagging.cloud.ibm.com",
        "globalcatalog.cloud.ibm.com",
        "quantum.cloud.ibm.com",
    } <= adapter.hosts()


def test_a_regional_instance_is_reached_on_its_regions_host(routed, cloud_service):
    ibmq, adapter = routed
    ibmq.enable_account(cloud_service.api_key)
    eu = ibmq.get_provider(hub="ibm-q-eu")
    assert eu.crn == EU_CRN
    assert all(b.configuration().n_qubits <= 7 for b in eu.backends(simulator=False))
    assert adapter.count("eu-de.quantum.cloud.ibm.com") >= 1


def test_discovery_is_one_burst(routed, cloud_service):
    ibmq, adapter = routed
    ibmq.enable_account(cloud_service.api_key)
    # one token exchange, one search page, one catalog request per plan; nothing per instance
    assert adapter.count("iam.") == 1
    assert adapter.count("global-search") == 1
    assert adapter.count("globalcatalog") == 2
    assert adapter.count("quantum.") == 0
    ibmq.providers()
    ibmq.get_provider(hub="ibm-q-network")
    assert adapter.count("global-search") == 1


def test_save_and_load_account_with_only_the_key(routed, cloud_service):
    ibmq, _ = routed
    ibmq.save_account(cloud_service.api_key)
    provider = ibmq.load_account()
    assert provider.instance_name == "ibm-q/open/main" and not provider.is_local_service
    assert cloud_service.api_key not in repr(ibmq.stored_account()) + repr(provider) + repr(ibmq)


def test_an_instance_named_by_its_cloud_name_resolves_through_resource_controller(routed, cloud_service):
    ibmq, adapter = routed
    provider = ibmq.enable_account(cloud_service.api_key, instance="research-main")
    assert provider.instance_name == "ibm-q-network/research/main"
    assert adapter.count("resource-controller") == 1
    assert ibmq.get_provider(name="research-main") == provider
    assert ibmq.get_provider(name="ibm-q-network/research/main") == provider


def test_an_instance_by_crn(routed, cloud_service):
    ibmq, _ = routed
    assert ibmq.enable_account(cloud_service.api_key, instance=EU_CRN).crn == EU_CRN


@pytest.mark.parametrize("name", ["no-such-instance"])
def test_an_instance_name_matching_none_is_a_clear_error(routed, cloud_service, name):
    ibmq, _ = routed
    with pytest.raises(exc.IBMQProviderNotFound, match="no instance is named") as raised:
        ibmq.enable_account(cloud_service.api_key, instance=name)
    assert cloud_service.api_key not in str(raised.value)


def test_a_refused_key_names_the_iam_host(routed):
    ibmq, _ = routed
    with pytest.raises(exc.IBMQAuthenticationError, match=r"iam\.cloud\.ibm\.com") as raised:
        ibmq.enable_account("not-a-key-of-this-service-0123")
    assert "not-a-key-of-this-service-0123" not in str(raised.value)


def test_a_key_with_no_instances_says_what_to_do(routed):
    ibmq, _ = routed
    with pytest.raises(exc.IBMQAccountCredentialsInvalid, match="no IBM Quantum instance") as raised:
        ibmq.enable_account("key-without-instances-0123")
    assert "key-without-instances-0123" not in str(raised.value)


@pytest.mark.parametrize("url", ["ftp://cloud.ibm.com", "cloud.ibm.com"])
def test_a_url_that_is_not_http_is_refused(routed, url):
    ibmq, adapter = routed
    with pytest.raises(exc.IBMQAccountCredentialsInvalid, match="http"):
        ibmq.enable_account("any-key-0123", url=url)
    assert adapter.seen == []
