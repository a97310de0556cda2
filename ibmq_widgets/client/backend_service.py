"""IBMQBackendService: ``provider.backends``, a provider's backends (with filters) and jobs."""

from __future__ import annotations

import difflib
import inspect
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qiskit_ibm_runtime.models import QasmBackendConfiguration

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.backend import IBMQBackend
from ibmq_widgets.client.jobs_query import JobQuery, list_jobs, retrieve_job

if TYPE_CHECKING:
    from ibmq_widgets.client.job import IBMQJob, JobStatus
    from ibmq_widgets.client.provider import AccountProvider

__all__ = ["IBMQBackendService", "backend_summary"]

_MISSING = object()

# Filter keywords answered from the one GET /backends listing, without fetching a configuration.
_SUMMARY_FILTERS = ("operational", "pending_jobs", "n_qubits", "simulator", "backend_name", "status_msg")
_STATUS_FIELDS = ("backend_name", "backend_version", "operational", "pending_jobs", "status_msg")


def backend_summary(device: dict[str, Any]) -> dict[str, Any]:
    """One device of GET /backends in the client's terms (name, status, pending_jobs, n_qubits, simulator)."""
    status = device.get("status")
    status_name = status.get("name", "") if isinstance(status, dict) else str(status or "")
    name = str(device["name"])
    simulator = device.get("simulator")
    if simulator is None:  # the real platform does not say; its simulators have it in the name
        simulator = "simulator" in name
    return {
        "name": name,
        "backend_name": name,
        "status": status_name or "unknown",
        "status_msg": status_name or "unknown",
        "operational": status_name.lower() == "online",
        "pending_jobs": max(int(device.get("queue_length") or 0), 0),
        "n_qubits": int(device.get("qubits") or 0),
        "simulator": bool(simulator),
        "backend_version": device.get("version") or device.get("backend_version"),
    }


class IBMQBackendService:
    """``provider.backends``: call it to list backends, or use a backend's name as an attribute.

    Backend objects are kept per name, so a backend's cached configuration and properties survive listings.
    """

    def __init__(self, provider: AccountProvider) -> None:
        self._provider = provider
        self._backends: dict[str, IBMQBackend] = {}
        self._listed: list[str] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<IBMQBackendService for {self._provider.instance_name}>"

    # --- listing -------------------------------------------------------------------------------------------
    def summaries(self) -> list[dict[str, Any]]:
        """Every backend of the instance from ONE GET /backends, refreshing the cached backend objects."""
        body = self._provider.session.get_json("/backends")
        summaries = [backend_summary(device) for device in body.get("devices", [])]
        with self._lock:
            for summary in summaries:
                backend = self._backends.get(summary["name"])
                if backend is None:
                    self._backends[summary["name"]] = IBMQBackend(self._provider, summary["name"], summary)
                else:
                    backend.update_listing(summary)
            self._listed = [s["name"] for s in summaries]
        return summaries

    def backend_for(self, name: str) -> IBMQBackend:
        """The backend object for ``name``, listed or not (a retired device still has its jobs)."""
        with self._lock:
            backend = self._backends.get(name)
            if backend is None:
                backend = self._backends[name] = IBMQBackend(self._provider, name, None)
            return backend

    def names(self) -> list[str]:
        """The names of the backends the instance lists (from the last listing, or a new one)."""
        if self._listed is None:
            self.summaries()
        return list(self._listed or [])

    def __call__(
        self,
        name: str | None = None,
        filters: Callable[[IBMQBackend], bool] | None = None,
        min_num_qubits: int | None = None,
        **kwargs: Any,
    ) -> list[IBMQBackend]:
        """The backends of this provider, filtered.

        Parameters
        ----------
        name : str, optional
            Only the backend of this name.
        filters : callable, optional
            Keeps the backends for which ``filters(backend)`` is true.
        min_num_qubits : int, optional
            Only backends with at least this many qubits.
        **kwargs
            Configuration or status fields that must equal the given value, e.g. ``simulator=False``,
            ``operational=True``, ``n_qubits=5``. Fields of the listing cost no request; other configuration
            fields fetch each configuration once.

        Raises
        ------
        IBMQBackendValueError
            If a keyword is neither a configuration nor a status field.
        """
        summaries = self.summaries()
        backends = [self._backends[s["name"]] for s in summaries]
        if kwargs and backends:
            self._check_filter_keys(kwargs, backends[0])
        if name is not None:
            backends = [b for b in backends if b.name() == name]
        if min_num_qubits is not None:
            backends = [b for b in backends if (b.listing or {}).get("n_qubits", 0) >= min_num_qubits]
        for key, value in kwargs.items():
            backends = [b for b in backends if _field(b, key) == value]
            if not backends:
                break
        if filters is not None:
            backends = [b for b in backends if filters(b)]
        return backends

    @staticmethod
    def _check_filter_keys(kwargs: dict[str, Any], sample: IBMQBackend) -> None:
        """Refuse a misspelt filter keyword up front, instead of silently matching nothing."""
        if all(key in _SUMMARY_FILTERS for key in kwargs):
            return
        standard = inspect.signature(QasmBackendConfiguration.__init__).parameters
        known = (
            set(_SUMMARY_FILTERS)
            | set(_STATUS_FIELDS)
            | set(standard)
            | set(sample.configuration().to_dict())
        )
        for key in kwargs:
            if key not in known:
                near = difflib.get_close_matches(key, sorted(known), n=3)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                raise exc.IBMQBackendValueError(
                    f"backends() got {key}=..., which is not a configuration or status field{hint}"
                )

    def get(self, name: str) -> IBMQBackend:
        """The listed backend called ``name``.

        Raises
        ------
        IBMQBackendNotFound
            If the instance lists no such backend. The message names the account's other providers that do
            list it, or else suggests near names.
        """
        names = self._listed
        if names is None or name not in names:  # a listing may be stale: look again before saying no
            names = [s["name"] for s in self.summaries()]
        if name not in names:
            raise self._not_found(name, names)
        return self._backends[name]

    def _not_found(self, name: str, names: list[str]) -> exc.IBMQBackendNotFound:
        here = self._provider.instance_name
        holders = self._provider.providers_with_backend(name)
        if holders:
            calls = " and ".join(p.lookup() for p in holders)
            return exc.IBMQBackendNotFound(
                f"{name} is not available to {here}; {calls} {'has' if len(holders) == 1 else 'have'} it"
            )
        near = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(repr(n) for n in near)}? " if near else ""
        return exc.IBMQBackendNotFound(
            f"no backend named {name!r} for {here}; {hint}provider.backends() lists the available ones"
        )

    # --- tab completion ------------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> IBMQBackend:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.get(name)
        except exc.IBMQBackendNotFound as error:
            raise AttributeError(str(error)) from None

    def __dir__(self) -> list[str]:
        try:
            names = self.names()
        except exc.IBMQError:  # completion must never raise
            names = []
        return sorted(set(super().__dir__()) | set(names))

    # --- jobs ----------------------------------------------------------------------------------------------
    def jobs(
        self,
        limit: int | None = 10,
        skip: int = 0,
        status: str | JobStatus | Sequence[str | JobStatus] | None = None,
        backend_name: str | None = None,
        job_name: str | None = None,
        start_datetime: datetime | None = None,
        end_datetime: datetime | None = None,
        job_tags: Sequence[str] | None = None,
        job_tags_operator: str = "OR",
        descending: bool = True,
        pending: bool | None = None,
    ) -> list[IBMQJob]:
        """Jobs of this provider, newest first; one request per page of the listing, none per job.

        Parameters
        ----------
        limit : int or None
            At most this many jobs (None: all).
        skip : int
            Skip this many matching jobs first.
        status : JobStatus, str or list of them, optional
            Only jobs in these states ("pending" means queued or running).
        backend_name : str, optional
            Only jobs of this backend (retired ones too).
        job_name : str, optional
            Only jobs with this name.
        start_datetime, end_datetime : datetime, optional
            Only jobs created in this interval (naive datetimes are local time).
        job_tags : list of str, optional
            Only jobs with these tags: any of them ("OR") or all ("AND").
        job_tags_operator : {"OR", "AND"}
        descending : bool
            Newest first.
        pending : bool, optional
            Only unfinished (True) or finished (False) jobs.

        Returns
        -------
        list of IBMQJob

        Raises
        ------
        IBMQJobValueError
            If an argument has the wrong type or value (checked before any request; see JobQuery).
        """
        filters = {name: value for name, value in locals().items() if name != "self"}  # JobQuery's fields
        return list_jobs(self._provider, JobQuery(**filters))

    def retrieve_job(self, job_id: str) -> IBMQJob:
        """The job with this id.

        Raises
        ------
        IBMQJobNotFound
            If this provider has no such job.
        """
        return retrieve_job(self._provider, job_id)


def _field(backend: IBMQBackend, key: str) -> Any:
    """A backend's value for a filter keyword: from the listing, else the configuration, else the status."""
    summary = backend.listing or {}
    if key in _SUMMARY_FILTERS and key in summary:
        return summary[key]
    configuration = backend.configuration()
    if hasattr(configuration, key):
        return getattr(configuration, key)
    if key in _STATUS_FIELDS:
        return getattr(backend.status(), key)
    return _MISSING
