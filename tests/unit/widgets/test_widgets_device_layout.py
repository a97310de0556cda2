"""The device layout: the lattice's rows recovered from the coupling map alone, for every shape IBM has built.

The expected rows below are what IBM's own drawings show (qubit 0 top left, numbers running along rows); the
layout is never told them, it finds them in the coupling map.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit_ibm_runtime.fake_provider import (
    FakeArmonkV2,
    FakeBrisbane,
    FakeFez,
    FakeKolkataV2,
    FakeLimaV2,
    FakeManilaV2,
    FakeMelbourneV2,
    FakeNighthawk,
    FakeTorino,
    FakeWashingtonV2,
    FakeYorktownV2,
)

from ibmq_widgets.widgets.device_layout import device_layout, layout_method, undirected_edges


def rows_of(starts_and_lengths) -> list[range]:
    return [range(start, start + length) for start, length in starts_and_lengths]


# Heron r2: 8 rows of 16, 4 bridges between each pair; Heron r1: 9 rows of 15 (bridges 15-18, 34-37, ...);
# Eagle: a row of 14, rows of 15, a last row of 14; Nighthawk: a 12 x 10 square lattice.
LATTICES = {
    "ibm_fez": (FakeFez, rows_of((20 * i, 16) for i in range(8))),
    "ibm_torino": (
        FakeTorino,
        rows_of([(0, 15), (19, 15), (38, 15), (57, 15), (76, 15), (95, 15), (114, 15)]),
    ),
    "ibm_brisbane": (
        FakeBrisbane,
        rows_of([(0, 14), (18, 15), (37, 15), (56, 15), (75, 15), (94, 15), (113, 14)]),
    ),
    "fake_nighthawk": (FakeNighthawk, rows_of((10 * i, 10) for i in range(12))),
    "ibmq_manila": (FakeManilaV2, rows_of([(0, 5)])),
}


def layout_of(device):
    configuration = device().configuration()
    edges = undirected_edges(configuration.coupling_map)
    return device_layout(configuration.n_qubits, configuration.coupling_map), edges


def assert_readable(positions: np.ndarray, edges, gap: float = 0.99) -> None:
    """Every qubit apart from every other (so its number can be read)."""
    if len(positions) > 1:
        distances = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
        assert distances[np.triu_indices(len(positions), 1)].min() >= gap


@pytest.mark.filterwarnings("ignore:Properties of fake_nighthawk are not intended")
@pytest.mark.parametrize("name", LATTICES)
def test_each_lattice_row_shares_one_height_and_reads_left_to_right(name):
    device, rows = LATTICES[name]
    positions, edges = layout_of(device)
    heights = []
    for row in rows:
        ys = positions[list(row), 1]
        xs = positions[list(row), 0]
        assert np.ptp(ys) == 0, f"{name}: row {row} is not on one line"
        np.testing.assert_allclose(np.diff(xs), 1.0)  # numbers run left to right, one step apart
        heights.append(ys[0])
    assert heights == sorted(heights) and len(set(heights)) == len(rows)  # rows top to bottom in number order
    assert_readable(positions, edges)
    lengths = np.linalg.norm(positions[[a for a, _ in edges]] - positions[[b for _, b in edges]], axis=1)
    np.testing.assert_allclose(lengths, 1.0)  # every coupler one grid step
    top = positions[:, 1].min()
    assert positions[0, 1] == top and positions[0, 0] == positions[positions[:, 1] == top, 0].min()
    assert layout_method(*(lambda c: (c.n_qubits, c.coupling_map))(device().configuration())) == "rows"


def test_bridges_sit_halfway_between_the_qubits_they_join():
    positions, _ = layout_of(FakeFez)
    # Qubit 16 joins 3 (row 0) and 23 (row 1): straight below 3, above 23, halfway.
    np.testing.assert_allclose(positions[16], (positions[3] + positions[23]) / 2)
    assert positions[3, 0] == positions[23, 0]


def test_a_one_qubit_device_and_empty_maps():
    positions = device_layout(1, FakeArmonkV2().configuration().coupling_map)
    assert positions.shape == (1, 2) and np.isfinite(positions).all()
    assert device_layout(1, []).shape == (1, 2)
    assert device_layout(0, None).shape == (0, 2)


def test_a_t_shape_keeps_its_numbered_row_and_hangs_the_rest_below():
    positions, edges = layout_of(FakeLimaV2)  # 0-1-2, 1-3, 3-4
    assert positions[0, 1] == positions[1, 1] == positions[2, 1]
    assert positions[3, 0] == positions[1, 0] == positions[4, 0]
    assert positions[4, 1] > positions[3, 1] > positions[1, 1]
    assert_readable(positions, edges)


def test_falcon_heavy_hex_is_embedded_in_the_grid_wide_and_low():
    configuration = FakeKolkataV2().configuration()
    positions, edges = layout_of(FakeKolkataV2)
    assert layout_method(configuration.n_qubits, configuration.coupling_map) == "grid"
    width, height = np.ptp(positions, axis=0)
    assert width > 2 * height  # two long rows, as IBM draws a 27-qubit Falcon
    lengths = [np.linalg.norm(positions[a] - positions[b]) for a, b in edges]
    np.testing.assert_allclose(lengths, 1.0)
    assert_readable(positions, edges)


def test_a_missing_coupler_does_not_break_a_row_and_a_ladder_runs_back():
    positions, _ = layout_of(FakeWashingtonV2)  # ibm_washington lacks the 8-9 coupler of its first row
    assert np.ptp(positions[:14, 1]) == 0 and positions[9, 0] - positions[8, 0] == 1
    ladder, _ = layout_of(FakeMelbourneV2)  # 0..6 on top, 14..8 below it running back, 7 at the end
    assert ladder[14, 0] == ladder[0, 0] and ladder[8, 0] == ladder[6, 0] and ladder[7, 0] > ladder[8, 0]


def test_odd_graphs_fall_back_without_overlapping_qubits():
    bowtie = FakeYorktownV2().configuration()  # triangles: no grid embedding
    assert layout_method(bowtie.n_qubits, bowtie.coupling_map) == "stress"
    positions = device_layout(bowtie.n_qubits, bowtie.coupling_map)
    assert_readable(positions, (), gap=0.7)
    # Two separate pieces and an isolated qubit: side by side, all apart.
    pieces = device_layout(5, [[0, 1], [1, 0], [2, 3]])
    assert np.isfinite(pieces).all() and len({tuple(p) for p in pieces}) == 5
    assert_readable(pieces, ())
    star = device_layout(6, [[0, q] for q in range(1, 6)])  # degree 5: neither rows nor grid
    assert layout_method(6, [[0, q] for q in range(1, 6)]) == "stress"
    assert_readable(star, (), gap=0.7)


def test_layout_is_cached_and_ignores_coupler_order_and_direction():
    configuration = FakeFez().configuration()
    first = device_layout(configuration.n_qubits, configuration.coupling_map)
    again = device_layout(configuration.n_qubits, [[b, a] for a, b in reversed(configuration.coupling_map)])
    np.testing.assert_array_equal(first, again)
    first[0] = (99, 99)  # the caller's copy: the cache is not changed
    assert tuple(device_layout(configuration.n_qubits, configuration.coupling_map)[0]) == (0.0, 0.0)
