"""BackendPicker without a socket: a constructor that never waits on the network, traits and controls in step,
filters that never call the network.

The provider here is a counting stand-in built from real device snapshots; test_widgets_backend_picker.py runs
the picker against the real client and local service.
"""

from __future__ import annotations

import threading

import pytest
from traitlets import TraitError
from widget_doubles import DEVICES, FakeProvider

from ibmq_widgets import BackendPicker


@pytest.fixture
def loaded():
    provider = FakeProvider()
    picker = BackendPicker(provider, include_test_devices=True)  # the doubles are fake_* test snapshots
    assert picker.wait(60)
    yield picker, provider
    picker.close()


def names(picker) -> list[str]:
    return [backend.name() for backend in picker.backends]


def click_row(picker, name: str) -> None:
    """Click the row of ``name`` on the page shown, as the browser does (its overlay button)."""
    index = picker._table.visible_names().index(name)
    picker._table._rows[index].children[1].click()


def click_header(picker, sort_key: str) -> None:
    column = next(i for i, column in enumerate(picker._table.columns) if column.sort == sort_key)
    picker._table._headers[column].click()


def selected_row(picker) -> str | None:
    rows = [row.children[0].value for row in picker._table._body.children]
    chosen = [html for html in rows if 'aria-selected="true"' in html]
    return chosen[0].split('data-name="')[1].split('"')[0] if chosen else None


def test_status_comes_from_one_bulk_request_and_properties_once_each(loaded):
    picker, provider = loaded
    assert provider.calls["backend_summaries"] == 1
    assert provider.calls["status"] == 0  # no per-backend status requests
    assert provider.calls["properties"] == 5  # every backend once, in the background
    shown = " ".join(row.children[0].value for row in picker._table._body.children)
    assert "fake_kawasaki" in shown and "ecr" in shown and "Eagle r3" in shown


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
    click_header(picker, "t1")
    click_header(picker, "t1")
    picker.include_test_devices = False
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
    picker._tests.set_state({"value": False})
    assert picker.include_test_devices is False and names(picker) == ["ibmq_qasm_simulator"]
    # Code changes show in the controls' synced state.
    picker.include_test_devices = True
    assert picker._tests.get_state()["value"] is True
    picker.min_qubits = 5
    assert picker._min_qubits.get_state()["value"] == 5
    picker.max_pending = 7  # a value not among the choices is added to them
    assert picker._max_pending.value == 7 and ("≤ 7", 7) in picker._max_pending.options
    picker.max_pending = None
    assert picker._max_pending.label == "any"


def test_a_header_click_sorts_and_a_second_click_reverses(loaded):
    picker, _ = loaded
    click_header(picker, "qubits")
    assert picker.sort_by == "qubits" and not picker.descending and names(picker)[0] == "fake_kawasaki"
    assert picker._table._headers[1].description == "Qubits ▲"
    click_header(picker, "qubits")
    assert picker.descending and names(picker)[-1] == "fake_kawasaki"
    assert picker._table._headers[1].description == "Qubits ▼"
    click_header(picker, "name")  # another column: best (A to Z) first again
    assert picker.sort_by == "name" and not picker.descending and names(picker) == sorted(names(picker))
    assert picker._table.visible_names() == names(picker)


def test_a_row_click_selects_and_the_selection_follows_the_filters(loaded):
    picker, _ = loaded
    seen = []
    picker.observe(lambda change: seen.append(change["new"]), "value")
    click_row(picker, "fake_manila")
    assert picker.value.name() == "fake_manila" and selected_row(picker) == "fake_manila"
    # Filtered away: the first match is selected instead (a linked plot follows)...
    picker.min_qubits = 16
    assert picker.value.name() == names(picker)[0] == "fake_guadalupe"
    assert "fake_manila is hidden by the filters" in picker.status
    # ...nothing matches: nothing is selected...
    picker.min_qubits = 500
    assert picker.value is None and picker.backends == []
    # ...and the user's choice comes back once it matches again.
    picker.min_qubits = 5
    assert picker.value.name() == "fake_manila" and selected_row(picker) == "fake_manila"
    assert [b.name() if b else None for b in seen] == ["fake_manila", "fake_guadalupe", None, "fake_manila"]


def test_pages_hold_every_match_and_the_selection_is_on_the_page_shown():
    provider = FakeProvider(devices=DEVICES)  # 5 backends on pages of 2
    picker = BackendPicker(provider, page_size=2, include_test_devices=True, kind="all")
    try:
        assert picker.wait(60)
        table = picker._table
        assert table.pages == 3 and table.visible_names() == names(picker)[:2]
        table._next.click()
        assert table.visible_names() == names(picker)[2:4]
        table._next.click()
        assert table.visible_names() == names(picker)[4:] and table._next.disabled
        picker.value = names(picker)[0]  # selecting turns to its page
        assert table.page == 0 and table._previous.disabled
        picker.value = names(picker)[-1]
        assert table.page == 2 and "rows 5-5 of 5" in table._page_label.value
    finally:
        picker.close()


def test_value_is_settable_by_name_or_backend_and_observable(loaded):
    picker, _ = loaded
    picker.value = "fake_manila"
    assert picker.value.name() == "fake_manila" and selected_row(picker) == "fake_manila"
    with pytest.raises(TraitError, match="no backend named 'ibm_nowhere'"):
        picker.value = "ibm_nowhere"
    picker.value = None
    picker.min_qubits = 16
    assert picker.value is None  # nothing chosen: nothing is picked behind the user's back


def test_no_match_and_empty_provider_show_messages():
    provider = FakeProvider(devices=(), simulator=False)
    empty = BackendPicker(provider)
    assert empty.wait(60)
    assert "This provider has no backends." in empty._message.value
    assert empty.backends == []
    empty.close()
    picker = BackendPicker(FakeProvider(devices=("FakeVigoV2",)), min_qubits=500, include_test_devices=True)
    assert picker.wait(60)
    assert picker.backends == []
    assert "No backend matches the filters (min qubits 500" in picker.status
    assert "lower Min qubits to 5 or less (1 would match)" in picker.status
    picker.include_test_devices = False
    assert "No single filter hides them all" in picker.status  # two filters do: no misleading hint
    picker.min_qubits = 0
    assert "tick Show test devices (1 would match)" in picker.status
    picker.close()


def test_a_list_of_backends_and_unknown_filters():
    provider = FakeProvider()
    picker = BackendPicker(provider.backends()[:2], kind="all", include_test_devices=True)
    assert picker.wait(60)
    assert sorted(names(picker)) == ["fake_manila", "fake_vigo"]
    picker.close()
    with pytest.raises(TypeError, match="unknown filter 'qubits'"):
        BackendPicker(provider, qubits=5)


class SlowProvider(FakeProvider):
    """A provider whose backend list arrives only when the test says so (a slow or far-away service)."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = threading.Event()
        self.asked_from: list[str] = []

    def backends(self):
        self.asked_from.append(threading.current_thread().name)
        assert self.answer.wait(30), "the test never let the list arrive"
        return super().backends()


def test_the_constructor_returns_before_the_network_answers_and_fills_in_later():
    provider = SlowProvider()
    picker = BackendPicker(
        provider, min_qubits=16, include_test_devices=True
    )  # would hang if the kernel waited
    try:
        assert picker.status == "Loading the list of backends…" and picker.backends == []
        assert "Loading the list of backends" in picker._message.value
        picker.value = "fake_kawasaki"  # chosen before the list arrived: kept until it has
        assert picker.value is None
        provider.answer.set()
        assert picker.wait(60)
        assert provider.asked_from == ["ibmq-widgets-backend-picker"]  # the worker thread, never the kernel's
        assert names(picker) == ["fake_guadalupe", "fake_kawasaki"]  # the constructor's filter applies
        assert picker.value.name() == "fake_kawasaki" and selected_row(picker) == "fake_kawasaki"
        assert picker.status == "2 of 5 backends"
    finally:
        provider.answer.set()
        picker.close()


def test_an_unknown_name_chosen_before_the_list_arrived_is_reported_not_raised():
    provider = SlowProvider()
    picker = BackendPicker(provider, include_test_devices=True)
    picker.value = "ibm_nowhere"
    provider.answer.set()
    assert picker.wait(60)
    assert picker.value is None
    assert (
        "no backend named 'ibm_nowhere'" in picker.status and "ibmq-widgets-warning" in picker._message.value
    )
    picker.refresh()  # a fresh load clears the message
    assert picker.wait(60)
    assert picker.status == "4 of 5 backends"
    picker.close()


def test_a_failed_load_says_so_and_refresh_tries_again():
    provider = FakeProvider()
    calls = {"n": 0}
    original = provider.backend_summaries

    def flaky():
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("connection refused by 127.0.0.1")
        return original()

    provider.backend_summaries = flaky
    picker = BackendPicker(provider, include_test_devices=True)
    assert picker.wait(60)
    assert "Could not list the backends: connection refused" in picker.status
    assert "Press Refresh" in picker._message.value and picker.backends == []
    picker._refresh.click()
    assert picker.wait(60)
    assert names(picker) == ["fake_vigo", "fake_manila", "fake_guadalupe", "fake_kawasaki"]
    picker.close()


def test_clicking_the_row_the_filters_chose_makes_it_the_choice(loaded):
    picker, _ = loaded
    picker.value = "fake_manila"
    picker.min_qubits = 16  # manila hidden: guadalupe selected in its place
    assert picker.value.name() == "fake_guadalupe"
    click_row(picker, "fake_guadalupe")  # the user confirms it
    picker.min_qubits = 0
    assert picker.value.name() == "fake_guadalupe"  # manila no longer comes back
