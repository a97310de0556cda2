"""GET /api/v1/backends and a backend's configuration, properties, status and job limit."""

from __future__ import annotations

import tornado.web

from ibmq_widgets.service.config import InstanceConfig
from ibmq_widgets.service.handlers.base import ApiHandler
from ibmq_widgets.service.validation import check_backend_access

__all__ = ["routes"]


class BackendsHandler(ApiHandler):
    """``GET /backends``: every backend the instance may use, with its live queue length."""

    async def get(self) -> None:
        instance = self.instance()
        self.bool_argument("include_mocks")  # accepted (the reference client sends it) and ignored
        # The scheduler's queue lengths wait on its lock, which it can hold while the store is busy.
        self.write_json({"devices": await self.blocking(self._devices, instance)})

    def _devices(self, instance: InstanceConfig) -> list[dict]:
        catalog, scheduler = self.state.catalog, self.state.scheduler
        devices = []
        for name in catalog.names():
            summary = catalog.summary(name)
            if not instance.may_use(name, summary["n_qubits"], summary["simulator"]):
                continue
            processor = summary.get("processor_type")
            devices.append(
                {
                    "name": name,
                    "status": {"name": "online", "reason": "available"},
                    "queue_length": scheduler.pending_count(name),
                    "qubits": summary["n_qubits"],
                    "simulator": summary["simulator"],
                    "processor_type": processor if isinstance(processor, dict) else {},
                    "online_date": summary.get("online_date"),
                    "version": summary.get("backend_version"),
                }
            )
        return devices


class BackendResourceHandler(ApiHandler):
    """Base of the per-backend endpoints: checks the instance may use the backend (404 otherwise)."""

    def backend(self, name: str) -> dict:
        return check_backend_access(self.state.catalog, self.instance(), name)


class ConfigurationHandler(BackendResourceHandler):
    def get(self, name: str) -> None:
        self.backend(name)
        self.write_json_text(self.state.catalog.configuration_text(name))


class PropertiesHandler(BackendResourceHandler):
    """Properties, optionally as of ``updated_before`` (``{}`` when no calibration is that old)."""

    def get(self, name: str) -> None:
        self.backend(name)
        updated_before = self.datetime_argument("updated_before")
        text = self.state.catalog.properties_text(name, updated_before)
        self.write_json_text(text if text is not None else "{}")


class StatusHandler(BackendResourceHandler):
    async def get(self, name: str) -> None:
        summary = self.backend(name)
        queue_length = await self.blocking(self.state.scheduler.pending_count, name)
        self.write_json(
            {
                "state": True,
                "status": "active",
                "message": "available",
                "length_queue": queue_length,
                "backend_version": summary.get("backend_version") or "0.0.0",
            }
        )


class JobLimitHandler(BackendResourceHandler):
    """Extension: how many jobs this instance may have queued or running on the backend, and has."""

    async def get(self, name: str) -> None:
        self.backend(name)
        instance = self.instance()
        running = await self.blocking(self.state.scheduler.active_count, name, instance.name)
        self.write_json({"maximum_jobs": instance.limit_for(name), "running_jobs": running})


def routes(state: object) -> list[tornado.web.URLSpec]:
    """The routes of this module."""
    args = {"state": state}
    name = r"/api/v1/backends/([^/]+)"
    return [
        tornado.web.url(r"/api/v1/backends", BackendsHandler, args),
        tornado.web.url(name + r"/configuration", ConfigurationHandler, args),
        tornado.web.url(name + r"/properties", PropertiesHandler, args),
        tornado.web.url(name + r"/status", StatusHandler, args),
        tornado.web.url(name + r"/job_limit", JobLimitHandler, args),
    ]
