"""The backends the local service offers: IBM's device snapshots plus one ideal simulator.

The snapshots are the ``conf_<dev>.json`` / ``props_<dev>.json`` files of qiskit-ibm-runtime's fake provider,
written from the live REST responses, so once their dates are in UTC they are served as the bodies of the
configuration and properties endpoints. They are discovered by glob (no fixed list) and read lazily, one
device at a time: only the backend name is read up front, from the head of each configuration file.

Cached per device: the wire-ready configuration and properties as JSON *text* (compact, and what the HTTP
layer sends anyway) and a small summary dict. ``configuration()`` / ``properties()`` decode that text on each
call, so a caller may mutate what it gets without corrupting the cache.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ibmq_widgets.wire import format_datetime, parse_datetime

__all__ = ["SIMULATOR_NAME", "Catalog", "snapshot_directory"]

#: The name of the ideal simulator backend.
SIMULATOR_NAME = "ibmq_qasm_simulator"

_SIMULATOR_QUBITS = 32
# Standard gate names (qiskit's standard gate name mapping) that qiskit-aer simulates natively: broad
# enough for circuits transpiled for any device, or not transpiled at all.
_SIMULATOR_BASIS_GATES = [
    "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg", "rx", "ry", "rz", "r", "p", "u", "u1",
    "u2", "u3", "cx", "cy", "cz", "ch", "cp", "crx", "cry", "crz", "cu", "cu1", "cu3", "csx", "cs", "csdg",
    "swap", "iswap", "ecr", "rxx", "ryy", "rzz", "rzx", "xx_minus_yy", "xx_plus_yy", "ccx", "ccz", "cswap",
    "rccx", "rcccx", "c3sx", "c3x", "c4x",
]  # fmt: skip
_SIMULATOR_INSTRUCTIONS = ["measure", "reset", "delay", "barrier", "if_else", "for_loop", "switch_case",
                           "while_loop"]  # fmt: skip
_SIMULATOR_ONLINE_DATE = "2017-01-01T00:00:00Z"

_NAME_AT_HEAD = re.compile(r'"backend_name"\s*:\s*"([^"]+)"')


def snapshot_directory() -> Path:
    """The folder of qiskit-ibm-runtime's device snapshots (one sub-folder per device)."""
    return Path(str(importlib.resources.files("qiskit_ibm_runtime.fake_provider") / "backends"))


def _utc(text: str) -> str:
    """A snapshot date (ISO 8601 with any offset) as UTC ISO with a ``Z``."""
    parsed = parse_datetime(text)
    assert parsed is not None
    return format_datetime(parsed)


def _convert_property_dates(props: dict[str, Any]) -> None:
    """Rewrite every ``date`` of a properties body (qubits, gates, general) and last_update_date in UTC."""
    if props.get("last_update_date"):
        props["last_update_date"] = _utc(props["last_update_date"])
    entries: list[dict] = [item for qubit in props.get("qubits", []) for item in qubit]
    entries += [param for gate in props.get("gates", []) for param in gate.get("parameters", [])]
    entries += list(props.get("general", []))
    for entry in entries:
        if isinstance(entry.get("date"), str):
            entry["date"] = _utc(entry["date"])


def _simulator_configuration() -> dict[str, Any]:
    gates = [{"name": name, "parameters": [], "qasm_def": ""} for name in _SIMULATOR_BASIS_GATES]
    return {
        "backend_name": SIMULATOR_NAME,
        "backend_version": "0.18.0",
        "n_qubits": _SIMULATOR_QUBITS,
        "basis_gates": list(_SIMULATOR_BASIS_GATES),
        "gates": gates,
        "supported_instructions": list(_SIMULATOR_BASIS_GATES) + list(_SIMULATOR_INSTRUCTIONS),
        "local": False,
        "simulator": True,
        "conditional": True,
        "open_pulse": False,
        "memory": True,
        "max_shots": 100000,
        "max_experiments": 300,
        "coupling_map": None,
        "online_date": _SIMULATOR_ONLINE_DATE,
        "description": "An ideal (noise-free) simulator: qiskit-aer",
        "processor_type": None,
        "n_registers": 1,
        "credits_required": False,
        "dynamic_reprate_enabled": False,
        "rep_delay_range": [0.0, 500.0],
        "default_rep_delay": 250.0,
        "supported_features": ["qobj", "parameters", "qasm3"],
        "sample_name": "simulator",
    }


class Catalog:
    """The device snapshots and the ideal simulator, loaded lazily and cached; thread-safe.

    Parameters
    ----------
    directory : Path, optional
        Where the per-device snapshot folders are; default qiskit-ibm-runtime's ``fake_provider/backends``.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = Path(directory) if directory is not None else snapshot_directory()
        self._lock = threading.Lock()
        self._files: dict[str, tuple[Path, Path | None]] | None = None
        self._configuration_text: dict[str, str] = {SIMULATOR_NAME: json.dumps(_simulator_configuration())}
        self._properties_text: dict[str, str] = {}
        self._last_update: dict[str, datetime] = {}
        self._summaries: dict[str, dict[str, Any]] = {}

    # -- discovery ---------------------------------------------------------------------------------
    def _snapshot_files(self) -> dict[str, tuple[Path, Path | None]]:
        if self._files is None:
            files: dict[str, tuple[Path, Path | None]] = {}
            for conf_path in sorted(self._directory.glob("*/conf_*.json")):
                device = conf_path.stem[len("conf_") :]
                props_path = conf_path.with_name(f"props_{device}.json")
                files[self._read_name(conf_path)] = (conf_path, props_path if props_path.exists() else None)
            self._files = files
        return self._files

    @staticmethod
    def _read_name(conf_path: Path) -> str:
        # The name is the first key of nearly every snapshot: read a little, not the whole file.
        with conf_path.open(encoding="utf-8") as handle:
            match = _NAME_AT_HEAD.search(handle.read(400))
        if match:
            return match.group(1)
        return json.loads(conf_path.read_text(encoding="utf-8"))["backend_name"]

    def names(self) -> list[str]:
        """Every backend name: the devices in name order, then ``ibmq_qasm_simulator``."""
        with self._lock:
            return [*sorted(self._snapshot_files()), SIMULATOR_NAME]

    def has(self, name: str) -> bool:
        """Whether ``name`` is a backend of this catalog."""
        if name == SIMULATOR_NAME:
            return True
        with self._lock:
            return name in self._snapshot_files()

    def is_simulator(self, name: str) -> bool:
        """Whether ``name`` is the ideal simulator (no noise, no properties)."""
        return name == SIMULATOR_NAME

    def _require(self, name: str) -> tuple[Path, Path | None]:
        files = self._snapshot_files()
        if name not in files:
            raise KeyError(f"unknown backend {name!r}; known backends: Catalog.names()")
        return files[name]

    # -- configuration -----------------------------------------------------------------------------
    def configuration_text(self, name: str) -> str:
        """The configuration body of ``name`` as JSON text, dates in UTC.

        Raises
        ------
        KeyError
            If ``name`` is not a backend of this catalog.
        """
        with self._lock:
            text = self._configuration_text.get(name)
            if text is None:
                conf_path, _ = self._require(name)
                conf = json.loads(conf_path.read_text(encoding="utf-8"))
                if conf.get("online_date"):
                    conf["online_date"] = _utc(conf["online_date"])
                conf["backend_name"] = name
                text = self._configuration_text[name] = json.dumps(conf)
            return text

    def configuration(self, name: str) -> dict[str, Any]:
        """The configuration body of ``name`` (a fresh dict; ``backend_name == name``, dates in UTC)."""
        return json.loads(self.configuration_text(name))

    # -- properties --------------------------------------------------------------------------------
    def _load_properties(self, name: str) -> str | None:
        with self._lock:
            if name in self._properties_text:
                return self._properties_text[name]
            _, props_path = self._require(name)
            if props_path is None:
                return None
            props = json.loads(props_path.read_text(encoding="utf-8"))
            _convert_property_dates(props)
            props["backend_name"] = name
            if props.get("last_update_date"):
                self._last_update[name] = parse_datetime(props["last_update_date"])  # type: ignore[assignment]
            text = self._properties_text[name] = json.dumps(props)
            return text

    def properties_text(self, name: str, updated_before: datetime | None = None) -> str | None:
        """The properties body of ``name`` as JSON text, or None when there is none to serve.

        A snapshot is the one calibration a device has here. With ``updated_before`` (naive = UTC) the
        reference client asks for the calibration closest to but older than that time: the snapshot if it was
        taken at or before it, else None (the HTTP layer then answers ``{}``, which qiskit-ibm-runtime maps to
        None). The simulator has no properties.

        Raises
        ------
        KeyError
            If ``name`` is not a backend of this catalog.
        """
        if name == SIMULATOR_NAME:
            return None
        text = self._load_properties(name)
        if text is None or updated_before is None:
            return text
        if updated_before.tzinfo is None:
            updated_before = updated_before.replace(tzinfo=timezone.utc)
        last_update = self._last_update.get(name)
        if last_update is not None and last_update > updated_before:
            return None
        return text

    def properties(self, name: str, updated_before: datetime | None = None) -> dict[str, Any] | None:
        """The properties body of ``name`` (a fresh dict, every date in UTC) or None; see properties_text."""
        text = self.properties_text(name, updated_before)
        return None if text is None else json.loads(text)

    def last_update_date(self, name: str) -> datetime | None:
        """When the snapshot of ``name`` was calibrated (UTC), None for the simulator."""
        if name == SIMULATOR_NAME or self._load_properties(name) is None:
            return None
        return self._last_update.get(name)

    # -- summaries and limits ----------------------------------------------------------------------
    def summary(self, name: str) -> dict[str, Any]:
        """The few fields of a backend that listings need (cached; a fresh dict each call).

        Keys: name, n_qubits, simulator, basis_gates, supported_instructions, processor_type, online_date,
        backend_version, max_shots, max_experiments, description, coupling_map_size (edges).
        """
        with self._lock:
            cached = self._summaries.get(name)
        if cached is None:
            conf = self.configuration(name)
            cached = {
                "name": name,
                "n_qubits": int(conf["n_qubits"]),
                "simulator": bool(conf.get("simulator", False)),
                "basis_gates": list(conf.get("basis_gates", [])),
                "supported_instructions": list(conf.get("supported_instructions") or []),
                "processor_type": conf.get("processor_type"),
                "online_date": conf.get("online_date"),
                "backend_version": conf.get("backend_version"),
                "max_shots": int(conf.get("max_shots") or 100000),
                "max_experiments": int(conf.get("max_experiments") or 300),
                "description": conf.get("description"),
                "coupling_map_size": len(conf.get("coupling_map") or []),
            }
            with self._lock:
                self._summaries[name] = cached
        return json.loads(json.dumps(cached))

    def max_shots(self, name: str) -> int:
        """The most shots one pub may ask for on ``name``."""
        return self.summary(name)["max_shots"]

    def max_experiments(self, name: str) -> int:
        """The most pubs (experiments) one job may carry on ``name``."""
        return self.summary(name)["max_experiments"]

    def n_qubits(self, name: str) -> int:
        """The qubit count of ``name``."""
        return self.summary(name)["n_qubits"]

    def backend_v2(self, name: str):
        """A qiskit ``Target`` for ``name``, made by qiskit-ibm-runtime's converter from the served bodies."""
        from qiskit_ibm_runtime.models import BackendProperties, QasmBackendConfiguration
        from qiskit_ibm_runtime.utils.backend_converter import convert_to_target

        configuration = QasmBackendConfiguration.from_dict(self.configuration(name))
        props = self.properties(name)
        properties = BackendProperties.from_dict(props) if props else None
        return convert_to_target(configuration, properties)
