"""Notebook widgets over the client: BackendPicker, QubitPropertyPlot, JobSetTable, JobWatcher, rich display.

Names load on first use, so importing this package does not import ipywidgets or matplotlib, and a missing
optional module (the job watcher) only fails when that name is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "BackendPicker": "ibmq_widgets.widgets.backend_picker",
    "QubitPropertyPlot": "ibmq_widgets.widgets.qubit_plot",
    "JobSetTable": "ibmq_widgets.widgets.job_set_table",
    "JobWatcher": "ibmq_widgets.widgets.job_watcher",
    "backend_html": "ibmq_widgets.widgets.display",
    "backend_view": "ibmq_widgets.widgets.display",
    "job_html": "ibmq_widgets.widgets.display",
    "job_set_html": "ibmq_widgets.widgets.display",
    "managed_results_html": "ibmq_widgets.widgets.display",
    "result_html": "ibmq_widgets.widgets.display",
    "draw_device_map": "ibmq_widgets.widgets.device_map",
    "qubit_dataframe": "ibmq_widgets.widgets.feeds.properties",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ibmq_widgets.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
