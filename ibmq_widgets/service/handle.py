"""A running local service as its starter holds it (``ServiceHandle``), and the thread its HTTP server runs on.

``startup.start`` builds both. Every handle of a process is stopped at interpreter exit by one ``atexit``
hook (``stop_at_exit``), registered once per process however many services start; ``stop()`` is idempotent,
so a caller's own ``stop`` (or ``with``) before that is fine.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tornado.web

    from ibmq_widgets.service.app import ServiceState

__all__ = ["ServerThread", "ServiceHandle", "stop_at_exit"]

_live_handles: weakref.WeakSet[ServiceHandle] = weakref.WeakSet()
_exit_hook_lock = threading.Lock()
_exit_hook_registered = False


class ServiceHandle:
    """A running local service; ``stop()`` (or leaving ``with``) shuts it down.

    Attributes
    ----------
    url : str
        The root URL, e.g. ``http://127.0.0.1:PORT``; the API is under ``/api/v1``, IAM at
        ``/identity/token``.
    port : int
        The port it listens on.
    api_key : str
        The API key to use (never shown in the repr).
    instances : list of dict
        ``{"name": "hub/group/project", "crn": ...}`` for each instance of that key.
    data_dir : Path
        Its data directory.
    started_by : str
        Who started it, as its ``service.json`` says: ``"serve"``, ``"embedded"`` or ``"jupyter"``.
    state : ServiceState
        What its handlers share (config, store, scheduler, ...).
    application : tornado.web.Application
        Its tornado application.
    """

    def __init__(
        self,
        *,
        url: str,
        port: int,
        api_key: str,
        instances: list[dict[str, str]],
        data_dir: Path,
        started_by: str,
        state: ServiceState,
        application: tornado.web.Application,
        stopper: Callable[[], None],
    ) -> None:
        self.url = url
        self.port = port
        self.api_key = api_key
        self.instances = instances
        self.data_dir = data_dir
        self.started_by = started_by
        self.state = state
        self.application = application
        self._stopper = stopper
        self._stopped = False
        self._lock = threading.Lock()

    @property
    def cloud_urls(self) -> dict[str, str]:
        """Where this service answers as IBM Cloud: IAM and the account APIs, by the environment variable
        that points qiskit-ibm-runtime and IBM's SDKs at each (``IAM_URL``, ``GLOBAL_SEARCH_URL``, ...)."""
        from ibmq_widgets.service.handlers.cloud import CLOUD_PREFIXES

        return {
            "IAM_URL": self.url,
            "GLOBAL_SEARCH_URL": self.url + CLOUD_PREFIXES["global_search"],
            "GLOBAL_CATALOG_URL": self.url + CLOUD_PREFIXES["global_catalog"],
            "RESOURCE_CONTROLLER_URL": self.url + CLOUD_PREFIXES["resource_controller"],
        }

    @property
    def running(self) -> bool:
        """Whether the service still runs."""
        return not self._stopped

    def stop(self) -> None:
        """Stop serving, stop the scheduler and workers, release the data directory; safe to call twice."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._stopper()

    def __enter__(self) -> ServiceHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ServiceHandle {self.url} data_dir={str(self.data_dir)!r} {state}>"


def _stop_live_handles() -> None:
    for handle in list(_live_handles):
        with contextlib.suppress(Exception):
            handle.stop()


def stop_at_exit(handle: ServiceHandle) -> None:
    """Stop ``handle`` when the interpreter exits (unless stopped before); one atexit hook per process.

    The handle is held weakly: a handle nobody references any more does not outlive its owner here.
    """
    global _exit_hook_registered
    with _exit_hook_lock:
        _live_handles.add(handle)
        if not _exit_hook_registered:
            atexit.register(_stop_live_handles)
            _exit_hook_registered = True


class ServerThread:
    """The tornado IOLoop of one service, on its own daemon thread.

    Parameters
    ----------
    application : tornado.web.Application
        What it serves.
    sockets : list of socket
        Bound listening sockets.
    max_body_size : int
        The largest request body the HTTP server reads (handlers apply the API's own, smaller limit).
    """

    def __init__(self, application: tornado.web.Application, sockets: list, max_body_size: int) -> None:
        self._application = application
        self._sockets = sockets
        self._max_body_size = max_body_size
        self._ready = threading.Event()
        self._loop: Any = None
        self._server: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ibmq-widgets-service", daemon=True)

    def start(self) -> None:
        """Start serving; returns once the server listens, or raises what stopped it."""
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        from tornado.httpserver import HTTPServer
        from tornado.ioloop import IOLoop

        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            self._loop = IOLoop.current()
            self._server = HTTPServer(self._application, max_body_size=self._max_body_size)
            self._server.add_sockets(self._sockets)
        except BaseException as exc:  # reported to start()'s caller
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.start()
        self._loop.close(all_fds=True)

    async def _shutdown(self) -> None:
        self._server.stop()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.close_all_connections(), timeout=2.0)
        self._loop.stop()

    def stop(self) -> None:
        """Stop serving (open connections get up to 2 s to finish) and end the thread."""
        if self._loop is not None and self._thread.is_alive():
            self._loop.add_callback(self._shutdown)
            self._thread.join(timeout=10.0)
