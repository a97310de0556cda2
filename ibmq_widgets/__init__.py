"""ibmq_widgets: IBM Quantum in Jupyter notebooks.

The classic IBMQ client (``IBMQ``, providers, backends, jobs, the job manager), notebook widgets over it, the
``%ibmq_job_watcher`` magic and a local IBM Quantum-compatible service that makes all of it work offline.

Importing the package has no side effects: names load on first use, and the magics register only in
``%load_ext ibmq_widgets``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> its module; loaded lazily so `import ibmq_widgets` stays cheap and free of side effects
_LAZY = {
    "IBMQ": "ibmq_widgets.client",
    "least_busy": "ibmq_widgets.client",
    "execute": "ibmq_widgets.client",
    "JobStatus": "ibmq_widgets.client",
    "IBMQJobManager": "ibmq_widgets.managed",
    "ManagedJobSet": "ibmq_widgets.managed",
    "ManagedResults": "ibmq_widgets.managed",
    "BackendPicker": "ibmq_widgets.widgets",
    "QubitPropertyPlot": "ibmq_widgets.widgets",
    "JobSetTable": "ibmq_widgets.widgets",
    "JobWatcher": "ibmq_widgets.widgets",
}

__all__ = [*sorted(_LAZY), "__version__", "load_ipython_extension", "unload_ipython_extension"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ibmq_widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%ibmq_job_watcher`` and ``%ibmq_disable_job_watcher`` magics (``%load_ext``)."""
    from ibmq_widgets.magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop the job watcher and unregister the magics."""
    from ibmq_widgets.magics import unload_ipython_extension as _unload

    _unload(ipython)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension that runs the local service for every kernel of the server."""
    return [{"module": "ibmq_widgets.server_extension"}]
