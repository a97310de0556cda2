"""The device map's last resort: a layout for any coupling graph, by stress majorization of graph distances.

Used when the lattice's rows and a grid embedding both fail (a triangle, as in ibmqx2's bow tie; a vertex of
degree five). Classical MDS gives the start, SMACOF refines it so each pair of qubits sits about as far apart as
their graph distance, and a last pass pushes apart any two qubits closer than ``_MIN_GAP`` so every number on the
map can be read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["stress_layout"]

_MIN_GAP = 0.75  # closest two qubits may be, in edge lengths


# --- 3. stress --------------------------------------------------------------------------------------------
def stress_layout(n_qubits: int, edges: Sequence[tuple[int, int]]) -> np.ndarray:
    """Positions (n_qubits x 2, x right, y down, about one unit per coupler) for any coupling graph.

    Stress majorization (classical MDS start, SMACOF), then spread so no two qubits overlap; qubit 0 towards
    the top left and the long side horizontal.
    """
    distance = _graph_distances(n_qubits, edges)
    positions = _smacof(distance, _classical_mds(distance))
    positions = _separate(positions)
    positions = positions - positions.mean(axis=0)
    if np.ptp(positions[:, 1]) > np.ptp(positions[:, 0]):
        positions = positions[:, ::-1].copy()
    positions[:, 0] *= -1 if positions[0, 0] > 0 else 1  # qubit 0 towards the left...
    positions[:, 1] *= -1 if positions[0, 1] > 0 else 1  # ...and the top
    return positions - positions.min(axis=0)


def _graph_distances(n_qubits: int, edges: Sequence[tuple[int, int]]) -> np.ndarray:
    distance = np.full((n_qubits, n_qubits), math.inf)
    np.fill_diagonal(distance, 0.0)
    for a, b in edges:
        distance[a, b] = distance[b, a] = 1.0
    for k in range(n_qubits):  # Floyd-Warshall, vectorised per pivot; n is a few hundred at most
        distance = np.minimum(distance, distance[:, k, None] + distance[None, k, :])
    finite = np.isfinite(distance)
    # Separate pieces sit one step further apart than the widest piece, instead of at infinity.
    distance[~finite] = distance[finite].max() + 1.0
    return distance


# Element-wise numpy and einsum only, no BLAS: multi-threaded BLAS stalls when the kernel shares its cores.
def _classical_mds(distance: np.ndarray) -> np.ndarray:
    squared = distance**2
    gram = -0.5 * (squared - squared.mean(axis=0) - squared.mean(axis=1)[:, None] + squared.mean())
    rng = np.random.default_rng(0)  # a fixed start: the same device always gets the same picture
    vectors = rng.standard_normal((gram.shape[0], 2))
    for _ in range(60):  # power iteration for the top two eigenvectors, kept apart by Gram-Schmidt
        vectors = np.einsum("ij,jk->ik", gram, vectors)
        vectors[:, 0] /= np.linalg.norm(vectors[:, 0]) or 1.0
        vectors[:, 1] -= vectors[:, 0] * (vectors[:, 0] @ vectors[:, 1])
        vectors[:, 1] /= np.linalg.norm(vectors[:, 1]) or 1.0
    values = np.einsum("ij,ij->j", vectors, np.einsum("ij,jk->ik", gram, vectors))
    positions = vectors * np.sqrt(np.maximum(values, 1e-9))
    return positions + 1e-3 * rng.standard_normal(positions.shape)  # symmetric qubits would never separate


def _smacof(distance: np.ndarray, positions: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Localized stress majorization (Gansner, Koren and North 2004), weights 1/d^2; no matrix inverse."""
    with np.errstate(divide="ignore"):
        weights = np.where(distance > 0, 1.0 / distance**2, 0.0)
    totals = weights.sum(axis=1)[:, None]
    totals[totals == 0] = 1.0
    for _ in range(iterations):
        diff = positions[:, None, :] - positions[None, :, :]
        current = np.sqrt((diff**2).sum(axis=-1))
        with np.errstate(divide="ignore", invalid="ignore"):
            pull = np.where(current > 0, distance / current, 0.0)
        moved = np.einsum("ij,ijk->ik", weights, positions[None, :, :] + pull[:, :, None] * diff) / totals
        done = np.abs(moved - positions).max() < 1e-3
        positions = moved
        if done:
            break
    return positions


def _separate(positions: np.ndarray, rounds: int = 100) -> np.ndarray:
    """Push qubits closer than ``_MIN_GAP`` apart, half the overlap each, until none is."""
    positions = positions.copy()
    for _ in range(rounds):
        diff = positions[:, None, :] - positions[None, :, :]
        distance = np.sqrt((diff**2).sum(axis=-1))
        np.fill_diagonal(distance, math.inf)
        if distance.min() >= _MIN_GAP:
            break
        overlap = np.where(distance < _MIN_GAP, (_MIN_GAP - distance) / 2, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            direction = np.where(distance[..., None] > 1e-9, diff / distance[..., None], 0.0)
        positions += (overlap[..., None] * direction).sum(axis=1)
        positions += 1e-4 * np.random.default_rng(1).standard_normal(positions.shape)  # exact ties
    return positions
