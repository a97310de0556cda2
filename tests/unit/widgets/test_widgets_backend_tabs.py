"""The tabbed backend view: one configuration table with the instance's usage, a scrolling qubit table with a
sticky header, two-qubit gates sorted with broken couplers flagged, and the device map with its metrics."""

from __future__ import annotations

import re

import ipywidgets as widgets

from ibmq_widgets.widgets.backend_tabs import backend_view


def test_backend_view_has_five_tabs(research_provider):
    view = backend_view(research_provider.get_backend("ibm_kawasaki"))
    assert isinstance(view, widgets.Tab)
    assert list(view.titles) == ["Configuration", "Qubits", "Two-qubit gates", "Map", "Recent jobs"]
    assert view.wait(60)
    _configuration, qubits, gates, device_map, jobs = view.children
    assert qubits.value.count("<tr") == 128  # header + 127 qubits
    assert "ecr" in gates.value
    controls, picture = device_map.children
    assert picture.value.startswith("<svg") and 'data-backend="ibm_kawasaki"' in picture.value
    controls.children[1].value = "length"  # the coupler metric, redrawn from memory
    assert 'data-edge-metric="length"' in picture.value
    assert "No jobs yet" in jobs.value or "job id" in jobs.value


def test_the_configuration_is_one_readable_table_with_the_usage(research_provider):
    view = backend_view(research_provider.get_backend("ibm_fez"))
    assert view.wait(60)
    html = view.children[0].value
    assert html.count("<table") == 1
    for label, value in [
        ("processor", "Heron r2"),
        ("qubits", "156"),
        ("dt (sample time)", "4 ns"),
        ("CLOPS", "195,000"),
        ("basis gates", "cz, id, rz, sx, x"),
    ]:
        assert f"<b>{label}</b>" in html and f">{value}<" in html, label
    assert "{" not in html and "e-10" not in html and "e-09" not in html  # no raw dicts or seconds
    assert "EPLG (layer fidelity)" in html and "calibrated" in html and " ago)" in html
    assert "7 broken" in html
    assert "<b>instance usage</b>" in html and "s used" in html  # fetched on the view's worker thread
    labels = [part.split("</b>")[0] for part in html.split("<b>")[1:]]
    assert len(labels) == len(set(labels))  # no fact twice


def test_qubits_scroll_under_a_sticky_header_and_gates_are_sorted_with_broken_ones_flagged(research_provider):
    view = backend_view(research_provider.get_backend("ibm_fez"))
    qubits, gates = view.children[1].value, view.children[2].value
    assert "overflow:auto" in qubits and "max-height:420px" in qubits and "position:sticky" in qubits
    pairs = re.findall(r"<tr[^>]*><td[^>]*>(\d+)-(\d+)</td>", gates)
    keys = [(min(int(a), int(b)), max(int(a), int(b)), int(a)) for a, b in pairs]
    assert keys == sorted(keys) and len({key[:2] for key in keys}) == 176
    broken = gates.count("broken (error ≥ 1)")
    assert broken >= 7 and "broken, in red" in gates and "position:sticky" in gates
    assert view.wait(60)
