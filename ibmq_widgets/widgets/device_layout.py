"""Where each qubit of a device sits on its map: the lattice's rows recovered from the coupling map alone.

Pure geometry, no drawing and no list of known devices. Three methods, tried in order, the first whose picture
has every coupler one grid step long and no two qubits on one spot wins:

1. **rows** (heavy-hex Eagle and Heron, square lattices, ladders, H shapes): a row is a maximal run of at
   least three consecutive qubit numbers linked by couplers, as IBM numbers its lattices; every other qubit
   must be a bridge between rows (or hang off one). Rows go top to bottom in number order, each shifted (or
   reversed) so that the qubits a bridge or a coupler joins stand one above the other; bridges sit halfway.
2. **grid** (Falcon, Egret, T shapes, lines, separate pieces): an embedding of each connected piece in the
   square grid, every coupler one step, no two uncoupled qubits side by side, found by depth-first search that
   keeps paths straight where it can; each piece turned landscape with its lowest qubit top left.
3. **stress** (anything else): stress majorization of the graph distances, then pushed apart until no two
   qubits overlap.

Coordinates are in grid steps, x to the right and y DOWN (as on a screen or in SVG), the top-left qubit near
(0, 0). Layouts are cached per coupling map.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from ibmq_widgets.widgets.layout_stress import stress_layout

__all__ = ["device_layout", "layout_method", "undirected_edges"]

_MIN_ROW = 3  # a run of two (a T shape's stem) is a bend, not a row
_GRID_BUDGET = 20_000  # search steps for the grid method, all embeddings of a piece together
_STEPS = ((1, 0), (0, 1), (0, -1), (-1, 0))  # right, down, up, left: the order tried from a piece's start
Edges = tuple[tuple[int, int], ...]


def undirected_edges(coupling_map: Iterable[Sequence[int]] | None) -> Edges:
    """The coupling map's pairs with the smaller qubit first, each once, sorted."""
    pairs = {(min(a, b), max(a, b)) for a, b in (coupling_map or []) if a != b}
    return tuple(sorted(pairs))


def device_layout(n_qubits: int, coupling_map: Iterable[Sequence[int]] | None) -> np.ndarray:
    """Positions of the qubits, ``(n_qubits, 2)`` in grid steps, x right and y down; cached per coupling map.

    Parameters
    ----------
    n_qubits : int
        Number of qubits (couplers to qubits past it are ignored).
    coupling_map : iterable of (int, int)
        The device's couplers; directions are merged.

    Returns
    -------
    numpy.ndarray
        Row ``q`` is where qubit ``q`` goes. Qubit 0 is in the top row, at its left end for the row and grid
        methods.
    """
    return _cached_layout(int(n_qubits), undirected_edges(coupling_map))[0].copy()


def layout_method(n_qubits: int, coupling_map: Iterable[Sequence[int]] | None) -> str:
    """Which method laid the device out: ``"rows"``, ``"grid"`` or ``"stress"`` (see the module docstring)."""
    return _cached_layout(int(n_qubits), undirected_edges(coupling_map))[1]


@lru_cache(maxsize=128)
def _cached_layout(n_qubits: int, edges: Edges) -> tuple[np.ndarray, str]:
    if n_qubits <= 1:
        return np.zeros((max(n_qubits, 0), 2)), "grid"
    edges = tuple(edge for edge in edges if edge[1] < n_qubits)
    neighbours: list[list[int]] = [[] for _ in range(n_qubits)]
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    for method, build in (("rows", _row_layout), ("grid", _grid_layout)):
        positions = build(n_qubits, edges, neighbours)
        if positions is not None and _unit_edges(positions, edges) and _apart(positions, 0.99):
            return positions - positions.min(axis=0), method
    return stress_layout(n_qubits, edges), "stress"


def _unit_edges(positions: np.ndarray, edges: Edges) -> bool:
    if not edges:
        return True
    index = np.array(edges)
    lengths = np.linalg.norm(positions[index[:, 0]] - positions[index[:, 1]], axis=1)
    return bool(np.allclose(lengths, 1.0))


def _apart(positions: np.ndarray, gap: float) -> bool:
    """No two qubits closer than ``gap``."""
    if len(positions) < 2:
        return True
    distances = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    return bool(distances[np.triu_indices(len(positions), 1)].min() >= gap)


# --- 1. rows ----------------------------------------------------------------------------------------------
def _runs(n_qubits: int, edge_set: set[tuple[int, int]]) -> list[range]:
    """Maximal runs of consecutive qubits, each linked to the next, at least ``_MIN_ROW`` long."""
    runs, start = [], 0
    for qubit in range(1, n_qubits + 1):
        if qubit == n_qubits or (qubit - 1, qubit) not in edge_set:
            if qubit - start >= _MIN_ROW:
                runs.append(range(start, qubit))
            start = qubit
    return runs


def _row_layout(n_qubits: int, edges: Edges, neighbours: list[list[int]]) -> np.ndarray | None:
    rows = _runs(n_qubits, set(edges))
    row_of = np.full(n_qubits, -1)
    for index, row in enumerate(rows):
        row_of[list(row)] = index
    # Every qubit outside the rows must be a bridge: one or two neighbours, all in rows, never both in one row.
    bridges: dict[int, list[int]] = {}
    for qubit in np.flatnonzero(row_of < 0).tolist():
        near = neighbours[qubit]
        if not near or len(near) > 2 or (row_of[near] < 0).any() or len(set(row_of[near])) != len(near):
            return None
        bridges[qubit] = sorted(near, key=lambda q: row_of[q])
    if not rows:
        return None
    links = [(a, b, 1) for a, b in edges if row_of[a] != row_of[b] and row_of[a] >= 0 and row_of[b] >= 0]
    links += [(near[0], near[1], 2) for near in bridges.values() if len(near) == 2]
    placed = _place_rows(rows, row_of, links)
    if placed is None:
        return None
    x_of, y_of = placed
    positions = np.zeros((n_qubits, 2))
    for index, row in enumerate(rows):
        for qubit in row:
            positions[qubit] = (x_of(qubit), y_of[index])
    last = len(rows) - 1
    for qubit, near in bridges.items():
        first = near[0]
        if len(near) == 2:
            positions[qubit] = (x_of(first), (y_of[row_of[first]] + y_of[row_of[near[1]]]) / 2)
        else:  # hanging off one row: outwards at the top and bottom rows, else below
            side = -1 if row_of[first] == 0 and last > 0 else 1
            positions[qubit] = (x_of(first), y_of[row_of[first]] + side)
    return positions


def _place_rows(rows: list[range], row_of: np.ndarray, links: list[tuple[int, int, int]]):
    """Each row's height, shift and direction from its links with the line of rows above it; None if they
    disagree (the final check of all couplers catches links between rows further apart).

    A run with no link to the line above that starts where the previous run ends stays on that line: a row
    cut in two by a missing coupler (ibm_washington's 8-9) is still one row.
    """
    y_of = [0.0]
    shift, sign = [0], [1]
    line = {0}  # the runs on the lowest line so far

    def x_of(qubit: int) -> int:
        row = row_of[qubit]
        return shift[row] + sign[row] * (qubit - rows[row].start)

    for index in range(1, len(rows)):
        pairs = [
            (a, b, gap) if row_of[b] == index else (b, a, gap)
            for a, b, gap in links
            if (row_of[a] == index and row_of[b] in line) or (row_of[b] == index and row_of[a] in line)
        ]
        if not pairs and rows[index].start == rows[index - 1].stop:
            y_of.append(y_of[-1])
            sign.append(sign[-1])
            shift.append(x_of(rows[index - 1].stop - 1) + sign[-1])
            line.add(index)
            continue
        if not pairs or len({gap for _, _, gap in pairs}) != 1:
            return None
        y_of.append(y_of[-1] + pairs[0][2])
        line = {index}
        for direction in (1, -1):  # the same direction as the row above, else reversed (a ladder)
            offsets = {x_of(a) - direction * (b - rows[index].start) for a, b, _ in pairs}
            if len(offsets) == 1:
                shift.append(offsets.pop())
                sign.append(direction)
                break
        else:
            return None
    return x_of, y_of


# --- 2. grid ----------------------------------------------------------------------------------------------
def _components(n_qubits: int, neighbours: list[list[int]]) -> list[list[int]]:
    """Connected pieces, each in breadth-first order from its lowest qubit."""
    seen = [False] * n_qubits
    pieces = []
    for start in range(n_qubits):
        if seen[start]:
            continue
        seen[start] = True
        order, queue = [], deque([start])
        while queue:
            qubit = queue.popleft()
            order.append(qubit)
            for near in sorted(neighbours[qubit]):
                if not seen[near]:
                    seen[near] = True
                    queue.append(near)
        pieces.append(order)
    return pieces


def _grid_layout(n_qubits: int, edges: Edges, neighbours: list[list[int]]) -> np.ndarray | None:
    if max(map(len, neighbours)) > 4:
        return None
    positions = np.zeros((n_qubits, 2))
    left = 0.0
    runs = _runs(n_qubits, set(edges))
    for piece in _components(n_qubits, neighbours):
        cells = _embed(piece, neighbours, runs)
        if cells is None:
            return None
        points = _landscape(np.array([cells[q] for q in piece], dtype=float), piece)
        points[:, 0] += left
        positions[piece] = points
        left = points[:, 0].max() + 2  # the next piece one empty column to the right
    return positions


def _embed(piece: list[int], neighbours: list[list[int]], runs: list[range]) -> dict | None:
    """The best grid embedding of a connected piece found within the search budget (None if none is).

    Best, for a lattice (a piece with cycles): the lowest height to width ratio (lattices are drawn wide and
    low), then the fewest bends in lines of qubits, then the first found. For a tree (T and H shapes, lines)
    first the most qubits of number runs (``_runs``) on straight lines along the long side, so that numbers
    read along rows as in IBM's drawings.
    """
    members = set(piece)
    tree = sum(len(neighbours[q]) for q in piece) == 2 * (len(piece) - 1)
    runs = [run for run in runs if run.start in members] if tree else []
    best, best_key = None, None
    for cells in _embeddings(piece, neighbours):
        xs, ys = zip(*cells.values(), strict=True)
        width, height = max(xs) - min(xs), max(ys) - min(ys)
        axis = 1 if width >= height else 0  # runs along the long side keep one y (or x) coordinate
        straight = sum(len(run) for run in runs if len({cells[q][axis] for q in run}) == 1)
        key = (-straight, min(width, height) / max(width, height, 1), _bends(cells, neighbours))
        if best_key is None or key < best_key:
            best, best_key = dict(cells), key
    return best


def _bends(cells: dict[int, tuple[int, int]], neighbours: list[list[int]]) -> int:
    """Qubits with two couplers that turn a corner."""
    count = 0
    for qubit, (x, y) in cells.items():
        if len(neighbours[qubit]) == 2:
            (ax, ay), (bx, by) = (cells[m] for m in neighbours[qubit])
            count += (ax - x, ay - y) != (x - bx, y - by)
    return count


def _embeddings(piece: list[int], neighbours: list[list[int]]):
    """Grid embeddings of a piece, every coupler one step and no uncoupled qubits side by side: a
    backtracking search over the breadth-first order, straight on first, within ``_GRID_BUDGET`` steps.

    Over 60 lines on purpose: the search keeps its stack, cells and budget in one frame (recursion would hit
    Python's limit on a long line of qubits).
    """
    order = piece
    anchor = {order[0]: None}
    for qubit in order[1:]:  # the neighbour placed before it that it is drawn from
        anchor[qubit] = next(m for m in order if m in anchor and m in neighbours[qubit])
    cells: dict[int, tuple[int, int]] = {order[0]: (0, 0)}
    taken: dict[tuple[int, int], int] = {(0, 0): order[0]}
    came: dict[int, tuple[int, int]] = {order[0]: (0, 0)}

    def options(qubit: int) -> list[tuple[int, int]]:
        source = anchor[qubit]
        ax, ay = cells[source]
        dx, dy = came[source]
        if (dx, dy) == (0, 0):
            # From the first qubit: its first neighbour to the right (the others are turns of the picture).
            steps = [(1, 0)] if qubit == order[1] else list(_STEPS)
        else:
            steps = [(dx, dy), (-dy, dx), (dy, -dx)]
        near = set(neighbours[qubit])
        found = []
        for sx, sy in steps:
            x, y = ax + sx, ay + sy
            if (x, y) in taken:
                continue
            # Every placed neighbour one step away, and no uncoupled qubit beside it.
            beside = [taken.get((x + ex, y + ey)) for ex, ey in _STEPS]
            if all(other is None or other in near for other in beside) and all(
                abs(cells[m][0] - x) + abs(cells[m][1] - y) == 1 for m in near if m in cells
            ):
                found.append(((x, y), (sx, sy)))
        return found

    budget = _GRID_BUDGET
    depth = 1
    stack = [options(order[1])] if len(order) > 1 else []
    if not stack:
        yield cells
        return
    while depth > 0 and budget > 0:
        budget -= 1
        choices = stack[-1]
        if not choices:  # nothing left here: undo the qubit before it and try its next cell
            stack.pop()
            depth -= 1
            if depth > 0:
                undo = order[depth]
                del taken[cells.pop(undo)]
                came.pop(undo)
            continue
        qubit = order[depth]
        cell, step = choices.pop(0)
        cells[qubit], taken[cell], came[qubit] = cell, qubit, step
        depth += 1
        if depth == len(order):
            yield cells
            depth -= 1
            del taken[cells.pop(qubit)]
            came.pop(qubit)
            continue
        stack.append(options(order[depth]))


def _landscape(points: np.ndarray, piece: list[int]) -> np.ndarray:
    """The grid piece turned and mirrored so it is wider than tall and its lowest qubit is top left."""
    best, best_key = points, None
    for turn in range(4):
        for mirror in (False, True):
            x, y = points[:, 0], points[:, 1]
            for _ in range(turn):
                x, y = -y, x
            if mirror:
                x = -x
            candidate = np.column_stack([x - x.min(), y - y.min()])
            width, height = np.ptp(candidate, axis=0)
            first = candidate[0]  # the piece's lowest qubit comes first (breadth-first order)
            second = candidate[1] if len(candidate) > 1 else first
            key = (height > width, first[1], first[0], second[1] - first[1], -(second[0] - first[0]))
            if best_key is None or key < best_key:
                best, best_key = candidate, key
    return best
