"""The picker's model: bulk status in one request, calibration medians loaded once each, filters in memory."""

from __future__ import annotations

import math
from functools import partial

import pytest
from widget_doubles import FakeProvider

from ibmq_widgets.widgets.feeds.backend_catalog import (
    SORT_KEYS,
    BackendCatalog,
    BackendSummary,
    summary_from_backend,
    summary_from_dict,
)


@pytest.fixture
def loaded() -> tuple[BackendCatalog, FakeProvider]:
    provider = FakeProvider()
    catalog = BackendCatalog(provider)
    catalog.load()
    return catalog, provider


def test_summaries_from_the_bulk_status_in_its_shapes():
    summary = summary_from_dict(
        {"name": "ibm_fez", "status": {"name": "online"}, "pending_jobs": 3, "n_qubits": 156}
    )
    assert summary == BackendSummary("ibm_fez", 156, False, True, 3, "online")
    old_shape = summary_from_dict(
        {"backend_name": "ibmq_vigo", "status": "maintenance", "queue_length": 7, "qubits": 5}
    )
    assert (old_shape.name, old_shape.n_qubits, old_shape.pending_jobs) == ("ibmq_vigo", 5, 7)
    assert not old_shape.operational and old_shape.status == "maintenance"
    flag = summary_from_dict({"name": "sim", "status": True, "simulator": True})
    assert flag.operational and flag.status == "online" and flag.simulator


def test_loading_a_provider_takes_one_bulk_request_and_no_per_backend_status(loaded):
    catalog, provider = loaded
    assert provider.calls["backend_summaries"] == 1 and provider.calls["backends"] == 1
    assert provider.calls["status"] == 0 and provider.calls["properties"] == 0
    assert sorted(catalog.summaries) == sorted(catalog.backends)
    assert catalog.summaries["fake_kawasaki"].n_qubits == 127


def test_a_list_without_a_provider_asks_each_backend():
    provider = FakeProvider(devices=("FakeVigoV2",))
    backends = provider.backends()
    catalog = BackendCatalog(backends)
    catalog.load()
    assert provider.calls["backend_summaries"] == 0  # the doubles have no provider() to ask in bulk
    assert provider.calls["status"] == 2  # so each backend's own status, once
    assert summary_from_backend(backends[0]).n_qubits == 5
    empty = BackendCatalog(None)
    empty.load()
    assert empty.summaries == {} and empty.select() == []


def test_facts_load_once_each_and_a_failure_is_kept_not_raised(loaded):
    catalog, provider = loaded
    assert catalog.pending_facts(["fake_kawasaki"])[0] == "fake_kawasaki"  # the shown order first
    for name in catalog.pending_facts([]):
        catalog.load_facts(name)
    assert provider.calls["properties"] == 5
    catalog.load_facts("fake_vigo")  # already loaded: no request
    assert provider.calls["properties"] == 5
    assert catalog.pending_facts([]) == []
    assert "ibmq_qasm_simulator" in catalog.no_properties and "ibmq_qasm_simulator" not in catalog.medians
    assert catalog.medians["fake_kawasaki"].two_qubit_gate == "ecr"
    assert catalog.facts["fake_kawasaki"].processor == "Eagle r3"

    broken = BackendCatalog(FakeProvider(devices=("FakeVigoV2",)))
    broken.load()
    backend = broken.backends["fake_vigo"]
    backend.properties = lambda: (_ for _ in ()).throw(ConnectionError("refused"))
    broken.load_facts("fake_vigo")
    assert broken.errors == {"fake_vigo": "refused"} and "fake_vigo" not in broken.pending_facts([])
    broken.load_facts("no_such_backend")  # unknown: nothing happens


def test_select_filters_and_sorts_in_memory(loaded):
    catalog, provider = loaded
    before = provider.network_calls()
    select = partial(catalog.select, include_test_devices=True)  # the doubles are fake_* snapshots
    names = lambda summaries: [summary.name for summary in summaries]  # noqa: E731
    assert catalog.select() == []  # test snapshots are hidden unless asked for
    assert names(select()) == ["fake_vigo", "fake_manila", "fake_guadalupe", "fake_kawasaki"]
    assert names(select(min_qubits=16)) == ["fake_guadalupe", "fake_kawasaki"]
    assert names(select(kind="simulator")) == ["ibmq_qasm_simulator"]
    assert len(select(kind="all")) == 5
    assert names(select(max_pending=3)) == ["fake_vigo", "fake_manila"]
    assert names(select(name_search="KAWA")) == ["fake_kawasaki"]
    assert names(select(sort_by="qubits"))[0] == "fake_kawasaki"
    assert names(select(sort_by="qubits", descending=True))[0] in ("fake_manila", "fake_vigo")
    assert names(select(sort_by="name")) == sorted(names(select()))
    assert names(select(sort_by="name", descending=True)) == sorted(names(select()), reverse=True)
    assert provider.network_calls() == before
    catalog.load_facts("fake_kawasaki")
    for key, descending in ((key, flag) for key in SORT_KEYS for flag in (False, True)):
        order = names(select(sort_by=key, descending=descending))
        assert sorted(order) == sorted(names(select())), key
    # Only kawasaki's error is known yet: it comes first, the unknown ones after it by name, in either direction.
    for descending in (False, True):
        by_error = select(sort_by="two_qubit_error", descending=descending)
        assert by_error[0].name == "fake_kawasaki"
        assert names(by_error[1:]) == sorted(names(by_error[1:]))
    assert not math.isnan(catalog.medians["fake_kawasaki"].two_qubit_error)


def test_sorting_is_best_first_by_each_columns_own_measure():
    catalog = BackendCatalog(FakeProvider(devices=("FakeVigoV2", "FakeFez", "FakeKyoto", "FakeTorino")))
    catalog.load()
    for name in catalog.pending_facts([]):
        catalog.load_facts(name)
    order = lambda key, descending=False: [  # noqa: E731
        s.name for s in catalog.select(include_test_devices=True, sort_by=key, descending=descending)
    ]
    assert order("eplg")[:3] == ["fake_fez", "fake_torino", "fake_kyoto"] and order("eplg")[-1] == "fake_vigo"
    assert order("clops")[0] == "fake_torino" and order("t1")[0] == max(
        catalog.facts, key=lambda n: catalog.facts[n].medians.t1 if n != "ibmq_qasm_simulator" else 0
    )
    assert order("calibrated")[0] == "fake_torino" and order("calibrated", True)[0] == "fake_vigo"
    assert order("two_qubit_error")[-1] == "fake_kyoto"  # its median error is 1.0 (broken)


def test_hints_say_which_filter_hides_what(loaded):
    catalog, _ = loaded
    filters = {"min_qubits": 500, "kind": "device", "operational_only": True, "max_pending": None,
               "name_search": "", "include_test_devices": False}  # fmt: skip
    assert catalog.hints(**filters) == []  # two filters hide everything: none alone helps
    assert catalog.hints(**{**filters, "include_test_devices": True}) == [("min_qubits", 4)]
    assert catalog.hints(**{**filters, "min_qubits": 0}) == [("kind", 1), ("include_test_devices", 4)]
    assert catalog.largest() == 127
