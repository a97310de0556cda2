"""AccountManager: the ``IBMQ`` object of the seed documents (enable, save, load accounts; providers)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import local
from ibmq_widgets.client.auth import is_crn
from ibmq_widgets.client.connection import Connection
from ibmq_widgets.client.credentials import (
    Credentials,
    credentials_from_environment,
    delete_saved,
    read_saved,
    write_saved,
)
from ibmq_widgets.client.provider import AccountProvider
from ibmq_widgets.client.session import HttpPool

__all__ = ["AccountManager"]

_OPEN_PROVIDER = ("ibm-q", "open", "main")


class AccountManager:
    """Manages one active account and its providers (``IBMQ`` is the module-level instance).

    Where the credentials come from, in this order:

    1. explicit arguments: ``enable_account(token, hub, group, project, url=..., instance=...)``;
    2. the environment: ``IBMQ_TOKEN`` (with ``IBMQ_URL`` and ``IBMQ_INSTANCE``), read by ``load_account()``;
    3. the saved account (``save_account()``, ``~/.ibmq_widgets/qiskitrc.json``, 0600), by ``load_account()``;
    4. a local service already running for this Jupyter server: ``service.json`` in the data directory
       (``$IBMQ_WIDGETS_DATA_DIR``, else ``<jupyter data dir>/ibmq_widgets``), checked live with GET /;
    5. an embedded local service started on demand on that data directory.

    Steps 4 and 5 print one line saying the local service (simulated devices) is in use, and the providers'
    repr says "local service", so nobody mistakes a simulation for hardware.

    Parameters
    ----------
    credentials_path : Path, optional
        The saved-account file; ``~/.ibmq_widgets/qiskitrc.json`` by default.
    data_dir : Path, optional
        The local service's data directory; the default one by default.
    http_factory : callable, optional
        Makes the ``requests.Session`` of each account (tests mount a fake adapter on it).
    """

    def __init__(
        self,
        credentials_path: Path | None = None,
        data_dir: Path | None = None,
        *,
        http_factory: Callable[[], HttpPool] | None = None,
    ) -> None:
        self._credentials_path = credentials_path
        self._http_factory = http_factory
        self._data_dir = data_dir
        self._connection: Connection | None = None
        self._providers: list[AccountProvider] = []

    def __repr__(self) -> str:
        if self._connection is None:
            return "<AccountManager: no active account>"
        where = "local service" if self._connection.local else "IBM Quantum Platform"
        count, url = len(self._providers), self._connection.root_url
        return f"<AccountManager: {count} provider(s) on the {where} at {url}>"

    # --- enabling -------------------------------------------------------------------------------------------
    def enable_account(
        self,
        token: str,
        hub: str | None = None,
        group: str | None = None,
        project: str | None = None,
        url: str | None = None,
        instance: str | None = None,
        verify: bool = True,
        **kwargs: Any,
    ) -> AccountProvider:
        """Enable an account for this session and return its default provider.

        Parameters
        ----------
        token : str
            The API key (IBM Cloud API key, or the local service's key).
        hub, group, project : str, optional
            The provider to return; ``ibm-q/open/main`` when it exists, else the first one, by default.
        url : str, optional
            The service's root URL, e.g. ``http://127.0.0.1:8890`` for a local service; None for the IBM
            Quantum Platform (then ``instance`` must be the instance CRN).
        instance : str, optional
            A CRN or ``hub/group/project``.
        verify : bool
            Verify TLS certificates.

        Returns
        -------
        AccountProvider

        Raises
        ------
        IBMQAccountCredentialsInvalid
            If the arguments are malformed.
        IBMQAuthenticationError
            If the service refuses the token.
        IBMQProviderNotFound
            If no provider matches hub/group/project; the account is not enabled then.
        """
        if kwargs:
            raise exc.IBMQAccountCredentialsInvalid(
                f"enable_account() got unexpected arguments {sorted(kwargs)}; it takes token, hub, group, "
                "project, url, instance and verify"
            )
        credentials = Credentials(
            token=token, url=url, instance=instance, hub=hub, group=group, project=project, verify=verify
        )
        return self._enable(credentials)

    def load_account(
        self, hub: str | None = None, group: str | None = None, project: str | None = None
    ) -> AccountProvider:
        """Enable the account found first in the lookup order (environment, saved, local service).

        Returns
        -------
        AccountProvider
            The provider named by hub/group/project, else the saved default, else ``ibm-q/open/main``.

        Raises
        ------
        LocalServiceError
            If no account is configured and the local service cannot start.
        """
        credentials = credentials_from_environment() or read_saved(self._credentials_path)
        if credentials is None:
            service = local.connect_local_service(self._data_dir)
            credentials = Credentials(token=service.api_key, url=service.url, source="local service")
        if hub or group or project:
            credentials = Credentials(
                token=credentials.token,
                url=credentials.url,
                instance=credentials.instance
                if credentials.instance and credentials.instance.startswith("crn:")
                else None,
                hub=hub,
                group=group,
                project=project,
                verify=credentials.verify,
                source=credentials.source,
            )
        return self._enable(credentials)

    def _enable(self, credentials: Credentials) -> AccountProvider:
        http = self._http_factory() if self._http_factory else None
        data_dir = self._data_dir if credentials.source == "local service" else None
        connection = Connection(credentials, http=http, data_dir=data_dir)
        providers = [AccountProvider(connection, info) for info in connection.instances()]
        if not providers:
            raise exc.IBMQProviderNotFound("the token gives access to no instance")
        chosen = _chosen(connection, credentials, providers)
        if connection.local:
            local.announce(connection.root_url)
        self._connection, self._providers = connection, providers
        return chosen[0]

    # --- saved account --------------------------------------------------------------------------------------
    def save_account(
        self,
        token: str,
        hub: str | None = None,
        group: str | None = None,
        project: str | None = None,
        url: str | None = None,
        instance: str | None = None,
        overwrite: bool = False,
        verify: bool = True,
    ) -> None:
        """Save the account to disk (owner-only file) for ``load_account()``; nothing is sent anywhere.

        Raises
        ------
        IBMQAccountCredentialsExist
            If an account is saved already and ``overwrite`` is False.
        """
        credentials = Credentials(
            token=token, url=url, instance=instance, hub=hub, group=group, project=project, verify=verify
        )
        write_saved(credentials, self._credentials_path, overwrite=overwrite)

    def stored_account(self) -> dict[str, Any]:
        """The saved account without its token ({} when none is saved)."""
        saved = read_saved(self._credentials_path)
        return saved.public_dict() if saved else {}

    def delete_account(self) -> None:
        """Delete the saved account.

        Raises
        ------
        IBMQAccountCredentialsNotFound
            If no account is saved.
        """
        delete_saved(self._credentials_path)

    # --- the active account ---------------------------------------------------------------------------------
    def active_account(self) -> dict[str, Any] | None:
        """The account in use without its token, or None."""
        if self._connection is None:
            return None
        info = self._connection.credentials.public_dict()
        info["url"] = self._connection.root_url
        info["local_service"] = self._connection.local
        return info

    def disable_account(self) -> None:
        """Disable the account of this session.

        Raises
        ------
        IBMQAccountCredentialsNotFound
            If no account is active.
        """
        self._require_active()
        assert self._connection is not None
        self._connection.http.close()
        self._connection, self._providers = None, []

    def providers(
        self,
        hub: str | None = None,
        group: str | None = None,
        project: str | None = None,
        *,
        name: str | None = None,
    ) -> list[AccountProvider]:
        """The providers of the active account (one per instance), optionally filtered.

        Parameters
        ----------
        hub, group, project : str, optional
            Keep the providers with these classic names.
        name : str, optional
            Keep the provider of the instance with this name (``hub/group/project`` or its IBM Cloud name).
        """
        self._require_active()
        found = _matching(self._providers, hub, group, project)
        if name is not None:
            found = [p for p in found if name in (p.name, p.cloud_name)]
        return found

    def get_provider(
        self,
        hub: str | None = None,
        group: str | None = None,
        project: str | None = None,
        *,
        name: str | None = None,
    ) -> AccountProvider:
        """The one provider matching hub, group and project, or the instance ``name``.

        Raises
        ------
        IBMQProviderNotFound
            If none or several match.
        """
        found = self.providers(hub, group, project, name=name)
        if len(found) == 1:
            return found[0]
        if not found:
            raise exc.IBMQProviderNotFound(
                f"no provider is named {name!r}; available: {_names(self._providers)}"
            )
        raise exc.IBMQProviderNotFound(
            f"{len(found)} providers match; name one with hub, group and project, or name=: {_names(found)}"
        )

    def _require_active(self) -> None:
        if self._connection is None:
            raise exc.IBMQAccountCredentialsNotFound(
                "no account is active; call IBMQ.load_account() or IBMQ.enable_account(token, ...) first"
            )


def _chosen(
    connection: Connection, credentials: Credentials, providers: list[AccountProvider]
) -> list[AccountProvider]:
    """The providers the credentials name: by CRN, by IBM Cloud name, by hub/group/project, else the default."""
    instance = credentials.instance
    wanted = (credentials.hub, credentials.group, credentials.project)
    if instance and not any(wanted) and not is_crn(instance):
        instance = connection.resolve_instance_name(instance)  # a name: Resource Controller knows its CRN
    if instance and is_crn(instance):
        chosen = [p for p in providers if p.crn == instance]
        if not chosen:
            raise exc.IBMQProviderNotFound(
                f"no instance of this key has CRN {instance!r}; available: {_names(providers)}"
            )
        return chosen
    if any(wanted):
        return _matching(providers, *wanted)
    return _matching(providers, *_OPEN_PROVIDER, strict=False) or providers[:1]


def _names(providers: list[AccountProvider]) -> str:
    return ", ".join(p.instance_name for p in providers) or "none"


def _matching(
    providers: list[AccountProvider],
    hub: str | None,
    group: str | None,
    project: str | None,
    *,
    strict: bool = True,
) -> list[AccountProvider]:
    """The providers matching every given name.

    Raises IBMQProviderNotFound, listing what exists, when a name is given and nothing matches.
    """
    found = [
        p
        for p in providers
        if (hub is None or p.hub == hub)
        and (group is None or p.group == group)
        and (project is None or p.project == project)
    ]
    if strict and not found and (hub or group or project):
        asked = "/".join(x or "*" for x in (hub, group, project))
        raise exc.IBMQProviderNotFound(f"no provider matches {asked}; available: {_names(providers)}")
    return found
