"""BackendPicker on the real client and local service: bulk status, calibration in the background, and no
request at all for a filter change."""

from __future__ import annotations

import pytest
import traitlets
from widget_doubles import bar_values

from ibmq_widgets import BackendPicker, QubitPropertyPlot


@pytest.fixture(scope="module")
def picker(research_provider):
    picker = BackendPicker(research_provider)
    assert picker.wait(240), "the calibration of every device should load in the background"
    yield picker
    picker.close()


TEST_SNAPSHOTS = {"fake_fractional", "fake_nighthawk", "alt_auckland", "alt_cairo"}


def table_rows(picker) -> int:
    return len(picker._table.names)  # every page's rows


def shown(picker) -> str:
    return " ".join(row.children[0].value for row in picker._table._body.children)


def test_all_real_devices_are_listed_with_their_facts(picker):
    assert len(picker.backends) == 64  # 68 devices less 4 test snapshots; the simulator is hidden by kind
    assert table_rows(picker) == 64 and not TEST_SNAPSHOTS & set(picker._table.names)
    assert "(4 test devices hidden)" in picker.status
    assert picker._catalog.errors == {}
    assert "ibmq_qasm_simulator" in picker._catalog.no_properties
    fez = picker._catalog.facts["ibm_fez"]
    assert fez.medians.two_qubit_gate == "cz" and 0 < fez.medians.two_qubit_error < 0.05
    assert fez.processor == "Heron r2" and fez.clops == 195_000 and 0 < fez.eplg < 0.02 and fez.calibrated
    assert "…" not in shown(picker)  # every row on the page has its calibration columns filled in
    picker.include_test_devices = True
    assert set(picker._table.names) >= TEST_SNAPSHOTS and len(picker.backends) == 68
    picker.include_test_devices = False


def test_a_broken_median_is_flagged(picker):
    picker.value = "ibm_kyoto"  # every ecr error 1.0 in its snapshot
    row = next(
        r.children[0].value
        for r in picker._table._body.children
        if 'data-name="ibm_kyoto"' in r.children[0].value
    )
    assert "⚠ broken" in row and "#b42318" in row
    picker.value = None


def test_building_a_picker_takes_one_bulk_status_request(research_provider, count_requests):
    picker = BackendPicker(research_provider)
    picker.wait(120)
    picker.close()
    # The backends are cached by the provider; status for all of them is ONE GET /backends, and no device's
    # status or properties are asked again.
    assert count_requests and set(count_requests) == {"GET /api/v1/backends"}
    assert len(count_requests) <= 2


def test_filter_changes_and_sorts_never_touch_the_network(picker, count_requests):
    picker.min_qubits = 127
    assert {backend.configuration().n_qubits >= 127 for backend in picker.backends} == {True}
    shrunk = table_rows(picker)
    picker.sort_by = "two_qubit_error"
    picker.name_search = "ibm_"
    picker.kind = "all"
    picker.max_pending = 0
    picker.operational_only = False
    picker.sort_by = "least_busy"
    for column in picker._table._headers:  # every header, twice (both directions)
        column.click()
        column.click()
    picker.include_test_devices = True
    picker.include_test_devices = False
    assert count_requests == []
    assert 0 < shrunk < 64
    picker.sort_by, picker.descending = "least_busy", False
    picker.min_qubits = 0
    picker.kind = "device"
    picker.max_pending = None
    picker.operational_only = True
    picker.name_search = ""


def test_sort_by_two_qubit_error_is_ascending(picker):
    picker.sort_by = "two_qubit_error"
    errors = [picker._catalog.medians[backend.name()].two_qubit_error for backend in picker.backends]
    known = [error for error in errors if error == error]
    assert known == sorted(known) and len(known) >= 56
    picker.sort_by = "least_busy"


def test_picking_a_backend_redraws_a_linked_plot(picker, research_provider):
    plot = QubitPropertyPlot()
    link = traitlets.link((picker, "value"), (plot, "backend"))
    try:
        picker.value = "ibm_fez"
        assert plot.wait(60)
        assert plot.data.name == "ibm_fez" and len(bar_values(plot.bars_svg)) == 156
        picker.name_search = "kawasaki"
        picker._table._rows[0].children[1].click()  # the row's overlay button, as a click in the browser
        assert picker.value.name() == "ibm_kawasaki"
        assert plot.wait(60)
        assert plot.data.name == "ibm_kawasaki" and len(bar_values(plot.bars_svg)) == 127
        assert 'data-backend="ibm_kawasaki"' in plot.map_svg
        picker.min_qubits = 500  # nothing matches: nothing selected, and the plot says so
        assert picker.value is None and plot.wait(60) and "No backend selected" in plot.status
        picker.min_qubits = 0
        assert picker.value.name() == "ibm_kawasaki" and plot.wait(60) and plot.data.name == "ibm_kawasaki"
        picker.name_search = ""
    finally:
        link.unlink()
        plot.close()


def test_refresh_runs_in_the_background_and_asks_only_the_bulk_status(picker, count_requests):
    picker.refresh()
    assert picker.wait(60)
    assert count_requests == ["GET /api/v1/backends"] * len(count_requests) and count_requests
    assert len(picker.backends) == 64


def test_an_empty_instance_shows_a_message(research_provider):
    picker = BackendPicker([])
    assert picker.wait(60)
    assert "no backends" in picker.status
    picker.close()
    picker = BackendPicker(research_provider, name_search="no-such-device")
    assert picker.wait(120)
    assert picker.backends == [] and "No backend matches the filters" in picker._message.value
    picker.close()


def test_least_busy_skips_test_snapshots_unless_asked(research_provider):
    from ibmq_widgets import least_busy
    from ibmq_widgets.exceptions import IBMQBackendValueError

    snapshots = [research_provider.get_backend(name) for name in sorted(TEST_SNAPSHOTS)]
    everything = research_provider.backends(simulator=False)
    assert least_busy(everything).name() not in TEST_SNAPSHOTS  # alt_auckland was picked before
    assert least_busy(snapshots, include_test_devices=True).name() in TEST_SNAPSHOTS
    with pytest.raises(IBMQBackendValueError, match="include_test_devices=True"):
        least_busy(snapshots)
