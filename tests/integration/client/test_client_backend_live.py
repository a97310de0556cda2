"""One backend against the real local service: configuration, status, calibration, job limit, least_busy,
transpile, and a retired device's jobs."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from client_live_helpers import bell
from qiskit import QuantumCircuit, transpile
from qiskit_ibm_runtime.models import BackendProperties, BackendStatus, QasmBackendConfiguration

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import least_busy
from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.client.backend import BackendJobLimit


def test_configuration_status_and_identity(provider):
    backend = provider.get_backend("ibmq_manila")
    configuration = backend.configuration()
    assert isinstance(configuration, QasmBackendConfiguration)
    assert configuration.n_qubits == 5 and configuration.max_shots >= 1
    assert [0, 1] in configuration.coupling_map and "cx" in configuration.basis_gates
    assert not configuration.simulator
    status = backend.status()
    assert isinstance(status, BackendStatus)
    assert status.operational and status.pending_jobs >= 0 and status.backend_name == "ibmq_manila"
    assert backend.provider() is provider and backend.name() == "ibmq_manila" and backend.version
    assert (
        repr(backend) == "<IBMQBackend('ibmq_manila') from IBMQ(hub='ibm-q-network', group='research', "
        "project='main')>"
    )
    assert backend.defaults() is None and backend.reservations() == []


def test_properties_are_cached_refreshable_and_dated(provider):
    backend = provider.get_backend("ibmq_lima")
    properties = backend.properties()
    assert isinstance(properties, BackendProperties)
    # the seed tutorial's describe_qubit
    assert properties.t1(0) > 0 and properties.t2(0) > 0 and properties.frequency(0) > 1e9
    assert 0 <= properties.gate_error("sx", 0) < 1 and properties.gate_length("sx", 0) > 0
    assert 0 <= properties.readout_error(0) < 1
    before = provider.session.request_count
    assert backend.properties() is properties
    assert provider.session.request_count == before  # the second call makes no request
    refreshed = backend.properties(refresh=True)
    assert provider.session.request_count == before + 1
    assert refreshed.last_update_date == properties.last_update_date
    assert backend.properties(datetime=properties.last_update_date + timedelta(days=1)) is not None
    assert backend.properties(datetime=properties.last_update_date - timedelta(days=3650)) is None


def test_simulator_has_no_calibration(provider):
    simulator = provider.get_backend("ibmq_qasm_simulator")
    assert simulator.properties() is None
    assert simulator.configuration().simulator


def test_least_busy_uses_one_request(provider):
    small = provider.backends(
        filters=lambda x: x.configuration().n_qubits == 5 and not x.configuration().simulator
    )
    before = provider.session.request_count
    chosen = least_busy(small)
    assert provider.session.request_count - before == 1
    assert chosen in small
    with pytest.raises(exc.IBMQBackendValueError, match="no backends"):
        least_busy([])


def test_job_limit(provider):
    backend = provider.get_backend("ibmq_belem")
    limit = backend.job_limit()
    assert limit == BackendJobLimit(maximum_jobs=5, active_jobs=0)
    assert backend.remaining_jobs_count() == 5


def test_qiskit_transpile_takes_the_backend(provider):
    backend = provider.get_backend("ibmq_manila")
    circuit = QuantumCircuit(3)
    circuit.h(0)
    circuit.cx(0, 2)
    circuit.measure_all()
    mapped = transpile(circuit, backend=backend, seed_transpiler=1)
    assert set(mapped.count_ops()) <= set(backend.operation_names) | {"barrier", "measure"}
    assert mapped.num_qubits == 5


@pytest.mark.slow
def test_jobs_of_a_retired_device_still_have_their_results(tmp_path):
    from ibmq_widgets.service import start

    data_dir = tmp_path / "data"
    handle = start(data_dir=data_dir, port=0, workers=1)
    try:
        provider = AccountManager().enable_account(handle.api_key, url=handle.url, hub="ibm-q-network")
        names = provider.backends.names()
        job = provider.get_backend("ibmq_lima").run(bell(), shots=50, job_name="before-retirement")
        counts = job.result(timeout=120).get_counts()
    finally:
        handle.stop()
    config_path = data_dir / "config.json"
    config = json.loads(config_path.read_text())
    for instance in config["instances"]:
        instance["backends"] = [n for n in names if n != "ibmq_lima"]
    config_path.write_text(json.dumps(config))
    handle = start(data_dir=data_dir, port=0, workers=1)
    try:
        provider = AccountManager().enable_account(handle.api_key, url=handle.url, hub="ibm-q-network")
        assert "ibmq_lima" not in provider.backends.names()
        with pytest.raises(exc.IBMQBackendNotFound):
            provider.get_backend("ibmq_lima")
        retired = provider.backends.retrieve_job(job.job_id())
        assert retired.backend().name() == "ibmq_lima" and not retired.backend().is_listed
        assert retired.result().get_counts() == counts
        assert [j.job_id() for j in provider.backends.jobs(backend_name="ibmq_lima")] == [job.job_id()]
    finally:
        handle.stop()
