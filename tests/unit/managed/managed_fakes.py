"""In-memory stand-ins for a backend, its provider and jobs, for socket-free tests of the job manager's logic.

They keep the client's public method names; a FakeService holds the jobs, enforces a job limit like the real
service (queued + running jobs of the instance), counts list requests and moves jobs on by itself a few at a
time whenever it is asked something, so waiting code makes progress without threads or sleeps of its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from types import SimpleNamespace
from typing import Any

from qiskit import QuantumCircuit

from ibmq_widgets.client.job import JobStatus
from ibmq_widgets.exceptions import IBMQBackendJobLimitError, IBMQJobFailureError

_FINAL = (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.ERROR)


class FakeResult:
    """A result whose experiment ``i`` of a job starting at global index ``first`` counts ``first + i``."""

    def __init__(self, names: list[str], first: int) -> None:
        self.results = [SimpleNamespace(header=SimpleNamespace(name=name)) for name in names]
        self.success = True
        self._first = first
        self.get_counts_calls = 0

    def get_counts(self, experiment: int) -> dict[str, int]:
        self.get_counts_calls += 1
        return {"0": self._first + experiment, "1": 1}


class FakeJob:
    def __init__(self, service: FakeService, job_id: str, circuits: list, name: str | None, tags: list[str]):
        self._service = service
        self._id = job_id
        self._circuits = circuits
        self._name = name
        self._tags = list(tags)
        self.state = JobStatus.QUEUED
        self.reason: str | None = None
        self.created = dt.datetime.now(dt.timezone.utc)
        self.result_calls = 0
        self.program = "sampler"
        self.observables: list = []
        self.session: Any = None

    def job_id(self) -> str:
        return self._id

    def status(self, refresh: bool = True) -> JobStatus:
        if refresh:
            self._service.requests += 1
        return self.state

    def name(self) -> str | None:
        return self._name

    def tags(self) -> list[str]:
        return list(self._tags)

    def update_tags(self, replacement_tags: list[str] | None = None, **_: Any) -> list[str]:
        self._service.requests += 1
        self._tags = list(replacement_tags or [])
        return self.tags()

    def creation_date(self) -> dt.datetime:
        return self.created

    def backend(self) -> Any:
        return self._service.backend

    def error_message(self) -> str | None:
        return self.reason

    def cancel(self) -> bool:
        if self.state in _FINAL:
            return False
        self.state = JobStatus.CANCELLED
        self.reason = "cancelled by the user"
        return True

    def result(self, timeout: float | None = None, wait: float = 5) -> Any:
        self.result_calls += 1
        self._service.requests += 1
        if self.state is not JobStatus.DONE:
            raise IBMQJobFailureError(f"job {self._id} is {self.state.name}: {self.reason}")
        first = int(next(t for t in self._tags if t.startswith("jobset-range:")).split(":")[1].split("-")[0])
        names = [circuit.name for circuit in self._circuits]
        if self.program == "estimator":
            return estimator_result(self._id, names, first, self.observables)
        return FakeResult(names, first)

    def program_id(self) -> str:
        return self.program

    def session_id(self) -> str | None:
        return self.session.session_id if self.session is not None else None


class FakeService:
    """The jobs of one instance on one backend.

    Parameters
    ----------
    job_limit : int, optional
        Unfinished jobs allowed at once; None for no limit (and an unknown remaining count).
    per_tick : int
        How many unfinished jobs finish each time the service is asked something.
    fail_indices : set of int
        Job-set indices whose jobs end in ERROR.
    reject_indices : set of int
        Job-set indices whose submission raises ValueError-like errors.
    advertised_remaining : int, optional
        What remaining_jobs_count() says regardless of the truth (to provoke a race).
    """

    def __init__(
        self,
        job_limit: int | None = None,
        per_tick: int = 1,
        fail_indices: set[int] | frozenset[int] = frozenset(),
        reject_indices: set[int] | frozenset[int] = frozenset(),
        advertised_remaining: int | None = None,
        max_experiments: int | None = 300,
    ) -> None:
        self.job_limit = job_limit
        self.per_tick = per_tick
        self.fail_indices = set(fail_indices)
        self.reject_indices = set(reject_indices)
        self.advertised_remaining = advertised_remaining
        self.jobs: dict[str, FakeJob] = {}
        self.order: list[str] = []
        self.lock = threading.RLock()
        self.requests = 0
        self.list_calls = 0
        self.limit_refusals = 0
        self.max_active = 0
        self._ids = itertools.count()
        self.backend = FakeBackend(self, max_experiments)
        self.provider = self.backend._provider

    # --- the service's own behaviour -------------------------------------------------------------------
    def active(self) -> int:
        return sum(1 for job in self.jobs.values() if job.state not in _FINAL)

    def tick(self) -> None:
        with self.lock:
            unfinished = [self.jobs[i] for i in self.order if self.jobs[i].state not in _FINAL]
            for job in unfinished[: self.per_tick]:
                index = int(next(t for t in job.tags() if t.startswith("jobset-index:")).split(":")[1])
                if index in self.fail_indices:
                    job.state, job.reason = JobStatus.ERROR, "simulation failed: out of memory"
                else:
                    job.state = JobStatus.DONE

    def submit(self, circuits: list, job_name: str | None, job_tags: list[str]) -> FakeJob:
        with self.lock:
            self.requests += 1
            index = int(next(t for t in job_tags if t.startswith("jobset-index:")).split(":")[1])
            if index in self.reject_indices:
                from ibmq_widgets.exceptions import IBMQBackendValueError

                raise IBMQBackendValueError(f"circuit of job {index} uses gate 'foo' the backend lacks")
            if self.job_limit is not None and self.active() >= self.job_limit:
                self.limit_refusals += 1
                raise IBMQBackendJobLimitError("job limit reached")
            job = FakeJob(self, f"job{next(self._ids):04d}", circuits, job_name, job_tags)
            self.jobs[job.job_id()] = job
            self.order.append(job.job_id())
            self.max_active = max(self.max_active, self.active())
            return job

    def list_jobs(self, job_tags: list[str], limit: int | None) -> list[FakeJob]:
        with self.lock:
            self.requests += 1
            self.list_calls += 1
            self.tick()
            found = [job for job in self.jobs.values() if set(job_tags) & set(job.tags())]
            return found if limit is None else found[:limit]


class FakeBackendService:
    def __init__(self, service: FakeService) -> None:
        self._service = service

    def jobs(self, limit: int | None = 10, job_tags: list[str] | None = None, **_: Any) -> list[FakeJob]:
        return self._service.list_jobs(list(job_tags or []), limit)


class FakeProvider:
    def __init__(self, service: FakeService) -> None:
        self.backends = FakeBackendService(service)

    def __repr__(self) -> str:
        return "<FakeProvider>"


class FakeBackend:
    def __init__(self, service: FakeService, max_experiments: int | None) -> None:
        self._service = service
        self._provider = FakeProvider(service)
        self._max = max_experiments
        self.run_calls: list[dict[str, Any]] = []
        self.batches: list[FakeBatch] = []

    def name(self) -> str:
        return "fake_backend"

    def provider(self) -> FakeProvider:
        return self._provider

    def configuration(self) -> Any:
        return SimpleNamespace(max_experiments=self._max)

    def remaining_jobs_count(self) -> int | None:
        with self._service.lock:
            self._service.requests += 1
            self._service.tick()
            if self._service.advertised_remaining is not None:
                return self._service.advertised_remaining
            if self._service.job_limit is None:
                return None
            return max(self._service.job_limit - self._service.active(), 0)

    def run(self, circuits: list, job_name: str | None = None, job_tags: list[str] | None = None, **config):
        self.run_calls.append(
            {"n": len(circuits), "job_name": job_name, "tags": list(job_tags or []), **config}
        )
        job = self._service.submit(list(circuits), job_name, list(job_tags or []))
        job.session = config.get("session")
        return job

    def estimate(
        self,
        circuits: list,
        observables: list,
        parameter_values: list | None = None,
        job_name: str | None = None,
        job_tags: list[str] | None = None,
        **config: Any,
    ) -> FakeJob:
        self.run_calls.append(
            {
                "n": len(circuits),
                "observables": list(observables),
                "parameter_values": parameter_values,
                **config,
            }
        )
        job = self._service.submit(list(circuits), job_name, list(job_tags or []))
        job.program, job.observables, job.session = "estimator", list(observables), config.get("session")
        return job

    def open_batch(self) -> FakeBatch:
        self.batches.append(FakeBatch(f"batch-{len(self.batches)}", self._service))
        return self.batches[-1]


class FakeBatch:
    """A batch that records when it was closed: after how many jobs had been submitted."""

    def __init__(self, session_id: str, service: FakeService) -> None:
        self.session_id = session_id
        self._service = service
        self.closed_after: int | None = None

    def close(self) -> None:
        assert self.closed_after is None, "a batch is closed once"
        self.closed_after = len(self._service.jobs)


def estimator_result(job_id: str, names: list[str], first: int, observables: list) -> Any:
    """An EstimatorResult whose experiment ``i`` has the value ``first + i`` for each of its observables."""
    import numpy as np
    from qiskit.primitives import PrimitiveResult, PubResult
    from qiskit.primitives.containers import DataBin

    from ibmq_widgets.client.estimator_result import EstimatorResult

    pubs = []
    for index, (name, observable) in enumerate(zip(names, observables, strict=True)):
        shape = (len(observable),) if isinstance(observable, list) else ()
        values = np.full(shape, float(first + index))
        data = DataBin(evs=values, stds=np.full(shape, 0.01), shape=shape)
        pubs.append(PubResult(data, metadata={"circuit_metadata": {"ibmq_widgets.name": name}}))
    return EstimatorResult.from_primitive_result(
        PrimitiveResult(pubs), job_id=job_id, backend_name="fake_backend"
    )


def circuits(n: int) -> list[QuantumCircuit]:
    """``n`` one-qubit circuits named c0, c1, ... that measure their qubit."""
    out = []
    for i in range(n):
        circuit = QuantumCircuit(1, 1, name=f"c{i}")
        circuit.measure(0, 0)
        out.append(circuit)
    return out
