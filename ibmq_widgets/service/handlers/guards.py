"""What every request passes before a handler looks at it: the Host allowlist, header and body size caps.

Host allowlist (DNS-rebinding defence): a web page on ``evil.example`` whose name an attacker re-points at
127.0.0.1 can make a browser send requests to this service, but they carry ``Host: evil.example``. Only the
loopback names (``localhost``, ``127.0.0.1``, ``[::1]``, any port), the host the service was bound to, the address
the connection arrived at (an IP literal cannot be rebound) and the configured ``allowed_hosts`` are accepted;
``*`` accepts every host.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ibmq_widgets.service.errors import ApiError

__all__ = [
    "HARD_MAX_HEADER_BYTES",
    "MAX_HEADER_BYTES",
    "HostAllowlist",
    "blocking_pool",
    "check_header_size",
]

#: The most bytes of request line and headers answered; bigger ones get 431.
MAX_HEADER_BYTES = 64 * 1024
#: Past this many bytes tornado stops reading the headers and drops the connection (nothing can be answered).
HARD_MAX_HEADER_BYTES = 1024 * 1024
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

_pool: ThreadPoolExecutor | None = None


def blocking_pool() -> ThreadPoolExecutor:
    """The threads that run store and scheduler calls and big decodes, so the IOLoop never waits on them."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ibmq-widgets-api")
    return _pool


def _normal(host: str) -> str:
    """A host name or address without port or brackets, lower case, without a trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):  # [v6] or [v6]:port
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:  # name:port or v4:port (a bare IPv6 address has more colons)
        host = host.partition(":")[0]
    return host.rstrip(".")


def _same_address(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


class HostAllowlist:
    """Which ``Host`` headers the service answers.

    Parameters
    ----------
    allowed : iterable of str, optional
        Extra host names or addresses (ports are ignored); ``"*"`` allows every host.
    bound_host : str, optional
        The host the service listens on (``start(host=...)``); allowed unless it is a wildcard address.
    """

    def __init__(self, allowed: Iterable[str] | None = None, bound_host: str | None = None) -> None:
        names = {_normal(name) for name in (allowed or ()) if isinstance(name, str) and name.strip()}
        self.allow_all = "*" in names
        if bound_host and _normal(bound_host) not in ("", "0.0.0.0", "::"):
            names.add(_normal(bound_host))
        self.names = frozenset(names | set(LOOPBACK_HOSTS))

    def allows(self, host_header: str | None, local_address: str | None = None) -> bool:
        """Whether a request with this ``Host`` header, arriving at ``local_address``, is answered."""
        if self.allow_all or host_header is None:  # HTTP/1.0 without Host: nothing a browser would send
            return True
        host = _normal(host_header)
        if host in self.names:
            return True
        return local_address is not None and _same_address(host, local_address)

    def check(self, host_header: str | None, local_address: str | None, port: Any = None) -> None:
        """Raise a 403 ``forbidden`` unless :meth:`allows`.

        Raises
        ------
        ApiError
            403 naming the refused host and how to allow it.
        """
        if self.allows(host_header, local_address):
            return
        where = f"http://127.0.0.1:{port}" if port else "http://127.0.0.1:<port>"
        raise ApiError(
            403,
            "forbidden",
            f"Requests for host {host_header[:100]!r} are refused (DNS-rebinding protection); use {where}, or "
            "list the host in 'allowed_hosts' of the service's config.json ('*' allows every host).",
        )


def check_header_size(start_line_bytes: int, headers: Any) -> None:
    """Raise a 431 when the request line and headers are over :data:`MAX_HEADER_BYTES`.

    Raises
    ------
    ApiError
        431 ``header_too_large``.
    """
    size = start_line_bytes + sum(len(name) + len(value) + 4 for name, value in headers.get_all())
    if size > MAX_HEADER_BYTES:
        raise ApiError(
            431,
            "header_too_large",
            f"The request headers are {size} bytes, over the limit of {MAX_HEADER_BYTES}; send fewer or "
            "shorter headers (and put large data in the body).",
        )
