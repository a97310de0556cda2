"""What the widgets know about one backend, read through the client's public methods only.

``load_backend_data`` makes the network calls (configuration, properties); the widgets call it on their worker
thread and keep the result, so redrawing or filtering never asks the network again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from ibmq_widgets.client.backend import TEST_DEVICE_PREFIXES
from ibmq_widgets.widgets.feeds.properties import (
    BackendMedians,
    backend_medians,
    bad_qubits,
    eplg,
    layer_fidelity,
    pair_errors,
    pair_lengths,
    qubit_dataframe,
    two_qubit_dataframe,
)


def backend_name(backend: Any) -> str:
    """The name of a client backend (``backend.name()``) or of anything with a ``name`` attribute."""
    name = getattr(backend, "name", None)
    if callable(name):
        name = name()
    return str(name if name is not None else backend)


def is_test_device(name: str) -> bool:
    """Whether ``name`` is a test snapshot (``fake_*``, ``alt_*``) rather than a real device."""
    return name.startswith(TEST_DEVICE_PREFIXES)


def processor_label(processor_type: Any) -> str:
    """IBM's name for a processor: ``{"family": "Heron", "revision": "2"}`` -> ``"Heron r2"``; "" if unknown.

    A segment follows the revision as IBM writes it (``"Falcon r5.11H"``).
    """
    if not isinstance(processor_type, dict) or not processor_type.get("family"):
        return ""
    revision = processor_type.get("revision")
    text = str(processor_type["family"])
    if revision not in (None, ""):
        text += f" r{revision}{processor_type.get('segment') or ''}"
    return text


def _number(value: Any) -> float:
    try:
        return float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True)
class DeviceFacts:
    """What the picker lists about one device beside its status: processor, speed, quality and calibration.

    Numbers a device does not report are NaN; ``calibrated`` is None for a backend without properties.
    """

    processor: str = ""
    clops: float = math.nan
    quantum_volume: float = math.nan
    eplg: float = math.nan
    layer_fidelity: float = math.nan
    layer_length: int = 0
    calibrated: datetime | None = None
    medians: BackendMedians = field(default_factory=BackendMedians)


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
    pair_lengths: dict[tuple[int, int], float] = field(default_factory=dict)
    bad_qubits: set[int] = field(default_factory=set)
    medians: BackendMedians = field(default_factory=BackendMedians)
    configuration: Any = None
    facts: DeviceFacts = field(default_factory=DeviceFacts)

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
        name=backend_name(backend),
        n_qubits=n_qubits,
        coupling_map=coupling_map,
        simulator=simulator,
        configuration=configuration,
    )
    if properties is not None and getattr(properties, "qubits", None):
        data.properties = properties
        data.qubits = qubit_dataframe(properties, n_qubits or None)
        data.two_qubit = two_qubit_dataframe(properties)
        data.pair_errors = pair_errors(properties)
        data.pair_lengths = pair_lengths(properties)
        data.bad_qubits = bad_qubits(properties)
        data.medians = backend_medians(properties)
    else:
        data.qubits = qubit_dataframe(None, 0)
    data.facts = device_facts(configuration, data.properties, data.medians)
    return data


def device_facts(configuration: Any, properties: Any, medians: BackendMedians) -> DeviceFacts:
    """The DeviceFacts of a backend from its configuration and properties (None for a simulator's)."""
    # CLOPS_h is today's figure; older devices published "clops" (the first definition) instead.
    clops = _number(getattr(configuration, "clops_h", None))
    if math.isnan(clops):
        clops = _number(getattr(configuration, "clops", None))
    chain = layer_fidelity(properties) if properties is not None else None
    calibrated = getattr(properties, "last_update_date", None) if properties is not None else None
    return DeviceFacts(
        processor=processor_label(getattr(configuration, "processor_type", None)),
        clops=clops,
        quantum_volume=_number(getattr(configuration, "quantum_volume", None)),
        eplg=eplg(properties) if properties is not None else math.nan,
        layer_fidelity=chain[1] if chain else math.nan,
        layer_length=chain[0] if chain else 0,
        calibrated=calibrated if isinstance(calibrated, datetime) else None,
        medians=medians,
    )


def instance_usage(backend: Any) -> Any:
    """The usage of the backend's instance (``provider.usage()``, one request); None without a provider."""
    provider = getattr(backend, "provider", None)
    provider = provider() if callable(provider) else provider
    usage = getattr(provider, "usage", None)
    return usage() if callable(usage) else None


def is_missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))
