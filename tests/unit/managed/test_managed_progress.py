"""The job manager's progress: the counting interface, which bar make_progress gives where, and that the final
state of a set's submission is drawn even when the last jobs were sent after run() returned."""

from __future__ import annotations

import io
import threading

import pytest
from managed_fakes import FakeService, circuits

from ibmq_widgets.client.managed import IBMQJobManager, job_set, progress
from ibmq_widgets.widgets import progress_bar


class RecordingBar(progress.Progress):
    """A bar that keeps what it would draw, ignoring updates after close as every bar does."""

    def __init__(self, live: bool) -> None:
        self.live = live
        self.drawn: list[tuple[int, int, str]] = []
        self.closed: tuple[str, bool] | None = None
        self._lock = threading.Lock()

    def update(self, done: int, total: int, label: str = "") -> None:
        with self._lock:
            if self.closed is None:
                self.drawn.append((done, total, label))

    def close(self, label: str = "", ok: bool = True) -> None:
        with self._lock:
            if self.closed is None:
                self.closed = (label, ok)


def run_paced_set(monkeypatch, live: bool) -> tuple[RecordingBar, object]:
    """Ten jobs on a backend that takes four at a time: six wait for a slot when run() returns."""
    bars: list[RecordingBar] = []

    def make(title, enabled=True, stream=None, total=None):
        bars.append(RecordingBar(live))
        return bars[-1]

    monkeypatch.setattr(job_set, "make_progress", make)
    service = FakeService(job_limit=4, per_tick=0)  # nothing finishes until results() polls
    the_set = IBMQJobManager().run(circuits(20), service.backend, max_experiments_per_job=2)
    assert bars[0].drawn[-1][:2] == (4, 10) and "6 waiting for a slot" in bars[0].drawn[-1][2]
    service.per_tick = 1
    the_set.results(progress=False)
    assert the_set.wait_for_submission(30)
    return bars[0], the_set


def test_the_silent_bar_counts_nothing_and_cannot_outlive_its_call():
    bar = progress.Progress()
    bar.update(1, 2, "x")
    bar.close("done", ok=False)
    assert bar.live is False


def test_disabled_or_outside_a_terminal_nothing_is_drawn(capsys):
    assert type(progress.make_progress("Submitting", enabled=False)) is progress.Progress
    made = progress.make_progress("Submitting", enabled=True, total=2)  # pytest's stderr is not a terminal
    assert type(made) is progress.Progress
    assert not progress_bar.in_notebook_kernel()
    made.update(1, 2, "x")
    made.close()
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_a_given_stream_or_a_terminal_gets_the_text_bar(monkeypatch):
    stream = io.StringIO()
    bar = progress.make_progress("Submitting", stream=stream, total=3)
    bar.update(2, 3)
    assert "2/3" in stream.getvalue() and not bar.live

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    bar = progress.make_progress("Results", total=4)
    bar.update(4, 4, "all done")
    bar.close()
    assert "Results" in terminal.getvalue() and "4/4" in terminal.getvalue()


def test_a_notebook_bar_draws_the_final_state_after_run_returned(monkeypatch):
    # The bug: the bar stayed at "4/10, 6 waiting for a slot" after all ten jobs were sent and done.
    bar, the_set = run_paced_set(monkeypatch, live=True)
    assert bar.drawn[-1] == (10, 10, "")
    assert bar.closed == ("", True)
    assert all(job is not None for job in the_set.jobs())


def test_a_terminal_bar_ends_its_line_when_run_returns(monkeypatch):
    bar, _ = run_paced_set(monkeypatch, live=False)
    assert bar.drawn[-1][:2] == (4, 10)  # nothing drawn after the prompt came back
    assert bar.closed == ("6 waiting for a slot (sent in the background)", True)


@pytest.mark.parametrize("failing", [False, True])
def test_the_real_notebook_bar_ends_green_or_amber(monkeypatch, failing):
    monkeypatch.setattr(progress_bar, "in_notebook_kernel", lambda: True)
    bars: list[progress_bar.ProgressBar] = []
    real = progress.make_progress

    def keep(*args, **kwargs):
        bars.append(real(*args, **kwargs))
        return bars[-1]

    monkeypatch.setattr(job_set, "make_progress", keep)
    service = FakeService(job_limit=4, reject_indices={9} if failing else set())
    the_set = IBMQJobManager().run(circuits(20), service.backend, max_experiments_per_job=2)
    the_set.results(partial=True)
    assert the_set.wait_for_submission(30)
    submitting, results = bars
    assert isinstance(submitting, progress_bar.ProgressBar)
    for bar in (submitting, results):
        box = bar.widget
        assert (box.children[1].value, box.children[1].max) == (10, 10)
    assert submitting.widget.children[1].bar_style == ("warning" if failing else "success")
