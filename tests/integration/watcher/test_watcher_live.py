"""The JobWatcher against the real local service over loopback HTTP.

Requests are counted through the client's public seam (``AccountManager(http_factory=...)`` makes the
``requests.Session``; a response hook counts what really went over the wire).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from qiskit import QuantumCircuit
from watcher_live_helpers import slow_circuit

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.widgets.job_watcher import JobWatcher

RESEARCH = {"hub": "ibm-q-network", "group": "research", "project": "main"}
SIMULATOR = "ibmq_qasm_simulator"


class CountingSession(requests.Session):
    """A real requests.Session that records (method, path) of every response it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *args, **kwargs) -> None:
        with self._lock:
            self.seen.append((response.request.method, response.request.path_url.split("?")[0]))

    def take(self) -> list[tuple[str, str]]:
        with self._lock:
            seen, self.seen = self.seen, []
        return seen


@pytest.fixture(scope="module")
def roomy_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A service whose research instance may have many jobs queued at once (the default limit is 5)."""
    from ibmq_widgets.service import start

    data_dir = tmp_path_factory.mktemp("watcher-service")
    config = {
        "account": "ab" * 16,
        "instances": [
            {"name": "ibm-q-network/research/main", "plan": "premium", "job_limit": 5000},
            {"name": "ibm-q/open/main", "plan": "open", "job_limit": 5},
        ],
    }
    (data_dir / "config.json").write_text(json.dumps(config))
    handle = start(data_dir=data_dir, port=0, workers=1)
    try:
        yield handle
    finally:
        handle.stop()


def connect(service, session: requests.Session | None = None, instance: dict[str, str] = RESEARCH):
    manager = AccountManager(http_factory=(lambda: session) if session is not None else None)
    return manager.enable_account(service.api_key, url=service.url, **instance)


def tiny_circuit() -> QuantumCircuit:
    circuit = QuantumCircuit(1, 1)
    circuit.h(0)
    circuit.measure(0, 0)
    return circuit


def listed(watcher: JobWatcher) -> dict[str, str]:
    return {data.job_id: data.status for data in watcher.jobs()}


def test_jobs_from_another_process_appear_at_the_next_poll(roomy_service) -> None:
    watcher = JobWatcher(connect(roomy_service), start=False)
    watcher.refresh()
    before = set(listed(watcher))
    script = textwrap.dedent(
        f"""
        from qiskit import QuantumCircuit
        from ibmq_widgets.client.account import AccountManager
        if __name__ == "__main__":
            provider = AccountManager().enable_account({roomy_service.api_key!r}, url={roomy_service.url!r},
                                                       **{RESEARCH!r})
            circuit = QuantumCircuit(1, 1)
            circuit.measure(0, 0)
            job = provider.get_backend({SIMULATOR!r}).run(circuit, shots=10, job_name="from-elsewhere")
            print(job.job_id())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip().splitlines()[-1]
    assert job_id not in before
    watcher.refresh()
    rows = {data.job_id: data for data in watcher.jobs()}
    assert job_id in rows and rows[job_id].name == "from-elsewhere" and rows[job_id].backend == SIMULATOR


def test_jobs_submitted_in_this_kernel_appear_at_once_for_the_watched_instance_only(roomy_service) -> None:
    mine, same_instance = connect(roomy_service), connect(roomy_service)
    other_instance = connect(roomy_service, instance={"hub": "ibm-q", "group": "open", "project": "main"})
    watcher = JobWatcher(mine, interval=3600)  # polls once at start, then not for an hour
    try:
        deadline = time.monotonic() + 30
        while watcher.poller.state.kind != "ok":
            assert time.monotonic() < deadline, "the first poll never happened"
            time.sleep(0.05)
        job = mine.get_backend(SIMULATOR).run(tiny_circuit(), shots=10, job_name="mine")
        # listed as soon as run() returns: the client's job_submitted event adds the row in this thread (and
        # wakes the poller, whose poll would come later)
        assert job.job_id() in listed(watcher)
        twin = same_instance.get_backend(SIMULATOR).run(tiny_circuit(), shots=10, job_name="twin")
        assert twin.job_id() in listed(watcher)  # another provider object of the same instance
        foreign = other_instance.get_backend(SIMULATOR).run(tiny_circuit(), shots=10, job_name="foreign")
        assert foreign.job_id() not in listed(watcher)
        assert watcher.refresh(timeout=30)
        assert {job.job_id(), twin.job_id()} <= set(listed(watcher))
        assert foreign.job_id() not in listed(watcher)  # the open instance's jobs are not this provider's
    finally:
        watcher.close()
    assert not watcher.poller.running


def polls_only(watcher: JobWatcher, session: CountingSession) -> list[tuple[str, str]]:
    """The requests of the watcher's polls: once its worker has fetched what finished rows lack (each finished
    Sampler job's result, for its shots: once per job, never per poll), the list requests alone."""
    assert watcher.wait(60)
    seen = session.take()
    extra = [request for request in seen if request != ("GET", "/api/v1/jobs")]
    assert all(path.endswith("/results") for _method, path in extra), extra
    assert len(set(extra)) == len(extra), f"a result fetched twice: {extra}"
    return [request for request in seen if request == ("GET", "/api/v1/jobs")]


def test_one_request_per_poll_whatever_the_number_of_jobs(roomy_service) -> None:
    session = CountingSession()
    watcher = JobWatcher(connect(roomy_service, session), keep_finished=1000, start=False)
    submitter = connect(roomy_service).get_backend(SIMULATOR)
    submitter.run(tiny_circuit(), shots=10)
    session.take()
    watcher.refresh()
    few = len(watcher.jobs())
    assert polls_only(watcher, session) == [("GET", "/api/v1/jobs")]
    watcher.refresh()
    assert session.take() == [("GET", "/api/v1/jobs")]  # the finished rows' shots are known: nothing more
    # tiny jobs finish in milliseconds: a long job holds the service's one worker so that they wait in the queue
    blocker = submitter.run(slow_circuit(), shots=8000, job_name="blocker")
    try:
        tiny = {submitter.run(tiny_circuit(), shots=10).job_id() for _ in range(60)}
        watcher.refresh()
        many = watcher.jobs()
        assert polls_only(watcher, session) == [("GET", "/api/v1/jobs")]  # one list request, none per job
        assert (
            len(many) >= few + 60
        )  # every job listed (keep_finished is high), each row read from the one list
        queued = [data for data in many if data.job_id in tiny and data.status == "QUEUED"]
        placed = [data for data in queued if data.position is not None and data.estimated_start is not None]
        # the queue info comes with the same list (a job caught between store and scheduler may lack it)
        assert len(queued) >= 50 and len(placed) >= len(queued) - 2
    finally:
        blocker.cancel()


def test_cancel_button_cancels_the_job_on_the_service(roomy_service) -> None:
    provider = connect(roomy_service)
    backend = provider.get_backend(SIMULATOR)
    first = backend.run(slow_circuit(), shots=2000, job_name="slow-1")
    second = backend.run(slow_circuit(), shots=2000, job_name="slow-2")  # queued behind the first
    watcher = JobWatcher(provider, interval=0.5)
    try:
        deadline = time.monotonic() + 60
        row = None
        while row is None:
            assert time.monotonic() < deadline, "the job never showed in the panel"
            row = next((r for r in watcher._rows if r.data and r.data.job_id == second.job_id()), None)
            time.sleep(0.05)
        assert not row.cancel_button.disabled
        row.cancel_button.value = True  # what a press in the browser does
        assert row.cells["status"].value in ("cancelling", "cancelled")
        while listed(watcher).get(second.job_id()) != "CANCELLED":
            assert time.monotonic() < deadline, f"not cancelled: {listed(watcher).get(second.job_id())}"
            time.sleep(0.1)
        assert second.status().name == "CANCELLED"  # the service says so, not only the panel
        assert row.cells["status"].value == "cancelled" and row.cancel_button is None  # finished: no button
    finally:
        watcher.close()
        first.cancel()


@pytest.mark.parametrize("mode", ["session", "batch"])
def test_close_session_button_closes_the_jobs_session_on_the_service(roomy_service, mode: str) -> None:
    provider = connect(roomy_service)
    backend = provider.get_backend(SIMULATOR)
    opened = backend.open_session() if mode == "session" else backend.open_batch()
    job = opened.run(tiny_circuit(), shots=10)
    job.result(timeout=120)
    watcher = JobWatcher(provider, interval=0.5, start=False)
    try:
        assert watcher.refresh()
        assert watcher.show_details(job.job_id())
        button = watcher._details._close_session
        assert button.layout.display != "none" and not button.disabled  # a job run in a session offers it
        button.click()
        assert button.disabled  # pressed once, one request
        assert watcher.wait(60)
        assert button.description == "session closed", watcher._details._message.value
        assert f"{mode} {opened.session_id} closed" in watcher._details._message.value
        assert opened.details()["accepting_jobs"] is False  # the service says so, not only the panel
    finally:
        watcher.close()
        opened.cancel()


def test_a_job_outside_a_session_offers_no_close_session(roomy_service) -> None:
    provider = connect(roomy_service)
    job = provider.get_backend(SIMULATOR).run(tiny_circuit(), shots=10)
    job.result(timeout=120)
    watcher = JobWatcher(provider, interval=0.5, start=False)
    try:
        assert watcher.refresh()
        assert watcher.show_details(job.job_id())
        assert watcher._details._close_session.layout.display == "none"
    finally:
        watcher.close()
