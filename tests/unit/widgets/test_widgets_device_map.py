"""The device map: layout from the coupling map alone, edges drawn from it, colours scaled to the data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from qiskit_ibm_runtime.fake_provider import FakeFez, FakeKawasaki, FakeNighthawk, FakeVigoV2

from ibmq_widgets.widgets.device_map import device_layout, draw_device_map, undirected_edges
from ibmq_widgets.widgets.properties import pair_errors, qubit_dataframe


def _edge_lengths(positions: np.ndarray, edges) -> np.ndarray:
    return np.array([np.linalg.norm(positions[a] - positions[b]) for a, b in edges])


@pytest.mark.filterwarnings("ignore:Properties of fake_nighthawk are not intended")
@pytest.mark.parametrize("device", [FakeFez, FakeKawasaki, FakeNighthawk], ids=["heron", "eagle", "square"])
def test_large_lattices_are_laid_out_flat_and_regular(device):
    configuration = device().configuration()
    edges = undirected_edges(configuration.coupling_map)
    positions = device_layout(configuration.n_qubits, configuration.coupling_map)
    assert positions.shape == (configuration.n_qubits, 2)
    lengths = _edge_lengths(positions, edges)
    # A folded or tangled layout has very uneven edge lengths; a flat lattice has nearly equal ones.
    assert lengths.std() / lengths.mean() < 0.15
    # No two qubits on top of each other, so every number on the map can be read.
    gaps = np.linalg.norm(positions[:, None] - positions[None], axis=-1)[np.triu_indices(len(positions), 1)]
    nearest = gaps.min()
    assert nearest > 0.5 * lengths.mean()


def test_layout_is_cached_and_oriented_the_same_way():
    configuration = FakeFez().configuration()
    first = device_layout(configuration.n_qubits, configuration.coupling_map)
    again = device_layout(configuration.n_qubits, list(reversed(configuration.coupling_map)))
    np.testing.assert_array_equal(first, again)
    assert first[0, 0] <= 0 and first[0, 1] >= 0  # qubit 0 towards the top left
    assert np.ptp(first[:, 0]) >= np.ptp(first[:, 1])  # the long side horizontal


def test_odd_topologies_do_not_break_the_layout():
    assert device_layout(1, []).shape == (1, 2)
    assert device_layout(0, None).shape == (0, 2)
    # Two separate components and an isolated qubit.
    positions = device_layout(5, [[0, 1], [1, 0], [2, 3]])
    assert np.isfinite(positions).all()
    assert len({tuple(np.round(p, 6)) for p in positions}) == 5


def test_edges_come_from_the_coupling_map_and_are_coloured_by_two_qubit_error():
    device = FakeFez()
    configuration, properties = device.configuration(), device.properties()
    values = qubit_dataframe(properties)["t1"].to_numpy()
    errors = pair_errors(properties)
    figure = Figure()
    ax = draw_device_map(figure, configuration.n_qubits, configuration.coupling_map, values, errors)
    lines = next(c for c in ax.collections if isinstance(c, LineCollection))
    points = next(c for c in ax.collections if isinstance(c, PathCollection))
    edges = undirected_edges(configuration.coupling_map)
    assert len(lines.get_segments()) == len(edges) == 176
    positions = device_layout(configuration.n_qubits, configuration.coupling_map)
    for (a, b), segment in zip(edges, lines.get_segments(), strict=True):
        np.testing.assert_allclose(segment, [positions[a], positions[b]])
    # Edge colours: a log scale spanning exactly the device's own cz errors.
    finite = [errors[edge] for edge in edges if edge in errors]
    assert isinstance(lines.norm, LogNorm)
    assert lines.norm.vmin == pytest.approx(min(finite)) and lines.norm.vmax == pytest.approx(max(finite))
    # Qubit colours: the range of T1 over the device.
    assert len(points.get_offsets()) == 156
    assert points.norm.vmin == pytest.approx(np.nanmin(values)) and points.norm.vmax == pytest.approx(
        np.nanmax(values)
    )
    assert len(figure.axes) == 3  # the map and two colour bars
    labels = ax.collections[-1]  # the qubit numbers, one glyph path per qubit at its position
    assert len(labels.get_paths()) == 156
    np.testing.assert_allclose(labels.get_offsets(), positions)


def test_missing_values_are_grey_and_do_not_set_the_colour_range():
    device = FakeVigoV2()
    configuration = device.configuration()
    values = [1.0, math.nan, 3.0, 2.0, math.nan]
    figure = Figure()
    ax = draw_device_map(figure, 5, configuration.coupling_map, values, {})
    points = next(c for c in ax.collections if isinstance(c, PathCollection))
    assert (points.norm.vmin, points.norm.vmax) == (1.0, 3.0)
    colors = points.to_rgba(np.ma.masked_invalid(values))
    np.testing.assert_allclose(colors[1][:3], [0xBB / 255] * 3, atol=0.01)
    lines = next(c for c in ax.collections if isinstance(c, LineCollection))
    assert lines.get_array() is None  # no errors known: plain grey edges, no colour bar for them
    assert len(figure.axes) == 2
