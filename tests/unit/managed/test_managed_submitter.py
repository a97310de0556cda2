"""The submitter encodes each job once: ahead of its slot while it waits, and the same payload on every retry."""

from __future__ import annotations

import threading
import time
from collections import Counter

from ibmq_widgets.client.managed.managed_job import ManagedJob, SubmitState
from ibmq_widgets.client.managed.submitter import ENCODE_AHEAD, Submitter
from ibmq_widgets.exceptions import IBMQBackendJobLimitError, IBMQBackendValueError, IBMQConnectionError


class _Backend:
    def __init__(self, remaining: int) -> None:
        self.remaining = remaining

    def remaining_jobs_count(self) -> int:
        return self.remaining


class _Payload:
    def __init__(self, index: int) -> None:
        self.index = index


class _Recorder:
    """encode/send callables that record what they were given."""

    def __init__(self) -> None:
        self.encoded: Counter[int] = Counter()
        self.sent: list[_Payload] = []
        self.lock = threading.Lock()

    def encode(self, mjob: ManagedJob) -> _Payload:
        with self.lock:
            self.encoded[mjob.index] += 1
        return _Payload(mjob.index)

    def send(self, payload: _Payload) -> str:
        with self.lock:
            self.sent.append(payload)
        return f"job-{payload.index}"


def _jobs(count: int) -> list[ManagedJob]:
    return [ManagedJob(i, i, i, experiments=[f"circuit {i}"]) for i in range(count)]


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_jobs_waiting_for_a_slot_are_encoded_before_it_frees():
    recorder = _Recorder()
    jobs = _jobs(2 + ENCODE_AHEAD + 2)
    submitter = Submitter(_Backend(remaining=2), jobs, recorder.encode, recorder.send)
    submitter.start()
    _wait_until(lambda: len(recorder.sent) == 2)
    # the limit is full: the next ENCODE_AHEAD jobs are encoded while they wait, the rest are not (yet)
    _wait_until(lambda: len(recorder.encoded) == 2 + ENCODE_AHEAD)
    assert sorted(recorder.encoded) == list(range(2 + ENCODE_AHEAD))
    assert all(job.submit_state is SubmitState.WAITING_FOR_SLOT for job in jobs[2:])
    for _ in range(len(jobs) - 2):
        submitter.slot_freed()
    assert submitter.wait(10)
    assert [payload.index for payload in recorder.sent] == list(range(len(jobs)))
    assert set(recorder.encoded.values()) == {1}  # each job encoded exactly once
    assert [job.job for job in jobs] == [f"job-{i}" for i in range(len(jobs))]


def test_a_lost_answer_is_retried_with_the_same_payload():
    recorder = _Recorder()
    failures = iter([IBMQConnectionError("connection reset")])

    def flaky_send(payload: _Payload) -> str:
        recorder.sent.append(payload)
        error = next(failures, None)
        if error is not None:
            raise error
        return f"job-{payload.index}"

    jobs = _jobs(1)
    submitter = Submitter(_Backend(remaining=5), jobs, recorder.encode, flaky_send)
    submitter.start()
    assert submitter.wait(20)
    assert jobs[0].job == "job-0"
    assert len(recorder.sent) == 2 and recorder.sent[0] is recorder.sent[1]  # same Idempotency-Key
    assert recorder.encoded[0] == 1


def test_a_job_refused_by_the_limit_goes_back_with_its_payload():
    recorder = _Recorder()
    refused = threading.Event()

    def send(payload: _Payload) -> str:
        recorder.sent.append(payload)
        if payload.index == 0 and not refused.is_set():
            refused.set()
            raise IBMQBackendJobLimitError("job limit reached")
        return f"job-{payload.index}"

    jobs = _jobs(2)
    submitter = Submitter(_Backend(remaining=5), jobs, recorder.encode, send)
    submitter.start()
    _wait_until(refused.is_set)
    _wait_until(lambda: jobs[0].submit_state is SubmitState.WAITING_FOR_SLOT or jobs[0].job is not None)
    submitter.slot_freed(2)
    assert submitter.wait(10)
    assert jobs[0].job == "job-0" and jobs[1].job == "job-1"
    first_tries = [payload for payload in recorder.sent if payload.index == 0]
    assert len(first_tries) == 2 and first_tries[0] is first_tries[1]
    assert recorder.encoded[0] == 1


def test_a_job_that_cannot_be_encoded_fails_alone_and_frees_its_slot():
    recorder = _Recorder()

    def encode(mjob: ManagedJob) -> _Payload:
        if mjob.index == 1:
            raise IBMQBackendValueError("circuit 'c1' needs 30 qubits but the backend has 5")
        return recorder.encode(mjob)

    jobs = _jobs(3)
    submitter = Submitter(_Backend(remaining=1), jobs, encode, recorder.send)
    submitter.start()
    _wait_until(lambda: len(recorder.sent) == 1)
    submitter.slot_freed()  # job 0 finished: job 1 fails to encode and gives its slot to job 2
    assert submitter.wait(10)
    assert jobs[1].submit_state is SubmitState.FAILED and "needs 30 qubits" in jobs[1].submit_error
    assert jobs[1].job is None
    assert [payload.index for payload in recorder.sent] == [0, 2]


def test_on_done_runs_once_every_job_is_submitted_before_wait_returns_and_cannot_break_it(caplog):
    recorder = _Recorder()
    seen: list[int] = []
    submitter = Submitter(
        _Backend(remaining=10),
        _jobs(3),
        recorder.encode,
        recorder.send,
        on_done=lambda: seen.append(len(recorder.sent)),
    )
    submitter.start()
    assert submitter.wait(10) and seen == [3]

    def failing() -> None:
        raise IBMQConnectionError("closing the batch: no answer")

    other = Submitter(_Backend(remaining=10), _jobs(2), recorder.encode, recorder.send, on_done=failing)
    other.start()
    assert other.wait(10) and other.done()
    assert "after submitting" in caplog.text
