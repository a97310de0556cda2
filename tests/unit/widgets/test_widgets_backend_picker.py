"""BackendPicker on the real client and local service: bulk status, calibration in the background, and no
request at all for a filter change."""

from __future__ import annotations

import pytest
import traitlets
from widget_doubles import bar_heights

from ibmq_widgets import BackendPicker, QubitPropertyPlot


@pytest.fixture(scope="module")
def picker(research_provider):
    picker = BackendPicker(research_provider)
    assert picker.wait(240), "the calibration of every device should load in the background"
    yield picker
    picker.close()


def table_rows(picker) -> int:
    return picker._table.value.count("<tr") - 1  # minus the header row


def test_all_devices_are_listed_with_their_medians(picker):
    assert len(picker.backends) == 68  # every device of the catalog; the simulator is hidden by kind="device"
    assert table_rows(picker) == 68
    assert picker._catalog.errors == {}
    assert "ibmq_qasm_simulator" in picker._catalog.no_properties
    fez = picker._catalog.medians["ibm_fez"]
    assert fez.two_qubit_gate == "cz" and 0 < fez.two_qubit_error < 0.05
    assert "…" not in picker._table.value  # every row has its calibration columns filled in


def test_building_a_picker_takes_one_bulk_status_request(research_provider, count_requests):
    picker = BackendPicker(research_provider)
    picker.wait(120)
    picker.close()
    # The backends are cached by the provider; status for all of them is ONE GET /backends, and no device's
    # status or properties are asked again.
    assert count_requests and set(count_requests) == {"GET /api/v1/backends"}
    assert len(count_requests) <= 2


def test_filter_changes_never_touch_the_network(picker, count_requests):
    picker.min_qubits = 127
    assert {backend.configuration().n_qubits >= 127 for backend in picker.backends} == {True}
    shrunk = table_rows(picker)
    picker.sort_by = "two_qubit_error"
    picker.name_search = "ibm_"
    picker.kind = "all"
    picker.max_pending = 0
    picker.operational_only = False
    picker.sort_by = "least_busy"
    assert count_requests == []
    assert 0 < shrunk < 68
    picker.min_qubits = 0
    picker.kind = "device"
    picker.max_pending = None
    picker.operational_only = True
    picker.name_search = ""


def test_sort_by_two_qubit_error_is_ascending(picker):
    picker.sort_by = "two_qubit_error"
    errors = [picker._catalog.medians[backend.name()].two_qubit_error for backend in picker.backends]
    known = [error for error in errors if error == error]
    assert known == sorted(known) and len(known) >= 60
    picker.sort_by = "least_busy"


def test_picking_a_backend_redraws_a_linked_plot(picker, research_provider):
    plot = QubitPropertyPlot()
    link = traitlets.link((picker, "value"), (plot, "backend"))
    try:
        picker.value = "ibm_fez"
        assert plot.wait(60)
        assert plot.data.name == "ibm_fez" and len(bar_heights(plot.figure)) == 156
        picker._select.set_state({"index": picker._select.options.index(("ibm_kawasaki", "ibm_kawasaki"))})
        assert plot.wait(60)
        assert plot.data.name == "ibm_kawasaki" and len(bar_heights(plot.figure)) == 127
        assert "ibm_kawasaki" in plot.figure.axes[0].get_title()
    finally:
        link.unlink()
        plot.close()


def test_refresh_runs_in_the_background_and_asks_only_the_bulk_status(picker, count_requests):
    picker.refresh()
    assert picker.wait(60)
    assert count_requests == ["GET /api/v1/backends"] * len(count_requests) and count_requests
    assert len(picker.backends) == 68


def test_an_empty_instance_shows_a_message(research_provider):
    picker = BackendPicker([])
    assert "no backends" in picker.status
    picker.close()
    picker = BackendPicker(research_provider, name_search="no-such-device")
    assert picker.backends == [] and "No backend matches the filters" in picker._message.value
    picker.close()
