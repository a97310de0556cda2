"""Job-like fakes for the watcher's socket-free unit tests: the public, request-free methods of IBMQJob."""

from __future__ import annotations

import datetime as dt
import enum


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
    def __init__(self, job_id, status, backend="ibm_fez", name="", age=60.0, position=None, provider=None):
        self._id, self._status, self._backend, self._name = job_id, status, backend, name
        self._created = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=age)
        self._position = position
        self.age = age
        self._provider = provider
        self.cancel_calls = 0
        self.cancel_error: Exception | None = None

    def job_id(self):
        return self._id

    def name(self):
        return self._name

    def backend_name(self):
        return self._backend

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
    def __init__(self, jobs) -> None:
        self.backends = FakeBackends(jobs)
