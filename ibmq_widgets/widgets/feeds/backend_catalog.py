"""The picker's model: every backend's bulk status and cached device facts, filtered and sorted in memory.

Loading (``BackendCatalog.load``, ``load_facts``) makes network calls and runs on the picker's worker thread;
``select`` and ``hints`` only read memory, so a filter change or a sort never waits on the network.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ibmq_widgets.widgets.feeds.backend_data import (
    DeviceFacts,
    backend_name,
    is_test_device,
    load_backend_data,
)
from ibmq_widgets.widgets.feeds.properties import BackendMedians

_OPERATIONAL_WORDS = {"online", "active", "operational", "true"}
KINDS = ("device", "simulator", "all")
#: What each filter is when it filters nothing (``hints`` relaxes one at a time).
OPEN_FILTERS: dict[str, Any] = {
    "min_qubits": 0,
    "kind": "all",
    "operational_only": False,
    "max_pending": None,
    "name_search": "",
    "include_test_devices": True,
}


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
    """All backends of a provider (or a given list), their bulk status and, as they arrive, their facts.

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
        self.facts: dict[str, DeviceFacts] = {}
        self.no_properties: set[str] = set()
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def medians(self) -> dict[str, BackendMedians]:
        """The calibration medians of the devices loaded so far (backends with properties only)."""
        return {name: facts.medians for name, facts in self.facts.items() if name not in self.no_properties}

    # --- network (worker thread) -----------------------------------------------------------------------------
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

    def load_facts(self, name: str) -> None:
        """Fetch one backend's configuration and properties (once) and keep its facts; errors are kept."""
        if name in self.facts:
            return
        backend = self.backends.get(name)
        if backend is None:
            return
        try:
            data = load_backend_data(backend)
        except Exception as error:  # one device failing must not stop the others
            self.errors[name] = str(error)
            return
        if not data.has_properties:
            self.no_properties.add(name)
        self.facts[name] = data.facts

    def pending_facts(self, order: Iterable[str]) -> list[str]:
        """Names in ``order`` (then the rest) whose facts are not loaded yet."""
        seen = set()
        names = []
        for name in [*order, *sorted(self.summaries)]:
            if name in seen:
                continue
            seen.add(name)
            if name not in self.facts and name not in self.errors:
                names.append(name)
        return names

    # --- memory only (any thread) ------------------------------------------------------------------------
    def select(
        self,
        *,
        min_qubits: int = 0,
        kind: str = "device",
        operational_only: bool = True,
        max_pending: int | None = None,
        name_search: str = "",
        include_test_devices: bool = False,
        sort_by: str = "least_busy",
        descending: bool = False,
    ) -> list[BackendSummary]:
        """The summaries matching the filters, sorted (best first, or worst first with ``descending``).

        Never makes a request. Backends whose sort value is unknown (still loading, or not reported) come last
        either way.
        """
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
            and (include_test_devices or not is_test_device(summary.name))
        ]
        return sort_summaries(matches, self.facts, sort_by, descending)

    def hints(self, **filters: Any) -> list[tuple[str, int]]:
        """For each filter that is set, how many backends would match without it: ``[("min_qubits", 63)]``.

        Only filters whose relaxing would show something are listed, in ``OPEN_FILTERS`` order.
        """
        found = []
        for name, open_value in OPEN_FILTERS.items():
            if filters.get(name, open_value) == open_value:
                continue
            count = len(self.select(**{**filters, name: open_value}))
            if count:
                found.append((name, count))
        return found

    def largest(self, **filters: Any) -> int:
        """The most qubits of any backend matching ``filters`` (all backends without them; 0 if none)."""
        matches = self.select(**filters) if filters else self.summaries.values()
        return max((summary.n_qubits for summary in matches), default=0)


def _number(value: Any) -> Any:
    """A sortable value, or None for an unknown one (NaN, None, empty)."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


# sort key -> (the value sorted on, from a summary and its facts; True when the largest value is best)
_SORTS: dict[str, tuple[Callable[[BackendSummary, DeviceFacts], Any], bool]] = {
    "least_busy": (lambda s, f: (not s.operational, s.pending_jobs), False),
    "name": (lambda s, f: s.name, False),
    "qubits": (lambda s, f: s.n_qubits, True),
    "processor": (lambda s, f: _number(f.processor), False),
    "status": (lambda s, f: (not s.operational, s.status), False),
    "eplg": (lambda s, f: _number(f.eplg), False),
    "two_qubit_error": (lambda s, f: _number(f.medians.two_qubit_error), False),
    "clops": (lambda s, f: _number(f.clops), True),
    "quantum_volume": (lambda s, f: _number(f.quantum_volume), True),
    "t1": (lambda s, f: _number(f.medians.t1), True),
    "t2": (lambda s, f: _number(f.medians.t2), True),
    "readout_error": (lambda s, f: _number(f.medians.readout_error), False),
    "calibrated": (lambda s, f: f.calibrated.timestamp() if f.calibrated else None, True),
}
SORT_KEYS = tuple(_SORTS)


def sort_summaries(
    summaries: list[BackendSummary], facts: dict[str, DeviceFacts], sort_by: str, descending: bool = False
) -> list[BackendSummary]:
    """``summaries`` best first by ``sort_by`` (worst first with ``descending``); unknown values last, by name.

    "Best" is each column's natural order: fewest pending jobs, most qubits, lowest errors, highest T1, T2,
    CLOPS and quantum volume, newest calibration, names A to Z.
    """
    value_of, largest_best = _SORTS[sort_by]
    missing = DeviceFacts()
    known, unknown = [], []
    for summary in summaries:
        value = value_of(summary, facts.get(summary.name, missing))
        (unknown if value is None else known).append((value, summary))
    known.sort(key=lambda pair: pair[1].name)
    known.sort(key=lambda pair: pair[0], reverse=largest_best != descending)
    return [summary for _, summary in known] + sorted((s for _, s in unknown), key=lambda s: s.name)
