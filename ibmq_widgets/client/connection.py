"""One account's connection: where its API and IAM live, its token manager and its instances."""

from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.auth import (
    IBM_CLOUD_IAM_URL,
    TokenAuth,
    TokenManager,
    api_url_for_crn,
    is_crn,
    parse_crn,
)
from ibmq_widgets.client.credentials import Credentials
from ibmq_widgets.client.session import ApiSession

__all__ = ["Connection", "InstanceInfo"]

_PROBE_TIMEOUT = (3.0, 10.0)


@dataclass(frozen=True)
class InstanceInfo:
    """One instance the account may use: its hub/group/project name and its CRN."""

    hub: str
    group: str
    project: str
    crn: str
    plan: str | None = None

    @property
    def name(self) -> str:
        """``hub/group/project``."""
        return f"{self.hub}/{self.group}/{self.project}"


class Connection:
    """Everything one account shares between its providers: one ``requests.Session`` and one token manager.

    Parameters
    ----------
    credentials : Credentials
        The account's credentials.
    http : requests.Session, optional
        The connection pool (tests mount a fake adapter on it).
    data_dir : Path, optional
        For credentials found through the local service: its data directory. If that service goes away (the
        kernel that started it ended), requests follow the directory's next service instead of failing; the
        key, the tokens and the jobs live in the directory, so they stay valid.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        http: requests.Session | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.credentials = credentials
        self._data_dir = data_dir
        self._sessions: weakref.WeakSet[ApiSession] = weakref.WeakSet()
        self._relocate_lock = threading.Lock()
        self.http = http if http is not None else requests.Session()
        self.http.verify = credentials.verify
        self.local = False
        if credentials.is_ibm_cloud:
            if not is_crn(credentials.instance):
                raise exc.IBMQAccountCredentialsInvalid(
                    "the IBM Quantum Platform needs the instance CRN: "
                    "IBMQ.enable_account(token, instance='crn:v1:bluemix:public:quantum-computing:...') "
                    "(copy it from your instance's page on quantum.cloud.ibm.com)"
                )
            self.api_url = (
                f"{credentials.url}/api/v1" if credentials.url else api_url_for_crn(str(credentials.instance))
            )
            iam_url = os.environ.get("IAM_URL") or IBM_CLOUD_IAM_URL
        else:
            root = str(credentials.url)
            self.api_url = f"{root}/api/v1"
            iam_url = root
            self.local = self._probe_local(root)
        self.root_url = self.api_url[: -len("/api/v1")] if self.api_url.endswith("/api/v1") else self.api_url
        self.tokens = TokenManager(credentials.token, iam_url, http=self.http)

    def __repr__(self) -> str:
        where = "local service" if self.local else "IBM Quantum Platform"
        return f"<Connection {self.api_url} ({where})>"

    def _probe_local(self, root: str) -> bool:
        """GET / (no auth): True for an ibmq_widgets local service; a clear error when nothing answers."""
        try:
            response = self.http.get(f"{root}/", timeout=_PROBE_TIMEOUT)
        except requests.RequestException:
            raise exc.IBMQConnectionError(
                f"nothing answers at {root}; check the url, or start a local service "
                "with `ibmq-widgets serve`"
            ) from None
        try:
            return response.ok and response.json().get("service") == "ibmq_widgets"
        except (ValueError, AttributeError):
            return False

    def session(self, crn: str | None) -> ApiSession:
        """An ApiSession for one instance (``Service-CRN: crn``) over the account's connection pool."""
        session = ApiSession(
            self.api_url,
            TokenAuth(self.tokens, crn),
            http=self.http,
            secrets=self.tokens.secrets,
            idempotent_submissions=self.local,
            relocate=self._relocate if self.credentials.source == "local service" else None,
        )
        self._sessions.add(session)
        return session

    def _relocate(self) -> bool:
        """Point every session at the data directory's running local service (starting one if needed).

        Returns True when the root URL changed.
        """
        from ibmq_widgets.client import local

        with self._relocate_lock:
            old_root = self.root_url
            try:
                service = local.connect_local_service(self._data_dir)
            except exc.LocalServiceError:
                return False
            if service.url == old_root:
                return self._probe_local_quietly(old_root)  # another thread moved us already
            if service.api_key != self.credentials.token:
                return False  # a different directory's service: our key means nothing there
            self.root_url, self.api_url = service.url, f"{service.url}/api/v1"
            self.tokens.relocate(service.url)
            for session in list(self._sessions):
                session.base_url = self.api_url
            local.announce(service.url)
            return True

    def _probe_local_quietly(self, root: str) -> bool:
        try:
            return self.http.get(f"{root}/", timeout=_PROBE_TIMEOUT).ok
        except requests.RequestException:
            return False

    def instances(self) -> list[InstanceInfo]:
        """The instances the account may use.

        Asks the local service's ``GET /instances`` extension; where it is missing (the real platform) the
        account has the one instance its credentials name, which must then be a CRN.

        Raises
        ------
        IBMQAuthenticationError
            If the token is refused.
        IBMQAccountCredentialsInvalid
            If the instances cannot be listed and the credentials name no CRN.
        """
        self.tokens.access_token()  # a bad token fails here, with a clear message, before anything else
        if not self.credentials.is_ibm_cloud:
            try:
                body = self.session(None).get_json("/instances")
            except exc.IBMQNotFoundError:
                body = None
            if body is not None:
                return [
                    InstanceInfo(
                        hub=item["hub"],
                        group=item["group"],
                        project=item["project"],
                        crn=item["crn"],
                        plan=item.get("plan"),
                    )
                    for item in body.get("instances", [])
                ]
        return [self._named_instance()]

    def _named_instance(self) -> InstanceInfo:
        creds = self.credentials
        if not is_crn(creds.instance):
            raise exc.IBMQAccountCredentialsInvalid(
                f"{urlsplit(self.api_url).netloc} cannot list instances, so name yours by CRN: "
                "enable_account(token, instance='crn:v1:...')"
            )
        crn = parse_crn(str(creds.instance))
        return InstanceInfo(
            hub=creds.hub or "ibm-cloud",
            group=creds.group or crn.region,
            project=creds.project or crn.instance_id,
            crn=crn.text,
        )
