"""Benchmark: the widgets' two costly moments, each against a named reference measured in the same run.

1. Drawing the device map of ibm_fez (156 qubits, heavy-hex), calibration read and PNG rendered included:
   - reference: ``qiskit.visualization.plot_error_map(FakeFez())``. It needs seaborn (``pip install -e
     ".[bench]"``) and Graphviz's binaries (Debian: ``apt-get install graphviz``): qiskit draws the coupling map
     through Graphviz even when given qubit coordinates. Without either, the reference cannot run: the bench
     says which is missing, measures ours alone and prints no ratio;
   - ours: ``draw_device_map``, cold (layout computed, cache cleared) and warm (layout cached per coupling
     map, as in a session), and what a QubitPropertyPlot draws (bars + map).
   Each up to what a notebook shows: the reference a PNG at 80 dpi, ours the SVG markup (the browser draws
   it). Target (issue 5): the map at least 2x faster.
2. A filter change and a header sort in the BackendPicker over all 68 devices (test snapshots shown too) of a
   local service on a free loopback port:
   - reference: what the predecessor did on every filter change, asking the service again:
     ``provider.backends(min_num_qubits=n, operational=True)`` then ``status()`` of each match;
   - ours: setting ``picker.min_qubits`` after the picker has loaded; clicking a column header (each column in
     turn, each twice: both directions), as the browser does.
   HTTP requests are counted by wrapping ``requests.Session.send``. Target: neither makes a request.

Prints medians of several runs and the ratios reference / ours.

Usage: python bench/bench_widgets.py [--runs N] [--changes N]
"""

from __future__ import annotations

import argparse
import gc
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
    """Median wall time of ``runs`` calls of ``run``, each after a full garbage collection and with the collector
    off meanwhile (as ``timeit`` does): interleaved variants allocate in a fixed pattern, so a collection would
    otherwise fall on the same variant every round."""
    times = []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return statistics.median(times)


# --- 1. the device map --------------------------------------------------------------------------------------
def bench_map(runs: int, dpi: int = 80) -> None:
    # Over 60 lines: the variants are closures over one backend and figure size, measured side by side.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from qiskit.visualization import plot_error_map
    from qiskit_ibm_runtime.fake_provider import FakeFez

    from ibmq_widgets.widgets import device_layout
    from ibmq_widgets.widgets.device_map import draw_device_map
    from ibmq_widgets.widgets.feeds.backend_data import load_backend_data
    from ibmq_widgets.widgets.qubit_bars import draw_qubit_bars

    backend = FakeFez()
    size = (15, 12)  # plot_error_map's default figure size

    def png(figure) -> bytes:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()

    def ours_map() -> None:
        str(draw_device_map(load_backend_data(backend), "t1", "error"))

    def ours_cold() -> None:
        device_layout._cached_layout.cache_clear()
        ours_map()

    def ours_full_figure() -> None:
        device_layout._cached_layout.cache_clear()
        data = load_backend_data(backend)
        str(draw_qubit_bars(data, "t1")) + str(draw_device_map(data, "t1", "error"))

    missing = reference_missing()

    def reference() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figure = plot_error_map(backend, figsize=size)
        png(figure)
        plt.close(figure)

    variants = {"ref": reference, "cold": ours_cold, "warm": ours_map, "full": ours_full_figure}
    if missing:
        del variants["ref"]
    # One untimed call each: imports, font cache, Graphviz start-up.
    for run in variants.values():
        run()
    # Interleaved, one run of each in turn, so a change in machine load hits every variant alike.
    times: dict[str, list[float]] = {key: [] for key in variants}
    for _ in range(runs):
        for key, run in variants.items():
            times[key].append(median_seconds(run, 1))
    medians = {key: statistics.median(values) for key, values in times.items()}
    print(
        f"\n1. device map of ibm_fez (156 qubits), median of {runs} runs (reference: PNG at {dpi} dpi; ours: SVG)"
    )
    ref = medians.get("ref")
    if ref is None:
        print(f"   reference plot_error_map(FakeFez()) not measured: {missing}")
    else:
        print(f"   reference plot_error_map(FakeFez()) [Graphviz layout]: {ref * 1000:8.1f} ms")
    for label, key in [
        ("ours, map, layout computed (cold)", "cold"),
        ("ours, map, layout cached (warm)", "warm"),
        ("ours, QubitPropertyPlot figure (bars + map)", "full"),
    ]:
        ratio = f"   {ref / medians[key]:5.1f}x faster" if ref is not None else ""
        print(f"   {label:<45} {medians[key] * 1000:8.1f} ms{ratio}")


def reference_missing() -> str:
    """Why ``plot_error_map`` cannot run here ("" if it can): seaborn and Graphviz's ``dot`` are needed."""
    import importlib.util

    missing = []
    if importlib.util.find_spec("seaborn") is None:
        missing.append('seaborn (pip install -e ".[bench]")')
    if shutil.which("dot") is None:
        missing.append(
            "Graphviz's dot (apt-get install graphviz), which qiskit draws every coupling map with"
        )
    return "it needs " + " and ".join(missing) if missing else ""


# --- 2. a filter change in the picker -----------------------------------------------------------------------
def bench_picker(changes: int, runs: int) -> None:
    # Over 60 lines on purpose: one local service and one loaded picker serve all three measurements, run in turn.
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
        picker = BackendPicker(provider, include_test_devices=True)  # every device of the instance
        shown = time.perf_counter() - started
        picker.wait(600)
        loaded = time.perf_counter() - started
        devices = len(picker.backends)
        thresholds = [0, 5, 7, 16, 27, 65, 127, 133, 156, 20]
        headers = picker._table._headers  # the column header buttons a person clicks
        step = [0]

        def ours_change() -> None:
            index = step[0]
            step[0] += 1
            picker.min_qubits = thresholds[index % len(thresholds)]

        def ours_sort() -> None:
            index = step[0]
            step[0] += 1
            headers[(index // 2) % len(headers)].click()  # each column twice: best first, then reversed

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

        results = {"ours": [], "sort": [], "reference": []}
        for _ in range(runs):
            results["ours"].append(per_change(ours_change))
            results["sort"].append(per_change(ours_sort))
            results["reference"].append(per_change(reference_change))
        ours_time = statistics.median(t for t, _ in results["ours"])
        ours_requests = statistics.median(r for _, r in results["ours"])
        sort_time = statistics.median(t for t, _ in results["sort"])
        sort_requests = statistics.median(r for _, r in results["sort"])
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
    print(f"   ours, filter (memory only):        {ours_time * 1000:8.2f} ms, {ours_requests:5.1f} requests")
    print(f"   ours, header sort (memory only):   {sort_time * 1000:8.2f} ms, {sort_requests:5.1f} requests")
    print(
        f"   ratio reference / ours: filter {ref_time / ours_time:.1f}x, sort {ref_time / sort_time:.1f}x faster"
    )
    counts = f"filter changes {ours_requests:g}, header sorts {sort_requests:g}, reference {ref_requests:g}"
    print(f"   HTTP requests: {counts}")


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
