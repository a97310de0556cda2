"""Starting a local service: the steps of ``start()`` and the undo list that rolls a failed start back.

``start`` runs, in order: read the data directory's configuration (making it private); take its lock (a
second service on the directory fails fast, before the heavy imports; a dead owner's ``service.json`` is
cleared); open the job store (a corrupt one stops the start); build the engine (catalog, scheduler, validator)
and the tornado application; spawn the worker processes (they warm up meanwhile); listen; announce the
service in ``service.json``; and wait until every worker is warm. So when ``start`` returns (and
``ibmq-widgets serve`` prints its ready line) a job sent at once starts at once. Any failure undoes the steps
done so far, in reverse order, and is raised.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ibmq_widgets.exceptions import LocalServiceError
from ibmq_widgets.service.handle import ServerThread, ServiceHandle, stop_at_exit
from ibmq_widgets.service.ownership import STARTED_BY, DataDirLock, remove_service_json, write_service_json

if TYPE_CHECKING:
    import tornado.web

    from ibmq_widgets.service.app import ServiceState
    from ibmq_widgets.service.config import ServiceConfig

__all__ = ["DEFAULT_JOB_TIME_LIMIT", "WARM_UP_TIMEOUT", "start"]

#: Seconds a job may run before it fails with a reason (a job's own ``max_execution_time`` may ask for less).
DEFAULT_JOB_TIME_LIMIT = 600.0
#: Seconds ``start`` waits for the worker processes to warm up before it gives up.
WARM_UP_TIMEOUT = 180.0


class _Undo:
    """What to undo if a start fails (and at stop): callables run last-in first-out, each once."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], Any]] = []

    def add(self, step: Callable[[], Any]) -> None:
        """Undo ``step`` (run it) on failure or stop, before the steps added earlier."""
        self._steps.append(step)

    def __call__(self) -> None:
        while self._steps:
            with contextlib.suppress(Exception):
                self._steps.pop()()


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _build_state(
    config: ServiceConfig, workers: int | None, job_time_limit: float, max_body_bytes: int | None, undo: _Undo
) -> ServiceState:
    """The store (opened: CorruptStoreError if it is not a database), scheduler, validator: the handlers' state."""
    from ibmq_widgets import __version__
    from ibmq_widgets.service.app import DEFAULT_MAX_BODY_BYTES, ServiceState
    from ibmq_widgets.service.auth import Authenticator
    from ibmq_widgets.service.catalog import Catalog
    from ibmq_widgets.service.rate_limits import RateLimiter
    from ibmq_widgets.service.scheduler import Scheduler
    from ibmq_widgets.service.store import JobStore
    from ibmq_widgets.service.validation import JobValidator

    catalog = Catalog()
    store = JobStore(config.data_dir / "jobs.sqlite3")
    undo.add(store.close)
    scheduler = Scheduler(
        store, catalog, workers=workers or min(4, os.cpu_count() or 1), default_time_limit=job_time_limit
    )
    body_limit = max_body_bytes or DEFAULT_MAX_BODY_BYTES
    return ServiceState(
        config=config,
        auth=Authenticator(config),
        catalog=catalog,
        store=store,
        scheduler=scheduler,
        validator=JobValidator(catalog, max_inflated_bytes=4 * body_limit),
        version=__version__,
        max_body_bytes=body_limit,
        rate_limiter=RateLimiter(config.rate_limits),
    )


def _serve(state: ServiceState, host: str, port: int, undo: _Undo) -> tuple[tornado.web.Application, int]:
    """Start the workers, bind ``host:port`` and serve; the application and the bound port."""
    from tornado.netutil import bind_sockets

    from ibmq_widgets.service.app import make_app

    application = make_app(state, bound_host=host)
    sockets = bind_sockets(port, address=host)
    undo.add(lambda: [sock.close() for sock in sockets])
    body_limit = state.max_body_bytes
    server = ServerThread(application, sockets, max_body_size=max(4 * body_limit, body_limit + (1 << 20)))
    state.scheduler.sessions = state.sessions  # before start: jobs requeued at start count for their session
    state.scheduler.start()  # first, so the workers warm up while the server starts
    undo.add(state.scheduler.stop)
    server.start()
    undo.add(server.stop)
    return application, sockets[0].getsockname()[1]


def _announce(config: ServiceConfig, url: str, host: str, port: int, started_by: str, undo: _Undo) -> None:
    """Write ``service.json`` (url, pid, started_by; never a key), removed again at stop."""
    from ibmq_widgets import __version__

    info = {
        "url": url,
        "port": port,
        "host": host,
        "pid": os.getpid(),
        "version": __version__,
        "started_by": started_by,
    }
    write_service_json(config.data_dir, info)
    undo.add(lambda: remove_service_json(config.data_dir))


def _wait_until_warm(state: ServiceState, timeout: float) -> None:
    if not state.scheduler.wait_until_warm(timeout):
        raise LocalServiceError(
            f"the worker processes did not get ready within {timeout:g} s ({state.scheduler.ready_workers()} "
            f"of {state.scheduler.workers} did); see the errors above, or start with fewer workers"
        )


def start(
    data_dir: str | os.PathLike | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    workers: int | None = None,
    job_time_limit: float = DEFAULT_JOB_TIME_LIMIT,
    max_body_bytes: int | None = None,
    started_by: str = "embedded",
) -> ServiceHandle:
    """Start a local service on a daemon thread; return once it listens and its workers are warm.

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
        Seconds any job may run before it fails; a job's own limit may only be lower.
    max_body_bytes : int, optional
        The largest POST /jobs body (default 64 MiB); larger ones get 413.
    started_by : {"embedded", "serve", "jupyter"}
        Who starts it, recorded in ``service.json`` for clients deciding whether they may take over.

    Returns
    -------
    ServiceHandle
        The running service; stopped by ``stop()``, ``with``, or at interpreter exit.

    Raises
    ------
    LocalServiceError
        If another service runs on ``data_dir`` (the message names it), config.json is not valid, the job
        database is not usable (``CorruptStoreError``) or locked (``StoreBusyError``), or the workers never
        got ready.
    OSError
        If the port cannot be bound.
    """
    # Over 60 lines only by its numpy docstring: the steps themselves are the helpers above.
    from ibmq_widgets.service.config import default_data_dir, key_id, load_config

    if started_by not in STARTED_BY:
        raise ValueError(f"started_by must be one of {', '.join(STARTED_BY)}, got {started_by!r}")
    config = load_config(Path(data_dir) if data_dir is not None else default_data_dir(), api_key)
    lock = DataDirLock(config.data_dir)
    lock.acquire()
    undo = _Undo()
    undo.add(lock.release)
    try:
        state = _build_state(config, workers, job_time_limit, max_body_bytes, undo)
        application, bound_port = _serve(state, host, port, undo)
        url = f"http://{_url_host(host)}:{bound_port}"
        _announce(config, url, host, bound_port, started_by, undo)
        _wait_until_warm(state, WARM_UP_TIMEOUT)
    except BaseException:
        undo()
        raise
    from ibmq_widgets.service.handlers.cloud import cloud_name

    instances = [
        {"name": instance.name, "crn": instance.crn, "cloud_name": cloud_name(instance)}
        for instance in config.instances_for_key(key_id(config.api_key))
    ]
    handle = ServiceHandle(
        url=url, port=bound_port, api_key=config.api_key, instances=instances, data_dir=config.data_dir,
        started_by=started_by, state=state, application=application, stopper=undo,
    )  # fmt: skip
    stop_at_exit(handle)
    return handle
