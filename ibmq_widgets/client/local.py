"""The local service as the account of last resort: find one already running, or start the embedded one.

This is the only client module that imports ``ibmq_widgets.service``, and only when it has to start a service.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from ibmq_widgets import exceptions as exc

__all__ = ["LocalService", "announce", "connect_local_service", "default_data_dir", "find_running_service"]

logger = logging.getLogger(__name__)

_PROBE_TIMEOUT = (1.0, 3.0)
_lock = threading.Lock()
_embedded: dict[Path, object] = {}  # data dir -> ServiceHandle started by this process
_announced: set[str] = set()


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


def default_data_dir() -> Path:
    """``$IBMQ_WIDGETS_DATA_DIR``, else ``jupyter_core.paths.jupyter_data_dir()/ibmq_widgets``."""
    env = os.environ.get("IBMQ_WIDGETS_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "ibmq_widgets"


def _is_live(url: str) -> bool:
    """GET / answers as an ibmq_widgets service."""
    try:
        response = requests.get(f"{url}/", timeout=_PROBE_TIMEOUT)
        return response.ok and response.json().get("service") == "ibmq_widgets"
    except (requests.RequestException, ValueError, AttributeError):
        return False


def find_running_service(data_dir: Path | None = None) -> LocalService | None:
    """The service announced in ``data_dir/service.json`` if it answers GET /, else None.

    A stale service.json (the service died without removing it) is ignored, not deleted: the lock file decides
    which process owns the directory.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    try:
        info = json.loads((data_dir / "service.json").read_text(encoding="utf-8"))
        url = str(info["url"]).rstrip("/")
        api_key = (data_dir / "api_key").read_text(encoding="utf-8").strip()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not api_key or not _is_live(url):
        return None
    return LocalService(url=url, api_key=api_key, data_dir=data_dir, started_here=False)


def _start_embedded(data_dir: Path) -> LocalService:
    handle = _embedded.get(data_dir)
    if handle is None:
        from ibmq_widgets.service import start  # the one place the client imports the service

        handle = start(data_dir=data_dir, port=0)
        _embedded[data_dir] = handle
        atexit.register(handle.stop)  # releases the data dir's lock and removes service.json
    return LocalService(
        url=str(handle.url).rstrip("/"),  # type: ignore[attr-defined]
        api_key=handle.api_key,  # type: ignore[attr-defined]
        data_dir=data_dir,
        started_here=True,
    )


def connect_local_service(data_dir: Path | None = None, *, start: bool = True) -> LocalService:
    """A running local service for ``data_dir``; starts the embedded one when none runs (if ``start``).

    Raises
    ------
    LocalServiceError
        If no service runs and none could be started.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    with _lock:
        if data_dir in _embedded:
            return _start_embedded(data_dir)
        found = find_running_service(data_dir)
        if found is not None:
            return found
        if not start:
            raise exc.LocalServiceError(f"no local service is running on data directory {data_dir}")
        try:
            return _start_embedded(data_dir)
        except exc.LocalServiceError as error:
            # Another kernel may have started one on the same directory a moment ago: use it.
            for _ in range(20):
                found = find_running_service(data_dir)
                if found is not None:
                    return found
                time.sleep(0.25)
            raise exc.LocalServiceError(f"could not start the local service: {error}") from None


def announce(url: str) -> None:
    """Print, once per process and URL, that the local service (simulated devices) is in use.

    A plain line on stdout: a notebook shows it under the cell without the alarm of a red warning box, and it
    is printed only once, however many cells load the account.
    """
    if url in _announced:
        return
    _announced.add(url)
    print(
        f"ibmq_widgets: using the local service at {url} (simulated devices with real calibration data, "
        "not IBM hardware)",
        file=sys.stdout,
    )
