"""GET /api/v1/instances (extension: the instances a key can use) and GET /api/v1/instances/usage."""

from __future__ import annotations

import tornado.web

from ibmq_widgets.service.handlers.base import ApiHandler

__all__ = ["routes"]


class InstancesHandler(ApiHandler):
    """Extension: every instance the token's key may use; needs no Service-CRN."""

    def get(self) -> None:
        instances = self.state.auth.instances(self.key_id())
        self.write_json({"instances": [instance.describe() for instance in instances]})


class UsageHandler(ApiHandler):
    """Seconds the finished jobs of the instance ran (running -> finished); this service sets no limit."""

    async def get(self) -> None:
        instance = self.instance()
        consumed = await self.blocking(self.state.usage_seconds, instance.name)
        self.write_json(
            {
                "instance_id": instance.crn,
                "plan_id": instance.plan,
                "usage_consumed_seconds": round(consumed, 3),
                "usage_limit_seconds": None,
                "usage_limit_reached": False,
                "usage_remaining_seconds": None,
            }
        )


def routes(state: object) -> list[tornado.web.URLSpec]:
    """The routes of this module."""
    args = {"state": state}
    return [
        tornado.web.url(r"/api/v1/instances", InstancesHandler, args),
        tornado.web.url(r"/api/v1/instances/usage", UsageHandler, args),
    ]
