"""The picker's model: every backend's bulk status and cached calibration medians, filtered in memory.

Loading (``BackendCatalog.load``, ``load_medians``) make network calls, run on the picker's worker thread or
in the constructor; ``select`` only reads memory, so a filter change never waits on the network.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ibmq_widgets.widgets.backend_data import backend_name, load_backend_data
from ibmq_widgets.widgets.properties import BackendMedians

_OPERATIONAL_WORDS = {"online", "active", "operational", "true"}
SORT_KEYS = ("least_busy", "qubits", "name", "two_qubit_error")
KINDS = ("device", "simulator", "all")


@dataclass(frozen=True)
class BackendSummary:
    """One row of the bulk status: what filtering and sorting need, without per-backend requests."""

    name: str
    n_qubits: int
    simulator: bool
    operational: bool
    pending_jobs: int
    status: str


def summary_from_dict(item: dict[str, Any]) -> BackendSummary:
    """A BackendSummary from one item of ``provider.backend_summaries()``."""
    status = item.get("status", "")
    if isinstance(status, dict):  # the wire's {"name": "online"} shape
        status = status.get("name", "")
    operational = item.get("operational")
    if operational is None:
        operational = str(status).strip().lower() in _OPERATIONAL_WORDS or status is True
    return BackendSummary(
        name=str(item.get("name") or item.get("backend_name")),
        n_qubits=int(item.get("n_qubits") or item.get("qubits") or 0),
        simulator=bool(item.get("simulator", False)),
        operational=bool(operational),
        pending_jobs=int(item.get("pending_jobs") or item.get("queue_length") or 0),
        status=str(status if status not in (True, False) else ("online" if status else "offline")),
    )


def summary_from_backend(backend: Any) -> BackendSummary:
    """A BackendSummary from one backend's own status and configuration (the fallback: two requests)."""
    status = backend.status()
    configuration = backend.configuration()
    return BackendSummary(
        name=backend_name(backend),
        n_qubits=int(getattr(configuration, "n_qubits", 0) or 0),
        simulator=bool(getattr(configuration, "simulator", False)),
        operational=bool(getattr(status, "operational", False)),
        pending_jobs=int(getattr(status, "pending_jobs", 0) or 0),
        status=str(getattr(status, "status_msg", "") or ("online" if status.operational else "offline")),
    )


def _provider_of(backend: Any) -> Any:
    provider = getattr(backend, "provider", None)
    return provider() if callable(provider) else provider


class BackendCatalog:
    """All backends of a provider (or a given list), their bulk status and, as they arrive, their medians.

    Parameters
    ----------
    source : AccountProvider or list of IBMQBackend
        Where the backends come from. A provider is asked for ``backends()`` and ``backend_summaries()``; a
        list gets its status from its backends' provider in one ``backend_summaries()`` call where possible.
    """

    def __init__(self, source: Any) -> None:
        self.source = source
        self.backends: dict[str, Any] = {}
        self.summaries: dict[str, BackendSummary] = {}
        self.medians: dict[str, BackendMedians] = {}
        self.no_properties: set[str] = set()
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- network (constructor or worker thread) ----------------------------------------------------------
    def load(self) -> None:
        """Fetch the list of backends and their status in one bulk request (two for a provider)."""
        source = self.source
        if source is None:
            backends: list[Any] = []
        elif isinstance(source, (list, tuple)):
            backends = list(source)
        else:
            backends = list(source.backends())
        by_name = {backend_name(backend): backend for backend in backends}
        summaries: dict[str, BackendSummary] = {}
        providers = [source] if hasattr(source, "backend_summaries") else []
        if not providers:
            providers = list({id(p): p for p in map(_provider_of, backends) if p is not None}.values())
        for provider in providers:
            if hasattr(provider, "backend_summaries"):
                for item in provider.backend_summaries():
                    summary = summary_from_dict(item)
                    if summary.name in by_name:
                        summaries[summary.name] = summary
        for name, backend in by_name.items():
            if name not in summaries:  # a backend the bulk status did not cover
                summaries[name] = summary_from_backend(backend)
        with self._lock:
            self.backends = by_name
            self.summaries = summaries

    def load_medians(self, name: str) -> None:
        """Fetch one backend's properties (once) and keep its medians; errors are kept, not raised."""
        if name in self.medians or name in self.no_properties:
            return
        backend = self.backends.get(name)
        if backend is None:
            return
        try:
            data = load_backend_data(backend)
        except Exception as error:  # one device failing must not stop the others
            self.errors[name] = str(error)
            return
        if data.has_properties:
            self.medians[name] = data.medians
        else:
            self.no_properties.add(name)

    def pending_medians(self, order: Iterable[str]) -> list[str]:
        """Names in ``order`` (then the rest) whose medians are not loaded yet."""
        seen = set()
        names = []
        for name in [*order, *sorted(self.summaries)]:
            if name in seen:
                continue
            seen.add(name)
            if name not in self.medians and name not in self.no_properties and name not in self.errors:
                names.append(name)
        return names

    # --- memory only (any thread) ----------------------------------------------------------------------
    def select(
        self,
        *,
        min_qubits: int = 0,
        kind: str = "device",
        operational_only: bool = True,
        max_pending: int | None = None,
        name_search: str = "",
        sort_by: str = "least_busy",
    ) -> list[BackendSummary]:
        """The summaries matching the filters, sorted; never makes a request."""
        with self._lock:
            summaries = list(self.summaries.values())
        needle = name_search.strip().lower()
        matches = [
            summary
            for summary in summaries
            if summary.n_qubits >= min_qubits
            and (kind == "all" or summary.simulator == (kind == "simulator"))
            and (summary.operational or not operational_only)
            and (max_pending is None or summary.pending_jobs <= max_pending)
            and needle in summary.name.lower()
        ]
        return sorted(matches, key=self._sort_key(sort_by))

    def _sort_key(self, sort_by: str):
        if sort_by == "qubits":
            return lambda s: (-s.n_qubits, s.name)
        if sort_by == "name":
            return lambda s: s.name
        if sort_by == "two_qubit_error":

            def by_error(summary: BackendSummary) -> tuple[int, float, str]:
                error = self.medians.get(summary.name, BackendMedians()).two_qubit_error
                # Backends without a known error (simulators, still loading) go last.
                return (1, 0.0, summary.name) if math.isnan(error) else (0, error, summary.name)

            return by_error
        return lambda s: (not s.operational, s.pending_jobs, s.name)
