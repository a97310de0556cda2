"""execute(circuits, backend): transpile and run in one call, as in the seed tutorial."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client.submission import DEFAULT_SHOTS

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from ibmq_widgets.client.backend import IBMQBackend
    from ibmq_widgets.client.job import IBMQJob

__all__ = ["execute"]


def execute(
    circuits: QuantumCircuit | Sequence[QuantumCircuit],
    backend: IBMQBackend,
    shots: int = DEFAULT_SHOTS,
    job_name: str | None = None,
    job_tags: Sequence[str] | None = None,
    **options: Any,
) -> IBMQJob:
    """Transpile ``circuits`` for ``backend`` (where they are not ISA already) and run them as one job.

    Parameters
    ----------
    circuits : QuantumCircuit or list of QuantumCircuit
        Circuits with measurements.
    backend : IBMQBackend
        Where to run them, e.g. ``provider.get_backend("ibmq_qasm_simulator")``.
    shots : int
        Shots per circuit.
    job_name, job_tags : optional
        To find the job later.
    **options
        ``optimization_level``, ``seed_transpiler``, ``seed_simulator``.

    Returns
    -------
    IBMQJob

    Raises
    ------
    IBMQBackendValueError
        If ``backend`` is not an IBMQBackend, or the circuits or options cannot run on it.
    """
    if not hasattr(backend, "run") or not hasattr(backend, "provider"):
        raise exc.IBMQBackendValueError(
            f"execute() needs an IBMQBackend from a provider, not {type(backend).__name__}; "
            "e.g. provider.get_backend('ibmq_qasm_simulator')"
        )
    return backend.run(circuits, shots=shots, job_name=job_name, job_tags=job_tags, **options)
