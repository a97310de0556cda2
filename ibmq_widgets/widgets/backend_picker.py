"""BackendPicker: filter, sort and pick a backend from a table of every device's status, speed and quality."""

from __future__ import annotations

import threading
import time
from typing import Any

import ipywidgets as widgets
from traitlets import Any as AnyTrait
from traitlets import Bool, Enum, Int, List, TraitError, Unicode, observe, validate

from ibmq_widgets.widgets.backend_cells import (
    COLUMNS,
    describe_filters,
    no_match_hint,
    row_cells,
    row_tooltip,
)
from ibmq_widgets.widgets.backend_table import BackendTable
from ibmq_widgets.widgets.base import BackgroundBox
from ibmq_widgets.widgets.feeds.backend_catalog import KINDS, SORT_KEYS, BackendCatalog, BackendSummary
from ibmq_widgets.widgets.feeds.backend_data import backend_name, is_test_device
from ibmq_widgets.widgets.htmltools import plural, render

__all__ = ["BackendPicker"]

_ANY = -1  # the max-pending dropdown's "any" (a None option value would read as "nothing selected")
_PENDING_CHOICES = [("any", _ANY), ("0 (idle)", 0), ("≤ 5", 5), ("≤ 20", 20), ("≤ 100", 100)]
_KIND_LABELS = {"device": "Devices", "simulator": "Simulators", "all": "All"}
_FILTERS = ("min_qubits", "kind", "operational_only", "max_pending", "name_search", "include_test_devices")
_REDRAW_EVERY = 0.5  # seconds between table updates while calibration data streams in


class BackendPicker(BackgroundBox):
    """Filter, sort and pick one backend from a table of all backends of a provider.

    Parameters
    ----------
    source : AccountProvider or list of IBMQBackend
        The provider whose backends are listed, or the backends themselves.
    page_size : int
        Rows per page of the table (default 15).
    **filters
        Initial values of the filter and sort traits (``min_qubits=5, kind="all", sort_by="qubits", ...``).

    Notes
    -----
    Click a row to select its backend; click a column's header to sort by it, again to reverse. The table shows
    the page holding the selection. The selection survives filter changes: while the filters hide it, the
    first match is selected instead (and a linked plot follows), and it comes back once it matches again.
    Test snapshots (``fake_*``, ``alt_*``) are hidden unless ``include_test_devices`` is set.

    The constructor returns at once, showing "Loading the list of backends…": the status of all backends
    comes from one bulk request on the picker's worker thread, then each backend's configuration and properties
    are fetched once, in the background too, and kept; filtering and sorting only read memory. ``wait()``
    blocks until everything is loaded.
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
    include_test_devices = Bool(False, help="Also list test snapshots (fake_*, alt_*), flagged 'test'.")
    sort_by = Enum(SORT_KEYS, default_value="least_busy", help="The column sorted on, best first.")
    descending = Bool(False, help="Reverse the sort: worst first.")
    status = Unicode(
        "", help="The picker's current message in plain text: what it lists, or what went wrong."
    )

    def __init__(self, source: Any = None, page_size: int = 15, **filters: Any) -> None:
        self._catalog = BackendCatalog(source)
        self._ready = False  # filters given to the constructor redraw once, at the end of the constructor
        self._loaded = False  # the list of backends has arrived (or failed to)
        self._pending_name: str | None = None  # a backend chosen by name before the list arrived
        self._wanted: str | None = None  # the user's choice, selected again whenever it matches
        self._problem: tuple[str, str, str] | None = None  # (text, level, hint) shown instead of the counts
        self._lock = threading.RLock()
        self._auto = False  # the picker itself is changing `value` (not the user)
        self._last_redraw = 0.0
        self._start_worker("ibmq-widgets-backend-picker", on_error=self._on_worker_error)
        self._build_controls(page_size)
        super().__init__(
            children=[
                widgets.HTML(str(render("backend_picker.css.j2"))),
                widgets.HBox([self._min_qubits, self._kind, self._operational, self._tests]),
                widgets.HBox([self._search, self._max_pending, self._refresh]),
                self._table,
                self._message,
            ]
        )
        self.add_class("ibmq-widgets-backend-picker")
        for name, value in filters.items():
            if name not in (*_FILTERS, "sort_by", "descending"):
                raise TypeError(f"unknown filter {name!r}; the filters are {', '.join(_FILTERS)}, sort_by")
            setattr(self, name, value)
        self._link_controls()
        self._ready = True
        self._apply(follow=True)  # the loading state, at once; the kernel thread never waits on the network
        self._worker.submit(self._load)

    # --- controls ------------------------------------------------------------------------------------
    def _build_controls(self, page_size: int) -> None:
        self._min_qubits = widgets.BoundedIntText(
            value=0, min=0, max=100_000, description="Min qubits", layout=widgets.Layout(width="160px")
        )
        self._kind = widgets.ToggleButtons(
            options=[(_KIND_LABELS[k], k) for k in KINDS], value="device", style={"button_width": "96px"}
        )
        self._operational = widgets.Checkbox(value=True, description="Operational only", indent=False)
        self._tests = widgets.Checkbox(value=False, description="Show test devices", indent=False)
        self._search = widgets.Text(
            value="", placeholder="name contains…", description="Search", layout=widgets.Layout(width="260px")
        )
        self._max_pending = widgets.Dropdown(
            options=list(_PENDING_CHOICES),
            value=_ANY,
            description="Pending",
            layout=widgets.Layout(width="200px"),
        )
        self._refresh = widgets.Button(
            description="Refresh", icon="refresh", layout=widgets.Layout(width="auto")
        )
        self._refresh.on_click(lambda _button: self.refresh())
        self._table = BackendTable(COLUMNS, page_size, self._row_clicked, self._header_clicked)
        self._message = widgets.HTML()

    def _link_controls(self) -> None:
        self._min_qubits.value = self.min_qubits
        self._kind.value = self.kind
        self._operational.value = self.operational_only
        self._tests.value = self.include_test_devices
        self._search.value = self.name_search
        self._set_pending_control(self.max_pending)
        widgets.link((self._min_qubits, "value"), (self, "min_qubits"))
        widgets.link((self._kind, "value"), (self, "kind"))
        widgets.link((self._operational, "value"), (self, "operational_only"))
        widgets.link((self._tests, "value"), (self, "include_test_devices"))
        widgets.link((self._search, "value"), (self, "name_search"))
        self._max_pending.observe(self._on_pending_control, "value")

    def _set_pending_control(self, value: int | None) -> None:
        target = _ANY if value is None else value
        if target not in [choice for _, choice in self._max_pending.options]:
            self._max_pending.options = sorted(
                [*self._max_pending.options, (f"≤ {target}", target)], key=lambda item: item[1]
            )
        self._max_pending.value = target

    def _on_pending_control(self, change: Any) -> None:
        self.max_pending = None if change["new"] in (_ANY, None) else change["new"]

    def _row_clicked(self, name: str) -> None:
        self.value = name

    def _header_clicked(self, key: str) -> None:
        with self.hold_trait_notifications():
            if key == self.sort_by:
                self.descending = not self.descending
            else:
                self.sort_by, self.descending = key, False

    # --- traits --------------------------------------------------------------------------------------
    @validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        value = proposal["value"]
        with self._lock:
            if isinstance(value, str) and not self._loaded:
                self._pending_name = value  # selected once the list arrives (see _load)
                return self.value
            if not isinstance(value, str):
                self._pending_name = (
                    None  # a backend (or None) chosen since replaces a name waiting for the list
                )
            else:
                value = self._catalog.backends.get(value)
                if value is None:
                    raise TraitError(self._unknown_name(proposal["value"]))
            if not self._auto:
                # The user's choice, even when it is already selected (a click on the row the filters chose).
                self._wanted = backend_name(value) if value is not None else None
        return value

    def _unknown_name(self, name: str) -> str:
        known = ", ".join(sorted(self._catalog.backends)[:10]) or "none"
        return f"no backend named {name!r} in this picker; known backends include: {known}"

    @observe("max_pending")
    def _on_max_pending(self, change: Any) -> None:
        self._set_pending_control(change["new"])

    @observe(*_FILTERS, "sort_by", "descending")
    def _on_filter(self, change: Any) -> None:
        if self._ready:
            self._apply(follow=True)

    @observe("value")
    def _on_value(self, change: Any) -> None:
        if self._auto:
            return
        if change["new"] is None:
            self._wanted = None  # traitlets skips the validator for None
        if self._ready:
            self._apply(follow=True)

    # --- view ----------------------------------------------------------------------------------------
    def _filters(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FILTERS}

    def matches(self) -> list[BackendSummary]:
        """The summaries of the backends that pass the filters, in display order (memory only)."""
        return self._catalog.select(**self._filters(), sort_by=self.sort_by, descending=self.descending)

    def _apply(self, follow: bool = False) -> None:
        """Recompute the matches, keep the selection among them, redraw; reads memory only (any observer).

        ``follow`` turns the table to the selection's page (after a filter, sort or selection change).
        """
        with self._lock:
            matches = self.matches()
            catalog = self._catalog
            names = [summary.name for summary in matches]
            self.backends = [catalog.backends[name] for name in names if name in catalog.backends]
            self._keep_selection(names)
            selected = backend_name(self.value) if self.value is not None else None
            rows = [
                render(
                    "backend_row.html.j2",
                    name=summary.name,
                    selected=summary.name == selected,
                    grid=self._table.template,
                    cells=row_cells(summary, catalog),
                )
                for summary in matches
            ]
            tooltips = [row_tooltip(summary, catalog) for summary in matches]
            self._table.show(names, rows, tooltips, selected, self.sort_by, self.descending, follow)
            self._show_message(matches, selected)

    def _keep_selection(self, names: list[str]) -> None:
        """The user's choice if it matches, else the first match (a linked plot follows), else nothing."""
        if not self._loaded:
            return
        current = backend_name(self.value) if self.value is not None else None
        if self._wanted in names:
            target = self._wanted
        elif current is None and self._wanted is None:
            return  # nothing was ever chosen: choose nothing
        else:
            target = names[0] if names else None
        if target != current:
            self._auto = True
            try:
                self.value = self._catalog.backends.get(target) if target is not None else None
            finally:
                self._auto = False

    def _show_message(self, matches: list[BackendSummary], selected: str | None) -> None:
        catalog = self._catalog
        if self._problem is not None:
            self.show_message(*self._problem)
        elif not self._loaded:
            self.show_message("Loading the list of backends…", "info")
        elif not catalog.summaries:
            self.show_message("This provider has no backends.", "warning", "Check the account and instance.")
        elif not matches:
            filters = self._filters()
            self.show_message(
                f"No backend matches the filters ({describe_filters(filters)}).",
                "warning",
                no_match_hint(
                    filters, catalog.hints(**filters), catalog.largest(**{**filters, "min_qubits": 0})
                ),
            )
        else:
            text = f"{len(matches)} of {len(catalog.summaries)} backends"
            hidden = sum(map(is_test_device, catalog.summaries)) if not self.include_test_devices else 0
            if hidden:
                text += f" ({plural(hidden, 'test device')} hidden)"
            loading = len(catalog.pending_facts([]))
            if loading:
                text += f"; loading calibration of {loading}…"
            if selected is not None and self._wanted not in (None, selected):
                text += f"; {self._wanted} is hidden by the filters, so {selected} is selected"
            self.show_message(text, plain=True)

    # --- background ----------------------------------------------------------------------------------
    def _load(self) -> None:
        """Fetch the list and status of the backends (worker thread), then their facts, one by one."""
        try:
            self._catalog.load()
        except Exception as error:  # shown in the widget; the user can press Refresh
            problem = (f"Could not list the backends: {error}", "error", "Press Refresh to try again.")
        else:
            problem = None
        with self._lock:
            self._loaded = True
            self._problem = problem
            pending, self._pending_name = self._pending_name, None
        if pending is not None and problem is None:
            if pending in self._catalog.backends:
                self.value = pending  # links (a QubitPropertyPlot) follow from here
            else:
                self._problem = (self._unknown_name(pending), "warning", "Pick one from the list.")
        self._apply(follow=True)
        self._fetch_facts()

    def _fetch_facts(self) -> None:
        order = [summary.name for summary in self.matches()]
        for name in self._catalog.pending_facts(order):
            self._worker.submit(lambda name=name: self._load_one(name))
        self._worker.submit(self._apply)

    def _load_one(self, name: str) -> None:
        self._catalog.load_facts(name)
        now = time.monotonic()
        if now - self._last_redraw >= _REDRAW_EVERY:
            self._last_redraw = now
            self._apply()

    def _on_worker_error(self, error: BaseException) -> None:
        self._problem = (f"Background update failed: {error}", "error", "Press Refresh to try again.")
        self._apply()

    def refresh(self) -> None:
        """Reload the backend list and status (one bulk request) and missing calibration, in background."""
        self._problem = None
        self._worker.submit(self._load)
