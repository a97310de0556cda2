"""BackendPicker without a socket: traits and controls in step, filters that never call the network.

The provider here is a counting stand-in built from real device snapshots; test_widgets_backend_picker.py runs
the picker against the real client and local service.
"""

from __future__ import annotations

import pytest
from traitlets import TraitError
from widget_doubles import FakeProvider

from ibmq_widgets import BackendPicker


@pytest.fixture
def loaded():
    provider = FakeProvider()
    picker = BackendPicker(provider)
    assert picker.wait(60)
    yield picker, provider
    picker.close()


def names(picker) -> list[str]:
    return [backend.name() for backend in picker.backends]


def test_status_comes_from_one_bulk_request_and_properties_once_each(loaded):
    picker, provider = loaded
    assert provider.calls["backend_summaries"] == 1
    assert provider.calls["status"] == 0  # no per-backend status requests
    assert provider.calls["properties"] == 5  # every backend once, in the background
    assert "fake_kawasaki" in picker._table.value and "ecr" in picker._table.value


def test_filter_changes_make_no_request(loaded):
    picker, provider = loaded
    before = provider.network_calls()
    picker.min_qubits = 16
    assert names(picker) == ["fake_guadalupe", "fake_kawasaki"]
    picker.kind = "all"
    picker.name_search = "KAWA"
    assert names(picker) == ["fake_kawasaki"]
    picker.name_search = ""
    picker.max_pending = 6
    picker.sort_by = "two_qubit_error"
    picker.operational_only = False
    assert provider.network_calls() == before


def test_defaults_and_sorting(loaded):
    picker, _ = loaded
    assert picker.kind == "device" and picker.operational_only and picker.max_pending is None
    # Least busy first: pending jobs 0, 3, 6, 9.
    assert names(picker) == ["fake_vigo", "fake_manila", "fake_guadalupe", "fake_kawasaki"]
    picker.sort_by = "qubits"
    assert names(picker)[0] == "fake_kawasaki"
    picker.sort_by = "name"
    assert names(picker) == sorted(names(picker))
    picker.kind = "simulator"
    assert names(picker) == ["ibmq_qasm_simulator"]


def test_controls_and_traits_stay_in_step_both_ways(loaded):
    picker, _ = loaded
    # A change in the browser arrives as set_state on the control.
    picker._min_qubits.set_state({"value": 16})
    assert picker.min_qubits == 16 and names(picker) == ["fake_guadalupe", "fake_kawasaki"]
    picker._kind.set_state({"index": 2})
    assert picker.kind == "all"
    picker._max_pending.set_state({"index": 2})  # "≤ 5"
    assert picker.max_pending == 5
    # Code changes show in the controls' synced state.
    picker.min_qubits = 5
    assert picker._min_qubits.get_state()["value"] == 5
    picker.max_pending = 7  # a value not among the choices is added to them
    assert picker._max_pending.value == 7 and ("≤ 7", 7) in picker._max_pending.options
    picker.max_pending = None
    assert picker._max_pending.label == "any"
    picker.sort_by = "qubits"
    assert picker._sort.get_state()["index"] == 1


def test_value_is_settable_by_name_or_backend_and_observable(loaded):
    picker, _ = loaded
    seen = []
    picker.observe(lambda change: seen.append(change["new"]), "value")
    picker.value = "fake_manila"
    assert picker.value.name() == "fake_manila" and picker._select.value == "fake_manila"
    assert "background:#dbeafe" in picker._table.value
    picker._select.set_state({"index": 0})  # the user picks the first row
    assert picker.value.name() == names(picker)[0] == "fake_vigo"
    assert [backend.name() for backend in seen] == ["fake_manila", "fake_vigo"]
    with pytest.raises(TraitError, match="no backend named 'ibm_nowhere'"):
        picker.value = "ibm_nowhere"
    # Filtering the selected backend away keeps the selection (nothing is picked behind the user's back).
    picker.min_qubits = 100
    assert picker.value.name() == "fake_vigo" and picker._select.value is None


def test_no_match_and_empty_provider_show_messages():
    provider = FakeProvider(devices=(), simulator=False)
    empty = BackendPicker(provider)
    assert "This provider has no backends." in empty._message.value
    assert empty.backends == []
    empty.close()
    picker = BackendPicker(FakeProvider(devices=("FakeVigoV2",)), min_qubits=500)
    assert picker.backends == []
    assert "No backend matches the filters (min qubits 500" in picker.status
    picker.close()


def test_a_list_of_backends_and_unknown_filters():
    provider = FakeProvider()
    picker = BackendPicker(provider.backends()[:2], kind="all")
    assert sorted(names(picker)) == ["fake_manila", "fake_vigo"]
    picker.close()
    with pytest.raises(TypeError, match="unknown filter 'qubits'"):
        BackendPicker(provider, qubits=5)
