"""The device map: an inline SVG laid out in the lattice's rows, a hover title on every qubit and coupler, and
one colour rule (blue good, red bad) for every property, with broken couplers and bad qubits marked apart."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

import numpy as np
import pytest
from qiskit_ibm_runtime.fake_provider import FakeArmonkV2, FakeFez, FakeKawasaki, FakeKyoto
from widget_doubles import FakeBackend, svg_all, svg_tree, title_of

from ibmq_widgets.widgets.device_layout import device_layout, undirected_edges
from ibmq_widgets.widgets.device_map import draw_device_map
from ibmq_widgets.widgets.feeds.backend_data import BackendData, load_backend_data
from ibmq_widgets.widgets.quality import BAD_QUBIT, BROKEN, MISSING

BEST, WORST = "#313695", "#a50026"  # the two ends of the one good-to-bad scale


@pytest.fixture(scope="module")
def fez() -> BackendData:
    return load_backend_data(FakeBackend(FakeFez(), Counter()))


def fills(markup) -> dict[int, str]:
    return {
        int(g.get("data-qubit")): g.find("{http://www.w3.org/2000/svg}circle").get("fill")
        for g in svg_all(markup, "g", "qubit")
    }


def test_the_fez_map_is_svg_with_a_title_on_every_qubit_and_coupler(fez):
    markup = draw_device_map(fez)
    root = svg_tree(markup)
    assert root.get("class") == "ibmq-widgets-device-map" and root.get("data-backend") == "fake_fez"
    qubits = svg_all(markup, "g", "qubit")
    couplers = svg_all(markup, "line", "coupler")
    assert len(qubits) == 156 and len(couplers) == len(undirected_edges(fez.coupling_map)) == 176
    seven = title_of(qubits[7])
    assert (
        seven.startswith("Qubit 7\n")
        and "T1: " in seven
        and "sx error: " in seven
        and "Readout error: " in seven
    )
    assert f"{fez.qubits.loc[7, 't1']:.3g} µs" in seven
    pair = next(c for c in couplers if c.get("data-pair") == "0-1")
    assert (
        title_of(pair).startswith("Coupler 0-1 (cz)")
        and "error: " in title_of(pair)
        and "gate length: " in title_of(pair)
    )
    # Readable at 156 qubits: numbers at least 11 px high in circles at least 12 px across at natural size.
    assert float(root.find("{http://www.w3.org/2000/svg}g[@class='qubits']").get("font-size")) >= 11
    assert float(qubits[0].find("{http://www.w3.org/2000/svg}circle").get("r")) >= 12
    assert float(root.get("width")) <= 1000


def test_qubits_sit_where_the_layout_puts_them(fez):
    positions = device_layout(fez.n_qubits, fez.coupling_map)
    circles = [
        g.find("{http://www.w3.org/2000/svg}circle") for g in svg_all(draw_device_map(fez), "g", "qubit")
    ]
    drawn = np.array([(float(c.get("cx")), float(c.get("cy"))) for c in circles])
    scale = (drawn[1] - drawn[0])[0] / (positions[1] - positions[0])[0]
    np.testing.assert_allclose(drawn - drawn[0], (positions - positions[0]) * scale, atol=0.1)


def test_one_colour_rule_good_is_blue_and_bad_is_red_for_every_property(fez):
    t1 = fez.qubits["t1"]
    by_t1 = fills(draw_device_map(fez, "t1"))
    assert by_t1[int(t1.idxmax())] == BEST and by_t1[int(t1.idxmin())] == WORST  # high T1 is good
    readout = fez.qubits["readout_error"]
    by_readout = fills(draw_device_map(fez, "readout_error"))
    assert (
        by_readout[int(readout.idxmin())] == BEST and by_readout[int(readout.idxmax())] == WORST
    )  # low is good
    couplers = {c.get("data-pair"): c.get("stroke") for c in svg_all(draw_device_map(fez), "line", "coupler")}
    working = {pair: error for pair, error in fez.pair_errors.items() if error < 1}
    best, worst = min(working, key=working.get), max(working, key=working.get)
    assert (
        couplers[f"{best[0]}-{best[1]}"] == BEST and couplers[f"{worst[0]}-{worst[1]}"] == WORST
    )  # low is good


def test_broken_couplers_are_dashed_black_whatever_the_metric(fez):
    broken = sorted(pair for pair, error in fez.pair_errors.items() if error >= 1)
    assert len(broken) == 7
    for metric in ("error", "length"):
        lines = svg_all(draw_device_map(fez, "t1", metric), "line", "broken")
        assert sorted(tuple(map(int, line.get("data-pair").split("-"))) for line in lines) == broken
        assert {line.get("stroke") for line in lines} == {BROKEN} and all(
            line.get("stroke-dasharray") for line in lines
        )
        assert all("BROKEN" in title_of(line) for line in lines)
    kyoto = load_backend_data(FakeBackend(FakeKyoto(), Counter()))  # every ecr error 1.0: all broken
    assert len(svg_all(draw_device_map(kyoto), "line", "broken")) == len(undirected_edges(kyoto.coupling_map))


def test_a_qubit_reported_not_operational_is_crossed_out(fez):
    data = dataclasses.replace(fez, bad_qubits={5})
    markup = draw_device_map(data)
    bad = svg_all(markup, "g", "bad")
    assert [g.get("data-qubit") for g in bad] == ["5"]
    assert bad[0].find("{http://www.w3.org/2000/svg}path") is not None and fills(markup)[5] == BAD_QUBIT
    assert "not operational" in title_of(bad[0])


def test_frequency_is_neutral_and_a_missing_property_is_grey(fez):
    kawasaki = load_backend_data(FakeBackend(FakeKawasaki(), Counter()))
    colours = set(fills(draw_device_map(kawasaki, "frequency")).values())
    assert BEST not in colours and WORST not in colours  # purple: neither good nor bad
    assert len(colours) > 20
    assert set(fills(draw_device_map(fez, "frequency")).values()) == {MISSING}  # Heron reports no frequency
    assert "not reported" in str(draw_device_map(fez, "frequency"))


def test_a_device_without_calibration_and_a_one_qubit_device():
    plain = BackendData(name="sim", n_qubits=3, coupling_map=[[0, 1], [1, 2]], simulator=True)
    markup = draw_device_map(plain)
    assert set(fills(markup).values()) == {MISSING} and not svg_all(markup, "line", "broken")
    assert "no calibration data" in title_of(svg_all(markup, "g", "qubit")[0])
    armonk = load_backend_data(FakeBackend(FakeArmonkV2(), Counter()))
    markup = draw_device_map(armonk)
    assert ": 1 qubit<" in str(markup) and len(svg_all(markup, "g", "qubit")) == 1
    assert math.isfinite(float(svg_tree(markup).get("height")))


def test_unknown_metrics_and_markup_in_names_are_refused_or_escaped(fez):
    with pytest.raises(ValueError, match="unknown metric"):
        draw_device_map(fez, "colour")
    evil = dataclasses.replace(fez, name='<script>alert("x")</script>')
    markup = str(draw_device_map(evil))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
