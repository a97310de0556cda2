"""Per-qubit and per-pair calibration data read from a device's BackendProperties, as pandas DataFrames.

Works for every gate set the devices have used (u1/u2/u3 + cx, sx + cx, ecr, cz, fractional rzz): the
single-qubit and two-qubit gates are chosen from what the device reports, never from a fixed list of devices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# property key -> (label, unit shown); the order is the order of the dropdowns
QUBIT_PROPERTIES: dict[str, tuple[str, str]] = {
    "t1": ("T1", "µs"),
    "t2": ("T2", "µs"),
    "frequency": ("Frequency", "GHz"),
    "readout_error": ("Readout error", ""),
    "gate_error": ("Single-qubit gate error", ""),
}
_RAW_NAMES = {"t1": "T1", "t2": "T2", "frequency": "frequency", "readout_error": "readout_error"}
# Unit prefixes of the snapshots, so values are converted to the unit shown whatever unit the device reported.
_TIME_TO_US = {"s": 1e6, "ms": 1e3, "us": 1.0, "µs": 1.0, "ns": 1e-3}
_FREQ_TO_GHZ = {"hz": 1e-9, "khz": 1e-6, "mhz": 1e-3, "ghz": 1.0}
_TIME_TO_NS = {"s": 1e9, "ms": 1e6, "us": 1e3, "µs": 1e3, "ns": 1.0}
#: A two-qubit gate error at or above this is a broken coupler (the devices report 1.0 for an unusable one).
BROKEN_ERROR = 1.0
# Preferred gates: the native entanglers first, then anything else acting on two qubits (e.g. rzz).
_TWO_QUBIT_PREFERENCE = ("ecr", "cz", "cx")
_ONE_QUBIT_PREFERENCE = ("sx", "u2", "x", "u3", "rx")
_NOT_GATES = {"measure", "reset", "delay", "id", "rz", "u1", "p", "u0"}


def _converted(key: str, value: float, unit: str) -> float:
    unit = (unit or "").strip()
    if key in ("t1", "t2"):
        return value * _TIME_TO_US.get(unit, 1.0)
    if key == "frequency":
        return value * _FREQ_TO_GHZ.get(unit.lower(), 1.0)
    return value


def _gate_error(gate: Any) -> float:
    for parameter in getattr(gate, "parameters", []):
        if parameter.name == "gate_error":
            return float(parameter.value)
    return math.nan


def _gate_length(gate: Any) -> float:
    """The gate's duration in ns (NaN when not reported)."""
    for parameter in getattr(gate, "parameters", []):
        if parameter.name == "gate_length":
            return float(parameter.value) * _TIME_TO_NS.get((parameter.unit or "ns").strip(), 1.0)
    return math.nan


def _gates_by_arity(properties: Any, arity: int) -> dict[str, list[Any]]:
    gates: dict[str, list[Any]] = {}
    for gate in getattr(properties, "gates", None) or []:
        if len(gate.qubits) == arity and gate.gate not in _NOT_GATES:
            gates.setdefault(gate.gate, []).append(gate)
    return gates


def _preferred(gates: dict[str, list[Any]], preference: tuple[str, ...]) -> str | None:
    for name in preference:
        if name in gates:
            return name
    # A gate outside the preference list: the one reported on most qubits, ties by name for determinism.
    return max(sorted(gates), key=lambda name: len(gates[name]), default=None)


def single_qubit_gate_name(properties: Any) -> str | None:
    """The single-qubit gate whose error stands for a qubit's gate error (``sx`` today), or None."""
    return _preferred(_gates_by_arity(properties, 1), _ONE_QUBIT_PREFERENCE)


def two_qubit_gate_name(properties: Any) -> str | None:
    """The device's own two-qubit gate (``ecr``, ``cz``, ``cx`` or whatever it reports), or None."""
    return _preferred(_gates_by_arity(properties, 2), _TWO_QUBIT_PREFERENCE)


def qubit_dataframe(properties: Any, n_qubits: int | None = None) -> pd.DataFrame:
    """One row per qubit: t1, t2 (µs), frequency (GHz), readout_error, gate_error (single-qubit gate).

    Parameters
    ----------
    properties : qiskit_ibm_runtime.models.BackendProperties
        The device's calibration.
    n_qubits : int, optional
        Number of qubits; rows past the calibrated ones are NaN. Defaults to the number of calibrated qubits.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``qubit``; a value the device does not report is NaN; ``df.attrs["gate"]`` names the gate
        behind ``gate_error``.
    """
    qubits = getattr(properties, "qubits", None) or []
    count = len(qubits) if n_qubits is None else n_qubits
    data = {key: np.full(count, np.nan) for key in QUBIT_PROPERTIES}
    for index, nduvs in enumerate(qubits[:count]):
        for nduv in nduvs:
            for key, raw in _RAW_NAMES.items():
                if nduv.name == raw and nduv.value is not None:
                    data[key][index] = _converted(key, float(nduv.value), nduv.unit)
    gate = single_qubit_gate_name(properties)
    if gate is not None:
        for item in _gates_by_arity(properties, 1)[gate]:
            if 0 <= item.qubits[0] < count:
                data["gate_error"][item.qubits[0]] = _gate_error(item)
    frame = pd.DataFrame(data, index=pd.RangeIndex(count, name="qubit"))
    frame.attrs["gate"] = gate
    return frame


def two_qubit_dataframe(properties: Any) -> pd.DataFrame:
    """One row per calibrated qubit pair of the device's two-qubit gate: qubit_a, qubit_b, gate, error and
    length (ns).

    Both directions of a pair (cx 0-1 and cx 1-0) are kept as the device reports them.
    """
    gate = two_qubit_gate_name(properties)
    rows = []
    if gate is not None:
        for item in _gates_by_arity(properties, 2)[gate]:
            a, b = int(item.qubits[0]), int(item.qubits[1])
            rows.append((a, b, gate, _gate_error(item), _gate_length(item)))
    return pd.DataFrame(rows, columns=["qubit_a", "qubit_b", "gate", "error", "length"])


def _per_pair(frame: pd.DataFrame, column: str) -> dict[tuple[int, int], float]:
    values: dict[tuple[int, int], float] = {}
    for a, b, value in zip(frame["qubit_a"], frame["qubit_b"], frame[column], strict=True):
        key = (min(a, b), max(a, b))
        if not math.isnan(value):
            values[key] = min(value, values.get(key, math.inf))
    return values


def pair_errors(properties: Any) -> dict[tuple[int, int], float]:
    """Two-qubit gate error per undirected pair (smaller qubit first); the better direction of the two."""
    return _per_pair(two_qubit_dataframe(properties), "error")


def pair_lengths(properties: Any) -> dict[tuple[int, int], float]:
    """Two-qubit gate length (ns) per undirected pair (smaller qubit first); the shorter direction."""
    return _per_pair(two_qubit_dataframe(properties), "length")


def bad_qubits(properties: Any) -> set[int]:
    """Qubits the device reports as not operational (an ``operational`` entry of 0 or false)."""
    bad = set()
    for index, nduvs in enumerate(getattr(properties, "qubits", None) or []):
        for nduv in nduvs:
            if nduv.name == "operational" and not nduv.value:
                bad.add(index)
    return bad


def layer_fidelity(properties: Any) -> tuple[int, float] | None:
    """The longest chain's layer fidelity from the ``lf_<n>`` entries of the general section: (n, fidelity).

    None when the device reports none (older devices).
    """
    best = None
    for nduv in getattr(properties, "general", None) or []:
        name = str(getattr(nduv, "name", ""))
        if name.startswith("lf_") and name[3:].isdigit() and nduv.value is not None:
            length = int(name[3:])
            if length >= 2 and (best is None or length > best[0]):
                best = (length, float(nduv.value))
    return best


def eplg(properties: Any) -> float:
    """Error per layered gate of the longest chain: ``1 - LF ** (1 / (n - 1))`` (NaN without ``lf_*``)."""
    found = layer_fidelity(properties)
    if found is None or not 0 < found[1] <= 1:
        return math.nan
    length, fidelity = found
    return 1.0 - fidelity ** (1.0 / (length - 1))


def _median(values: Any) -> float:
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    return float(np.median(array)) if array.size else math.nan


@dataclass(frozen=True)
class BackendMedians:
    """Median calibration figures of one device (NaN where the device does not report them)."""

    t1: float = math.nan
    t2: float = math.nan
    readout_error: float = math.nan
    gate_error: float = math.nan
    two_qubit_error: float = math.nan
    two_qubit_gate: str | None = None


def backend_medians(properties: Any) -> BackendMedians:
    """Median T1, T2 (µs), readout, single-qubit and two-qubit gate error; NaN without properties."""
    if properties is None:
        return BackendMedians()
    qubits = qubit_dataframe(properties)
    pairs = two_qubit_dataframe(properties)
    return BackendMedians(
        t1=_median(qubits["t1"]),
        t2=_median(qubits["t2"]),
        readout_error=_median(qubits["readout_error"]),
        gate_error=_median(qubits["gate_error"]),
        two_qubit_error=_median(pairs["error"]),
        two_qubit_gate=two_qubit_gate_name(properties),
    )


def property_label(key: str) -> str:
    """Axis label of a qubit property, with its unit: ``"T1 (µs)"``."""
    label, unit = QUBIT_PROPERTIES[key]
    return f"{label} ({unit})" if unit else label
