"""The queue of jobs waiting for a worker, and estimates of when each will start and finish.

``JobQueue``: one FIFO queue per backend; the next job is taken from the backends in turn (round-robin over the
backends with queued jobs, FIFO within a backend), so a flood of jobs on one backend does not starve the others.

``QueueEstimates``: the scheduler records the run time of every completed job per backend (the last
``DURATIONS_KEPT``) and asks for a job's ``queue_info``: its position, an estimated start and an estimated
completion, as IBM's job JSON carries them. A backend with no finished job yet borrows the average of the
others, or ``DEFAULT_DURATION``. The wait of a queued job is the work ahead of it, spread over the workers:
what is left of the running jobs, the jobs before it on its backend, and (the backends take turns) up to as
many from each other backend. These are estimates for a progress display, never promises.

Neither is thread-safe: the scheduler uses both under its lock.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ibmq_widgets.service.records import JobRecord

__all__ = ["DEFAULT_DURATION", "DURATIONS_KEPT", "JobQueue", "QueueEstimates", "no_queue_info"]

#: Seconds assumed per job on a backend before any job has finished.
DEFAULT_DURATION = 1.0
#: Completed jobs per backend whose run times make the average.
DURATIONS_KEPT = 20


def no_queue_info() -> dict[str, Any]:
    """The queue info of a job that left the queue (or is unknown): every field None."""
    return {"position": None, "estimated_start_time": None, "estimated_completion_time": None}


class JobQueue:
    """Queued jobs: a FIFO per backend, served round-robin over the backends.

    Every question asked per request is answered in constant time: how many jobs of an instance wait on a
    backend (counted as jobs come and go) and a job's position (from a table per backend, rebuilt once after
    its queue changed, so a listing of a thousand queued jobs costs one pass, not a thousand).
    """

    def __init__(self) -> None:
        self._queues: dict[str, deque[str]] = {}
        self._jobs: dict[str, JobRecord] = {}
        self._turn = 0  # round-robin pointer over the backends
        self._counts: Counter[tuple[str, str]] = Counter()  # (backend, instance) -> queued jobs
        self._positions: dict[str, dict[str, int]] = {}  # backend -> job id -> position, while unchanged
        self._lengths: dict[str, int] | None = None  # lengths(), while no queue changed

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._jobs

    def __len__(self) -> int:
        return len(self._jobs)

    def jobs(self) -> list[JobRecord]:
        """Every queued job."""
        return list(self._jobs.values())

    def get(self, job_id: str) -> JobRecord | None:
        """The queued job with this id, or None."""
        return self._jobs.get(job_id)

    def _changed(self, job: JobRecord, delta: int) -> None:
        self._positions.pop(job.backend, None)
        self._lengths = None
        key = (job.backend, job.instance)
        self._counts[key] += delta
        if not self._counts[key]:
            del self._counts[key]

    def add(self, job: JobRecord, *, first: bool = False) -> None:
        """Queue ``job`` last on its backend (``first``: at the head, e.g. a dispatch to try again)."""
        if job.id in self._jobs:
            return
        queue = self._queues.setdefault(job.backend, deque())
        if first:
            queue.appendleft(job.id)
        else:
            queue.append(job.id)
        self._jobs[job.id] = job
        self._changed(job, 1)

    def remove(self, job_id: str) -> JobRecord | None:
        """Take a job out of the queue; it, or None if it was not queued."""
        job = self._jobs.pop(job_id, None)
        if job is not None:
            self._queues[job.backend].remove(job_id)
            self._changed(job, -1)
        return job

    def pop_next(self, admit: Callable[[JobRecord], bool] | None = None) -> JobRecord | None:
        """The next job to run (the backends with queued jobs take turns), removed; None if none waits.

        ``admit(job)`` may refuse jobs for now (a dedicated session holding their backend): the first admitted
        job of a backend runs, ahead of refused ones.
        """
        backends = sorted(name for name, queue in self._queues.items() if queue)
        for _ in range(len(backends)):
            name = backends[self._turn % len(backends)]
            self._turn += 1
            queue = self._queues[name]
            job_id = queue[0] if admit is None else next((j for j in queue if admit(self._jobs[j])), None)
            if job_id is None:
                continue
            queue.remove(job_id)
            job = self._jobs.pop(job_id)
            self._changed(job, -1)
            return job
        return None

    def position(self, job_id: str) -> int:
        """A queued job's place on its backend, from 1 (next)."""
        return self.positions(self._jobs[job_id].backend)[job_id]

    def positions(self, backend: str) -> Mapping[str, int]:
        """The place of every job queued on ``backend``, from 1 (the same dict until that queue changes: read
        only)."""
        positions = self._positions.get(backend)
        if positions is None:
            queue = self._queues.get(backend, ())
            positions = self._positions[backend] = {
                queued: place for place, queued in enumerate(queue, start=1)
            }
        return positions

    def count(self, backend: str, instance: str | None = None) -> int:
        """How many jobs wait on ``backend`` (of ``instance`` only, if given)."""
        if instance is None:
            return len(self._queues.get(backend, ()))
        return self._counts.get((backend, instance), 0)

    def lengths(self) -> dict[str, int]:
        """How many jobs wait on each backend that has any (the same dict until a queue changes: read only)."""
        if self._lengths is None:
            self._lengths = {name: len(queue) for name, queue in self._queues.items() if queue}
        return self._lengths


class QueueEstimates:
    """Recent run times per backend, and the queue info computed from them (not thread-safe: the
    scheduler calls it under its lock).

    Parameters
    ----------
    workers : int
        How many jobs run at once.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._durations: dict[str, deque[float]] = {}
        self._averages: dict[str, float] = {}  # worked out once per backend until the next record()

    def record(self, backend: str, seconds: float) -> None:
        """Count a completed job on ``backend`` that ran ``seconds``."""
        self._durations.setdefault(backend, deque(maxlen=DURATIONS_KEPT)).append(seconds)
        self._averages.clear()

    def average(self, backend: str) -> float:
        """The expected run time of a job on ``backend``, in seconds."""
        average = self._averages.get(backend)
        if average is not None:
            return average
        recent = self._durations.get(backend)
        if recent:
            average = sum(recent) / len(recent)
        else:
            every = [d for durations in self._durations.values() for d in durations]
            average = sum(every) / len(every) if every else DEFAULT_DURATION
        self._averages[backend] = average
        return average

    def info(
        self, now: datetime, job_id: str, running: Mapping[str, tuple[str, float]], queue: JobQueue
    ) -> dict[str, Any]:
        """The queue info of any job at ``now`` (aware UTC): running (``running`` maps the running jobs to
        their backend and elapsed seconds), queued in ``queue``, or neither (every field None)."""
        if job_id in running:
            return self.for_running(now, *running[job_id])
        job = queue.get(job_id)
        if job is None:
            return no_queue_info()
        return self.for_queued(now, job.backend, queue.position(job_id), running.values(), queue.lengths())

    def infos(
        self,
        now: datetime,
        job_ids: Iterable[str],
        running: Mapping[str, tuple[str, float]],
        queue: JobQueue,
    ) -> dict[str, dict[str, Any]]:
        """``info`` of many jobs at once, equal to it job by job, in one pass (a listing asks for a thousand).

        What ``for_queued`` works out again for every job, the running jobs' remaining time, the averages and a
        run's length per backend, is worked out once here; only a job's own sum and start are left per job.
        The sums are the same floats: the same terms, added in the same order.
        """
        lengths = [(name, length, self.average(name)) for name, length in queue.lengths().items()]
        left = sum(max(0.0, self.average(name) - elapsed) for name, elapsed in running.values())
        backends: dict[str, tuple[Mapping[str, int], timedelta]] = {}  # positions and a run, per backend
        workers, get_job = self.workers, queue.get
        infos: dict[str, dict[str, Any]] = {}
        for job_id in job_ids:
            if job_id in running:
                infos[job_id] = self.for_running(now, *running[job_id])
                continue
            job = get_job(job_id)
            if job is None:
                infos[job_id] = no_queue_info()
                continue
            backend = job.backend
            known = backends.get(backend)
            if known is None:
                known = backends[backend] = (
                    queue.positions(backend),
                    timedelta(seconds=self.average(backend)),
                )
            position = known[0][job_id]
            ahead, before = left, position - 1
            for name, length, average in lengths:
                ahead += (before if name == backend else min(length, before)) * average
            start = now + timedelta(0, ahead / workers)  # seconds; positional is half the cost of seconds=
            infos[job_id] = {
                "position": position,
                "estimated_start_time": start,
                "estimated_completion_time": start + known[1],
            }
        return infos

    def for_running(self, now: datetime, backend: str, elapsed: float) -> dict[str, Any]:
        """The queue info of a job on ``backend`` running for ``elapsed`` seconds at ``now`` (aware UTC): no
        position, an estimated completion."""
        left = max(0.0, self.average(backend) - elapsed)
        return {
            "position": None,
            "estimated_start_time": None,
            "estimated_completion_time": now + timedelta(seconds=left),
        }

    def for_queued(
        self,
        now: datetime,
        backend: str,
        position: int,
        running: Iterable[tuple[str, float]],
        queue_lengths: Mapping[str, int],
    ) -> dict[str, Any]:
        """The queue info of the job at ``position`` (1 = next) in ``backend``'s queue.

        Parameters
        ----------
        now : datetime
            The current time (aware, UTC).
        backend : str
            Its backend.
        position : int
            Its place in its backend's queue, from 1.
        running : iterable of (str, float)
            The backend and elapsed seconds of every running job.
        queue_lengths : mapping of str to int
            How many jobs wait on each backend.
        """
        ahead = sum(max(0.0, self.average(name) - elapsed) for name, elapsed in running)
        for name, length in queue_lengths.items():
            count = position - 1 if name == backend else min(length, position - 1)
            ahead += count * self.average(name)
        start = now + timedelta(seconds=ahead / self.workers)
        end = start + timedelta(seconds=self.average(backend))
        return {"position": position, "estimated_start_time": start, "estimated_completion_time": end}
