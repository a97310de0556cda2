"""A requests transport adapter that routes IBM's hosts to a local service, and checks every path it routes.

The client under test keeps its real default URLs (https://cloud.ibm.com and the hosts derived from it); only the
transport changes, so the code path is the one a user with an IBM Cloud API key runs. Every request must use a
path that exists on IBM's platform: a request to a local-only extension fails the test.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from ibmq_widgets.client.retry import RetryPolicy

# host -> the path prefix the local service serves that API under
QUANTUM_HOST = re.compile(r"^(?:[a-z0-9-]+\.)?quantum\.cloud\.ibm\.com$")
HOST_PREFIXES = {
    "iam.cloud.ibm.com": "",
    "api.global-search-tagging.cloud.ibm.com": "/global-search",
    "globalcatalog.cloud.ibm.com": "/global-catalog",
    "resource-controller.cloud.ibm.com": "/resource-controller",
}
# The paths each IBM host has (IBM's API documentation and the reference client's calls).
IBM_PATHS = {
    "iam": [r"/identity/token"],
    "api.global-search-tagging": [r"/v3/resources/search"],
    "globalcatalog": [r"/api/v1/[^/]+"],
    "resource-controller": [r"/v2/resource_instances"],
    "quantum": [
        r"/api/v1/backends",
        r"/api/v1/backends/[^/]+/(configuration|properties|status|defaults)",
        r"/api/v1/instances/usage",
        r"/api/v1/jobs",
        r"/api/v1/jobs/[^/]+",
        r"/api/v1/jobs/[^/]+/(results|cancel|tags|metrics|logs|transpiled_circuits)",
        r"/api/v1/sessions",
        r"/api/v1/sessions/[^/]+",
        r"/api/v1/sessions/[^/]+/close",
    ],
}


def _api_of(host: str) -> str | None:
    if QUANTUM_HOST.match(host):
        return "quantum"
    for name in IBM_PATHS:
        if host.startswith(name + "."):
            return name
    return None


class IbmHostsToLocalService(HTTPAdapter):
    """Sends requests for IBM's hosts to ``local_root`` instead, over real loopback HTTP.

    Attributes
    ----------
    seen : list of (method, host, path)
        Every request routed, in order.
    refused : list of str
        Requests to a host or path IBM does not have (the test asserts this stays empty).
    """

    def __init__(self, local_root: str) -> None:
        # the client's own transport retries (urllib3 Retry honouring Retry-After), as build_http mounts them
        super().__init__(max_retries=RetryPolicy().transport_retry(time.sleep))
        self.local = urlsplit(local_root)
        self.seen: list[tuple[str, str, str]] = []
        self.refused: list[str] = []
        self._lock = threading.Lock()

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[override]
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        api = _api_of(host)
        with self._lock:
            self.seen.append((request.method or "", host, parts.path))
            if api is None or not any(re.fullmatch(p, parts.path) for p in IBM_PATHS[api]):
                self.refused.append(f"{request.method} {host}{parts.path}")
        prefix = "" if api == "quantum" else HOST_PREFIXES.get(host, "/unknown-host")
        request.url = urlunsplit(
            (self.local.scheme, self.local.netloc, prefix + parts.path, parts.query, parts.fragment)
        )
        return super().send(request, **kwargs)

    def hosts(self) -> set[str]:
        """Every host a request was sent to."""
        with self._lock:
            return {host for _, host, _ in self.seen}

    def count(self, host_part: str = "") -> int:
        """Requests sent to hosts containing ``host_part``."""
        with self._lock:
            return sum(1 for _, host, _ in self.seen if host_part in host)


def routed_session(adapter: IbmHostsToLocalService) -> requests.Session:
    """A requests.Session whose https:// traffic goes through ``adapter``."""
    session = requests.Session()
    session.mount("https://", adapter)
    return session
