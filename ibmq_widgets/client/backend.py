"""IBMQBackend (a device or simulator of one provider) and least_busy.

What a backend does with jobs (run, estimate, sessions, listings, the job limit) is in
:mod:`ibmq_widgets.client.backend_jobs`; BackendJobLimit is importable from here too.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qiskit_ibm_runtime.models import BackendProperties, BackendStatus, QasmBackendConfiguration
from qiskit_ibm_runtime.utils.backend_decoder import (
    configuration_from_server_data,
    properties_from_server_data,
)

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.backend_jobs import BackendJobLimit, BackendJobs
from ibmq_widgets.wire import format_datetime

if TYPE_CHECKING:
    from qiskit.transpiler import CouplingMap, InstructionDurations, Target

    from ibmq_widgets.client.provider import AccountProvider

__all__ = ["BackendJobLimit", "IBMQBackend", "least_busy"]


class IBMQBackend(BackendJobs):
    """A quantum device or simulator, as one provider sees it.

    Get one from a provider (``provider.get_backend("ibm_fez")``, ``provider.backends.ibm_fez``), never by
    constructing it. Configuration is fetched once; properties are cached until ``properties(refresh=True)``.
    It also quacks enough like a Qiskit ``BackendV2`` (``target``, ``num_qubits``, ``coupling_map``...) for
    ``qiskit.transpile(circuit, backend=backend)``.
    """

    def __init__(self, provider: AccountProvider, name: str, summary: dict[str, Any] | None) -> None:
        self._provider = provider
        self._name = name
        self._summary = summary
        self._lock = threading.Lock()
        #: Serialises transpiling for this device (see client.submission.prepare_circuits).
        self.transpile_lock = threading.Lock()
        self._configuration: QasmBackendConfiguration | None = None
        self._properties: dict[str | None, BackendProperties | None] = {}
        self._target: Target | None = None

    @property
    def listing(self) -> dict[str, Any] | None:
        """What the last GET /backends said of this backend (name, status, pending_jobs, n_qubits, simulator),
        or None for a retired device known only from a job."""
        return self._summary

    def update_listing(self, summary: dict[str, Any]) -> None:
        """Take a fresher entry of GET /backends (the provider's listing calls it)."""
        self._summary = summary

    def __repr__(self) -> str:
        p = self._provider
        where = f"IBMQ(hub={p.hub!r}, group={p.group!r}, project={p.project!r})"
        return f"<IBMQBackend({self._name!r}) from {where}>"

    def _repr_html_(self) -> str:
        from ibmq_widgets.client import presentation

        return presentation.html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict | None:
        # In a notebook a backend shows as the tabbed widget view, with its HTML beside it (see presentation).
        from ibmq_widgets.client import presentation

        return presentation.mimebundle(self, include, exclude)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IBMQBackend) and (other._name, other._provider) == (
            self._name,
            self._provider,
        )

    def __hash__(self) -> int:
        return hash((self._name, self._provider.crn))

    # --- identity -------------------------------------------------------------------------------------------
    def name(self) -> str:
        """The backend's name."""
        return self._name

    def provider(self) -> AccountProvider:
        """The provider this backend belongs to."""
        return self._provider

    @property
    def version(self) -> str:
        """The backend's software version."""
        if self._summary and self._summary.get("backend_version"):
            return str(self._summary["backend_version"])
        return str(self.configuration().backend_version)

    @property
    def is_listed(self) -> bool:
        """False for a retired device known only from a job."""
        return self._summary is not None

    @property
    def _path(self) -> str:
        return f"/backends/{self._name}"

    def _get(self, what: str, params: dict[str, str] | None = None) -> Any:
        try:
            return self._provider.session.get_json(f"{self._path}/{what}", params=params)
        except exc.IBMQNotFoundError as error:
            raise exc.IBMQBackendNotFound(
                f"{self._provider.instance_name} has no backend {self._name!r} ({error.message}); "
                "provider.backends() lists the available ones"
            ) from None
        except exc.IBMQBackendNotFound as error:
            raise exc.IBMQBackendNotFound(
                f"{error}; provider.backends() lists the backends of {self._provider.instance_name}"
            ) from None

    # --- what the device is ---------------------------------------------------------------------------------
    def status(self) -> BackendStatus:
        """The live status: ``operational``, ``pending_jobs``, ``status_msg`` (one request each call)."""
        body = self._get("status")
        return BackendStatus(
            backend_name=self._name,
            backend_version=str(body.get("backend_version") or "0.0.0"),
            operational=bool(body.get("state", False)),
            pending_jobs=max(int(body.get("length_queue") or 0), 0),
            status_msg=str(body.get("status") or ""),
        )

    def configuration(self) -> QasmBackendConfiguration:
        """The fixed description: n_qubits, coupling_map, basis_gates, simulator, max_shots, ...

        Fetched once per backend object.
        """
        with self._lock:
            if self._configuration is None:
                raw = self._get("configuration")
                configuration = configuration_from_server_data(raw)
                if configuration is None:
                    raise exc.IBMQBackendError(
                        f"the configuration of {self._name!r} could not be read; the backend cannot be used"
                    )
                self._configuration = configuration
            return self._configuration

    def properties(self, refresh: bool = False, datetime: datetime | None = None) -> BackendProperties | None:
        """The calibration: ``t1(q)``, ``t2(q)``, ``gate_error(g, q)``, ``gate_length(g, q)``,
        ``frequency(q)``, ``readout_error(q)``...

        Parameters
        ----------
        refresh : bool
            Fetch again instead of using the cached calibration.
        datetime : datetime, optional
            The calibration as it was at this time (naive is local time); cached per time too.

        Returns
        -------
        BackendProperties or None
            None for a simulator, or when no calibration is as old as ``datetime``.
        """
        key = format_datetime(datetime) if datetime is not None else None
        with self._lock:
            if refresh or key not in self._properties:
                raw = self._get("properties", {"updated_before": key} if key else None)
                properties = (
                    properties_from_server_data(raw) if raw and raw.get("qubits") is not None else None
                )
                self._properties[key] = properties
                if key is None:
                    self._target = None  # the target carries the calibration
            return self._properties[key]

    def defaults(self) -> None:
        """Pulse defaults: always None.

        Neither the IBM Quantum Platform nor the local service serves pulse defaults any more (pulse left
        Qiskit in 2.0), so no device has any.
        """
        return None

    def reservations(
        self, start_datetime: datetime | None = None, end_datetime: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Reservations of the backend: always empty.

        The IBM Quantum Platform API has no reservations (dedicated time is booked as sessions), and neither
        has the local service.
        """
        return []

    # --- duck-typed BackendV2, for qiskit.transpile ---------------------------------------------------------
    @property
    def target(self) -> Target:
        """The transpiler target built from the configuration and the current calibration."""
        from qiskit_ibm_runtime.utils.backend_converter import convert_to_target

        configuration = self.configuration()
        properties = self.properties()
        with self._lock:
            if self._target is None:
                self._target = convert_to_target(configuration, properties, include_control_flow=True)
            return self._target

    @property
    def num_qubits(self) -> int:
        """Qubits of the device."""
        return int(self.configuration().n_qubits)

    @property
    def operation_names(self) -> list[str]:
        """Operations the device runs natively."""
        return list(self.target.operation_names)

    @property
    def coupling_map(self) -> CouplingMap:
        """Which qubit pairs two-qubit gates may act on."""
        return self.target.build_coupling_map()

    @property
    def dt(self) -> float | None:
        """The device's time resolution in seconds."""
        return self.target.dt

    @property
    def instruction_durations(self) -> InstructionDurations:
        """Gate durations from the calibration."""
        return self.target.durations()

    @property
    def max_circuits(self) -> int | None:
        """Circuits one job may hold."""
        return getattr(self.configuration(), "max_experiments", None)


#: Name prefixes of test snapshots (qiskit-ibm-runtime's fake_* and alt_* devices), not real devices.
TEST_DEVICE_PREFIXES = ("fake_", "alt_")


def least_busy(backends: Sequence[IBMQBackend], include_test_devices: bool = False) -> IBMQBackend:
    """The operational backend with the fewest pending jobs.

    The pending counts come from one GET /backends per provider (one request for backends of one provider),
    not one status request per backend.

    Parameters
    ----------
    backends : sequence of IBMQBackend
        The backends to choose from.
    include_test_devices : bool
        Also consider test snapshots (names starting with ``TEST_DEVICE_PREFIXES``), skipped by default.

    Raises
    ------
    IBMQBackendValueError
        If ``backends`` is empty, or holds only test snapshots and ``include_test_devices`` is False.
    IBMQBackendError
        If none of them is operational.
    """
    backends = list(backends)
    if not backends:
        raise exc.IBMQBackendValueError("least_busy() got no backends; check the filters that made the list")
    if not include_test_devices:
        backends = [backend for backend in backends if not backend.name().startswith(TEST_DEVICE_PREFIXES)]
        if not backends:
            raise exc.IBMQBackendValueError(
                "least_busy() got only test snapshots (fake_*, alt_*); pass include_test_devices=True to use them"
            )
    by_provider: dict[AccountProvider, dict[str, dict[str, Any]]] = {}
    for backend in backends:
        provider = backend.provider()
        if provider not in by_provider:
            by_provider[provider] = {s["name"]: s for s in provider.backends.summaries()}
    candidates = []
    for backend in backends:
        summary = by_provider[backend.provider()].get(backend.name())
        if summary and summary["operational"]:
            candidates.append((summary["pending_jobs"], backend))
    if not candidates:
        raise exc.IBMQBackendError(
            f"none of the {len(backends)} backends is operational now; try again later or widen the choice"
        )
    return min(candidates, key=lambda pair: pair[0])[1]
