"""Where each API of an account lives: IBM Quantum, IAM and the three IBM Cloud account APIs.

The rules are the reference client's (qiskit-ibm-runtime's ``default_runtime_url_resolver`` and its account
helpers), so an account reaches exactly the hosts it would reach there:

- ``url`` is the IBM Cloud URL, ``https://cloud.ibm.com`` by default. The quantum API is
  ``https://quantum.<host>/api/v1`` for instances in ``us-east`` and ``https://<region>.quantum.<host>/api/v1`` for
  other regions (the region is the sixth field of the instance's CRN); ``private.`` goes in front for a private
  endpoint.
- IAM is ``iam.<host>`` (``iam.test.cloud.ibm.com`` for a staging CRN); Global Search, Global Catalog and Resource
  Controller are ``api.global-search-tagging.<host>``, ``globalcatalog.<host>/api/v1`` and
  ``resource-controller.<host>``.
- The environment overrides that the reference client and ibm-cloud-sdk-core honour win: ``IAM_URL``,
  ``GLOBAL_SEARCH_URL``, ``GLOBAL_CATALOG_URL``, ``RESOURCE_CONTROLLER_URL``.

Two departures, each where the reference would build a URL that cannot work: a ``url`` that already ends in
``/api/v1`` is the quantum API itself (never doubled, and its IBM Cloud host is the one below ``quantum.``), and a
``url`` on a loopback or bare-IP host is a local service, which serves every API under its one root.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.auth import is_crn, parse_crn

__all__ = ["DEFAULT_CLOUD_URL", "PlatformUrls", "resolve_urls"]

#: The IBM Cloud URL an account uses when it names none.
DEFAULT_CLOUD_URL = "https://cloud.ibm.com"
_STAGING_IAM_HOST = "iam.test.cloud.ibm.com"
_API_SUFFIX = "/api/v1"
# Where a local service serves the IBM Cloud APIs under its root (see the service's handlers/cloud.py).
_LOCAL_PREFIXES = {
    "global_search": "/global-search",
    "global_catalog": "/global-catalog/api/v1",
    "resource_controller": "/resource-controller",
}


@dataclass(frozen=True)
class PlatformUrls:
    """The base URL of every API one account uses.

    Attributes
    ----------
    api : str
        The quantum API, ending in ``/api/v1``.
    iam : str
        The IAM root; tokens come from ``{iam}/identity/token``.
    global_search, global_catalog, resource_controller : str
        The IBM Cloud account APIs that find an account's instances.
    local : bool
        Whether these are a local service's (one root for all).
    """

    api: str
    iam: str
    global_search: str
    global_catalog: str
    resource_controller: str
    local: bool = False


def _is_local_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _check(url: str) -> tuple[str, str, str]:
    """The scheme, host and path of ``url``, or a clear error for one that no client could use."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise exc.IBMQAccountCredentialsInvalid(
            f"url must be an http(s) URL such as {DEFAULT_CLOUD_URL} (or a local service's "
            "http://127.0.0.1:PORT); got one that is not."
        )
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def _cloud_host(netloc: str) -> str:
    # "quantum.cloud.ibm.com" and "eu-de.quantum.cloud.ibm.com" are quantum hosts of "cloud.ibm.com"
    match = re.match(r"^(?:private\.)?(?:[a-z0-9-]+\.)?quantum\.(.+)$", netloc)
    return match.group(1) if match else netloc


def resolve_urls(
    url: str | None = None,
    crn: str | None = None,
    *,
    private_endpoint: bool = False,
    single_root: bool | None = None,
    environ: Mapping[str, str] | None = None,
) -> PlatformUrls:
    """Every API base URL of an account.

    Parameters
    ----------
    url : str, optional
        The IBM Cloud URL (default ``https://cloud.ibm.com``), a quantum API URL ending in ``/api/v1``, or a local
        service's root.
    crn : str, optional
        The instance's CRN: its region picks the regional quantum host, a staging CRN the staging IAM host.
    private_endpoint : bool
        Use the private quantum and IAM endpoints.
    single_root : bool, optional
        Whether ``url`` is a local service's root that serves every API; by default, when its host is loopback or
        a bare IP address.
    environ : mapping, optional
        Where to read the overrides (default ``os.environ``).

    Raises
    ------
    IBMQAccountCredentialsInvalid
        A ValueError: ``url`` is not an http(s) URL.
    """
    # Long by its docstring and the two branches (one root, or IBM's hosts) that must be read side by side.
    env = os.environ if environ is None else environ
    scheme, netloc, path = _check(url or DEFAULT_CLOUD_URL)
    root = f"{scheme}://{netloc}{path}"
    host = urlsplit(root).hostname or netloc
    if single_root or (single_root is None and _is_local_host(host)):
        base = root[: -len(_API_SUFFIX)] if root.endswith(_API_SUFFIX) else root
        return PlatformUrls(
            api=base + _API_SUFFIX,
            iam=env.get("IAM_URL") or base,
            global_search=env.get("GLOBAL_SEARCH_URL") or base + _LOCAL_PREFIXES["global_search"],
            global_catalog=env.get("GLOBAL_CATALOG_URL") or base + _LOCAL_PREFIXES["global_catalog"],
            resource_controller=env.get("RESOURCE_CONTROLLER_URL")
            or base + _LOCAL_PREFIXES["resource_controller"],
            local=True,
        )
    private = "private." if private_endpoint else ""
    if path.endswith(_API_SUFFIX):
        api, cloud = root, _cloud_host(netloc)
    else:
        cloud = netloc
        region = parse_crn(crn).region if is_crn(crn) else "us-east"
        if private_endpoint:
            api = f"{scheme}://private.{region}.quantum.{cloud}{_API_SUFFIX}"
        else:
            prefix = "" if region == "us-east" else f"{region}."
            api = f"{scheme}://{prefix}quantum.{cloud}{_API_SUFFIX}"
    staging = is_crn(crn) and parse_crn(crn).cname == "staging"
    iam_host = _STAGING_IAM_HOST if staging else f"iam.{cloud}"
    return PlatformUrls(
        api=api,
        iam=env.get("IAM_URL") or f"{scheme}://{private}{iam_host}",
        global_search=env.get("GLOBAL_SEARCH_URL") or f"{scheme}://api.global-search-tagging.{cloud}",
        global_catalog=env.get("GLOBAL_CATALOG_URL") or f"{scheme}://globalcatalog.{cloud}/api/v1",
        resource_controller=env.get("RESOURCE_CONTROLLER_URL") or f"{scheme}://resource-controller.{cloud}",
    )
