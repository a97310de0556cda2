"""The unmodified qiskit-ibm-runtime finds its instances through the local service's IBM Cloud look-alikes.

No instance and no QISKIT_FUNCTIONS_EXPERIMENTAL: the reference client asks Global Search for the key's
instances, Global Catalog for their plans and Resource Controller for a name's CRN, each pointed at the service by
the environment overrides it and ibm-cloud-sdk-core honour.
"""

from __future__ import annotations

import pytest
from service_http import ghz

pytestmark = pytest.mark.filterwarnings(
    "ignore:The (Sampler|Estimator)V2 class is deprecated:DeprecationWarning"
)


@pytest.fixture
def cloud_env(local_service, monkeypatch):
    monkeypatch.delenv("QISKIT_FUNCTIONS_EXPERIMENTAL", raising=False)
    for variable, url in local_service.cloud_urls.items():
        monkeypatch.setenv(variable, url)
    return local_service


def reference_service(service, **kwargs):
    from qiskit_ibm_runtime import QiskitRuntimeService

    api = f"{service.url}/api/v1"
    return QiskitRuntimeService(
        channel="ibm_quantum_platform",
        token=service.api_key,
        url=service.url,
        url_resolver=lambda *args: api,
        **kwargs,
    )


def test_the_ready_urls_name_every_cloud_api(local_service):
    assert set(local_service.cloud_urls) == {
        "IAM_URL",
        "GLOBAL_SEARCH_URL",
        "GLOBAL_CATALOG_URL",
        "RESOURCE_CONTROLLER_URL",
    }
    assert all(url.startswith(local_service.url) for url in local_service.cloud_urls.values())


def test_instances_lists_every_instance_of_the_key(cloud_env):
    runtime = reference_service(cloud_env)
    listed = runtime.instances()
    assert {item["crn"] for item in listed} == {i["crn"] for i in cloud_env.instances}
    assert {item["plan"] for item in listed} == {"open", "premium"}
    assert {item["pricing_type"] for item in listed} == {"free", "subscription"}
    assert all(item["name"] for item in listed)


def test_an_instance_given_by_name_resolves_and_a_sampler_job_runs(cloud_env):
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2

    research = next(i for i in cloud_env.instances if i["name"] == "ibm-q-network/research/main")
    runtime = reference_service(cloud_env, instance="research-main")
    assert runtime.active_account()["instance"] == research["crn"]
    backend = runtime.backend("ibmq_manila")
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1).run(ghz(3))
    job = SamplerV2(mode=backend).run([isa], shots=512)
    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 512 and counts.get("000", 0) + counts.get("111", 0) > 400
