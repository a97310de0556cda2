"""The device map: a coupling graph laid out from the coupling map itself and drawn on a matplotlib Figure.

Any topology works (line, T, falcon and eagle heavy-hex, heron, square lattices): the layout is stress
majorization of the graph's shortest-path distances (classical MDS start, SMACOF refinement), which lays
lattices out flat and regular, so a 156-qubit heavy-hex device reads as its hexagons. Layouts are cached per
coupling map.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import rustworkx as rx
from matplotlib import colormaps
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import LogNorm, Normalize, to_rgba
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

QUBIT_CMAP = "viridis"
EDGE_CMAP = "plasma_r"  # low error = bright yellow, high error = dark, so bad couplers stand out
MISSING_COLOR = "#bbbbbb"
_SMACOF_ITERATIONS = 200  # at most; it stops earlier once converged
_TOLERANCE = 1e-3
_POWER_ITERATIONS = 60


def undirected_edges(coupling_map: Iterable[Sequence[int]] | None) -> tuple[tuple[int, int], ...]:
    """The coupling map's pairs with the smaller qubit first, each once, sorted."""
    pairs = {(min(a, b), max(a, b)) for a, b in (coupling_map or []) if a != b}
    return tuple(sorted(pairs))


def device_layout(n_qubits: int, coupling_map: Iterable[Sequence[int]] | None) -> np.ndarray:
    """Positions (n_qubits x 2) of the qubits, computed from the coupling map and cached per coupling map.

    Qubit 0 is put towards the top left and the longer side horizontally, so a device always looks the same.
    """
    return _cached_layout(int(n_qubits), undirected_edges(coupling_map)).copy()


@lru_cache(maxsize=128)
def _cached_layout(n_qubits: int, edges: tuple[tuple[int, int], ...]) -> np.ndarray:
    if n_qubits <= 0:
        return np.zeros((0, 2))
    if n_qubits == 1:
        return np.zeros((1, 2))
    graph = rx.PyGraph()
    graph.add_nodes_from(range(n_qubits))
    graph.add_edges_from_no_data([edge for edge in edges if edge[1] < n_qubits])
    distance = np.asarray(rx.distance_matrix(graph, null_value=math.inf), dtype=float)
    finite = np.isfinite(distance)
    # Separate components sit one step further apart than the widest component, instead of at infinity.
    distance[~finite] = (distance[finite].max() if finite.any() else 0.0) + 1.0
    positions = _classical_mds(distance)
    positions = _smacof(distance, positions, _SMACOF_ITERATIONS)
    return _normalise_orientation(positions)


# Everything below is element-wise numpy and einsum, no BLAS or LAPACK call: the matrices are small (n is at
# most a few hundred), and multi-threaded BLAS stalls when the kernel shares its cores with other work.
def _classical_mds(distance: np.ndarray) -> np.ndarray:
    squared = distance**2
    # Double centering by means (the J D^2 J of classical MDS), then the top two eigenvectors by power
    # iteration.
    gram = -0.5 * (squared - squared.mean(axis=0) - squared.mean(axis=1)[:, None] + squared.mean())
    rng = np.random.default_rng(0)  # a fixed start: the same device always gets the same picture
    vectors = rng.standard_normal((gram.shape[0], 2))
    for _ in range(_POWER_ITERATIONS):
        vectors = np.einsum("ij,jk->ik", gram, vectors)
        # Gram-Schmidt keeps the two vectors apart, so the second converges to the second eigenvector.
        vectors[:, 0] /= np.linalg.norm(vectors[:, 0]) or 1.0
        vectors[:, 1] -= vectors[:, 0] * (vectors[:, 0] @ vectors[:, 1])
        vectors[:, 1] /= np.linalg.norm(vectors[:, 1]) or 1.0
    values = np.einsum("ij,ij->j", vectors, np.einsum("ij,jk->ik", gram, vectors))
    positions = vectors * np.sqrt(np.maximum(values, 1e-9))
    # Qubits on the same spot (symmetric ones) would never separate: a tiny fixed jitter breaks the tie.
    return positions + 1e-3 * rng.standard_normal(positions.shape)


def _smacof(distance: np.ndarray, positions: np.ndarray, iterations: int) -> np.ndarray:
    """Stress majorization, localized (Jacobi) form of Gansner, Koren and North (2004): no matrix inverse."""
    # Weights 1/d^2 favour getting neighbours right, which is what makes lattices come out regular.
    with np.errstate(divide="ignore"):
        weights = np.where(distance > 0, 1.0 / distance**2, 0.0)
    totals = weights.sum(axis=1)[:, None]
    totals[totals == 0] = 1.0
    for _ in range(iterations):
        diff = positions[:, None, :] - positions[None, :, :]
        current = np.sqrt((diff**2).sum(axis=-1))
        with np.errstate(divide="ignore", invalid="ignore"):
            pull = np.where(current > 0, distance / current, 0.0)
        # Each qubit moves to where its neighbours, at their graph distances, want it to be.
        target = positions[None, :, :] + pull[:, :, None] * diff
        moved = np.einsum("ij,ijk->ik", weights, target) / totals
        # Stop once no qubit moves more than a thousandth of an edge (the MDS start is already close).
        done = np.abs(moved - positions).max() < _TOLERANCE
        positions = moved
        if done:
            break
    return positions


def _normalise_orientation(positions: np.ndarray) -> np.ndarray:
    positions = positions - positions.mean(axis=0)
    # Principal axes, the longer one horizontal.
    cxx, cyy = (positions**2).mean(axis=0)
    cxy = (positions[:, 0] * positions[:, 1]).mean()
    angle = 0.5 * math.atan2(2 * cxy, cxx - cyy)  # the principal axis of a 2x2 covariance, in closed form
    cos, sin = math.cos(angle), math.sin(angle)
    positions = np.column_stack(
        [positions[:, 0] * cos + positions[:, 1] * sin, -positions[:, 0] * sin + positions[:, 1] * cos]
    )
    if np.ptp(positions[:, 1]) > np.ptp(positions[:, 0]):
        positions = positions[:, ::-1]
    if positions[0, 0] > 0:
        positions[:, 0] *= -1
    if positions[0, 1] < 0:
        positions[:, 1] *= -1
    return positions


@lru_cache(maxsize=1024)
def _label_path(text: str, size: float) -> Path:
    path = TextPath((0, 0), text, size=size)
    # Centre the glyphs on the origin, as ha="center", va="center" would.
    (x0, y0), (x1, y1) = path.get_extents().get_points()
    return path.transformed(Affine2D().translate(-(x0 + x1) / 2, -(y0 + y1) / 2))


def qubit_labels(ax, positions: np.ndarray, size: float, colors: np.ndarray) -> PathCollection:
    """The qubit numbers as ONE collection of glyph outlines, sized in points and placed at ``positions``.

    One artist instead of a Text per qubit: 156 Text artists cost more to draw than the rest of the map.
    """
    paths = [_label_path(str(qubit), size) for qubit in range(len(positions))]
    return PathCollection(
        paths,
        offsets=positions,
        offset_transform=ax.transData,
        transform=Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans,  # glyphs in points, like marker sizes
        facecolors=colors,
        edgecolors="none",
        zorder=3,
    )


def color_range(values: Sequence[float] | np.ndarray, log: bool = False) -> Normalize:
    """The colour scale of ``values``: min to max of the finite ones; logarithmic for error rates.

    Errors span decades (a broken coupler reports 1.0 next to 0.003), so a linear scale would paint every
    working coupler the same colour.
    """
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array) & ((array > 0) if log else True)]
    if finite.size == 0:
        return Normalize(0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        low, high = (
            (low / 2, high * 2) if log else (low - 0.5 * abs(low or 1.0), high + 0.5 * abs(high or 1.0))
        )
    return LogNorm(low, high) if log else Normalize(low, high)


def _colorbar(figure: Figure, mappable, ax, label: str, pad: float) -> None:
    bar = figure.colorbar(mappable, ax=ax, label=label, shrink=0.6, pad=pad)
    norm = mappable.norm
    # Over two decades a log bar has major ticks enough; its many minor ones cost more to draw than the map.
    if isinstance(norm, LogNorm) and norm.vmax / norm.vmin >= 100:
        bar.minorticks_off()


def draw_device_map(
    figure: Figure,
    n_qubits: int,
    coupling_map: Iterable[Sequence[int]] | None,
    qubit_values: Sequence[float] | None = None,
    edge_errors: Mapping[tuple[int, int], float] | None = None,
    *,
    qubit_label: str = "",
    qubit_log_scale: bool = False,
    edge_label: str = "two-qubit error",
    title: str = "",
    axes=None,
):
    """Draw the coupling graph on ``figure``, qubits coloured by ``qubit_values``, edges by ``edge_errors``.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to draw on (a new axes is added unless ``axes`` is given).
    n_qubits : int
        Number of qubits.
    coupling_map : iterable of (int, int)
        The device's coupling map (directions are merged).
    qubit_values : sequence of float, optional
        One value per qubit; NaN draws the qubit grey. Without it qubits are one colour.
    edge_errors : mapping of (int, int) to float, optional
        Two-qubit gate error per undirected pair (smaller qubit first); a missing pair draws grey.
    qubit_label, edge_label, title : str
        Colour bar labels and the axes title.
    qubit_log_scale : bool
        Colour qubits on a logarithmic scale (for error rates); edges always are.
    axes : matplotlib.axes.Axes, optional
        Draw here instead of a new axes of ``figure``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes; ``axes.collections`` holds the edges (a LineCollection) then the qubits (a PathCollection).
    """
    ax = axes if axes is not None else figure.add_subplot()
    positions = device_layout(n_qubits, coupling_map)
    edges = [edge for edge in undirected_edges(coupling_map) if edge[1] < n_qubits]
    # Marker size shrinks with the device so a 156-qubit map stays readable at notebook width.
    marker = float(np.clip(5000.0 / max(n_qubits, 1), 40.0, 400.0))
    if edges:
        segments = np.array([[positions[a], positions[b]] for a, b in edges])
        errors = np.array([(edge_errors or {}).get(edge, math.nan) for edge in edges], dtype=float)
        lines = LineCollection(segments, linewidths=3.0 if n_qubits > 50 else 5.0, zorder=1)
        if edge_errors and np.isfinite(errors).any():
            lines.set_array(np.ma.masked_invalid(errors))
            lines.set_cmap(colormaps[EDGE_CMAP].with_extremes(bad=MISSING_COLOR))
            lines.set_norm(color_range(errors, log=True))
            _colorbar(figure, lines, ax, edge_label, pad=0.01)
        else:
            lines.set_color(MISSING_COLOR)
        ax.add_collection(lines)
    values = np.full(n_qubits, np.nan) if qubit_values is None else np.asarray(qubit_values, dtype=float)
    if np.isfinite(values).any():
        points = ax.scatter(
            positions[:, 0],
            positions[:, 1],
            c=np.ma.masked_invalid(values),
            cmap=colormaps[QUBIT_CMAP].with_extremes(bad=MISSING_COLOR),
            norm=color_range(values, log=qubit_log_scale),
            s=marker,
            zorder=2,
            edgecolors="#333333",
            linewidths=0.5,
            plotnonfinite=True,
        )
        faces = points.to_rgba(np.ma.masked_invalid(values))
        _colorbar(figure, points, ax, qubit_label, pad=0.02)
    else:
        # Nothing to colour by (no values, or a property the device does not report): one neutral colour.
        face = "#4a90d9" if qubit_values is None else MISSING_COLOR
        points = ax.scatter(
            positions[:, 0], positions[:, 1], c=face, s=marker, zorder=2, edgecolors="#333333"
        )
        faces = np.tile(to_rgba(face), (n_qubits, 1))
    # Dark digits on light markers and light digits on dark ones, so every qubit number stays legible.
    luminance = faces[:, :3] @ np.array([0.299, 0.587, 0.114])
    font = 9 if n_qubits <= 27 else 6 if n_qubits <= 65 else 4.5
    colors = np.where(luminance[:, None] > 0.55, to_rgba("black"), to_rgba("white"))
    ax.add_collection(qubit_labels(ax, positions, font, colors), autolim=False)
    ax.set_aspect("equal")
    ax.margins(0.06)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
