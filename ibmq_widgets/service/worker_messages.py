"""The messages between the scheduler and a worker process, as small typed records.

They travel pickled over the socket pair of ``worker_process.WorkerProcess`` (``Connection.send``/``recv``);
both processes import this module, so both sides agree on the fields. The conversation::

    worker -> scheduler   Ready()                                  once warmed up
    scheduler -> worker   RunJob(job_id, backend, program, params_text)
    worker -> scheduler   JobDone(job_id, result_text)  or  JobFailed(job_id, reason)
    scheduler -> worker   Stop()                                   (or the connection closes)

A worker serves one job at a time; the scheduler stops a running job by killing the process, never by a
message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "FromWorker",
    "JobDone",
    "JobFailed",
    "Ready",
    "RunJob",
    "Stop",
    "ToWorker",
]


@dataclass(frozen=True)
class Ready:
    """Worker -> scheduler: warmed up (the simulation stack imported and tried) and waiting for jobs."""


@dataclass(frozen=True)
class RunJob:
    """Scheduler -> worker: run this job and answer ``JobDone`` or ``JobFailed``.

    Attributes
    ----------
    job_id : str
        The job's id (also its simulator seed's source).
    backend : str
        The backend whose noise to simulate.
    program : str
        ``"sampler"`` or ``"estimator"``.
    params_text : str
        The JSON of the job's POST /jobs ``params``, as stored.
    """

    job_id: str
    backend: str
    program: str
    params_text: str

    @classmethod
    def of(cls, job: Any) -> RunJob:
        """The message running ``job`` (anything with ``id``, ``backend``, ``program``, ``params_text``)."""
        return cls(job_id=job.id, backend=job.backend, program=job.program, params_text=job.params_text)

    def runner_input(self) -> dict[str, Any]:
        """The dict a runner function takes: ``id``, ``backend``, ``program``, ``params_text``."""
        fields = asdict(self)
        fields["id"] = fields.pop("job_id")
        return fields


@dataclass(frozen=True)
class Stop:
    """Scheduler -> worker: exit (sent to an idle worker only)."""


@dataclass(frozen=True)
class JobDone:
    """Worker -> scheduler: the job ran; ``result_text`` is its result encoded for the wire.

    Attributes
    ----------
    job_id : str
        The job that ran.
    result_text : str
        The result as the API serves it.
    """

    job_id: str
    result_text: str


@dataclass(frozen=True)
class JobFailed:
    """Worker -> scheduler: the job could not run; ``reason`` is what its user sees.

    Attributes
    ----------
    job_id : str
        The job that failed.
    reason : str
        Why, in words for the user (never a traceback).
    """

    job_id: str
    reason: str


#: What a worker may receive.
ToWorker = RunJob | Stop
#: What the scheduler may receive.
FromWorker = Ready | JobDone | JobFailed
