"""The local IBM Quantum-compatible service: real device snapshots, noisy simulation, the IBM REST API.

Start it in-process (what the client does when nothing else is configured)::

    from ibmq_widgets.service import start

    with start(port=0) as service:  # a free loopback port, the default data directory
        print(service.url, service.instances)

or from the command line with ``ibmq-widgets serve``. Importing this package starts nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tornado.web

    from ibmq_widgets.service.app import ServiceState

__all__ = ["DEFAULT_JOB_TIME_LIMIT", "ServiceHandle", "start"]

#: Seconds a job may run before it fails with a reason (a job's own ``cost`` may ask for less).
DEFAULT_JOB_TIME_LIMIT = 600.0


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


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
    """

    def __init__(
        self,
        *,
        url: str,
        port: int,
        api_key: str,
        instances: list[dict[str, str]],
        data_dir: Path,
        state: ServiceState,
        application: tornado.web.Application,
        stopper: Any,
    ) -> None:
        self.url = url
        self.port = port
        self.api_key = api_key
        self.instances = instances
        self.data_dir = data_dir
        self.state = state
        self.application = application
        self._stopper = stopper
        self._stopped = False
        self._lock = threading.Lock()

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


class _ServerThread:
    """The tornado IOLoop of one service, on its own daemon thread."""

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
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        import asyncio

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
        import asyncio

        self._server.stop()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.close_all_connections(), timeout=2.0)
        self._loop.stop()

    def stop(self) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.add_callback(self._shutdown)
            self._thread.join(timeout=10.0)


def start(
    data_dir: str | os.PathLike | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    workers: int | None = None,
    job_time_limit: float = DEFAULT_JOB_TIME_LIMIT,
    max_body_bytes: int | None = None,
) -> ServiceHandle:
    """Start a local service on a daemon thread and return once it listens.

    Parameters
    ----------
    data_dir : path, optional
        Its data directory; default ``$IBMQ_WIDGETS_DATA_DIR``, else ``<jupyter data dir>/ibmq_widgets``.
    host : str
        The address to listen on; loopback unless you mean otherwise.
    port : int
        The port; 0 picks a free one.
    api_key : str, optional
        A key to accept in addition to the data directory's own, with the same instances.
    workers : int, optional
        Worker processes running jobs; default the number of CPUs (at most 4).
    job_time_limit : float
        Seconds a job may run before it fails.
    max_body_bytes : int, optional
        The largest POST /jobs body (default 64 MiB); larger ones get 413.

    Raises
    ------
    LocalServiceError
        If another service runs on ``data_dir`` (the message names it) or config.json is not valid.
    OSError
        If the port cannot be bound.
    """
    from ibmq_widgets.service.config import (
        DataDirLock,
        default_data_dir,
        key_id,
        load_config,
        remove_service_json,
        write_service_json,
    )

    # The lock first: a second service on the same directory fails fast, before the heavy imports.
    config = load_config(Path(data_dir) if data_dir is not None else default_data_dir(), api_key)
    lock = DataDirLock(config.data_dir)
    lock.acquire()
    cleanups: list[Any] = [lock.release]

    def cleanup() -> None:
        while cleanups:
            with contextlib.suppress(Exception):
                cleanups.pop()()

    try:
        from tornado.netutil import bind_sockets

        from ibmq_widgets import __version__
        from ibmq_widgets.service.app import DEFAULT_MAX_BODY_BYTES, ServiceState, make_app
        from ibmq_widgets.service.auth import Authenticator
        from ibmq_widgets.service.catalog import Catalog
        from ibmq_widgets.service.scheduler import Scheduler
        from ibmq_widgets.service.store import JobStore
        from ibmq_widgets.service.validation import JobValidator

        catalog = Catalog()
        store = JobStore(config.data_dir / "jobs.sqlite3")
        cleanups.append(store.close)
        scheduler = Scheduler(
            store, catalog, workers=workers or min(4, os.cpu_count() or 1), default_time_limit=job_time_limit
        )
        body_limit = max_body_bytes or DEFAULT_MAX_BODY_BYTES
        state = ServiceState(
            config=config,
            auth=Authenticator(config),
            catalog=catalog,
            store=store,
            scheduler=scheduler,
            validator=JobValidator(catalog, max_inflated_bytes=4 * body_limit),
            version=__version__,
            max_body_bytes=body_limit,
        )
        application = make_app(state)
        sockets = bind_sockets(port, address=host)
        cleanups.append(lambda: [sock.close() for sock in sockets])
        bound_port = sockets[0].getsockname()[1]
        server = _ServerThread(
            application, sockets, max_body_size=max(4 * body_limit, body_limit + (1 << 20))
        )
        scheduler.start()
        cleanups.append(scheduler.stop)
        server.start()
        cleanups.append(server.stop)
        url = f"http://{_url_host(host)}:{bound_port}"
        write_service_json(
            config.data_dir,
            {"url": url, "port": bound_port, "host": host, "pid": os.getpid(), "version": __version__},
        )
        cleanups.append(lambda: remove_service_json(config.data_dir))
    except BaseException:
        cleanup()
        raise

    instances = [
        {"name": instance.name, "crn": instance.crn}
        for instance in config.instances_for_key(key_id(config.api_key))
    ]
    handle = ServiceHandle(
        url=url, port=bound_port, api_key=config.api_key, instances=instances, data_dir=config.data_dir,
        state=state, application=application, stopper=cleanup,
    )  # fmt: skip
    reference = weakref.ref(handle)
    atexit.register(lambda: (h := reference()) is not None and h.stop())
    return handle
