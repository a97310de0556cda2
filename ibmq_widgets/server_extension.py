"""Jupyter server extension: one local IBM Quantum service for every kernel of the server.

Enabled by ``jupyter-config/jupyter_server_config.d/ibmq_widgets.json`` (installed with the package).
When the server starts, the service starts in the server's process on a free loopback port with the default
data directory (``$IBMQ_WIDGETS_DATA_DIR``, else ``<jupyter data dir>/ibmq_widgets``) and announces itself
in that directory's ``service.json``. ``IBMQ.load_account()`` in any kernel of the server then finds it with
no configuration, and jobs outlive kernel restarts: the service and its job store belong to the server.

The service records ``"started_by": "jupyter"`` in ``service.json``, so kernels never start a service of
their own on the directory while the server owns it. It stops when the server process exits (``start``
registers that, once), releasing the data directory's lock, so a later server or kernel can take over. If
another service already runs on the data directory, the extension leaves it alone: kernels find that one
through the same ``service.json``.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["current_service"]

_lock = threading.Lock()
_handle: Any = None  # the ServiceHandle this server process started, if any


def current_service() -> Any:
    """The ``ServiceHandle`` this server process runs, or None."""
    return _handle


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Start the local service for the kernels of ``serverapp`` and log its URL (never its key)."""
    global _handle
    from ibmq_widgets.data_dir import default_data_dir
    from ibmq_widgets.exceptions import LocalServiceError
    from ibmq_widgets.service import start

    log = serverapp.log
    data_dir = default_data_dir()
    with _lock:
        if _handle is not None and _handle.running:
            return  # loaded twice in one process (extension reload): keep the running service
        try:
            handle = start(data_dir=data_dir, started_by="jupyter")
        except LocalServiceError as error:  # another server or `ibmq-widgets serve` owns the directory
            log.info("ibmq_widgets: not starting a local service: %s", error)
            return
        except Exception as error:  # the Jupyter server must come up even if the service cannot
            log.warning(
                "ibmq_widgets: the local IBM Quantum service could not start (%s: %s); kernels will start "
                "their own when they load an account",
                type(error).__name__,
                error,
            )
            return
        _handle = handle
    log.info("ibmq_widgets: local IBM Quantum service at %s (data in %s)", handle.url, data_dir)


def _stop() -> None:
    """Stop the service this process started; safe to call twice (at exit ``start``'s own hook stops it)."""
    global _handle
    with _lock:
        handle, _handle = _handle, None
    if handle is not None:
        handle.stop()
