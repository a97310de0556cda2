"""POST /identity/token (the IAM token exchange) and GET / (the liveness probe)."""

from __future__ import annotations

from urllib.parse import parse_qs

import tornado.web

from ibmq_widgets.service.errors import ApiError
from ibmq_widgets.service.handlers.base import ApiHandler

__all__ = ["RootHandler", "TokenHandler"]

_GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"


class TokenHandler(ApiHandler):
    """Exchange an API key for a bearer token, as IBM Cloud IAM does (form body ``apikey=...``)."""

    def post(self) -> None:
        content_type = self.request.headers.get("Content-Type", "")
        if "application/json" in content_type:
            body = self.json_body()
            fields = body if isinstance(body, dict) else {}
        else:
            fields = self._form_fields()
        grant_type = fields.get("grant_type", _GRANT_TYPE)
        if grant_type != _GRANT_TYPE:
            raise ApiError(400, "bad_request", f"Unsupported grant_type; use {_GRANT_TYPE}.")
        api_key = fields.get("apikey")
        if not api_key or not isinstance(api_key, str):
            raise ApiError(400, "bad_request", "The form body needs 'apikey': your API key.")
        self.write_json(self.state.auth.issue(api_key))

    def _form_fields(self) -> dict[str, str]:
        """The last value of each field of an ``application/x-www-form-urlencoded`` body."""
        try:
            text = self.body().decode("utf-8")
            pairs = parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=100)
        except (UnicodeDecodeError, ValueError):
            raise ApiError(
                400, "bad_request", "The body must be a UTF-8 form: grant_type=...&apikey=<your API key>."
            ) from None
        return {name: values[-1] for name, values in pairs.items()}

    def check_xsrf_cookie(self) -> None:  # an API, not a browser form
        return None


class RootHandler(ApiHandler):
    """``GET /``: no auth; says the service is alive and which version it is."""

    def get(self) -> None:
        self.write_json({"service": "ibmq_widgets", "version": self.state.version})

    def head(self) -> None:
        self.finish()


def routes(state: object) -> list[tornado.web.URLSpec]:
    """The routes of this module."""
    args = {"state": state}
    return [
        tornado.web.url(r"/", RootHandler, args),
        tornado.web.url(r"/identity/token", TokenHandler, args),
    ]
