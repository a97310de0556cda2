"""QueueEstimates.infos, the one pass a listing's queue infos come from, gives exactly what info gives job by job:
the same positions and the same datetimes, to the microsecond, whatever the queues, running jobs and history."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from service_unit_helpers import make_job

from ibmq_widgets.service.job_queue import JobQueue, QueueEstimates

NOW = datetime(2026, 12, 4, 12, 0, 0, 123457, tzinfo=timezone.utc)
BACKENDS = ("ibmq_qasm_simulator", "ibm_fez", "ibmq_manila", "ibm_torino")


def one_by_one(estimates: QueueEstimates, job_ids: list[str], running: dict, queue: JobQueue) -> dict:
    return {job_id: estimates.info(NOW, job_id, running, queue) for job_id in job_ids}


def random_state(seed: int) -> tuple[QueueEstimates, JobQueue, dict[str, tuple[str, float]], list[str]]:
    """Queues on a few backends, some running jobs, recorded run times; and ids to ask about, in any order."""
    rng = random.Random(seed)
    estimates = QueueEstimates(workers=rng.choice([1, 2, 3, 7]))
    for backend in rng.sample(BACKENDS, rng.randint(0, 3)):  # some backends have no history: borrowed
        for _ in range(rng.randint(1, 25)):
            estimates.record(backend, rng.choice([0.0, 1e-7, 0.1, 1 / 3, 2.5, 1234.56789]) * rng.random())
    queue = JobQueue()
    ids = []
    for n in range(rng.randint(0, 300)):
        job_id = f"q{n}"
        queue.add(make_job(job_id, backend=rng.choice(BACKENDS)), first=rng.random() < 0.05)
        ids.append(job_id)
    for job_id in rng.sample(ids, len(ids) // 10):
        queue.remove(job_id)  # left the queue: no info
    running = {f"r{n}": (rng.choice(BACKENDS), rng.random() * 5) for n in range(rng.randint(0, 4))}
    asked = ids + list(running) + ["unknown"]
    rng.shuffle(asked)
    return estimates, queue, running, asked


@pytest.mark.parametrize("seed", range(40))
def test_infos_is_info_job_by_job(seed):
    estimates, queue, running, asked = random_state(seed)
    expected = one_by_one(estimates, asked, running, queue)
    got = estimates.infos(NOW, asked, running, queue)
    assert list(got) == list(expected) and got == expected


def test_infos_follows_the_queue_as_it_changes():
    estimates, queue = QueueEstimates(workers=2), JobQueue()
    for n in range(6):
        queue.add(make_job(f"m{n}", backend="ibmq_manila"))
        queue.add(make_job(f"f{n}", backend="ibm_fez"))
    ids = [job.id for job in queue.jobs()]
    running = {"r": ("ibm_fez", 0.25)}
    first = estimates.infos(NOW, ids, running, queue)
    assert [first[f"m{n}"]["position"] for n in range(6)] == [1, 2, 3, 4, 5, 6]
    assert first["m0"]["estimated_start_time"] == NOW + timedelta(seconds=0.75 / 2)
    queue.remove("m0")
    queue.pop_next()
    estimates.record("ibmq_manila", 4.0)
    ids = [job.id for job in queue.jobs()]
    assert estimates.infos(NOW, ids, running, queue) == one_by_one(estimates, ids, running, queue)
    assert estimates.infos(NOW, [], running, queue) == {}
