"""Backends against the real local service: listing, filters, configuration, calibration, least_busy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit_ibm_runtime.models import BackendProperties, BackendStatus, QasmBackendConfiguration

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import least_busy
from ibmq_widgets.client.backend import BackendJobLimit


def test_backends_lists_devices_and_the_simulator_in_one_request(provider):
    before = provider.session.request_count
    backends = provider.backends()
    assert provider.session.request_count - before == 1
    names = [b.name() for b in backends]
    assert "ibmq_qasm_simulator" in names and "ibm_fez" in names and len(names) > 50


def test_filters_by_keyword_callable_and_size(provider):
    five = provider.backends(n_qubits=5, simulator=False)
    assert five and all(b.configuration().n_qubits == 5 for b in five)
    sims = provider.backends(simulator=True)
    assert [b.name() for b in sims] == ["ibmq_qasm_simulator"]
    big = provider.backends(min_num_qubits=127)
    assert big and all(b.num_qubits >= 127 for b in big)
    seeds = provider.backends(
        filters=lambda x: (
            x.configuration().n_qubits >= 10 and not x.configuration().simulator and x.status().operational
        )
    )
    assert seeds and all(b.num_qubits >= 10 for b in seeds)
    assert provider.backends(name="ibmq_manila")[0].name() == "ibmq_manila"
    by_config_field = provider.backends(max_shots=100000, n_qubits=7)
    assert by_config_field and all(b.configuration().max_shots == 100000 for b in by_config_field)


def test_a_misspelt_filter_is_an_error_with_a_suggestion(provider):
    with pytest.raises(exc.IBMQBackendValueError, match="did you mean n_qubits"):
        provider.backends(n_qbits=5)


def test_unknown_backend_suggests_near_names(provider):
    with pytest.raises(exc.IBMQBackendNotFound, match="did you mean 'ibmq_manila'"):
        provider.get_backend("ibmq_manilla")


def test_open_instance_does_not_see_big_devices(open_provider):
    assert all(
        b.num_qubits <= 27 or b.configuration().simulator for b in open_provider.backends(n_qubits=156)
    )
    with pytest.raises(exc.IBMQBackendNotFound, match="ibm-q/open/main"):
        open_provider.get_backend("ibm_fez")


def test_backend_attributes_for_tab_completion(provider):
    backend = provider.backends.ibmq_manila
    assert backend is provider.get_backend("ibmq_manila")
    assert "ibm_fez" in dir(provider.backends)
    with pytest.raises(AttributeError):
        _ = provider.backends.ibmq_nowhere


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


def test_backend_summaries(provider):
    summaries = provider.backend_summaries()
    fez = next(s for s in summaries if s["name"] == "ibm_fez")
    assert fez["n_qubits"] == 156 and fez["simulator"] is False and fez["operational"] is True
    assert isinstance(fez["pending_jobs"], int)


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
