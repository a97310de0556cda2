"""openapi.yaml describes exactly the routes of the app, and marks the extensions."""

from __future__ import annotations

from importlib import resources

import pytest
import requests
import yaml
from tornado.web import RequestHandler

_METHODS = ("get", "post", "put", "delete", "patch", "head")
EXTENSIONS = {
    ("get", "/"),
    ("get", "/api/v1/instances"),
    ("get", "/api/v1/backends/{name}/job_limit"),
}


@pytest.fixture(scope="module")
def spec() -> dict:
    text = resources.files("ibmq_widgets.service").joinpath("openapi.yaml").read_text()
    return yaml.safe_load(text)


def _routed_paths(application) -> dict[str, set[str]]:
    """Every route of the app as an OpenAPI path template, with the HTTP methods its handler implements."""
    routes = {}
    for rule in application.wildcard_router.rules:
        pattern = rule.matcher.regex.pattern.rstrip("$")  # e.g. /api/v1/backends/([^/]+)/status
        placeholder = "{name}" if pattern.startswith("/api/v1/backends/") else "{id}"
        implemented = {
            method
            for method in _METHODS
            if method != "head" and getattr(rule.target, method) is not getattr(RequestHandler, method)
        }
        routes[pattern.replace("([^/]+)", placeholder)] = implemented
    return routes


def test_every_route_is_documented_and_every_documented_path_is_routed(local_service, spec):
    routed = _routed_paths(local_service.application)
    documented = {path: {m for m in item if m in _METHODS} for path, item in spec["paths"].items()}
    assert set(routed) == set(documented)
    for path, methods in routed.items():
        assert methods == documented[path], path


def test_extensions_are_marked(spec):
    marked = {
        (method, path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in _METHODS and operation.get("x-ibmq-widgets-extension")
    }
    assert marked == EXTENSIONS
    parameters = {p["name"] for p in spec["paths"]["/api/v1/jobs"]["get"]["parameters"] if "name" in p}
    assert {"limit", "offset", "backend", "pending", "program", "tags", "created_after", "created_before",
            "sort", "status"} <= parameters  # fmt: skip


def test_every_documented_path_answers_with_its_documented_statuses(local_service, spec, research_api):
    """Each documented GET answers (no 5xx, no 405) with a status the spec lists."""
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        concrete = path.replace("{name}", "ibmq_manila").replace("{id}", "doesnotexist0000000")
        if concrete in ("/", "/identity/token"):
            response = requests.get(local_service.url + concrete, timeout=30)
        else:
            response = research_api.session.get(local_service.url + concrete, timeout=30)
        assert str(response.status_code) in item["get"]["responses"], (path, response.status_code)
