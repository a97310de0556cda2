"""Authentication: API key -> bearer token (IAM exchange and refresh), CRN parsing, the region's API URL."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.session import ApiSession, HeaderAuth, HttpPool, RetryMode

__all__ = [
    "IBM_CLOUD_IAM_URL",
    "Crn",
    "TokenAuth",
    "TokenManager",
    "api_url_for_crn",
    "is_crn",
    "parse_crn",
]

#: Where IBM Cloud exchanges API keys for bearer tokens.
IBM_CLOUD_IAM_URL = "https://iam.cloud.ibm.com"
_GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"
# Refresh once this fraction of a token's lifetime has passed, as IBM's SDKs do, so no call carries a
# token that expires in flight.
_REFRESH_FRACTION = 0.8


# --- CRNs ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Crn:
    """An IBM Cloud resource name.

    Example: ``crn:v1:bluemix:public:quantum-computing:us-east:a/<account>:<instance>::``.
    """

    text: str
    cname: str
    ctype: str
    service_name: str
    region: str
    account: str
    instance_id: str

    def __str__(self) -> str:
        return self.text


def is_crn(text: str | None) -> bool:
    """Whether ``text`` looks like a CRN (starts with ``crn:``)."""
    return bool(text) and str(text).startswith("crn:")


def parse_crn(text: str) -> Crn:
    """Split a CRN into its fields.

    Raises
    ------
    IBMQAccountCredentialsInvalid
        If ``text`` does not have the 10 colon-separated fields of a CRN.
    """
    fields = str(text).split(":")
    if len(fields) != 10 or fields[0] != "crn" or not fields[5]:
        raise exc.IBMQAccountCredentialsInvalid(
            f"{text!r} is not an instance CRN; it should look like "
            "'crn:v1:bluemix:public:quantum-computing:us-east:a/<account>:<instance>::' "
            "(copy it from your instance's page on quantum.cloud.ibm.com)"
        )
    account = fields[6][2:] if fields[6].startswith("a/") else fields[6]
    return Crn(
        text=str(text),
        cname=fields[2],
        ctype=fields[3],
        service_name=fields[4],
        region=fields[5],
        account=account,
        instance_id=fields[7],
    )


def api_url_for_crn(crn: str | Crn) -> str:
    """The IBM Quantum Platform API root of the CRN's region (field 6): us-east is the unprefixed host."""
    parsed = crn if isinstance(crn, Crn) else parse_crn(crn)
    if parsed.region == "us-east":
        return "https://quantum.cloud.ibm.com/api/v1"
    return f"https://{parsed.region}.quantum.cloud.ibm.com/api/v1"


# --- tokens -------------------------------------------------------------------------------------------------
def _jwt_claims(token: str) -> dict:
    """The unverified payload of a JWT ({} when it is not one); only exp/iat are read from it."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


class TokenManager:
    """Exchanges an API key for bearer tokens at ``{iam_url}/identity/token``; refreshes them before expiry.

    Thread-safe: widgets poll from a background thread while the notebook submits jobs.

    Parameters
    ----------
    api_key : str
        The IBM Cloud API key, or the local service's key.
    iam_url : str
        The IAM root: ``https://iam.cloud.ibm.com`` or the local service's root URL.
    http : requests.Session, optional
        The account's connection pool.
    clock : callable
        ``time.time``; tests pass a fake.
    """

    def __init__(
        self,
        api_key: str,
        iam_url: str,
        *,
        http: HttpPool | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api_key = api_key
        self.iam_url = iam_url.rstrip("/")
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.expires_at = 0.0
        self._session = ApiSession(self.iam_url, http=http, secrets=self.secrets, sleep=sleep)

    def __repr__(self) -> str:
        state = "no token yet" if self._token is None else f"token expires at {self.expires_at:.0f}"
        return f"<TokenManager {self.iam_url} ({state})>"

    def secrets(self) -> list[str]:
        """The API key and the current token, for scrubbing."""
        return [s for s in (self._api_key, self._token) if s]

    @property
    def request_count(self) -> int:
        """Token exchanges sent so far."""
        return self._session.request_count

    def access_token(self) -> str:
        """A bearer token valid for a while yet; exchanges the key when there is none or it nears expiry.

        Raises
        ------
        IBMQAuthenticationError
            If IAM refuses the key.
        """
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._exchange()
            assert self._token is not None
            return self._token

    def relocate(self, iam_url: str) -> None:
        """Exchange keys at ``iam_url`` from now on (a local service that moved to another port)."""
        with self._lock:
            self.iam_url = iam_url.rstrip("/")
            self._session.base_url = self.iam_url

    def invalidate(self) -> None:
        """Forget the current token (the API said 401), so the next call exchanges the key again."""
        with self._lock:
            self._token = None

    def _exchange(self) -> None:
        form = {"grant_type": _GRANT_TYPE, "apikey": self._api_key, "response_type": "cloud_iam"}
        try:
            response = self._session.request(
                "POST",
                "/identity/token",
                data=form,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                retry=RetryMode.SAFE,
            )
        except (exc.IBMQAuthenticationError, exc.IBMQBadRequestError, exc.IBMQNotFoundError) as error:
            raise exc.IBMQAuthenticationError(
                f"The token was refused by {self._session.host} ({error.message}). Check that it is the "
                "right API key for this service and enable the account again.",
                status=error.status,
                code=error.code,
                request_id=error.request_id,
            ) from None
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise exc.IBMQAuthenticationError(
                f"{self._session.host} answered the token exchange without an access_token",
                status=response.status_code,
            ) from None
        now = self._clock()
        claims = _jwt_claims(token)
        issued = float(claims.get("iat", now))
        expires = body.get("expiration") or claims.get("exp")
        if expires is None and body.get("expires_in") is not None:
            expires = now + float(body["expires_in"])
        expires = float(expires) if expires is not None else now + 3600.0
        if not issued < expires:
            issued = now
        self._token = token
        self.expires_at = expires
        self._refresh_at = issued + _REFRESH_FRACTION * (expires - issued)


class TokenAuth(HeaderAuth):
    """The headers of every API call: ``Authorization: Bearer <token>`` and the instance's ``Service-CRN``.

    Parameters
    ----------
    tokens : TokenManager
        Where the bearer token comes from.
    crn : str, optional
        The instance's CRN, sent as ``Service-CRN``.
    """

    def __init__(self, tokens: TokenManager, crn: str | None = None) -> None:
        self.tokens = tokens
        self.crn = crn

    def __repr__(self) -> str:
        return f"<TokenAuth crn={self.crn!r}>"

    def headers(self) -> dict[str, str]:
        """``Authorization`` with a token valid for a while yet, and ``Service-CRN`` when there is a CRN."""
        headers = {"Authorization": f"Bearer {self.tokens.access_token()}"}
        if self.crn:
            headers["Service-CRN"] = self.crn
        return headers

    def invalidate(self) -> None:
        """Drop the token after a 401."""
        self.tokens.invalidate()

    def secrets(self) -> list[str]:
        """The key and token to keep out of messages."""
        return self.tokens.secrets()
