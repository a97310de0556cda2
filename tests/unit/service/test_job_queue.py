"""The job queue (FIFO per backend, backends in turn) and its start and completion estimates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from service_unit_helpers import make_job

from ibmq_widgets.service.job_queue import DEFAULT_DURATION, JobQueue, QueueEstimates, no_queue_info

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_fifo_per_backend_and_backends_take_turns():
    queue = JobQueue()
    for job_id, backend in [("m0", "manila"), ("m1", "manila"), ("m2", "manila"), ("f0", "fez")]:
        queue.add(make_job(job_id, backend=backend))
    queue.add(make_job("m0", backend="manila"))  # already queued: ignored
    assert len(queue) == 4 and "m1" in queue and queue.get("f0").backend == "fez"
    assert [queue.position(j) for j in ("m0", "m1", "m2", "f0")] == [1, 2, 3, 1]
    assert queue.lengths() == {"manila": 3, "fez": 1}
    order = [queue.pop_next().id for _ in range(4)]
    assert order.index("f0") <= 1 and [j for j in order if j != "f0"] == ["m0", "m1", "m2"]
    assert queue.pop_next() is None and len(queue) == 0


def test_remove_and_put_back_first():
    queue = JobQueue()
    for job_id in ("a", "b", "c"):
        queue.add(make_job(job_id))
    assert queue.remove("b").id == "b" and queue.remove("b") is None
    first = queue.pop_next()
    queue.add(first, first=True)  # a dispatch the store refused: first in line again
    assert first.id == "a" and {job.id for job in queue.jobs()} == {"a", "c"}
    assert queue.position("a") == 1 and queue.position("c") == 2


def test_estimates_from_recent_durations():
    estimates = QueueEstimates(workers=2)
    assert estimates.average("fez") == DEFAULT_DURATION
    estimates.record("manila", 2.0)
    estimates.record("manila", 4.0)
    assert estimates.average("manila") == 3.0 and estimates.average("fez") == 3.0  # borrowed
    running = estimates.for_running(NOW, "manila", elapsed=1.0)
    assert running["position"] is None and running["estimated_completion_time"] == NOW + timedelta(seconds=2)
    queued = estimates.for_queued(NOW, "manila", 2, running=[("manila", 1.0)], queue_lengths={"manila": 3})
    # ahead: 2 s left of the running job + 1 job before it (3 s), over 2 workers
    assert queued["position"] == 2 and queued["estimated_start_time"] == NOW + timedelta(seconds=2.5)
    assert queued["estimated_completion_time"] == NOW + timedelta(seconds=5.5)
    assert no_queue_info() == {
        "position": None,
        "estimated_start_time": None,
        "estimated_completion_time": None,
    }


def test_counts_per_backend_and_instance_and_positions_follow_every_change():
    queue = JobQueue()
    for job_id, backend, instance in [
        ("a", "manila", "one"), ("b", "manila", "two"), ("c", "manila", "one"), ("d", "fez", "one"),
    ]:  # fmt: skip
        queue.add(make_job(job_id, backend=backend, instance=instance))
    assert (queue.count("manila"), queue.count("manila", "one"), queue.count("manila", "two")) == (3, 2, 1)
    assert queue.count("fez", "two") == 0 and queue.count("nowhere") == 0
    assert [queue.position(j) for j in "abc"] == [1, 2, 3]
    queue.remove("b")
    assert queue.count("manila", "two") == 0 and queue.position("c") == 2
    assert {queue.pop_next().id for _ in range(2)} == {"a", "d"}  # the backends take turns
    assert queue.position("c") == 1 and queue.count("manila", "one") == 1 and queue.count("fez") == 0
    queue.add(make_job("e", backend="manila", instance="one"), first=True)
    assert queue.position("e") == 1 and queue.position("c") == 2
    assert queue.lengths() == {"manila": 2}


def test_info_of_a_running_a_queued_and_an_unknown_job():
    estimates = QueueEstimates(workers=1)
    estimates.record("manila", 2.0)
    queue = JobQueue()
    queue.add(make_job("waiting", backend="manila"))
    running = {"busy": ("manila", 0.5)}
    assert estimates.info(NOW, "busy", running, queue) == estimates.for_running(NOW, "manila", 0.5)
    queued = estimates.info(NOW, "waiting", running, queue)
    assert queued["position"] == 1 and queued["estimated_start_time"] == NOW + timedelta(seconds=1.5)
    assert estimates.info(NOW, "gone", running, queue) == no_queue_info()
