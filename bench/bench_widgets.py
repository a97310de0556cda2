"""Benchmark: the widgets' two costly moments, each against a named reference measured in the same run.

1. Drawing the device map of ibm_fez (156 qubits, heavy-hex), calibration read and PNG rendered included:
   - reference: ``qiskit.visualization.plot_error_map(FakeFez())`` (needs seaborn; fez is not in qiskit's
     list of known devices, so it is laid out by Graphviz's ``dot``; without Graphviz it is given our layout
     through ``qubit_coordinates`` so it can still be measured);
   - ours: ``draw_device_map`` on a Figure of the same size, cold (layout computed, cache cleared) and warm
     (layout cached per coupling map, as in a session), and the full QubitPropertyPlot figure (bars + map).
   Both render to PNG at the same dpi. Target (issue 5): the map at least 2x faster.
2. A filter change in the BackendPicker over all 68 devices of a local service on a free loopback port:
   - reference: what the predecessor did on every filter change, asking the service again:
     ``provider.backends(min_num_qubits=n, operational=True)`` then ``status()`` of each match;
   - ours: setting ``picker.min_qubits`` (and the other filters) after the picker has loaded.
   HTTP requests are counted by wrapping ``requests.Session.send``. Target: a filter change makes no request.

Prints medians of several runs and the ratios reference / ours.

Usage: python bench/bench_widgets.py [--runs N] [--changes N]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import tempfile
import time
import warnings

import requests

_send = requests.Session.send
_count = [0]


def _counting_send(self, request, **kwargs):
    _count[0] += 1
    return _send(self, request, **kwargs)


def median_seconds(run, runs: int) -> float:
    """Median wall time of ``runs`` calls of ``run``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- 1. the device map --------------------------------------------------------------------------------------
def bench_map(runs: int, dpi: int = 80) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from qiskit.visualization import plot_error_map
    from qiskit_ibm_runtime.fake_provider import FakeFez

    from ibmq_widgets.widgets import device_map
    from ibmq_widgets.widgets.backend_data import load_backend_data
    from ibmq_widgets.widgets.qubit_plot import draw_qubit_figure, figure_png

    backend = FakeFez()
    size = (15, 12)  # plot_error_map's default figure size, used for both

    def png(figure) -> bytes:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()

    def ours_map() -> None:
        data = load_backend_data(backend)
        figure = Figure(figsize=size)
        device_map.draw_device_map(
            figure,
            data.n_qubits,
            data.coupling_map,
            data.qubits["t1"].to_numpy(),
            data.pair_errors,
            qubit_label="T1 (µs)",
            title=data.name,
        )
        png(figure)

    def ours_cold() -> None:
        device_map._cached_layout.cache_clear()
        ours_map()

    def ours_full_figure() -> None:
        device_map._cached_layout.cache_clear()
        figure_png(draw_qubit_figure(load_backend_data(backend), "t1"), dpi=dpi)

    graphviz = shutil.which("dot") is not None
    coordinates = None
    if not graphviz:
        layout = device_map.device_layout(156, backend.configuration().coupling_map)
        coordinates = [[float(-y), float(x)] for x, y in layout]

    def reference() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figure = plot_error_map(backend, figsize=size, qubit_coordinates=coordinates)
        png(figure)
        plt.close(figure)

    # One untimed call each: imports, font cache, Graphviz start-up.
    reference()
    ours_cold()
    # Interleaved, one run of each in turn, so a change in machine load hits every variant alike.
    times: dict[str, list[float]] = {"ref": [], "cold": [], "warm": [], "full": []}
    for _ in range(runs):
        for key, run in [
            ("ref", reference),
            ("cold", ours_cold),
            ("warm", ours_map),
            ("full", ours_full_figure),
        ]:
            times[key].append(median_seconds(run, 1))
    ref, cold, warm, full = (statistics.median(times[key]) for key in ("ref", "cold", "warm", "full"))
    how = "Graphviz layout" if graphviz else "given our layout (no Graphviz)"
    print(f"\n1. device map of ibm_fez (156 qubits), PNG at {dpi} dpi, median of {runs} runs")
    print(f"   reference plot_error_map(FakeFez()) [{how}]: {ref * 1000:8.1f} ms")
    for label, seconds in [
        ("ours, map, layout computed (cold)", cold),
        ("ours, map, layout cached (warm)", warm),
        ("ours, QubitPropertyPlot figure (bars + map)", full),
    ]:
        print(f"   {label:<45} {seconds * 1000:8.1f} ms   {ref / seconds:5.1f}x faster")


# --- 2. a filter change in the picker -----------------------------------------------------------------------
def bench_picker(changes: int, runs: int) -> None:
    from ibmq_widgets import BackendPicker
    from ibmq_widgets.client.account import AccountManager
    from ibmq_widgets.service import start

    requests.Session.send = _counting_send
    handle = start(data_dir=tempfile.mkdtemp(prefix="bench-widgets-"), port=0, workers=1)
    try:
        provider = AccountManager().enable_account(
            handle.api_key, url=handle.url, hub="ibm-q-network", group="research", project="main"
        )
        started = time.perf_counter()
        picker = BackendPicker(provider)
        shown = time.perf_counter() - started
        picker.wait(600)
        loaded = time.perf_counter() - started
        devices = len(picker.backends)
        thresholds = [0, 5, 7, 16, 27, 65, 127, 133, 156, 20]
        sorts = ["least_busy", "qubits", "name", "two_qubit_error"]
        step = [0]

        def ours_change() -> None:
            index = step[0]
            step[0] += 1
            picker.min_qubits = thresholds[index % len(thresholds)]
            picker.sort_by = sorts[index % len(sorts)]

        def reference_change() -> None:
            index = step[0]
            step[0] += 1
            matches = provider.backends(min_num_qubits=thresholds[index % len(thresholds)], operational=True)
            for backend in matches:
                backend.status()

        def per_change(run) -> tuple[float, float]:
            times = []
            requests_before = _count[0]
            for _ in range(changes):
                began = time.perf_counter()
                run()
                times.append(time.perf_counter() - began)
            return statistics.median(times), (_count[0] - requests_before) / changes

        results = {"ours": [], "reference": []}
        for _ in range(runs):
            results["ours"].append(per_change(ours_change))
            results["reference"].append(per_change(reference_change))
        ours_time = statistics.median(t for t, _ in results["ours"])
        ours_requests = statistics.median(r for _, r in results["ours"])
        ref_time = statistics.median(t for t, _ in results["reference"])
        ref_requests = statistics.median(r for _, r in results["reference"])
        picker.close()
    finally:
        requests.Session.send = _send
        handle.stop()
    print(
        f"\n2. a filter change in the BackendPicker over {devices} devices ({changes} changes x {runs} runs)"
    )
    print(
        f"   picker shown after {shown * 1000:.0f} ms; every device's calibration loaded after {loaded:.1f} s"
    )
    print(f"   reference (ask the service again): {ref_time * 1000:8.2f} ms, {ref_requests:5.1f} requests")
    print(f"   ours (memory only):                {ours_time * 1000:8.2f} ms, {ours_requests:5.1f} requests")
    print(f"   ratio reference / ours: {ref_time / ours_time:.1f}x faster")
    print(f"   HTTP requests during filter changes: ours {ours_requests:g}, reference {ref_requests:g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--changes", type=int, default=40, help="filter changes per picker run")
    args = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    bench_map(args.runs)
    bench_picker(args.changes, args.runs)


if __name__ == "__main__":
    main()
