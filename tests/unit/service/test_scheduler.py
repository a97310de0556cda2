"""The scheduler with real worker processes: FIFO, positions, cancel, time limits, crashes, recovery.

The workers here run a small stand-in for the simulation (``service_unit_helpers.fake_runner``, imported by
the spawned worker processes by module name) so that each test controls how long a job takes or whether it crashes; the
real simulation is tested in test_worker.py.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import psutil
import pytest
from service_unit_helpers import INSTANCE, RUNNER, make_job, wait_for

from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.scheduler import REASON_CODES, Scheduler
from ibmq_widgets.service.store import JobRecord, JobStore


def submit(store: JobStore, scheduler: Scheduler, job: JobRecord) -> JobRecord:
    store.create_job(job)
    scheduler.enqueue(job)
    return job


def status(store: JobStore, job_id: str) -> str:
    return store.get_job(job_id).status


def wait_ready(scheduler: Scheduler) -> None:
    wait_for(lambda: scheduler.ready_workers() == scheduler.workers)


@pytest.fixture
def store(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    yield store
    store.close()


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


@pytest.fixture
def make_scheduler(store, catalog):
    made: list[Scheduler] = []

    def factory(workers: int = 1, time_limit: float = 60.0, start: bool = True) -> Scheduler:
        scheduler = Scheduler(store, catalog, workers=workers, default_time_limit=time_limit, runner=RUNNER)
        made.append(scheduler)
        if start:
            scheduler.start()
        return scheduler

    yield factory
    for scheduler in made:
        scheduler.stop()


def test_fifo_order_positions_and_counts(store, make_scheduler):
    scheduler = make_scheduler(workers=1)
    wait_ready(scheduler)
    submit(store, scheduler, make_job("block", sleep=1.0))
    wait_for(lambda: status(store, "block") == "Running")
    for i in range(4):
        submit(store, scheduler, make_job(f"q{i}"))
    submit(store, scheduler, make_job("other-instance", instance="ibm-q-network/research/main"))
    assert [scheduler.queue_info(f"q{i}")["position"] for i in range(4)] == [1, 2, 3, 4]
    info = scheduler.queue_info("q2")
    assert info["estimated_start_time"] < info["estimated_completion_time"]
    assert info["estimated_start_time"] > datetime.now(timezone.utc)
    assert scheduler.queue_info("block")["position"] is None
    assert scheduler.queue_info("block")["estimated_completion_time"] is not None
    assert scheduler.pending_count("ibmq_manila") == 6
    assert scheduler.active_count("ibmq_manila", INSTANCE) == 5
    assert scheduler.pending_count("ibm_fez") == 0
    wait_for(lambda: status(store, "other-instance") == "Completed")
    started = [store.get_job(f"q{i}").timestamps["running"] for i in range(4)]
    assert started == sorted(started)
    assert scheduler.pending_count("ibmq_manila") == 0
    assert scheduler.queue_info("q0") == {
        "position": None, "estimated_start_time": None, "estimated_completion_time": None
    }  # fmt: skip
    assert json.loads(store.get_result("q3"))["job"] == "q3"


def test_backends_take_turns(store, make_scheduler):
    scheduler = make_scheduler(workers=1, start=False)
    for i in range(3):
        store.create_job(make_job(f"m{i}"))
    store.create_job(make_job("f0", backend="ibm_fez"))
    for job in store.unfinished_jobs():
        scheduler.enqueue(job)
    scheduler.start()
    wait_for(lambda: status(store, "m2") == "Completed")
    order = sorted(["m0", "m1", "m2", "f0"], key=lambda j: store.get_job(j).timestamps["running"])
    # Round robin: the lone ibm_fez job does not wait for all of ibmq_manila's queue.
    assert order.index("f0") <= 1


def test_cancel_queued_and_running(store, make_scheduler):
    scheduler = make_scheduler(workers=1)
    wait_ready(scheduler)
    submit(store, scheduler, make_job("long", sleep=60))
    submit(store, scheduler, make_job("queued"))
    wait_for(lambda: status(store, "long") == "Running")
    pid = scheduler.worker_pids()[0]
    assert scheduler.cancel("queued")
    assert status(store, "queued") == "Cancelled"
    assert scheduler.cancel("long")
    assert status(store, "long") == "Cancelled"
    wait_for(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    assert not scheduler.cancel("long") and not scheduler.cancel("unknown")
    # A fresh worker serves the next job.
    submit(store, scheduler, make_job("after"))
    wait_for(lambda: status(store, "after") == "Completed")
    assert json.loads(store.get_result("after"))["pid"] != pid
    assert store.get_result("long") is None


def test_time_limit_kills_a_runaway_job_and_the_next_job_runs(store, make_scheduler):
    scheduler = make_scheduler(workers=1, time_limit=0.5)
    wait_ready(scheduler)
    submit(store, scheduler, make_job("runaway", sleep=60))
    submit(store, scheduler, make_job("next"))
    wait_for(lambda: status(store, "next") == "Completed")
    runaway = store.get_job("runaway")
    assert runaway.status == "Failed"
    assert "time limit of 0.5 s" in runaway.reason and runaway.reason_code == REASON_CODES["time_limit"]
    elapsed = (runaway.timestamps["failed"] - runaway.timestamps["running"]).total_seconds()
    assert 0.5 <= elapsed < 10


def test_job_max_seconds_overrides_the_default_limit(store, make_scheduler):
    scheduler = make_scheduler(workers=1, time_limit=60)
    wait_ready(scheduler)
    job = make_job("short-limit", sleep=60)
    job.max_seconds = 0.3
    submit(store, scheduler, job)
    wait_for(lambda: status(store, "short-limit") == "Failed")
    assert "0.3 s" in store.get_job("short-limit").reason


@pytest.mark.parametrize("own_limit", [60.0, float("nan"), float("inf"), -1.0, 0.0])
def test_the_service_limit_caps_every_job(store, make_scheduler, own_limit):
    # A job asking for 60 s (or a NaN/infinite/negative limit that got past the API) may not outrun the
    # service's own limit; before, 60 s ran past a 15 s limit and NaN never expired.
    scheduler = make_scheduler(workers=1, time_limit=0.5)
    wait_ready(scheduler)
    job = make_job("capped", sleep=60)
    job.max_seconds = own_limit
    submit(store, scheduler, job)
    wait_for(lambda: status(store, "capped") == "Failed", timeout=30)
    capped = store.get_job("capped")
    assert "time limit of 0.5 s" in capped.reason and capped.reason_code == REASON_CODES["time_limit"]


def test_time_limit_is_the_smaller_of_the_jobs_and_the_services():
    job = make_job("j")
    for own, expected in [(None, 15.0), (5.0, 5.0), (60.0, 15.0), (float("nan"), 15.0), (float("inf"), 15.0)]:
        job.max_seconds = own
        assert job.time_limit(15.0) == expected
    for bad in (float("nan"), float("inf"), 0.0, -3.0):
        with pytest.raises(ValueError, match="default_time_limit"):
            Scheduler(None, None, workers=1, default_time_limit=bad)  # type: ignore[arg-type]


def test_sequential_jobs_take_turns_on_the_workers(store, make_scheduler):
    scheduler = make_scheduler(workers=2)
    wait_ready(scheduler)
    pids = []
    for i in range(4):
        submit(store, scheduler, make_job(f"seq{i}"))
        wait_for(lambda i=i: status(store, f"seq{i}") == "Completed")
        pids.append(json.loads(store.get_result(f"seq{i}"))["pid"])
    assert pids[0] != pids[1] and pids[0] == pids[2] and pids[1] == pids[3]


def test_crashing_worker_fails_only_its_job(store, make_scheduler):
    scheduler = make_scheduler(workers=2)
    wait_ready(scheduler)
    submit(store, scheduler, make_job("crash", crash=True))
    submit(store, scheduler, make_job("fine-1", sleep=0.2))
    submit(store, scheduler, make_job("fine-2"))
    wait_for(lambda: status(store, "fine-2") == "Completed" and status(store, "crash") == "Failed")
    crashed = store.get_job("crash")
    assert "exited unexpectedly (exit code 3)" in crashed.reason
    assert crashed.reason_code == REASON_CODES["worker_crashed"]
    wait_for(lambda: status(store, "fine-1") == "Completed")
    wait_for(
        lambda: (
            len(scheduler.worker_pids()) == 2 and all(psutil.pid_exists(p) for p in scheduler.worker_pids())
        )
    )


def test_an_idle_worker_killed_from_outside_is_replaced(store, make_scheduler):
    scheduler = make_scheduler(workers=1)
    wait_ready(scheduler)
    (pid,) = scheduler.worker_pids()
    os.kill(pid, 9)
    wait_for(lambda: scheduler.worker_pids() != [pid])
    submit(store, scheduler, make_job("still-served"))
    wait_for(lambda: status(store, "still-served") == "Completed")


def test_restart_requeues_unfinished_jobs(store, make_scheduler):
    # What a kill -9 leaves behind: one job marked Running, others Queued, one Completed.
    for job_id in ("was-running", "was-queued-1", "was-queued-2", "done"):
        store.create_job(make_job(job_id))
    store.set_status("was-running", "Running")
    store.set_result("done", "kept")
    scheduler = make_scheduler(workers=1)
    wait_for(
        lambda: all(status(store, j) == "Completed" for j in ("was-running", "was-queued-1", "was-queued-2"))
    )
    assert store.get_result("done") == "kept"
    assert json.loads(store.get_result("was-running"))["job"] == "was-running"
    assert scheduler.pending_count("ibmq_manila") == 0


def test_stop_leaves_no_processes_and_unfinished_jobs_for_next_start(store, make_scheduler):
    scheduler = make_scheduler(workers=2)
    wait_ready(scheduler)
    pids = scheduler.worker_pids()
    submit(store, scheduler, make_job("interrupted", sleep=60))
    wait_for(lambda: status(store, "interrupted") == "Running")
    scheduler.stop()
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids
    )
    me = psutil.Process()
    assert not [child for child in me.children(recursive=True) if child.pid in pids]
    assert status(store, "interrupted") == "Running"
    scheduler.stop()  # idempotent


_ORPHAN_SCRIPT = """
import json, sys, time
from pathlib import Path
from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.scheduler import Scheduler
from ibmq_widgets.service.store import JobRecord, JobStore
store = JobStore(Path(sys.argv[1]))
scheduler = Scheduler(store, Catalog(), workers=2, default_time_limit=600, runner=sys.argv[2])
scheduler.start()
job = JobRecord(id="long", instance="i", backend="ibmq_manila", program="sampler",
                params_text=json.dumps({"sleep": 600}))
store.create_job(job)
scheduler.enqueue(job)
while store.get_job("long").status != "Running":
    time.sleep(0.05)
print(json.dumps(scheduler.worker_pids()), flush=True)
time.sleep(600)
"""


def test_workers_exit_when_the_service_is_killed(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    service = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT, str(tmp_path / "jobs.sqlite3"), RUNNER],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        pids = json.loads(service.stdout.readline())
        assert len(pids) == 2 and all(psutil.pid_exists(pid) for pid in pids)
    finally:
        service.kill()  # SIGKILL: no cleanup runs in the service
        service.wait()

    def gone(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    try:
        wait_for(lambda: all(gone(pid) for pid in pids), timeout=20)
    finally:
        for pid in pids:  # never leave an orphan behind, even when the test fails
            if not gone(pid):
                os.kill(pid, 9)
    # The job the killed service was running is still recorded as Running: the next start reruns it.
    assert JobStore(tmp_path / "jobs.sqlite3").get_job("long").status == "Running"


_UNGUARDED_SCRIPT = """
import json, sys, time
from pathlib import Path
from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.scheduler import Scheduler
from ibmq_widgets.service.store import JobRecord, JobStore
with open(sys.argv[3], "a") as marker:  # top-level code of a user's script, no __main__ guard
    marker.write("ran\\n")
store = JobStore(Path(sys.argv[1]))
scheduler = Scheduler(store, Catalog(), workers=1, default_time_limit=60, runner=sys.argv[2])
scheduler.start()
job = JobRecord(id="j", instance="i", backend="ibmq_manila", program="sampler", params_text="{}")
store.create_job(job)
scheduler.enqueue(job)
while store.get_job("j").status in ("Queued", "Running"):
    time.sleep(0.05)
print(store.get_job("j").status, flush=True)
scheduler.stop()
"""


def test_a_script_without_main_guard_runs_once(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "user_script.py"
    script.write_text(_UNGUARDED_SCRIPT)
    marker = tmp_path / "marker.txt"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "jobs.sqlite3"), RUNNER, str(marker)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.stdout.strip() == "Completed", done.stderr[-2000:]
    assert marker.read_text().splitlines() == ["ran"]  # workers did not re-run the user's script


def test_bad_worker_count_is_rejected(store, catalog):
    with pytest.raises(ValueError, match="workers must be at least 1"):
        Scheduler(store, catalog, workers=0, default_time_limit=1)
