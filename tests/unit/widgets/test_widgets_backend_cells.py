"""What each row of the picker says: IBM's device-list columns, flags for test snapshots and broken medians,
hover text, and no-match hints that fit the filters set."""

from __future__ import annotations

import pytest
from widget_doubles import FakeProvider

from ibmq_widgets.widgets.backend_cells import (
    COLUMNS,
    describe_filters,
    no_match_hint,
    row_cells,
    row_tooltip,
)
from ibmq_widgets.widgets.feeds.backend_catalog import BackendCatalog

FILTERS = {"min_qubits": 0, "kind": "device", "operational_only": True, "max_pending": None,
           "name_search": "", "include_test_devices": False}  # fmt: skip


@pytest.fixture(scope="module")
def catalog():
    catalog = BackendCatalog(FakeProvider(devices=("FakeFez", "FakeKyoto")))
    catalog.load()
    catalog.load_facts("fake_fez")
    catalog.load_facts("fake_kyoto")
    return catalog


def cells(catalog, name):
    return {cell["key"]: cell for cell in row_cells(catalog.summaries[name], catalog)}


def test_a_row_has_every_column_of_ibms_device_list(catalog):
    fez = cells(catalog, "fake_fez")
    assert [c.key for c in COLUMNS] == list(fez)
    assert fez["processor"]["text"] == "Heron r2" and fez["clops"]["text"] == "195K"
    assert fez["eplg"]["text"].endswith("e-03") and fez["two_qubit"]["text"].endswith(" cz")
    assert fez["calibrated"]["text"].endswith((" y", " mo", " d", " h", " min"))
    assert "test" in str(fez["name"]["text"])  # a fake_* snapshot is flagged


def test_a_broken_median_is_flagged_and_loading_rows_say_so(catalog):
    kyoto = cells(catalog, "fake_kyoto")
    assert "⚠ broken" in kyoto["two_qubit"]["text"] and "#b42318" in kyoto["two_qubit"]["style"]
    assert "BROKEN" in row_tooltip(catalog.summaries["fake_kyoto"], catalog)
    assert cells(catalog, "ibmq_qasm_simulator")["t1"]["text"] == "…"  # not loaded yet
    tip = row_tooltip(catalog.summaries["fake_fez"], catalog)
    assert tip.startswith("fake_fez: click to select") and "EPLG" in tip and "100-qubit chain" in tip


def test_no_match_hints_name_only_the_filters_that_are_set():
    assert describe_filters(FILTERS) == "min qubits 0, devices, operational only, no test devices"
    hint = no_match_hint({**FILTERS, "min_qubits": 500}, [("min_qubits", 63)], 156)
    assert hint == "Try: lower Min qubits to 156 or less (63 would match)."
    search = no_match_hint({**FILTERS, "name_search": "zz"}, [("name_search", 60), ("kind", 1)], 156)
    assert (
        "clear the search 'zz' (60 would match); or choose All instead of Devices (1 would match)" in search
    )
    assert "clear several" in no_match_hint(FILTERS, [], 156)
