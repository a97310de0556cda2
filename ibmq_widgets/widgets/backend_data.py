"""What the widgets know about one backend, read through the client's public methods only.

``load_backend_data`` makes the network calls (configuration, properties); the widgets call it on their worker
thread and keep the result, so redrawing or filtering never asks the network again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ibmq_widgets.widgets.properties import (
    BackendMedians,
    backend_medians,
    pair_errors,
    qubit_dataframe,
    two_qubit_dataframe,
)


def backend_name(backend: Any) -> str:
    """The name of a client backend (``backend.name()``) or of anything with a ``name`` attribute."""
    name = getattr(backend, "name", None)
    if callable(name):
        name = name()
    return str(name if name is not None else backend)


@dataclass
class BackendData:
    """Configuration and calibration of one backend, in the shapes the widgets draw from."""

    name: str
    n_qubits: int
    coupling_map: list[list[int]]
    simulator: bool
    properties: Any = None
    qubits: pd.DataFrame = field(default_factory=pd.DataFrame)
    two_qubit: pd.DataFrame = field(default_factory=pd.DataFrame)
    pair_errors: dict[tuple[int, int], float] = field(default_factory=dict)
    medians: BackendMedians = field(default_factory=BackendMedians)

    @property
    def has_properties(self) -> bool:
        """Whether the backend reports calibration data (simulators do not)."""
        return self.properties is not None

    def missing_properties(self) -> list[str]:
        """The per-qubit properties this device does not report at all (e.g. frequency on Heron devices)."""
        return [key for key in self.qubits.columns if self.qubits[key].isna().all()]

    def no_properties_message(self) -> str:
        """Why there is nothing to plot for this backend, and what to do instead."""
        kind = "a simulator" if self.simulator else "a backend"
        return f"{self.name} is {kind} without calibration data (no qubit properties): pick a device instead."


def load_backend_data(backend: Any) -> BackendData:
    """Read ``backend.configuration()`` and ``backend.properties()`` (network calls) into a BackendData."""
    configuration = backend.configuration()
    n_qubits = int(getattr(configuration, "n_qubits", 0) or 0)
    coupling_map = [list(pair) for pair in (getattr(configuration, "coupling_map", None) or [])]
    simulator = bool(getattr(configuration, "simulator", False))
    properties = backend.properties()
    data = BackendData(
        name=backend_name(backend), n_qubits=n_qubits, coupling_map=coupling_map, simulator=simulator
    )
    if properties is not None and getattr(properties, "qubits", None):
        data.properties = properties
        data.qubits = qubit_dataframe(properties, n_qubits or None)
        data.two_qubit = two_qubit_dataframe(properties)
        data.pair_errors = pair_errors(properties)
        data.medians = backend_medians(properties)
    else:
        data.qubits = qubit_dataframe(None, 0)
    return data


def is_missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))
