"""Job-like fakes for the watcher's socket-free unit tests: the public, request-free methods of IBMQJob, and the
job JSON the listing gave (``_data``: end time and usage, which IBMQJob has no request-free accessor for)."""

from __future__ import annotations

import datetime as dt
import enum
from types import SimpleNamespace

import numpy as np


class Status(enum.Enum):  # the member names are what the panel reads, as with the client's JobStatus
    QUEUED = "job is queued"
    RUNNING = "job is actively running"
    DONE = "job has successfully run"
    CANCELLED = "job has been cancelled"
    ERROR = "job incurred error"


class Info:
    def __init__(self, position, start) -> None:
        self.position = position
        self.estimated_start_time = start


class FakeJob:
    def __init__(
        self,
        job_id,
        status,
        backend="ibm_fez",
        name="",
        age=60.0,
        position=None,
        provider=None,
        *,
        program="sampler",
        tags=(),
        session_id=None,
        ran=None,
        usage=None,
    ):
        self._id, self._status, self._backend, self._name = job_id, status, backend, name
        self._created = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=age)
        self._position = position
        self.age = age
        self._provider = provider
        self._program, self._tags, self._session = program, list(tags), session_id
        self._data: dict = {}
        if ran is not None:  # listed with an end time: the job ended `ran` seconds after its creation
            self._data["end_time"] = (self._created + dt.timedelta(seconds=ran)).isoformat()
        if usage is not None:
            self._data["usage"] = {"quantum_seconds": usage}
        self.cancel_calls = 0
        self.cancel_error: Exception | None = None

    def job_id(self):
        return self._id

    def name(self):
        return self._name

    def backend_name(self):
        return self._backend

    def program_id(self):
        return self._program

    def session_id(self):
        return self._session

    def tags(self):
        return list(self._tags)

    def status(self, refresh=True):
        assert refresh is False, "the panel must not make a request per job"
        return self._status

    def queue_info(self):
        start = self._created + dt.timedelta(seconds=self.age + 95)
        return Info(self._position, start) if self._position else None

    def creation_date(self):
        return self._created

    def provider(self):
        return self._provider

    def cancel(self):
        self.cancel_calls += 1
        if self.cancel_error is not None:
            raise self.cancel_error
        self._status = Status.CANCELLED
        return True


class FakeBackends:
    def __init__(self, jobs) -> None:
        self.jobs_list = jobs
        self.calls: list[dict] = []

    def jobs(self, **kwargs):
        self.calls.append(kwargs)
        return list(self.jobs_list)


class FakeProvider:
    def __init__(self, jobs, instance_name="ibm-q/open/main") -> None:
        self.backends = FakeBackends(jobs)
        self.instance_name = instance_name


class SamplerResult:
    def __init__(self, shots=100, experiments=2) -> None:
        self.results = [
            SimpleNamespace(shots=shots, header=SimpleNamespace(name=f"circuit-{i}"))
            for i in range(experiments)
        ]

    def get_counts(self, index):
        return {"00": 60 + index, "11": 40 - index}


class EstimatorResult:
    def __init__(self) -> None:
        experiment = SimpleNamespace(
            expectation_values=np.array([1.0, 0.98]),
            standard_errors=np.array([0.01, 0.02]),
            observables=["ZZ", "XX"],
            header=SimpleNamespace(name="pair"),
        )
        self.results = [experiment]


class ResultJob(FakeJob):
    """A finished job whose result, metrics and usage can be fetched (counted)."""

    def __init__(self, *args, result=None, steps=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._result, self._steps = result, steps or {}
        self.calls: list[str] = []

    def result(self, timeout=None):
        self.calls.append("result")
        return self._result

    def time_per_step(self):
        self.calls.append("time_per_step")
        return self._steps

    def usage(self):
        self.calls.append("usage")
        return 4.5

    def error_message(self):
        return "Cancelled by the user."
