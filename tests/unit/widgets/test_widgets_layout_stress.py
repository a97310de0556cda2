"""The last-resort layout: any coupling graph, every qubit readable (apart from the others)."""

from __future__ import annotations

import numpy as np

from ibmq_widgets.widgets.layout_stress import stress_layout


def test_any_graph_is_laid_out_with_qubits_apart_and_qubit_0_top_left():
    wheel = [(0, q) for q in range(1, 7)] + [(q, q % 6 + 1) for q in range(1, 7)]
    positions = stress_layout(7, wheel)
    assert positions.shape == (7, 2) and np.isfinite(positions).all()
    gaps = np.linalg.norm(positions[:, None] - positions[None], axis=-1)[np.triu_indices(7, 1)]
    assert gaps.min() >= 0.7
    assert positions.min(axis=0).tolist() == [0.0, 0.0] and np.ptp(positions[:, 0]) >= np.ptp(positions[:, 1])
    apart = stress_layout(4, [(0, 1)])  # a coupler and two lone qubits
    assert np.isfinite(apart).all() and len({tuple(p) for p in np.round(apart, 6)}) == 4
