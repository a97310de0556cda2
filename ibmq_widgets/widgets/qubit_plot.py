"""QubitPropertyPlot: per-qubit bars and the device map of one backend, with a dropdown for the property."""

from __future__ import annotations

import builtins
import io
import threading
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from traitlets import Any as AnyTrait
from traitlets import Enum, TraitError, Unicode, observe

from ibmq_widgets.widgets.backend_data import BackendData, backend_name, load_backend_data
from ibmq_widgets.widgets.background import BackgroundWorker, close_children
from ibmq_widgets.widgets.device_map import QUBIT_CMAP, color_range, draw_device_map
from ibmq_widgets.widgets.htmltools import message, tag
from ibmq_widgets.widgets.properties import QUBIT_PROPERTIES, property_label

_LOG_SCALE = {"readout_error", "gate_error"}


def draw_qubit_figure(data: BackendData, prop: str) -> Figure:
    """A Figure with bars of ``prop`` per qubit (top) and the device map coloured by it (bottom).

    Parameters
    ----------
    data : BackendData
        The backend's configuration and calibration (see ``load_backend_data``).
    prop : str
        One of ``QUBIT_PROPERTIES`` ("t1", "t2", "frequency", "readout_error", "gate_error").

    Returns
    -------
    matplotlib.figure.Figure
        ``figure.axes[0].collections[0]`` holds one bar (a path) per qubit; ``figure.axes[1]`` is the map
        (edges, then qubits, then their numbers).
    """
    values = (
        data.qubits[prop].to_numpy(dtype=float) if prop in data.qubits else np.full(data.n_qubits, np.nan)
    )
    log = prop in _LOG_SCALE
    label = property_label(prop)
    if prop == "gate_error" and data.qubits.attrs.get("gate"):
        label = f"{label} ({data.qubits.attrs['gate']})"
    # Fixed margins instead of a layout engine: constrained layout took longer than drawing the map itself.
    figure = Figure(figsize=(9.0, 6.4))
    grid = figure.add_gridspec(
        2, 1, height_ratios=[1, 2.2], left=0.08, right=0.98, top=0.95, bottom=0.02, hspace=0.22
    )
    bars_axes = figure.add_subplot(grid[0])
    # The bars use the map's colour scale, so a bar and its qubit on the map have the same colour.
    norm = color_range(values, log=log)
    cmap = colormaps[QUBIT_CMAP]
    bar_colors = [cmap(norm(value)) if np.isfinite(value) else (0.73, 0.73, 0.73, 1.0) for value in values]
    heights = np.nan_to_num(values, nan=0.0)
    log = log and bool((heights > 0).any())
    # Log-scale bars start just below the smallest value, since a log axis has no zero.
    bottom = float(heights[heights > 0].min()) / 2 if log else 0.0
    bars_axes.add_collection(qubit_bars(heights, bottom, bar_colors))
    bars_axes.set_xlim(-0.6, data.n_qubits - 0.4)
    top = float(heights.max()) if heights.size else 1.0
    if log:
        bars_axes.set_yscale("log")
        bars_axes.set_ylim(bottom, top * 1.5)
    else:
        bars_axes.set_ylim(0, top * 1.05 or 1.0)
    bars_axes.set_xlabel("qubit")
    bars_axes.set_ylabel(label)
    bars_axes.set_title(f"{data.name}: {label} per qubit")
    map_axes = figure.add_subplot(grid[1])
    gate = data.medians.two_qubit_gate or "two-qubit"
    draw_device_map(
        figure,
        data.n_qubits,
        data.coupling_map,
        values,
        data.pair_errors,
        qubit_label=label,
        qubit_log_scale=log,
        edge_label=f"{gate} error",
        axes=map_axes,
    )
    return figure


def qubit_bars(heights: np.ndarray, bottom: float, colors: list) -> PolyCollection:
    """One bar per qubit as ONE collection (156 Rectangle artists draw several times slower)."""
    left = np.arange(len(heights)) - 0.4
    tops = np.maximum(heights, bottom)
    verts = np.stack(
        [
            np.column_stack([left, np.full_like(left, bottom)]),
            np.column_stack([left, tops]),
            np.column_stack([left + 0.8, tops]),
            np.column_stack([left + 0.8, np.full_like(left, bottom)]),
        ],
        axis=1,
    )
    return PolyCollection(verts, facecolors=colors, edgecolors="none")


def figure_png(figure: Figure, dpi: int = 90) -> bytes:
    """The figure rendered to PNG bytes (Agg, no pyplot)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class QubitPropertyPlot(widgets.VBox):
    """Per-qubit bars and the device map of a backend, coloured by a chosen calibration property.

    Parameters
    ----------
    backend : IBMQBackend, optional
        The backend to show; a trait, so ``traitlets.link((picker, "value"), (plot, "backend"))`` ties it to a
        BackendPicker.
    property : str
        "t1", "t2", "frequency", "readout_error" or "gate_error" (the device's single-qubit gate, e.g. sx).

    Notes
    -----
    The backend's configuration and properties are fetched on the widget's own worker thread, never in an
    observer on the kernel thread; ``wait()`` blocks until the figure is up to date.
    """

    backend = AnyTrait(None, allow_none=True, help="The backend whose qubits are shown (None shows nothing).")
    property = Enum(list(QUBIT_PROPERTIES), default_value="t1", help="The per-qubit property plotted.")
    status = Unicode("", help="What the plot shows or why it shows nothing (plain text).")

    def __init__(self, backend: Any = None, property: str = "t1", **kwargs: Any) -> None:
        if property not in QUBIT_PROPERTIES:
            choices = ", ".join(QUBIT_PROPERTIES)
            raise TraitError(f"unknown qubit property {property!r}; choose one of {choices}")
        self._dropdown = widgets.Dropdown(
            options=[(property_label(key), key) for key in QUBIT_PROPERTIES],
            value=property,
            description="Property",
        )
        self._message = widgets.HTML()
        self._image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
        self._lock = threading.Lock()
        self._cache: dict[str, BackendData] = {}
        self._generation = 0
        self._worker = BackgroundWorker("ibmq-widgets-qubit-plot", on_error=self._show_error)
        self.figure: Figure | None = None
        self.data: BackendData | None = None
        super().__init__(children=[self._dropdown, self._message, self._image], **kwargs)
        self.add_class("ibmq-widgets-qubit-plot")
        widgets.link((self._dropdown, "value"), (self, "property"))
        self.property = property
        self.backend = backend
        if backend is None:
            self._set_message(
                "No backend selected: set `plot.backend` or link it to a BackendPicker.", "info"
            )

    @observe("backend", "property")
    def _on_change(self, change: Any) -> None:
        backend = self.backend
        if backend is None:
            return
        with self._lock:
            self._generation += 1
            generation = self._generation
        name = backend_name(backend)
        if name not in self._cache:
            self._set_message(f"Loading the calibration of {name}…", "info")
        self._worker.submit(lambda: self._redraw(backend, self.property, generation))

    def _redraw(self, backend: Any, prop: str, generation: int) -> None:
        name = backend_name(backend)
        data = self._cache.get(name)
        if data is None:
            data = load_backend_data(backend)
            self._cache[name] = data
        if generation != self._generation:
            return  # a newer selection arrived while loading; draw that one instead
        self.data = data
        if not data.has_properties:
            self.figure = None
            self._image.value = b""
            self._set_message(data.no_properties_message(), "warning")
            return
        figure = draw_qubit_figure(data, prop)
        png = figure_png(figure)
        if generation != self._generation:
            return
        self.figure = figure
        self._image.value = png
        if prop in data.missing_properties():
            label = QUBIT_PROPERTIES[prop][0]
            available = ", ".join(
                QUBIT_PROPERTIES[key][0] for key in data.qubits if key not in data.missing_properties()
            )
            self._set_message(
                f"{name} does not report {label} for any qubit (drawn grey).", "warning", f"Try: {available}."
            )
        else:
            self._set_message(f"{name}: {data.n_qubits} qubits, {property_label(prop)}", "info", plain=True)

    def _set_message(self, text: str, level: str, hint: str | None = None, plain: bool = False) -> None:
        self.status = text if hint is None else f"{text} {hint}"
        if plain:
            self._message.value = str(tag("span", text, style="color:#555;font-size:12px"))
        else:
            self._message.value = str(message(text, level, hint))

    def _show_error(self, error: BaseException) -> None:
        name = backend_name(self.backend) if self.backend is not None else "the backend"
        self.figure = None
        self._set_message(
            f"Could not load the calibration of {name}: {error}",
            "error",
            "Check the connection and pick it again.",
        )

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until the plot shows the current backend and property; False on timeout."""
        return self._worker.wait_idle(timeout)

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

    @builtins.property  # the class's `property` trait hides the builtin here
    def dataframe(self) -> pd.DataFrame:
        """Same as ``to_dataframe()``."""
        return self.to_dataframe()

    def close(self) -> None:
        """Stop the worker thread and close the widget and its children."""
        worker = getattr(self, "_worker", None)  # None when the constructor failed early
        if worker is not None:
            worker.stop()
        close_children(self)
        super().close()
