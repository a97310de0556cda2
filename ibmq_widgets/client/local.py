"""The local service as the account of last resort: find the one that owns a data directory, or start one.

A data directory has one owner at a time: the service whose ``service.json`` (url, pid, ``started_by``) it
holds. The client uses that service when it answers. When it does not, what the file says decides:

- ``started_by`` is ``"serve"`` or ``"jupyter"``: a long-lived server owns the directory and died or hangs
  (e.g. ``kill -9``). The client does NOT start its own service there (that one would hold the directory's lock,
  so restarting the server would fail); it raises LocalServiceError naming the service it expected and how to
  restart it.
- ``started_by`` is ``"embedded"`` with a dead pid, or missing (files written before the field existed): the
  kernel that started it is gone, and starting the embedded service here is fine.

This is the only client module that imports ``ibmq_widgets.service``, and only when it has to start a service.
Whichever service it uses, it says so once (:func:`announce`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.session import probe
from ibmq_widgets.data_dir import default_data_dir

__all__ = [
    "LocalService",
    "ServiceRecord",
    "announce",
    "connect_local_service",
    "default_data_dir",
    "find_running_service",
    "read_service_record",
]

logger = logging.getLogger(__name__)

_PROBE_TIMEOUT = (1.0, 3.0)
_SERVER_STARTUP_GRACE = (
    5.0  # seconds a live server process that does not answer yet is given to start listening
)
_lock = threading.Lock()
_embedded: dict[Path, object] = {}  # data dir -> ServiceHandle started by this process
_announced: set[str] = set()
_origins: dict[str, str] = {}  # url -> who started that service, for the announcement
_LONG_LIVED = {"serve": "`ibmq-widgets serve`", "jupyter": "a Jupyter server (the ibmq_widgets extension)"}


@dataclass(frozen=True)
class LocalService:
    """Where a local service listens, and its API key (never shown in repr).

    Attributes
    ----------
    url : str
        Root URL, ``http://127.0.0.1:PORT``.
    data_dir : Path
        Its data directory.
    started_here : bool
        True when this process started it (the embedded service), False when it was already running.
    """

    url: str
    api_key: str
    data_dir: Path
    started_here: bool

    def __repr__(self) -> str:
        how = "embedded" if self.started_here else "running"
        return f"LocalService(url={self.url!r}, data_dir={str(self.data_dir)!r}, {how})"


@dataclass(frozen=True)
class ServiceRecord:
    """What a data directory's ``service.json`` says about the service that owns it.

    Attributes
    ----------
    url : str
        Where it listens (or listened).
    pid : int or None
        Its process id.
    started_by : str or None
        ``"serve"``, ``"embedded"`` or ``"jupyter"``; None in files written before the field existed.
    """

    url: str
    pid: int | None
    started_by: str | None

    @property
    def long_lived(self) -> bool:
        """Whether a server that outlives kernels owns the directory (``serve`` or a Jupyter server)."""
        return self.started_by in _LONG_LIVED

    def process_alive(self) -> bool:
        """Whether the recorded process still exists (False when no pid is recorded)."""
        if self.pid is None or self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # it exists, as another user
        except OSError:
            return False
        return True

    def describe(self) -> str:
        """Who started it and with which pid, for people."""
        who = _LONG_LIVED.get(
            self.started_by or "", "an embedded service" if self.started_by else "a service"
        )
        return f"{who} (pid {self.pid})" if self.pid else who


def read_service_record(data_dir: Path | None = None) -> ServiceRecord | None:
    """The ``service.json`` of ``data_dir`` (default: the default data directory), or None if there is none."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    try:
        info = json.loads((data_dir / "service.json").read_text(encoding="utf-8"))
        url = str(info["url"]).rstrip("/")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    pid = info.get("pid")
    started_by = info.get("started_by")
    return ServiceRecord(
        url=url,
        pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
        started_by=str(started_by) if started_by else None,
    )


def _is_live(url: str) -> bool:
    """GET / answers as an ibmq_widgets service."""
    body = probe(url, timeout=_PROBE_TIMEOUT)
    return bool(body) and body.get("service") == "ibmq_widgets"


def _api_key(data_dir: Path) -> str | None:
    try:
        return (data_dir / "api_key").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def find_running_service(data_dir: Path | None = None) -> LocalService | None:
    """The service announced in ``data_dir/service.json`` if it answers GET /, else None.

    A stale service.json (the service died without removing it) is ignored, not deleted: the lock file decides
    which process owns the directory.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    record = read_service_record(data_dir)
    api_key = _api_key(data_dir)
    if record is None or api_key is None or not _is_live(record.url):
        return None
    _origins[record.url] = f"{record.describe()}, data directory {data_dir}"
    return LocalService(url=record.url, api_key=api_key, data_dir=data_dir, started_here=False)


def _start_embedded(data_dir: Path) -> LocalService:
    handle = _embedded.get(data_dir)
    if handle is None:
        from ibmq_widgets.service import start  # the one place the client imports the service

        handle = start(data_dir=data_dir, port=0)
        _embedded[data_dir] = handle
    url = str(handle.url).rstrip("/")  # type: ignore[attr-defined]
    _origins[url] = f"embedded in this process (pid {os.getpid()}), data directory {data_dir}"
    return LocalService(url=url, api_key=handle.api_key, data_dir=data_dir, started_here=True)  # type: ignore[attr-defined]


def _owner_not_answering(record: ServiceRecord, data_dir: Path) -> exc.LocalServiceError:
    state = "still running but not answering" if record.process_alive() else "no longer running"
    return exc.LocalServiceError(
        f"the local service of data directory {data_dir} does not answer: its service.json says "
        f"{record.describe()} serves it at {record.url}, and that process is {state}. Restart it with "
        f"`ibmq-widgets serve --data-dir {data_dir}` (or restart the Jupyter server that ran it). This kernel "
        "does not start its own service there, which would keep the server from starting again."
    )


def _wait_for_server(record: ServiceRecord, data_dir: Path) -> LocalService | None:
    """Give a server process that exists but does not answer yet a moment to start listening."""
    deadline = time.monotonic() + _SERVER_STARTUP_GRACE
    while record.process_alive() and time.monotonic() < deadline:
        found = find_running_service(data_dir)
        if found is not None:
            return found
        time.sleep(0.25)
    return None


def connect_local_service(data_dir: Path | None = None, *, start: bool = True) -> LocalService:
    """The service that owns ``data_dir``; starts the embedded one when none does (if ``start``).

    Raises
    ------
    LocalServiceError
        If a long-lived server (``ibmq-widgets serve``, a Jupyter server) owns the directory but does not answer;
        or no service runs and none could be started.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    with _lock:
        if data_dir in _embedded:
            return _start_embedded(data_dir)
        found = find_running_service(data_dir)
        if found is not None:
            logger.info("using the local service at %s (%s)", found.url, _origins.get(found.url))
            return found
        record = read_service_record(data_dir)
        if record is not None and record.long_lived:
            found = _wait_for_server(record, data_dir)
            if found is not None:
                return found
            raise _owner_not_answering(record, data_dir)
        if not start:
            raise exc.LocalServiceError(f"no local service is running on data directory {data_dir}")
        return _start_or_join(data_dir)


def _start_or_join(data_dir: Path) -> LocalService:
    try:
        service = _start_embedded(data_dir)
    except exc.LocalServiceError as error:
        # Another kernel may have started one on the same directory a moment ago: use it.
        for _ in range(20):
            found = find_running_service(data_dir)
            if found is not None:
                return found
            time.sleep(0.25)
        raise exc.LocalServiceError(f"could not start the local service: {error}") from None
    logger.info("started the embedded local service at %s on data directory %s", service.url, data_dir)
    return service


def announce(url: str) -> None:
    """Print, once per process and URL, which local service (simulated devices) is in use.

    A plain line on stdout: a notebook shows it under the cell without the alarm of a red warning box, and it
    is printed only once, however many cells load the account. It names who started the service when the
    client found it through a data directory.
    """
    if url in _announced:
        return
    _announced.add(url)
    origin = _origins.get(url)
    print(
        f"ibmq_widgets: using the local service at {url}{f' ({origin})' if origin else ''}: simulated devices "
        "with real calibration data, not IBM hardware",
        file=sys.stdout,
    )
