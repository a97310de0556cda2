"""The catalog: every device snapshot plus the ideal simulator, dates in UTC, properties by date."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from ibmq_widgets.service.catalog import SIMULATOR_NAME, Catalog, snapshot_directory

UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog()


def test_names_are_the_68_snapshots_and_the_simulator(catalog):
    names = catalog.names()
    conf_files = list(snapshot_directory().glob("*/conf_*.json"))
    assert len(conf_files) == 68
    assert len(names) == 69 == len(set(names))
    assert names[-1] == SIMULATOR_NAME
    assert {"ibm_fez", "ibmq_manila", "ibmq_armonk", "ibm_torino"} <= set(names)
    assert catalog.has("ibm_fez") and catalog.has(SIMULATOR_NAME) and not catalog.has("ibm_nowhere")


def test_every_configuration_is_named_as_listed_with_a_utc_online_date(catalog):
    for name in catalog.names():
        conf = catalog.configuration(name)
        assert conf["backend_name"] == name
        assert UTC_ISO.match(conf["online_date"]), (name, conf["online_date"])


def test_property_dates_are_converted_to_utc(catalog):
    props = catalog.properties("ibm_fez")
    # The snapshot says 2025-02-26T15:16:25-05:00.
    assert props["last_update_date"] == "2025-02-26T20:16:25Z"
    assert props["qubits"][0][0]["date"] == "2025-02-26T11:56:41Z"
    dates = [item["date"] for qubit in props["qubits"] for item in qubit]
    dates += [p["date"] for gate in props["gates"] for p in gate["parameters"]]
    dates += [item["date"] for item in props["general"]]
    assert dates and all(UTC_ISO.match(date) for date in dates)


def test_every_device_has_properties_with_utc_dates(catalog):
    for name in catalog.names()[:-1]:
        props = catalog.properties(name)
        assert props is not None and props["backend_name"] == name
        assert UTC_ISO.match(props["last_update_date"])


def test_properties_before_the_snapshot_are_none(catalog):
    taken = catalog.last_update_date("ibm_fez")
    assert taken == datetime(2025, 2, 26, 20, 16, 25, tzinfo=timezone.utc)
    assert catalog.properties("ibm_fez", updated_before=taken - timedelta(seconds=1)) is None
    assert catalog.properties("ibm_fez", updated_before=taken) is not None
    # Naive datetimes are UTC.
    assert catalog.properties("ibm_fez", updated_before=datetime(2025, 2, 26, 20, 16, 24)) is None
    assert catalog.properties("ibm_fez", updated_before=datetime(2026, 1, 1)) is not None


def test_returned_bodies_are_copies(catalog):
    catalog.configuration("ibmq_manila")["n_qubits"] = 999
    catalog.properties("ibmq_manila")["qubits"].clear()
    assert catalog.configuration("ibmq_manila")["n_qubits"] == 5
    assert len(catalog.properties("ibmq_manila")["qubits"]) == 5


def test_simulator_is_ideal_and_broad(catalog):
    conf = catalog.configuration(SIMULATOR_NAME)
    assert conf["simulator"] is True and conf["coupling_map"] is None
    assert conf["n_qubits"] >= 30
    assert {"cx", "h", "rz", "sx", "x", "cz", "ecr", "u"} <= set(conf["basis_gates"])
    assert catalog.properties(SIMULATOR_NAME) is None
    summary = catalog.summary(SIMULATOR_NAME)
    assert summary["simulator"] is True and summary["n_qubits"] == conf["n_qubits"]


def test_summary_and_limits(catalog):
    summary = catalog.summary("ibm_fez")
    assert summary["n_qubits"] == 156 and summary["simulator"] is False
    assert summary["basis_gates"] == ["cz", "id", "rz", "sx", "x"]
    assert summary["processor_type"] == {"family": "Heron", "revision": "2"}
    assert catalog.max_shots("ibm_fez") == 100000 and catalog.max_experiments("ibm_fez") == 300
    assert catalog.max_shots("ibmq_armonk") == 8192 and catalog.max_experiments("ibmq_armonk") == 75


def test_unknown_backend_raises_key_error(catalog):
    with pytest.raises(KeyError, match="ibm_nowhere"):
        catalog.configuration("ibm_nowhere")
    with pytest.raises(KeyError):
        catalog.properties("ibm_nowhere")


def test_reference_client_models_accept_the_bodies(catalog):
    from qiskit_ibm_runtime.models import BackendProperties, QasmBackendConfiguration

    for name in ("ibm_fez", "ibmq_manila", SIMULATOR_NAME):
        configuration = QasmBackendConfiguration.from_dict(catalog.configuration(name))
        assert configuration.backend_name == name
    properties = BackendProperties.from_dict(catalog.properties("ibm_fez"))
    assert properties.last_update_date == datetime(2025, 2, 26, 20, 16, 25, tzinfo=timezone.utc)
    target = catalog.backend_v2("ibmq_manila")
    assert target.num_qubits == 5 and "measure" in target.operation_names
    assert catalog.backend_v2(SIMULATOR_NAME).num_qubits == catalog.n_qubits(SIMULATOR_NAME)
