"""Finding an IBM Cloud API key's quantum instances, as the reference client does.

Three IBM Cloud APIs answer it (their base URLs come from :mod:`ibmq_widgets.client.platform_urls`):

- Global Search ``POST /v3/resources/search`` (query ``service_name:quantum-computing``, a page at a time with
  ``search_cursor``) lists every instance the key may use, with its CRN, name and plan id. An instance without
  ``doc.extensions`` has no backend allocation and is skipped, as the reference client skips it.
- Global Catalog ``GET /{plan id}`` names each plan and its pricing type: one request per distinct plan, not per
  instance, so discovering 50 instances of two plans costs a page of search and two catalog requests.
- Resource Controller ``GET /v2/resource_instances?name=...`` turns an instance name into its CRN.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ibmq_widgets import exceptions as exc

if TYPE_CHECKING:
    from ibmq_widgets.client.session import ApiSession

__all__ = ["DiscoveredInstance", "discover_instances", "resolve_instance_name"]

logger = logging.getLogger(__name__)

_QUERY = "service_name:quantum-computing"
_FIELDS = ["crn", "service_plan_unique_id", "name", "doc", "tags"]
_PAGE = 100
_MAX_PAGES = 1000  # a cursor that never ends is a server bug; stop rather than loop forever


@dataclass(frozen=True)
class DiscoveredInstance:
    """One quantum instance of an IBM Cloud account.

    Attributes
    ----------
    crn : str
        Its CRN, sent as ``Service-CRN`` with every call made for it.
    name : str
        Its IBM Cloud resource name.
    plan : str
        The plan's display name, lower case (``"open"``, ``"premium"``, ...; ``"unknown"`` when the catalog does
        not say).
    pricing_type : str
        The plan's pricing type (``"free"``, ``"subscription"``, ...; ``"unknown"`` when not known).
    hub, group, project : str or None
        The classic hub/group/project of the instance where its tags carry one (``hub:<name>``, ...).
    """

    crn: str
    name: str
    plan: str
    pricing_type: str
    hub: str | None = None
    group: str | None = None
    project: str | None = None


def _tag_value(tags: list, key: str) -> str | None:
    prefix = f"{key}:"
    for tag in tags or []:
        if isinstance(tag, str) and tag.startswith(prefix):
            return tag[len(prefix) :]
    return None


def _search_pages(search: ApiSession) -> list[dict]:
    items: list[dict] = []
    cursor = None
    for _ in range(_MAX_PAGES):
        body = {"query": _QUERY, "fields": _FIELDS}
        if cursor:
            body["search_cursor"] = cursor
        page = search.request("POST", "/v3/resources/search", params={"limit": _PAGE}, json=body).json()
        items.extend(page.get("items") or [])
        cursor = page.get("search_cursor")
        if not cursor or not page.get("items"):
            return items
    raise exc.IBMQApiError(
        f"Global Search at {search.host} kept returning pages; giving up after {_MAX_PAGES}"
    )


def _plan_names(catalog: ApiSession, plan_ids: set[str]) -> dict[str, tuple[str, str]]:
    names = {}
    for plan_id in sorted(plan_ids):
        try:
            entry = catalog.get_json(f"/{plan_id}")
        except (exc.IBMQNotFoundError, exc.IBMQAuthenticationError):
            # the catalog refuses archived plans (403): the instance still works, its plan name is unknown
            logger.warning("the catalog has no entry for plan %s; its name is unknown", plan_id)
            names[plan_id] = ("unknown", "unknown")
            continue
        display = entry.get("overview_ui", {}).get("en", {}).get("display_name") or "unknown"
        pricing = entry.get("metadata", {}).get("pricing", {}).get("type") or "unknown"
        names[plan_id] = (display.lower(), pricing.lower())
    return names


def discover_instances(search: ApiSession, catalog: ApiSession) -> list[DiscoveredInstance]:
    """Every quantum instance the key behind ``search`` may use.

    Parameters
    ----------
    search : ApiSession
        A session on Global Search, authenticated with the key's bearer token.
    catalog : ApiSession
        A session on Global Catalog, the same way.

    Raises
    ------
    IBMQAccountCredentialsInvalid
        If the key has no quantum instance with a backend allocation.
    """
    items = [item for item in _search_pages(search) if (item.get("doc") or {}).get("extensions")]
    if not items:
        raise exc.IBMQAccountCredentialsInvalid(
            f"this API key has no IBM Quantum instance (Global Search at {search.host} found none); create one "
            "on quantum.cloud.ibm.com, or use the key of an account that has one"
        )
    plans = _plan_names(catalog, {str(item.get("service_plan_unique_id")) for item in items})
    found = []
    for item in items:
        plan, pricing = plans[str(item.get("service_plan_unique_id"))]
        tags = item.get("tags") or []
        found.append(
            DiscoveredInstance(
                crn=str(item["crn"]),
                name=str(item.get("name") or item["crn"]),
                plan=plan,
                pricing_type=pricing,
                hub=_tag_value(tags, "hub"),
                group=_tag_value(tags, "group"),
                project=_tag_value(tags, "project"),
            )
        )
    return found


def resolve_instance_name(controller: ApiSession, name: str) -> str:
    """The CRN of the instance called ``name``.

    Parameters
    ----------
    controller : ApiSession
        A session on Resource Controller, authenticated with the key's bearer token.
    name : str
        The instance's IBM Cloud name.

    Raises
    ------
    IBMQProviderNotFound
        If no instance, or several, have that name.
    """
    body = controller.get_json("/v2/resource_instances", params={"name": name})
    crns = [resource["crn"] for resource in body.get("resources") or [] if resource.get("crn")]
    if len(crns) == 1:
        return crns[0]
    if not crns:
        raise exc.IBMQProviderNotFound(
            f"no instance is named {name!r} for this API key; IBMQ.providers() lists the ones it has "
            "(or pass the instance's CRN)"
        )
    raise exc.IBMQProviderNotFound(
        f"{len(crns)} instances are named {name!r}; pass the CRN of the one you mean: instance='crn:v1:...'"
    )
