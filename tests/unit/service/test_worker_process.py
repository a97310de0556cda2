"""The scheduler's handle on worker processes: a fresh interpreter over a socket pair, and the pool of them."""

from __future__ import annotations

import json
import math
import time

import psutil
from service_unit_helpers import RUNNER

from ibmq_widgets.service import worker_process
from ibmq_widgets.service.worker_messages import JobDone, Ready, RunJob
from ibmq_widgets.service.worker_process import WorkerPool, WorkerProcess


def test_a_worker_process_warms_up_runs_a_job_and_stops():
    worker = WorkerProcess.spawn(RUNNER)
    try:
        assert worker.conn.poll(120) and worker.conn.recv() == Ready()
        worker.ready = True
        assert worker.idle
        worker.send_job(RunJob("j1", "ibmq_manila", "sampler", json.dumps({"sleep": 0})), time_limit=30)
        assert worker.job_id == "j1" and math.isfinite(worker.deadline) and not worker.idle
        assert worker.conn.poll(60)
        answer = worker.conn.recv()
        assert isinstance(answer, JobDone) and json.loads(answer.result_text)["pid"] == worker.pid
        worker.job_id = None
        worker.close()
        assert worker.exitcode == 0  # an idle worker is asked to stop, not killed
    finally:
        if worker.exitcode is None:
            worker.kill()
            worker.wait(10)


class _StubWorker:
    """Stands in for a WorkerProcess in pool bookkeeping tests (no process)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ready = False
        self.idle = True
        self.spawned = time.monotonic()
        self.closed = False

    def close(self, grace: float = 2.0) -> None:
        self.closed = True


def test_the_pool_hands_jobs_out_in_turn_and_replaces_workers(monkeypatch):
    pids = iter(range(100, 200))
    monkeypatch.setattr(
        worker_process.WorkerProcess, "spawn", classmethod(lambda cls, runner: _StubWorker(next(pids)))
    )
    pool = WorkerPool(3, RUNNER)
    pool.start()
    assert pool.pids() == [100, 101, 102] and not pool.wait_until_warm(0.01)
    for worker in pool.workers():
        pool.mark_ready(worker)
    assert pool.ready_count() == 3 and pool.wait_until_warm(0.01)
    first, second, third = pool.workers()
    assert pool.idle() == [first, second, third]
    pool.took_job(first)
    assert pool.idle() == [second, third, first]
    pool.took_job(third)
    assert pool.idle()[0] is first
    pool.replace(second)
    assert second.closed and pool.pids() == [100, 103, 102] and pool.ready_count() == 2
    assert pool.stuck(timeout=3600) == []
    assert [w.pid for w in pool.stuck(timeout=-1)] == [103] and pool.stuck(timeout=-1) == []  # listed once
    pool.close()
    assert pool.workers() == [] and all(w.closed for w in (first, third))


def test_closing_the_pool_leaves_no_process():
    pool = WorkerPool(2, RUNNER)
    pool.start()
    pids = pool.pids()
    pool.close()
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)
