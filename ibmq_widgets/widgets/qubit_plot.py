"""QubitPropertyPlot: per-qubit bars and the device map of one backend, with dropdowns for what is coloured."""

from __future__ import annotations

import builtins
import threading
from typing import Any

import ipywidgets as widgets
import pandas as pd
from traitlets import Any as AnyTrait
from traitlets import Enum, TraitError, Unicode, observe

from ibmq_widgets.widgets.base import BackgroundBox
from ibmq_widgets.widgets.device_map import EDGE_METRICS, draw_device_map, metric_choices
from ibmq_widgets.widgets.feeds.backend_data import BackendData, backend_name, load_backend_data
from ibmq_widgets.widgets.feeds.properties import QUBIT_PROPERTIES, property_label
from ibmq_widgets.widgets.htmltools import plural
from ibmq_widgets.widgets.qubit_bars import draw_qubit_bars

__all__ = ["QubitPropertyPlot"]


class QubitPropertyPlot(BackgroundBox):
    """Per-qubit bars and the device map of a backend, coloured by a chosen calibration property.

    Parameters
    ----------
    backend : IBMQBackend, optional
        The backend to show; a trait, so ``traitlets.link((picker, "value"), (plot, "backend"))`` ties it to a
        BackendPicker. None shows nothing (and says so).
    property : str
        "t1", "t2", "frequency", "readout_error" or "gate_error" (the device's single-qubit gate, e.g. sx).
    edge_metric : str
        What colours the couplers on the map: "error" (two-qubit gate error) or "length" (gate length).

    Notes
    -----
    The backend's configuration and properties are fetched on the widget's own worker thread, never in an
    observer on the kernel thread; ``wait()`` blocks until the drawing is up to date. Both pictures are inline
    SVG: sharp at any zoom, and every bar, qubit and coupler shows its values on hover.
    """

    backend = AnyTrait(None, allow_none=True, help="The backend whose qubits are shown (None shows nothing).")
    property = Enum(list(QUBIT_PROPERTIES), default_value="t1", help="The per-qubit property plotted.")
    edge_metric = Enum(list(EDGE_METRICS), default_value="error", help="What colours the couplers.")
    status = Unicode("", help="What the plot shows or why it shows nothing (plain text).")

    def __init__(self, backend: Any = None, property: str = "t1", edge_metric: str = "error", **kwargs: Any):
        if property not in QUBIT_PROPERTIES:
            choices = ", ".join(QUBIT_PROPERTIES)
            raise TraitError(f"unknown qubit property {property!r}; choose one of {choices}")
        self._dropdown = widgets.Dropdown(
            options=[(property_label(key), key) for key in QUBIT_PROPERTIES],
            value=property,
            description="Qubits",
        )
        self._edges = widgets.Dropdown(
            options=metric_choices(EDGE_METRICS), value=edge_metric, description="Couplers"
        )
        self._message = widgets.HTML()
        self._bars = widgets.HTML(layout=widgets.Layout(max_width="100%"))
        self._map = widgets.HTML(layout=widgets.Layout(max_width="100%"))
        self._bars.add_class("ibmq-widgets-bars")
        self._map.add_class("ibmq-widgets-map")
        self._lock = threading.Lock()
        self._cache: dict[str, BackendData] = {}
        self._generation = 0
        self._start_worker("ibmq-widgets-qubit-plot", on_error=self._show_error)
        self.data: BackendData | None = None
        super().__init__(
            children=[widgets.HBox([self._dropdown, self._edges]), self._message, self._bars, self._map],
            **kwargs,
        )
        self.add_class("ibmq-widgets-qubit-plot")
        widgets.link((self._dropdown, "value"), (self, "property"))
        widgets.link((self._edges, "value"), (self, "edge_metric"))
        self.property = property
        self.edge_metric = edge_metric
        self.backend = backend
        if backend is None:
            self._clear("No backend selected: set `plot.backend` or link it to a BackendPicker.", "info")

    @builtins.property  # the class's `property` trait hides the builtin here
    def bars_svg(self) -> str:
        """The bar chart's SVG markup as shown ("" when nothing is drawn)."""
        return self._bars.value

    @builtins.property
    def map_svg(self) -> str:
        """The device map's SVG markup as shown ("" when nothing is drawn)."""
        return self._map.value

    def _clear(self, text: str, level: str, hint: str | None = None) -> None:
        self._bars.value = ""
        self._map.value = ""
        self.show_message(text, level, hint)

    @observe("backend", "property", "edge_metric")
    def _on_change(self, change: Any) -> None:
        backend = self.backend
        with self._lock:
            self._generation += 1
            generation = self._generation
        if backend is None:
            self.data = None
            if change["name"] == "backend":
                self._clear("No backend selected: pick one in a BackendPicker or set `plot.backend`.", "info")
            return
        name = backend_name(backend)
        if name not in self._cache:
            self.show_message(f"Loading the calibration of {name}…", "info")
        prop, edges = self.property, self.edge_metric
        self._worker.submit(lambda: self._redraw(backend, prop, edges, generation))

    def _redraw(self, backend: Any, prop: str, edges: str, generation: int) -> None:
        name = backend_name(backend)
        data = self._cache.get(name)
        if data is None:
            data = load_backend_data(backend)
            self._cache[name] = data
        if generation != self._generation:
            return  # a newer selection arrived while loading; draw that one instead
        self.data = data
        if not data.has_properties:
            self._clear(data.no_properties_message(), "warning")
            return
        # The coupler dropdown's labels stay generic (resetting options would reset its value); the map's legend
        # names the device's own gate.
        bars, device_map = str(draw_qubit_bars(data, prop)), str(draw_device_map(data, prop, edges))
        if generation != self._generation:
            return
        self._bars.value, self._map.value = bars, device_map
        if prop in data.missing_properties():
            label = QUBIT_PROPERTIES[prop][0]
            available = ", ".join(
                QUBIT_PROPERTIES[key][0] for key in data.qubits if key not in data.missing_properties()
            )
            self.show_message(
                f"{name} does not report {label} for any qubit (drawn grey).", "warning", f"Try: {available}."
            )
        else:
            text = f"{name}: {plural(data.n_qubits, 'qubit')}, {property_label(prop)}"
            broken = sum(1 for value in data.pair_errors.values() if value >= 1.0)
            if broken:
                text += f"; {plural(broken, 'broken coupler')} (dashed)"
            self.show_message(text, "info", plain=True)

    def _show_error(self, error: BaseException) -> None:
        name = backend_name(self.backend) if self.backend is not None else "the backend"
        self._clear(
            f"Could not load the calibration of {name}: {error}",
            "error",
            "Check the connection and pick it again.",
        )

    def to_dataframe(self) -> pd.DataFrame:
        """Per-qubit data of the current backend (t1, t2, frequency, readout_error, gate_error).

        Returns
        -------
        pandas.DataFrame
            Indexed by qubit; empty for a backend without calibration data or when no backend is set.
        """
        if self.backend is None:
            return pd.DataFrame(columns=list(QUBIT_PROPERTIES))
        name = backend_name(self.backend)
        data = self._cache.get(name)
        if data is None:
            data = load_backend_data(self.backend)
            self._cache[name] = data
        return data.qubits.copy()

    @builtins.property
    def dataframe(self) -> pd.DataFrame:
        """Same as ``to_dataframe()``."""
        return self.to_dataframe()
