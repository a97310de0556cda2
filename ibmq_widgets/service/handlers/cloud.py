"""IBM Cloud look-alikes: the three account APIs a client uses to find its quantum instances.

On IBM Cloud each lives on a host of its own; the local service serves them under a path prefix of its one root,
so a client can be pointed at them one by one (the reference client reads GLOBAL_SEARCH_URL, GLOBAL_CATALOG_URL and
RESOURCE_CONTROLLER_URL, and IAM_URL for the token exchange):

======================================  ===========================================  ==============================
IBM Cloud                               local service                                used for
======================================  ===========================================  ==============================
api.global-search-tagging.cloud.ibm.com ``{root}/global-search``                     every instance of a key
globalcatalog.cloud.ibm.com/api/v1      ``{root}/global-catalog/api/v1``             an instance's plan name, pricing
resource-controller.cloud.ibm.com       ``{root}/resource-controller``               an instance name -> its CRN
======================================  ===========================================  ==============================

Each answers with the fields IBM documents and the reference client reads, nothing more, and each wants the
bearer token of POST /identity/token: a key sees only its own instances.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import tornado.web

from ibmq_widgets.service.config import InstanceConfig
from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.service.handlers.base import ApiHandler

__all__ = ["CLOUD_PREFIXES", "PLANS", "cloud_name", "plan_id", "routes"]

#: Where each IBM Cloud API lives under the local service's root.
CLOUD_PREFIXES = {
    "global_search": "/global-search",
    "global_catalog": "/global-catalog/api/v1",
    "resource_controller": "/resource-controller",
}

#: The catalog entry of each plan: IBM's display name and pricing type.
PLANS = {
    "open": {"display_name": "Open", "pricing": "free"},
    "premium": {"display_name": "Premium", "pricing": "subscription"},
    "standard": {"display_name": "Standard", "pricing": "paid"},
    "flex": {"display_name": "Flex", "pricing": "paid"},
}

_MAX_PAGE = 1000  # Global Search's own maximum page size


def plan_id(plan: str) -> str:
    """The catalog id of a plan, shaped like IBM's (a stable, readable stand-in for their UUIDs)."""
    return f"ibmq-widgets-plan-{plan}"


def cloud_name(instance: InstanceConfig) -> str:
    """The instance's IBM Cloud resource name: its own, else one made from its group and project."""
    return instance.cloud_name or f"{instance.group}-{instance.project}"


def _search_item(instance: InstanceConfig, fields: list[str] | None) -> dict[str, Any]:
    item = {
        "crn": instance.crn,
        "name": cloud_name(instance),
        "service_plan_unique_id": plan_id(instance.plan),
        "tags": [f"hub:{instance.hub}", f"group:{instance.group}", f"project:{instance.project}"],
        "type": "resource-instance",
        # "extensions" lists the instance's backend allocation: the reference client skips an instance without it
        "doc": {"extensions": [{"virtual_private_endpoints": {}, "hub": instance.name}]},
    }
    if fields is None or "*" in fields:
        return item
    return {name: value for name, value in item.items() if name in fields or name == "crn"}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(cursor: Any) -> int:
    if cursor in (None, ""):
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(str(cursor).encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError, RecursionError):
        raise ApiError(400, "invalid_cursor", "search_cursor is not one this service returned.") from None
    if not isinstance(offset, int) or offset < 0:
        raise ApiError(400, "invalid_cursor", "search_cursor is not one this service returned.")
    return offset


class GlobalSearchHandler(ApiHandler):
    """POST /v3/resources/search: the key's quantum instances, a page at a time (search_cursor)."""

    def post(self) -> None:
        instances = self.state.auth.instances(self.key_id())
        body = self.json_body() or {}
        if not isinstance(body, dict):
            raise ApiError(400, "bad_request", "The search body must be a JSON object with a 'query'.")
        query = body.get("query", "")
        if not isinstance(query, str) or not query.strip():
            raise ApiError(400, "bad_request", "Give a 'query', e.g. service_name:quantum-computing.")
        fields = body.get("fields")
        if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
            raise ApiError(400, "bad_request", "'fields' must be a list of field names.")
        limit = self.int_argument("limit", 10, minimum=1, maximum=_MAX_PAGE)
        # Only quantum instances live here: any other service's query matches nothing.
        matching = instances if "quantum-computing" in query else []
        start = _offset(body.get("search_cursor"))
        page = matching[start : start + limit]
        result: dict[str, Any] = {
            "items": [_search_item(instance, fields) for instance in page],
            "limit": limit,
        }
        if start + limit < len(matching):
            result["search_cursor"] = _cursor(start + limit)
        self.write_json(result)


class CatalogEntryHandler(ApiHandler):
    """GET /{id}: a plan's catalog entry (display name and pricing type)."""

    def get(self, entry_id: str) -> None:
        self.key_id()
        plans = {plan_id(name): (name, plan) for name, plan in PLANS.items()}
        if entry_id not in plans:
            raise ApiError(404, "not_found", f"No catalog entry {entry_id!r}.")
        name, plan = plans[entry_id]
        self.write_json(
            {
                "id": entry_id,
                "name": name,
                "kind": "plan",
                "overview_ui": {"en": {"display_name": plan["display_name"], "description": ""}},
                "metadata": {"pricing": {"type": plan["pricing"]}},
            }
        )


class ResourceInstancesHandler(ApiHandler):
    """GET /v2/resource_instances?name=...: the key's instances of that name, with their CRNs."""

    def get(self) -> None:
        instances = self.state.auth.instances(self.key_id())
        name = self.get_query_argument("name", None)
        found = [i for i in instances if name is None or name in (cloud_name(i), i.name)]
        resources = [
            {
                "crn": instance.crn,
                "id": instance.crn,
                "guid": instance.crn.split(":")[7] if instance.crn.count(":") >= 7 else instance.crn,
                "name": cloud_name(instance),
                "resource_plan_id": plan_id(instance.plan),
                "state": "active",
                "type": "service_instance",
            }
            for instance in found
        ]
        self.write_json({"rows_count": len(resources), "next_url": None, "resources": resources})


def routes(state: object) -> list[tornado.web.URLSpec]:
    """The routes of this module, under their prefixes."""
    args = {"state": state}
    return [
        tornado.web.url(CLOUD_PREFIXES["global_search"] + r"/v3/resources/search", GlobalSearchHandler, args),
        tornado.web.url(CLOUD_PREFIXES["global_catalog"] + r"/([^/]+)", CatalogEntryHandler, args),
        tornado.web.url(
            CLOUD_PREFIXES["resource_controller"] + r"/v2/resource_instances", ResourceInstancesHandler, args
        ),
    ]
