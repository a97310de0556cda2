"""What one job of a set sends: its experiments, the set's tags and run options, and its session or batch.

A set of circuits becomes Sampler jobs (``backend.run``), a set of ``(circuit, observables[, values])`` tuples
Estimator jobs (``backend.estimate``). For an :class:`IBMQBackend` the job is checked and encoded here, ahead
of its slot, so that sending it is one POST; any other backend (a test double, another provider's) runs its
own ``run()``/``estimate()`` when the job is sent.
"""

from __future__ import annotations

import functools
from typing import Any

from ibmq_widgets.client.backend import IBMQBackend
from ibmq_widgets.client.estimator import encode_estimate
from ibmq_widgets.client.submission import encode_run, send_submission

from . import tags as tagging
from .managed_job import ManagedJob
from .split import is_estimator_set

__all__ = ["encode_job", "open_mode", "send_job"]

#: The ``mode`` of ``IBMQJobManager.run``: how the set's jobs are grouped on the service.
MODES = ("job", "batch", "session")


def encode_job(
    backend: Any,
    mjob: ManagedJob,
    info: tagging.JobSetTags,
    user_tags: list[str],
    run_config: dict[str, Any],
    session: Any = None,
) -> Any:
    """The payload of one job of a set (see the module docstring); raises for a job that cannot run."""
    arguments = {
        "job_name": tagging.job_name_for(info.name or "", mjob.index),
        "job_tags": tagging.encode_tags(info, user_tags),
        **run_config,
    }
    if session is not None:
        arguments["session"] = session
    experiments = list(mjob.experiments or [])
    if not is_estimator_set(experiments):
        if isinstance(backend, IBMQBackend):
            return encode_run(backend, experiments, **arguments)
        return functools.partial(backend.run, experiments, **arguments)
    circuits = [experiment[0] for experiment in experiments]
    observables = [experiment[1] for experiment in experiments]
    values = [experiment[2] for experiment in experiments]
    parameter_values = None if all(value is None for value in values) else values
    if isinstance(backend, IBMQBackend):
        return encode_estimate(backend, circuits, observables, parameter_values, **arguments)
    return functools.partial(backend.estimate, circuits, observables, parameter_values, **arguments)


def send_job(payload: Any) -> Any:
    """Submit one encoded job (or run the deferred ``run()``/``estimate()`` of another kind of backend)."""
    return payload() if callable(payload) else send_submission(payload)


def open_mode(backend: Any, mode: Any, max_time: Any = None) -> Any:
    """The Batch (``mode="batch"``) or Session (``"session"``) the set's jobs join, opened now; None for
    ``"job"``.

    Raises
    ------
    IBMQJobManagerValueError
        For another mode, or a backend that cannot open one.
    """
    from ibmq_widgets.exceptions import IBMQJobManagerValueError

    if mode not in MODES:
        raise IBMQJobManagerValueError(f"mode must be one of {', '.join(map(repr, MODES))}, not {mode!r}")
    if mode == "job":
        return None
    opener = getattr(backend, f"open_{mode}", None)
    if opener is None:
        raise IBMQJobManagerValueError(
            f"mode={mode!r} needs a backend with open_{mode}() (an IBMQBackend), not {type(backend).__name__}"
        )
    return opener(max_time) if max_time is not None else opener()
