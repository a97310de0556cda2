"""Small duck-typed stand-ins for client objects, built from the real device snapshots of qiskit-ibm-runtime.

They count every call that would be a network request in the real client, so the socket-free tests can show
that a filter change makes none. The main widget tests use the real client against the local service instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from types import SimpleNamespace

from qiskit import QuantumCircuit
from qiskit_ibm_runtime import fake_provider


@dataclass
class Status:
    operational: bool = True
    pending_jobs: int = 0
    status_msg: str = "active"


class FakeBackend:
    """A backend with a real configuration and properties (or none, like a simulator)."""

    def __init__(self, device, calls: Counter, pending: int = 0, operational: bool = True) -> None:
        self._device = device
        self.calls = calls
        self.pending = pending
        self.operational = operational
        self._name = device.name if device is not None else "ibmq_qasm_simulator"

    def name(self) -> str:
        return self._name

    def configuration(self):
        self.calls["configuration"] += 1
        if self._device is None:
            return SimpleNamespace(n_qubits=32, coupling_map=None, simulator=True, basis_gates=["cx", "u"])
        return self._device.configuration()

    def properties(self):
        self.calls["properties"] += 1
        return None if self._device is None else self._device.properties()

    def status(self):
        self.calls["status"] += 1
        return Status(self.operational, self.pending)

    def summary(self) -> dict:
        configuration = self._device.configuration() if self._device is not None else self.configuration()
        return {
            "name": self._name,
            "status": "online" if self.operational else "offline",
            "operational": self.operational,
            "pending_jobs": self.pending,
            "n_qubits": configuration.n_qubits,
            "simulator": self._device is None,
        }


DEVICES = ("FakeVigoV2", "FakeManilaV2", "FakeGuadalupeV2", "FakeKawasaki")


class FakeProvider:
    """A provider of a few real device snapshots plus an ideal simulator; counts bulk status requests."""

    def __init__(self, devices=DEVICES, simulator: bool = True) -> None:
        self.calls: Counter = Counter()
        self._backends = [
            FakeBackend(getattr(fake_provider, name)(), self.calls, pending=3 * index)
            for index, name in enumerate(devices)
        ]
        if simulator:
            self._backends.append(FakeBackend(None, self.calls))
        self._summaries = [backend.summary() for backend in self._backends]

    def backends(self):
        self.calls["backends"] += 1
        return list(self._backends)

    def backend_summaries(self):
        self.calls["backend_summaries"] += 1
        return [dict(summary) for summary in self._summaries]

    def network_calls(self) -> int:
        return sum(self.calls.values())


SVG = "{http://www.w3.org/2000/svg}"


def svg_tree(markup) -> ET.Element:
    """The parsed ``<svg>`` element of a device map or bar chart (the markup is well-formed XML)."""
    return ET.fromstring(str(markup))


def svg_all(markup, tag: str, cls: str | None = None) -> list[ET.Element]:
    """Every ``tag`` element (``g``, ``line``, ``rect``, ...) of the SVG, with the CSS class ``cls`` if given."""
    found = svg_tree(markup).iter(f"{SVG}{tag}")
    return [e for e in found if cls is None or cls in (e.get("class") or "").split()]


def title_of(element: ET.Element) -> str:
    """The hover text (``<title>``) of an SVG element."""
    return element.find(f"{SVG}title").text or ""


def bar_values(markup) -> list[float]:
    """Each bar's value (``data-value``; NaN for a qubit without data) of a bar chart, in qubit order."""
    return [float(bar.get("data-value")) for bar in svg_all(markup, "rect", "bar")]


def bell(name: str) -> QuantumCircuit:
    """A Bell-state circuit named ``name`` (any text: the tests give names that look like markup)."""
    circuit = QuantumCircuit(2, name=name)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit
