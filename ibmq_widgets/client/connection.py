"""One account's connection: where its API and IAM live, its token manager and its instances."""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.auth import TokenAuth, TokenManager, is_crn, parse_crn
from ibmq_widgets.client.credentials import Credentials
from ibmq_widgets.client.discovery import DiscoveredInstance, discover_instances, resolve_instance_name
from ibmq_widgets.client.platform_urls import PlatformUrls, resolve_urls
from ibmq_widgets.client.retry import RetryPolicy
from ibmq_widgets.client.session import PROBE_TIMEOUT, ApiSession, HttpPool, build_http, probe

if TYPE_CHECKING:
    from ibmq_widgets.client.provider import AccountProvider

__all__ = ["Connection", "InstanceInfo"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstanceInfo:
    """One instance the account may use.

    Attributes
    ----------
    hub, group, project : str or None
        Its classic names, where the instance has them (every local service instance does; IBM Cloud instances
        carry them only as tags, if at all).
    crn : str
        Its CRN, sent as ``Service-CRN``.
    plan : str, optional
        The plan's name (``open``, ``premium``, ...).
    cloud_name : str, optional
        Its IBM Cloud resource name.
    """

    hub: str | None
    group: str | None
    project: str | None
    crn: str
    plan: str | None = None
    cloud_name: str | None = None

    @property
    def name(self) -> str:
        """``hub/group/project`` where the instance has them, else its IBM Cloud name."""
        if self.hub and self.group and self.project:
            return f"{self.hub}/{self.group}/{self.project}"
        return self.cloud_name or self.crn

    @classmethod
    def discovered(cls, found: DiscoveredInstance) -> InstanceInfo:
        """The instance as Global Search and the catalog described it."""
        return cls(
            hub=found.hub,
            group=found.group,
            project=found.project,
            crn=found.crn,
            plan=found.plan,
            cloud_name=found.name,
        )


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
        http: HttpPool | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.credentials = credentials
        self._data_dir = data_dir
        self._sessions: weakref.WeakSet[ApiSession] = weakref.WeakSet()
        self._relocate_lock = threading.Lock()
        self._relocate_failure = ""
        self._providers: list[AccountProvider] = []
        relocatable = credentials.source == "local service"
        # where requests follow a moved local service, a refused connection asks the data directory at once
        self.http = http if http is not None else build_http(RetryPolicy(retry_refused=not relocatable))
        # probes ask once, without the pool's retries: a caller's own pool (a test's fake transport) if given
        self._probe_http = http
        self.http.verify = credentials.verify
        self.local = False
        named_crn = credentials.instance if is_crn(credentials.instance) else None
        #: Every API of the account: the quantum API (regional per instance), IAM and the IBM Cloud account APIs.
        self.urls: PlatformUrls = resolve_urls(
            credentials.url, named_crn, single_root=not credentials.is_ibm_cloud
        )
        self.api_url = self.urls.api
        if not credentials.is_ibm_cloud:
            self.local = self._probe_local(self.urls.api[: -len("/api/v1")])
        self.root_url = self.api_url[: -len("/api/v1")] if self.api_url.endswith("/api/v1") else self.api_url
        self.tokens = TokenManager(credentials.token, self.urls.iam, http=self.http)
        self._instances: list[InstanceInfo] | None = None

    def __repr__(self) -> str:
        where = "local service" if self.local else "IBM Quantum Platform"
        return f"<Connection {self.api_url} ({where})>"

    def _probe_local(self, root: str) -> bool:
        """GET / (no auth): True for an ibmq_widgets local service; a clear error when nothing answers."""
        body = probe(root, http=self._probe_http, timeout=PROBE_TIMEOUT, verify=self.credentials.verify)
        if body is None:
            raise exc.IBMQConnectionError(
                f"nothing answers at {root}; check the url, or start a local service "
                "with `ibmq-widgets serve`"
            )
        return body.get("service") == "ibmq_widgets"

    def register(self, provider: AccountProvider) -> None:
        """Remember one provider of this account (each AccountProvider registers itself)."""
        self._providers.append(provider)

    def providers(self) -> list[AccountProvider]:
        """The providers made over this connection: the instances of the account."""
        return list(self._providers)

    def session(self, crn: str | None) -> ApiSession:
        """An ApiSession for one instance (``Service-CRN: crn``) over the account's connection pool."""
        session = ApiSession(
            self.api_url_for(crn),
            TokenAuth(self.tokens, crn),
            http=self.http,
            secrets=self.tokens.secrets,
            idempotent_submissions=self.local,
            relocate=self._relocate if self.credentials.source == "local service" else None,
        )
        self._sessions.add(session)
        return session

    def api_url_for(self, crn: str | None) -> str:
        """The quantum API of one instance: on IBM Cloud the host of the CRN's region, else the one root."""
        if self.urls.local or not is_crn(crn):
            return self.api_url
        return resolve_urls(self.credentials.url, crn, single_root=False).api

    def cloud_session(self, base_url: str) -> ApiSession:
        """An ApiSession on one of the IBM Cloud account APIs, with the account's bearer token."""
        return ApiSession(base_url, TokenAuth(self.tokens), http=self.http, secrets=self.tokens.secrets)

    def _relocate(self) -> bool:
        """Point every session at the data directory's running local service (starting one if needed).

        Returns True when the root URL changed.
        """
        from ibmq_widgets.client import local

        with self._relocate_lock:
            old_root = self.root_url
            try:
                service = local.connect_local_service(self._data_dir)
            except exc.LocalServiceError as error:
                if str(error) != self._relocate_failure:  # say why once, not at every retry
                    self._relocate_failure = str(error)
                    logger.warning("%s", error)
                return False
            self._relocate_failure = ""
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
        body = probe(root, http=self._probe_http, timeout=PROBE_TIMEOUT, verify=self.credentials.verify)
        return body is not None and body.get("service") == "ibmq_widgets"

    def instances(self) -> list[InstanceInfo]:
        """Every instance the account may use, found once per connection (one burst of requests).

        The key is exchanged at IAM first, so a refused key fails here with a message naming the IAM host. Then
        Global Search lists the key's quantum instances and Global Catalog names their plans, as the reference
        client does. Where those APIs are not reachable but the credentials name an instance by CRN, that one
        instance is the account's.

        Raises
        ------
        IBMQAuthenticationError
            If the key is refused.
        IBMQAccountCredentialsInvalid
            If the key has no instance, or the instances cannot be listed and no CRN was given.
        """
        if self._instances is None:
            self.tokens.access_token()  # a bad key fails here, with a clear message, before anything else
            self._instances = self._discover()
        return list(self._instances)

    def _discover(self) -> list[InstanceInfo]:
        search, catalog = (
            self.cloud_session(self.urls.global_search),
            self.cloud_session(self.urls.global_catalog),
        )
        try:
            return [InstanceInfo.discovered(found) for found in discover_instances(search, catalog)]
        except (exc.IBMQNotFoundError, exc.IBMQAuthenticationError) as error:
            if not is_crn(self.credentials.instance):
                raise exc.IBMQAccountCredentialsInvalid(
                    f"the instances of this key cannot be listed ({error.message}); name yours by CRN: "
                    "enable_account(token, instance='crn:v1:...')"
                ) from None
            logger.info("listing instances failed (%s); using the instance named by CRN", error.message)
        return [self._named_instance()]

    def resolve_instance_name(self, name: str) -> str:
        """The CRN of the instance with IBM Cloud name ``name`` (Resource Controller; one request).

        Raises
        ------
        IBMQProviderNotFound
            If no instance, or several, have that name.
        """
        return resolve_instance_name(self.cloud_session(self.urls.resource_controller), name)

    def _named_instance(self) -> InstanceInfo:
        creds = self.credentials
        crn = parse_crn(str(creds.instance))
        return InstanceInfo(
            hub=creds.hub, group=creds.group, project=creds.project, crn=crn.text, cloud_name=crn.instance_id
        )
