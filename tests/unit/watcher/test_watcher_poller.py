"""The job watcher's poller, driven by an injected clock and job source: no network, no real waiting."""

from __future__ import annotations

import threading

import pytest

from ibmq_widgets.exceptions import IBMQConnectionError, IBMQRateLimitError, IBMQServerError
from ibmq_widgets.widgets.feeds.poller import Poller, PollerState


class FakeClock:
    """A clock whose sleep advances time instantly and records each wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> bool:
        self.sleeps.append(seconds)
        self.now += seconds
        return False


class Source:
    """A job source that returns or raises what a test scripts, then keeps returning the last item."""

    def __init__(self, *script) -> None:
        self.script = list(script)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, BaseException):
            raise item
        return item


def make(source, clock=None, **kwargs) -> tuple[Poller, list, list[PollerState]]:
    results: list = []
    states: list[PollerState] = []
    clock = clock or FakeClock()
    poller = Poller(
        source,
        results.append,
        on_state=states.append,
        is_busy=lambda jobs: any(job != "done" for job in jobs),
        clock=clock,
        sleep=clock.sleep,
        **kwargs,
    )
    return poller, results, states


def test_interval_is_quick_while_something_runs_and_slow_when_idle() -> None:
    source = Source(["running"], ["running", "done"], ["done"], ["done", "queued"])
    poller, results, _ = make(source, interval=2, idle_interval=15)
    assert [poller.step() for _ in range(4)] == [2, 2, 15, 2]
    assert results == [["running"], ["running", "done"], ["done"], ["done", "queued"]]
    assert poller.state.kind == "ok" and poller.state.healthy


def test_default_idle_interval_is_slower_than_the_busy_one() -> None:
    poller, _, _ = make(Source(["done"]), interval=3)
    assert poller.step() == 15 and poller.idle_interval > poller.interval


def test_errors_back_off_exponentially_up_to_the_cap_and_say_so() -> None:
    down = IBMQConnectionError("no answer from http://127.0.0.1:1")
    poller, results, states = make(Source(down), interval=2, max_backoff=30)
    delays = [poller.step() for _ in range(6)]
    assert delays == [2, 4, 8, 16, 30, 30]
    assert results == []
    third = next(state for state in states if state.failures == 3)
    assert third.message == "connection lost, retrying in 8 s"
    assert third.kind == "error" and third.retry_in == 8 and not third.healthy


def test_recovers_by_itself_after_errors() -> None:
    source = Source(IBMQServerError("boom", status=503), IBMQConnectionError("x"), ["running"])
    poller, results, states = make(source, interval=2)
    assert [poller.step() for _ in range(3)] == [2, 4, 2]
    assert results == [["running"]]
    assert states[-1].kind == "ok" and states[-1].failures == 0 and states[-1].message == "up to date"
    assert states[0].message.startswith("server error, retrying in")
    assert poller.step() == 2  # the backoff starts over after a success
    source.script = [IBMQConnectionError("x")]
    assert poller.step() == 2


def test_rate_limit_honours_retry_after() -> None:
    limited = IBMQRateLimitError("slow down", status=429, retry_after=30)
    poller, _, states = make(Source(limited, ["running"]), interval=2)
    assert poller.step() == 30
    assert states[-1].kind == "rate_limited"
    assert states[-1].message == "rate limited by the server, retrying in 30 s"
    assert poller.step() == 2


def test_rate_limit_never_retries_sooner_than_the_backoff() -> None:
    short = IBMQRateLimitError("slow down", status=429, retry_after=1)
    no_header = IBMQRateLimitError("slow down", status=429)
    poller, _, _ = make(Source(short, short, short, no_header), interval=2)
    assert [poller.step() for _ in range(4)] == [2, 4, 8, 16]


def test_a_failing_display_does_not_stop_polling() -> None:
    def broken(_result) -> None:
        raise RuntimeError("widget gone")

    poller = Poller(Source(["running"]), broken, interval=2, clock=FakeClock(), sleep=FakeClock().sleep)
    assert poller.step() == 2
    assert poller.state.kind == "error" and "widget gone" in poller.state.message


@pytest.mark.parametrize("bad", [0, -1, "2", None, True])
def test_bad_interval_is_refused_with_a_clear_error(bad) -> None:
    with pytest.raises(ValueError, match="interval must be a positive number of seconds"):
        Poller(Source([]), print, interval=bad)


def test_thread_counts_down_a_retry_and_recovers_without_printing(capsys) -> None:
    clock = FakeClock()
    done = threading.Event()
    calls = {"n": 0}

    def fetch():
        calls["n"] += 1
        if calls["n"] <= 3:
            raise IBMQConnectionError("refused")
        done.set()
        return ["done"]

    states: list[PollerState] = []
    poller = Poller(fetch, lambda r: None, on_state=states.append, interval=2, clock=clock, sleep=clock.sleep)
    poller.start()
    assert done.wait(10), "the poller never recovered"
    poller.stop()
    messages = [state.message for state in states]
    countdown = messages[messages.index("connection lost, retrying in 8 s") :]
    assert countdown[:8] == [f"connection lost, retrying in {n} s" for n in range(8, 0, -1)]
    assert "up to date" in messages
    assert clock.sleeps[:2] == [1.0, 1.0]  # a retry wait is cut into seconds for the countdown
    assert states[-1].kind == "stopped"
    assert capsys.readouterr() == ("", "")


def test_wake_polls_at_once_and_submitted_tasks_run_on_the_poller_thread() -> None:
    polled = threading.Semaphore(0)
    ran_on: list[str] = []
    task_done = threading.Event()

    def fetch():
        polled.release()
        return ["done"]

    poller = Poller(fetch, lambda r: None, interval=60, idle_interval=600, name="test-poller")
    poller.start()
    try:
        assert polled.acquire(timeout=10)  # the first poll runs at start
        poller.wake()
        assert polled.acquire(timeout=10)  # and a wake does not wait out the ten minutes
        poller.submit(lambda: (ran_on.append(threading.current_thread().name), task_done.set()))
        assert task_done.wait(10)
        assert polled.acquire(timeout=10)  # a submitted task is followed by a poll
        assert ran_on == ["test-poller"]
    finally:
        poller.stop()


def test_a_failing_task_does_not_stop_the_poller() -> None:
    poller, results, _ = make(Source(["running"]))

    def explode() -> None:
        raise RuntimeError("cancel failed")

    seen: list[int] = []
    poller.submit(explode)
    poller.submit(lambda: seen.append(1))
    assert poller.step() == 2
    assert seen == [1] and results == [["running"]]


def test_start_and_stop_are_idempotent() -> None:
    poller = Poller(Source(["done"]), lambda r: None, interval=60)
    poller.stop()  # before start: nothing to do
    poller.start()
    first = poller._thread
    poller.start()
    assert poller._thread is first and poller.running
    poller.stop()
    poller.stop()
    assert not poller.running and not first.is_alive()
    assert poller.state.kind == "stopped"


def test_no_thread_is_left_after_100_start_stop_cycles() -> None:
    before = set(threading.enumerate())
    poller = Poller(Source(["running"]), lambda r: None, interval=60, name="cycle-poller")
    for _ in range(100):
        poller.start()
        poller.stop()
    left = [thread for thread in threading.enumerate() if thread not in before]
    assert left == []
    assert not any(thread.name == "cycle-poller" for thread in threading.enumerate())


def test_stop_during_a_slow_request_discards_its_result() -> None:
    entered = threading.Event()
    release = threading.Event()
    results: list = []

    def slow_fetch():
        entered.set()
        release.wait(10)
        return ["running"]

    poller = Poller(slow_fetch, results.append, interval=60)
    poller.start()
    assert entered.wait(10)
    thread = poller._thread
    poller.stop(timeout=0.05)  # the request is still in flight
    release.set()
    thread.join(10)
    assert not thread.is_alive()
    assert results == []


def test_poll_now_waits_for_a_fresh_poll_on_a_running_poller() -> None:
    calls: list[float] = []
    entered, release = threading.Event(), threading.Event()

    def fetch():
        calls.append(len(calls))
        if len(calls) == 1:  # the first poll is slow: poll_now must not settle for it
            entered.set()
            release.wait(10)
        return ["done"]

    poller = Poller(fetch, lambda r: None, interval=60, idle_interval=600)
    poller.start()
    try:
        assert entered.wait(10)
        threading.Timer(0.2, release.set).start()
        assert poller.poll_now(timeout=10)
        assert len(calls) == 2  # the one under way when asked, then a fresh one
        assert poller.poll_now(timeout=10) and len(calls) == 3
    finally:
        poller.stop()


def test_poll_now_on_a_stopped_poller_polls_on_the_calling_thread() -> None:
    threads: list[str] = []
    poller = Poller(lambda: threads.append(threading.current_thread().name) or [], lambda r: None)
    assert poller.poll_now() and threads == [threading.current_thread().name]


def test_poll_sources_asks_each_source_once_and_fails_only_when_all_fail() -> None:
    from ibmq_widgets.exceptions import IBMQConnectionError
    from ibmq_widgets.widgets.feeds.poller import poll_sources

    calls: list[str] = []

    def source(name: str, fails: bool = False):
        def fetch():
            calls.append(name)
            if fails:
                raise IBMQConnectionError(f"{name} is down")
            return [name]

        return fetch

    polled = poll_sources({"a": source("a"), "b": source("b", fails=True), "c": source("c")})
    assert calls == ["a", "b", "c"]
    assert polled.results == {"a": ["a"], "c": ["c"]} and list(polled.errors) == ["b"]
    with pytest.raises(IBMQConnectionError, match="x is down"):
        poll_sources({"x": source("x", fails=True), "y": source("y", fails=True)})
