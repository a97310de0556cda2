"""One owner per data directory: the lock a service holds, the ``service.json`` it announces, private modes.

- ``service.lock``: an exclusive ``flock`` held while a service runs on the directory, so two services never
  share one job store. The kernel drops it when its process dies, even by ``kill -9``: a service started later
  on the directory takes it over, removes the dead owner's ``service.json`` and announces itself.
- ``service.json`` (0600), written once the service listens, removed on a clean stop::

      {"url": "http://127.0.0.1:PORT", "port": PORT, "host": "127.0.0.1", "pid": 1234, "version": "...",
       "started_by": "serve" | "embedded" | "jupyter"}

  Never a key. ``started_by`` says who owns the directory: ``ibmq-widgets serve``, a kernel's embedded service,
  or a Jupyter server's extension. A client finding the file of a dead ``serve`` or ``jupyter`` owner must not
  start a service of its own there (it would hold the lock the server needs to restart).
- ``make_private``: the data directory 0700 and its files 0600, repaired at every start (a hand-written
  ``config.json`` with API keys may have been left world-readable).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

from ibmq_widgets.exceptions import LocalServiceError

try:  # POSIX only; elsewhere a second service on the same directory is not prevented
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "STARTED_BY",
    "DataDirLock",
    "make_private",
    "read_service_json",
    "remove_service_json",
    "write_private",
    "write_service_json",
]

logger = logging.getLogger(__name__)

#: Who may own a data directory, as ``service.json`` records it.
STARTED_BY = ("serve", "embedded", "jupyter")
#: The files of a data directory that only their owner may read.
PRIVATE_FILES = ("api_key", "secret", "config.json", "service.json", "service.lock")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read, atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def make_private(data_dir: Path) -> None:
    """Tighten ``data_dir`` to 0700 and its known files to 0600 (the job store tightens its own).

    A directory this user does not own, or a shared one (sticky bit, like ``/tmp``), is left as it is, with a
    warning: it is not this service's to lock down.
    """
    info = data_dir.stat()
    if info.st_uid != os.getuid() or info.st_mode & stat.S_ISVTX:
        logger.warning("data directory %s is shared or not yours; its mode is left as it is", data_dir)
    elif stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(data_dir, 0o700)
    for name in PRIVATE_FILES:
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE((data_dir / name).stat().st_mode) != 0o600:
                os.chmod(data_dir / name, 0o600)


def read_service_json(data_dir: Path) -> dict[str, Any] | None:
    """The ``service.json`` of ``data_dir`` as a dict, or None if it is missing or unreadable."""
    with contextlib.suppress(OSError, ValueError):
        info = json.loads((Path(data_dir) / "service.json").read_text())
        if isinstance(info, dict):
            return info
    return None


def write_service_json(data_dir: Path, info: dict[str, Any]) -> None:
    """Announce a listening service (url, pid, port, started_by; never a key) to clients looking for one."""
    write_private(Path(data_dir) / "service.json", json.dumps(info, indent=2) + "\n")


def remove_service_json(data_dir: Path) -> None:
    """Withdraw the announcement (clean stop, or a dead owner's file found by its successor)."""
    with contextlib.suppress(FileNotFoundError):
        (Path(data_dir) / "service.json").unlink()


class DataDirLock:
    """An exclusive flock on ``service.lock``: two services never share one data directory.

    Parameters
    ----------
    data_dir : Path
        The data directory.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "service.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock (from a dead owner too) or raise LocalServiceError naming the live one.

        Whatever ``service.json`` is there once the lock is ours belongs to a dead owner and is removed.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise LocalServiceError(self._held_message()) from None
        os.fchmod(fd, 0o600)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        stale = read_service_json(self.path.parent)
        if stale is not None and stale.get("pid") != os.getpid():
            logger.info("taking over data directory %s from a service that is gone", self.path.parent)
            remove_service_json(self.path.parent)

    def _held_message(self) -> str:
        running = ""
        info = read_service_json(self.path.parent)
        if info is not None:
            by = f", started by {info['started_by']}" if info.get("started_by") else ""
            running = f" (pid {info.get('pid')}{by}, {info.get('url')})"
        if not running:
            with contextlib.suppress(OSError):
                running = f" (pid {self.path.read_text().strip()})"
        return (
            f"another ibmq_widgets service{running} is already running on data directory {self.path.parent}; "
            "use that service, stop it, or pass a different data directory"
        )

    def release(self) -> None:
        """Release the lock; safe to call twice."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
