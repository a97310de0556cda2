"""BackendPicker: filter, sort and pick a backend from a table of every device's status and calibration."""

from __future__ import annotations

import threading
import time
from typing import Any

import ipywidgets as widgets
from traitlets import Any as AnyTrait
from traitlets import Bool, Enum, Int, List, TraitError, Unicode, observe, validate

from ibmq_widgets.widgets.backend_catalog import KINDS, SORT_KEYS, BackendCatalog, BackendSummary
from ibmq_widgets.widgets.backend_data import backend_name
from ibmq_widgets.widgets.background import BackgroundWorker, close_children
from ibmq_widgets.widgets.htmltools import Markup, message, number, table, tag

_ANY = -1  # the max-pending dropdown's "any" (a None option value would read as "nothing selected")
_PENDING_CHOICES = [("any", _ANY), ("0 (idle)", 0), ("≤ 5", 5), ("≤ 20", 20), ("≤ 100", 100)]
_SORT_LABELS = {
    "least_busy": "least busy",
    "qubits": "qubits",
    "name": "name",
    "two_qubit_error": "median two-qubit error",
}
_KIND_LABELS = {"device": "Devices", "simulator": "Simulators", "all": "All"}
_HEADER = ["name", "qubits", "status", "pending", "T1 (µs)", "T2 (µs)", "readout err", "2q error"]
_FILTERS = ("min_qubits", "kind", "operational_only", "max_pending", "name_search", "sort_by")
_REDRAW_EVERY = 0.5  # seconds between table updates while calibration data streams in


class BackendPicker(widgets.VBox):
    """Filter, sort and pick one backend from a table of all backends of a provider.

    Parameters
    ----------
    source : AccountProvider or list of IBMQBackend
        The provider whose backends are listed, or the backends themselves.
    **filters
        Initial values of the filter traits (``min_qubits=5, kind="all", ...``).

    Notes
    -----
    Status comes for all backends from one bulk request when the picker is built or refreshed. Each backend's
    properties (for the median columns) are fetched once, in the background on the picker's worker thread, and
    kept; changing a filter only reads memory.
    """

    value = AnyTrait(
        None, allow_none=True, help="The selected backend; set a backend or its name to select it."
    )
    backends = List(help="The backends matching the filters, in display order (read-only).")
    min_qubits = Int(0, min=0, help="Only backends with at least this many qubits.")
    kind = Enum(KINDS, default_value="device", help="'device', 'simulator' or 'all'.")
    operational_only = Bool(True, help="Hide backends that are not operational.")
    max_pending = Int(None, allow_none=True, min=0, help="Hide backends with more pending jobs (None: any).")
    name_search = Unicode("", help="Only backends whose name contains this text (case-insensitive).")
    sort_by = Enum(SORT_KEYS, default_value="least_busy", help="least_busy, qubits, name or two_qubit_error.")
    status = Unicode("", help="The picker's current message in plain text (empty when all is well).")

    def __init__(self, source: Any = None, **filters: Any) -> None:
        self._catalog = BackendCatalog(source)
        self._ready = False  # filters given to the constructor redraw once, after the first load
        self._lock = threading.RLock()
        self._syncing = False
        self._last_redraw = 0.0
        self._load_error: str | None = None
        self._worker = BackgroundWorker("ibmq-widgets-backend-picker", on_error=self._on_worker_error)
        self._build_controls()
        super().__init__(
            children=[
                widgets.HBox([self._min_qubits, self._kind, self._operational]),
                widgets.HBox([self._search, self._max_pending, self._sort, self._refresh]),
                self._table,
                widgets.HBox([self._select, self._message]),
            ]
        )
        self.add_class("ibmq-widgets-backend-picker")
        for name, value in filters.items():
            if name not in _FILTERS:
                raise TypeError(f"unknown filter {name!r}; the filters are {', '.join(_FILTERS)}")
            setattr(self, name, value)
        self._link_controls()
        try:
            self._catalog.load()
        except Exception as error:  # shown in the widget; the user can press Refresh
            self._load_error = f"Could not list the backends: {error}"
        self._ready = True
        self._apply()
        self._fetch_medians()

    # --- controls ------------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        narrow = widgets.Layout(width="auto")
        self._min_qubits = widgets.BoundedIntText(
            value=0, min=0, max=100_000, description="Min qubits", layout=widgets.Layout(width="160px")
        )
        self._kind = widgets.ToggleButtons(options=[(_KIND_LABELS[k], k) for k in KINDS], value="device")
        self._operational = widgets.Checkbox(value=True, description="Operational only", indent=False)
        self._search = widgets.Text(
            value="", placeholder="name contains…", description="Search", layout=widgets.Layout(width="260px")
        )
        self._max_pending = widgets.Dropdown(
            options=list(_PENDING_CHOICES),
            value=_ANY,
            description="Pending",
            layout=widgets.Layout(width="200px"),
        )
        self._sort = widgets.Dropdown(
            options=[(_SORT_LABELS[k], k) for k in SORT_KEYS],
            description="Sort by",
            layout=widgets.Layout(width="300px"),
        )
        self._refresh = widgets.Button(description="Refresh", icon="refresh", layout=narrow)
        self._refresh.on_click(lambda _button: self.refresh())
        self._table = widgets.HTML(layout=widgets.Layout(max_height="360px", overflow="auto"))
        self._table.add_class("ibmq-widgets-backend-table")
        self._select = widgets.Dropdown(options=[], value=None, description="Backend")
        self._message = widgets.HTML()

    def _link_controls(self) -> None:
        self._min_qubits.value = self.min_qubits
        self._kind.value = self.kind
        self._operational.value = self.operational_only
        self._search.value = self.name_search
        self._sort.value = self.sort_by
        self._set_pending_control(self.max_pending)
        widgets.link((self._min_qubits, "value"), (self, "min_qubits"))
        widgets.link((self._kind, "value"), (self, "kind"))
        widgets.link((self._operational, "value"), (self, "operational_only"))
        widgets.link((self._search, "value"), (self, "name_search"))
        widgets.link((self._sort, "value"), (self, "sort_by"))
        self._max_pending.observe(self._on_pending_control, "value")
        self._select.observe(self._on_select_control, "value")

    def _set_pending_control(self, value: int | None) -> None:
        target = _ANY if value is None else value
        if target not in [choice for _, choice in self._max_pending.options]:
            self._max_pending.options = sorted(
                [*self._max_pending.options, (f"≤ {target}", target)], key=lambda item: item[1]
            )
        self._max_pending.value = target

    def _on_pending_control(self, change: Any) -> None:
        self.max_pending = None if change["new"] in (_ANY, None) else change["new"]

    def _on_select_control(self, change: Any) -> None:
        if self._syncing or change["new"] is None:
            return
        self.value = change["new"]

    # --- traits --------------------------------------------------------------------------------------
    @validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is None or not isinstance(value, str):
            return value
        backend = self._catalog.backends.get(value)
        if backend is None:
            known = ", ".join(sorted(self._catalog.backends)[:10]) or "none"
            raise TraitError(f"no backend named {value!r} in this picker; known backends include: {known}")
        return backend

    @observe("max_pending")
    def _on_max_pending(self, change: Any) -> None:
        self._set_pending_control(change["new"])

    @observe(*_FILTERS)
    def _on_filter(self, change: Any) -> None:
        if self._ready:
            self._apply()

    @observe("value")
    def _on_value(self, change: Any) -> None:
        if self._ready:
            self._apply()

    # --- view ----------------------------------------------------------------------------------------
    def _filters(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FILTERS}

    def matches(self) -> list[BackendSummary]:
        """The summaries of the backends that pass the filters, in display order (memory only)."""
        return self._catalog.select(**self._filters())

    def _apply(self) -> None:
        """Recompute the matches and redraw; reads memory only, so it is safe in any observer."""
        with self._lock:
            matches = self.matches()
            catalog = self._catalog
            self.backends = [catalog.backends[s.name] for s in matches if s.name in catalog.backends]
            selected = backend_name(self.value) if self.value is not None else None
            names = [summary.name for summary in matches]
            self._syncing = True
            try:
                self._select.options = [(name, name) for name in names]
                self._select.value = selected if selected in names else None
            finally:
                self._syncing = False
            self._table.value = str(self._render_table(matches, selected))
            self._show_message(matches)

    def _render_table(self, matches: list[BackendSummary], selected: str | None) -> Markup:
        rows = []
        styles = []
        for summary in matches:
            medians = self._catalog.medians.get(summary.name)
            if medians is not None:
                gate = f" {medians.two_qubit_gate}" if medians.two_qubit_gate else ""
                calibration = [
                    number(medians.t1, 3),
                    number(medians.t2, 3),
                    number(medians.readout_error, 2, scientific=True),
                    number(medians.two_qubit_error, 2, scientific=True) + gate,
                ]
            elif summary.name in self._catalog.no_properties or summary.name in self._catalog.errors:
                calibration = ["—"] * 4
            else:
                calibration = ["…"] * 4
            color = "#1a7f37" if summary.operational else "#b42318"
            name = tag("b", summary.name) if summary.name == selected else summary.name
            status = tag(
                "span",
                summary.status or ("online" if summary.operational else "offline"),
                style=f"color:{color}",
            )
            rows.append([name, summary.n_qubits, status, summary.pending_jobs, *calibration])
            styles.append("background:#dbeafe" if summary.name == selected else None)
        return table(_HEADER, rows, row_styles=styles)

    def _show_message(self, matches: list[BackendSummary]) -> None:
        if self._load_error:
            text, level, hint = self._load_error, "error", "Press Refresh to try again."
        elif not self._catalog.summaries:
            text, level, hint = "This provider has no backends.", "warning", "Check the account and instance."
        elif not matches:
            text, level = f"No backend matches the filters ({self._describe_filters()}).", "warning"
            hint = "Lower the minimum qubits, include simulators or clear the search."
        else:
            loading = len(self._catalog.pending_medians([]))
            text = f"{len(matches)} of {len(self._catalog.summaries)} backends"
            text += f"; loading calibration of {loading}…" if loading else ""
            self.status = text
            self._message.value = str(tag("span", text, style="color:#555;font-size:12px"))
            return
        self.status = f"{text} {hint}"
        self._message.value = str(message(text, level, hint))

    def _describe_filters(self) -> str:
        parts = [f"min qubits {self.min_qubits}", _KIND_LABELS[self.kind].lower()]
        if self.operational_only:
            parts.append("operational only")
        if self.max_pending is not None:
            parts.append(f"pending ≤ {self.max_pending}")
        if self.name_search:
            parts.append(f"name contains {self.name_search!r}")
        return ", ".join(parts)

    # --- background ----------------------------------------------------------------------------------
    def _fetch_medians(self) -> None:
        order = [summary.name for summary in self.matches()]
        for name in self._catalog.pending_medians(order):
            self._worker.submit(lambda name=name: self._load_one(name))
        self._worker.submit(self._apply)

    def _load_one(self, name: str) -> None:
        self._catalog.load_medians(name)
        now = time.monotonic()
        if now - self._last_redraw >= _REDRAW_EVERY:
            self._last_redraw = now
            self._apply()

    def _on_worker_error(self, error: BaseException) -> None:
        self._load_error = f"Background update failed: {error}"
        self._apply()

    def refresh(self) -> None:
        """Reload the backend list and status (one bulk request) and missing calibration, in background."""

        def reload() -> None:
            self._catalog.load()
            self._load_error = None
            self._apply()

        self._load_error = None
        self._worker.submit(reload)
        self._worker.submit(self._fetch_medians)

    def wait(self, timeout: float | None = 120.0) -> bool:
        """Block until background loading (refresh, calibration medians) is done; False on timeout."""
        return self._worker.wait_idle(timeout)

    def close(self) -> None:
        """Stop the worker thread and close the widget and its controls."""
        worker = getattr(self, "_worker", None)  # None when the constructor failed early
        if worker is not None:
            worker.stop()
        close_children(self)
        super().close()
