"""A provider's backends against the real local service: listing, filters, names, and which instance sees what."""

from __future__ import annotations

import pytest

from ibmq_widgets import exceptions as exc


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
    with pytest.raises(exc.IBMQBackendNotFound, match="ibm-q/open/main") as info:
        open_provider.get_backend("ibm_fez")
    # the account's research instance lists it: the message says where to get it instead of a near name
    assert str(info.value) == (
        "ibm_fez is not available to ibm-q/open/main; "
        "IBMQ.get_provider(hub='ibm-q-network', group='research', project='main') has it"
    )


def test_backend_attributes_for_tab_completion(provider):
    backend = provider.backends.ibmq_manila
    assert backend is provider.get_backend("ibmq_manila")
    assert "ibm_fez" in dir(provider.backends)
    with pytest.raises(AttributeError):
        _ = provider.backends.ibmq_nowhere


def test_backend_summaries(provider):
    summaries = provider.backend_summaries()
    fez = next(s for s in summaries if s["name"] == "ibm_fez")
    assert fez["n_qubits"] == 156 and fez["simulator"] is False and fez["operational"] is True
    assert isinstance(fez["pending_jobs"], int)
