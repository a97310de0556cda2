"""API keys -> bearer tokens, and bearer token -> the key's instances.

Tokens are JWTs (HS256) signed with the data directory's secret, so a token stays valid across a restart until
it expires. The reference client decodes them unverified (``exp``, ``iat``) and refreshes before expiry.
A token names the key by its id (a hash), never the key itself; a key removed from config.json stops working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from ibmq_widgets.service.config import InstanceConfig, ServiceConfig, key_id

__all__ = ["TOKEN_LIFETIME_SECONDS", "AuthError", "Authenticator"]

TOKEN_LIFETIME_SECONDS = 3600
_ISSUER = "ibmq_widgets"


class AuthError(Exception):
    """A request could not be authenticated or authorized; ``status`` is 401 or 403."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = "unauthorized" if status == 401 else "forbidden"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    """Issues and checks bearer tokens for the keys of one ServiceConfig.

    Parameters
    ----------
    config : ServiceConfig
        Keys, instances and the signing secret.
    lifetime : float
        Seconds a token stays valid.
    """

    def __init__(self, config: ServiceConfig, *, lifetime: float = TOKEN_LIFETIME_SECONDS) -> None:
        self._config = config
        self._lifetime = lifetime

    def __repr__(self) -> str:
        return f"Authenticator(keys={len(self._config.keys)})"

    # --- tokens ---------------------------------------------------------------------------------------------
    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self._config.secret, signing_input.encode(), hashlib.sha256).digest())

    def encode(self, claims: dict[str, Any]) -> str:
        """A signed HS256 JWT with ``claims``."""
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{header}.{payload}.{self._sign(f'{header}.{payload}')}"

    def issue(self, api_key: str) -> dict[str, Any]:
        """The POST /identity/token response for ``api_key``.

        Raises
        ------
        AuthError
            If the key is unknown (401).
        """
        kid = key_id(api_key or "")
        if not api_key or kid not in self._config.keys:
            raise AuthError("The API key is not valid for this service. Check the key and try again.")
        now = int(time.time())
        expires = now + int(self._lifetime)
        claims = {"iss": _ISSUER, "sub": kid, "iat": now, "exp": expires, "jti": secrets.token_hex(8)}
        return {
            "access_token": self.encode(claims),
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": int(self._lifetime),
            "expiration": expires,
            "scope": "ibm openid",
        }

    def verify(self, authorization: str | None) -> str:
        """The key id of a valid ``Authorization: Bearer <jwt>`` header.

        Raises
        ------
        AuthError
            401 if the header is missing, malformed, badly signed or expired, or its key was removed.
        """
        if not authorization:
            raise AuthError(
                "Missing Authorization header; exchange your API key at POST /identity/token and send "
                "'Authorization: Bearer <access_token>'."
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or token.count(".") != 2:
            raise AuthError(
                "The Authorization header must be 'Bearer <access_token>' from POST /identity/token."
            )
        header, payload, signature = token.strip().split(".")
        # Compared as bytes: compare_digest refuses str with non-ASCII characters (headers arrive as latin-1).
        expected = self._sign(f"{header}.{payload}").encode()
        if not hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape")):
            raise AuthError(
                "The access token is not valid for this service; get a new one at /identity/token."
            )
        try:
            claims = json.loads(_unb64(payload))
            expires = float(claims["exp"])
            kid = str(claims["sub"])
        except (ValueError, KeyError, TypeError):
            raise AuthError("The access token is malformed; get a new one at /identity/token.") from None
        if expires <= time.time():
            raise AuthError("The access token has expired; get a new one at POST /identity/token.")
        if kid not in self._config.keys:
            raise AuthError("The API key of this access token is no longer accepted by this service.")
        return kid

    # --- instances ------------------------------------------------------------------------------------------
    def instances(self, kid: str) -> list[InstanceConfig]:
        """The instances the key ``kid`` may use."""
        return self._config.instances_for_key(kid)

    def instance(self, kid: str, crn: str | None) -> InstanceConfig:
        """The instance named by a Service-CRN header, if this key may use it.

        Raises
        ------
        AuthError
            403 when the header is missing, or the key has no access to that instance.
        """
        if not crn:
            raise AuthError(
                "Missing Service-CRN header; send the CRN of one of your instances (GET /api/v1/instances).",
                status=403,
            )
        for instance in self.instances(kid):
            if instance.crn == crn.strip():
                return instance
        raise AuthError(
            "This API key has no access to the instance in the Service-CRN header; "
            "list the instances you can use with GET /api/v1/instances.",
            status=403,
        )
