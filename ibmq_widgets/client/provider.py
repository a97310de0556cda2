"""AccountProvider: one instance of an account (hub/group/project, or an IBM Cloud instance name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.backend import IBMQBackend
from ibmq_widgets.client.backend_service import IBMQBackendService, backend_summary
from ibmq_widgets.client.usage import InstanceUsage, fetch_usage

if TYPE_CHECKING:
    from ibmq_widgets.client.connection import Connection, InstanceInfo
    from ibmq_widgets.client.credentials import Credentials
    from ibmq_widgets.client.session import ApiSession

__all__ = ["AccountProvider", "IBMQBackendService", "backend_summary"]


class AccountProvider:
    """The backends and jobs of one instance (hub/group/project) of an account.

    Attributes
    ----------
    hub, group, project : str
        The instance's names.
    crn : str
        The instance's CRN (sent as ``Service-CRN``).
    backends : IBMQBackendService
        ``provider.backends()`` lists backends; ``provider.backends.<name>`` is one.
    session : ApiSession
        The HTTP session of this instance.
    """

    def __init__(self, connection: Connection, instance: InstanceInfo) -> None:
        self._connection = connection
        self.hub = instance.hub
        self.group = instance.group
        self.project = instance.project
        self.crn = instance.crn
        self.plan = instance.plan
        #: The instance's name: ``hub/group/project`` where it has them, else its IBM Cloud name.
        self.name = instance.name
        #: The instance's IBM Cloud resource name (None where the service does not say).
        self.cloud_name = instance.cloud_name
        self.session: ApiSession = connection.session(instance.crn)
        self.backends = IBMQBackendService(self)
        connection.register(self)

    @property
    def credentials(self) -> Credentials:
        """The account's credentials (the token never shows in their repr)."""
        return self._connection.credentials

    @property
    def instance_name(self) -> str:
        """``hub/group/project``, or the IBM Cloud name of an instance without them."""
        return self.name

    def lookup(self) -> str:
        """The call that gets this provider back: ``IBMQ.get_provider(...)`` by hub/group/project, or by name."""
        if self.hub and self.group and self.project:
            return f"IBMQ.get_provider(hub={self.hub!r}, group={self.group!r}, project={self.project!r})"
        return f"IBMQ.get_provider(name={self.name!r})"

    @property
    def is_local_service(self) -> bool:
        """Whether this provider's backends are the local service's simulations."""
        return self._connection.local

    @property
    def url(self) -> str:
        """The service's root URL."""
        return self._connection.root_url

    def __repr__(self) -> str:
        where = (
            f"local service at {self.url}" if self.is_local_service else f"IBM Quantum Platform ({self.url})"
        )
        plan = f", plan {self.plan!r}" if self.plan else ""
        if self.hub and self.group and self.project:
            named = f"IBMQ(hub={self.hub!r}, group={self.group!r}, project={self.project!r})"
        else:
            named = f"instance {self.name!r}"
        return f"<AccountProvider for {named}{plan} on the {where}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccountProvider) and other.crn == self.crn and other.url == self.url

    def __hash__(self) -> int:
        return hash((self.crn, self.url))

    def providers_with_backend(self, name: str) -> list[AccountProvider]:
        """The account's other providers that list a backend called ``name`` (one listing each, cached)."""
        found = []
        for provider in self._connection.providers():
            if provider == self:
                continue
            try:
                if name in provider.backends.names():
                    found.append(provider)
            except exc.IBMQError:  # an instance we cannot list now is not worth failing the error message for
                continue
        return found

    def get_backend(self, name: str | None = None, **kwargs: Any) -> IBMQBackend:
        """The backend called ``name`` (or the single one matching the filters).

        Raises
        ------
        IBMQBackendNotFound
            If no backend (or more than one) matches; the message names the account's providers that have the
            backend, or else suggests near names.
        """
        if name is not None and not kwargs:
            return self.backends.get(name)
        found = self.backends(name=name, **kwargs)
        if len(found) == 1:
            return found[0]
        if name is not None and not found:
            self.backends.get(name)  # raises with suggestions when the name itself is wrong
        raise exc.IBMQBackendNotFound(
            f"{len(found)} backends match {kwargs or name!r}; narrow the filters so exactly one matches"
        )

    def usage(self) -> InstanceUsage:
        """The instance's quantum seconds used and its plan's limit (one request).

        Returns
        -------
        InstanceUsage
            ``consumed_seconds``, ``limit_seconds`` (None without a limit), ``limit_reached``,
            ``remaining_seconds``.
        """
        return fetch_usage(self.session)

    def backend_summaries(self) -> list[dict[str, Any]]:
        """One dict per backend from ONE GET /backends: name, status, operational, pending_jobs, n_qubits,
        simulator, backend_version."""
        return [dict(summary) for summary in self.backends.summaries()]
