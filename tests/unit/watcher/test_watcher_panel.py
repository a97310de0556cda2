"""The JobWatcher panel fed by an injected job list: rows, colours, filters, clear finished, cancel buttons.

These tests drive the widget without a browser and without a socket (the provider's job list is a plain list);
tests/integration/watcher/ runs the same panel against the real local service.
"""

from __future__ import annotations

import datetime as dt

import pytest
from watcher_fakes import FakeJob, FakeProvider, Status

from ibmq_widgets.widgets.job_rows import STATUS_COLORS, format_duration, format_eta
from ibmq_widgets.widgets.job_watcher import JobWatcher

NOW = dt.datetime.now(dt.timezone.utc)


def watcher_for(jobs, **kwargs) -> tuple[JobWatcher, FakeProvider]:
    provider = FakeProvider(jobs)
    watcher = JobWatcher(provider, start=False, **kwargs)
    watcher.refresh()
    return watcher, provider


def shown(watcher: JobWatcher) -> list[dict[str, str]]:
    """The visible rows as the user sees them (label values)."""
    rows = []
    for row in watcher._rows:
        if row.box.layout.display != "none":
            rows.append({column: label.value for column, label in row.cells.items()})
    return rows


def test_rows_show_every_job_of_the_list_with_queue_position_and_colour() -> None:
    jobs = [
        FakeJob("j-queued", Status.QUEUED, name="bell", age=10, position=3),
        FakeJob("j-running", Status.RUNNING, backend="ibm_torino", age=70),
        FakeJob("j-done", Status.DONE, age=200),
    ]
    watcher, provider = watcher_for(jobs)
    rows = shown(watcher)
    assert [row["job_id"] for row in rows] == ["j-queued", "j-running", "j-done"]  # newest first
    assert rows[0] == {
        "job_id": "j-queued",
        "name": "bell",
        "backend": "ibm_fez",
        "status": "queued",
        "queue": "#3",
        "eta": rows[0]["eta"],
        "elapsed": rows[0]["elapsed"],
    }
    assert rows[0]["eta"] in ("in 1 m 35 s", "in 1 m 34 s")  # the render happens a moment after the fetch
    assert rows[0]["elapsed"] in ("10 s", "11 s")
    assert rows[1]["status"] == "running" and rows[1]["queue"] == ""
    assert rows[1]["elapsed"].startswith("1 m 1")
    assert rows[2]["elapsed"] == "—"  # finished before the watcher saw it: no end time is known
    colors = [row.cells["status"].style.text_color for row in watcher._rows[:3]]
    assert colors == [STATUS_COLORS["QUEUED"], STATUS_COLORS["RUNNING"], STATUS_COLORS["DONE"]]
    assert [row.cancel_button.disabled for row in watcher._rows[:3]] == [False, False, True]
    assert provider.backends.calls == [{"limit": 1000, "backend_name": None, "descending": True}]
    assert watcher.status_message.startswith("● 2 pending · updated ")


def test_one_list_request_per_poll_whatever_the_number_of_jobs() -> None:
    jobs = [FakeJob(f"j{i}", Status.QUEUED, age=i, position=i + 1) for i in range(500)]
    watcher, provider = watcher_for(jobs, max_rows=5)
    watcher.refresh()
    assert len(provider.backends.calls) == 2 and watcher.fetches == 2
    assert len(shown(watcher)) == 5
    assert watcher._more_label.value == "495 more jobs not shown; filter to narrow"
    assert len(watcher.jobs()) == 500


def test_only_the_newest_finished_jobs_are_kept_and_clear_finished_hides_them() -> None:
    jobs = [FakeJob(f"done{i}", Status.DONE, age=100 + i) for i in range(5)]
    jobs.append(FakeJob("running", Status.RUNNING, age=500))
    watcher, provider = watcher_for(jobs, keep_finished=2)
    assert [row["job_id"] for row in shown(watcher)] == ["done0", "done1", "running"]
    watcher._clear_button.click()
    assert [row["job_id"] for row in shown(watcher)] == ["running"]
    provider.backends.jobs_list.append(FakeJob("new-done", Status.DONE, age=1))
    watcher.refresh()
    assert [row["job_id"] for row in shown(watcher)] == ["new-done", "running"]
    watcher.keep_finished = 0
    assert [row["job_id"] for row in shown(watcher)] == ["running"]


def test_filters_by_backend_and_status() -> None:
    jobs = [
        FakeJob("a", Status.QUEUED, backend="ibm_fez", age=1, position=1),
        FakeJob("b", Status.RUNNING, backend="ibm_torino", age=2),
        FakeJob("c", Status.DONE, backend="ibm_fez", age=3),
        FakeJob("d", Status.ERROR, backend="ibm_torino", age=4),
    ]
    watcher, _ = watcher_for(jobs)
    assert list(watcher._backend_menu.options) == ["all backends", "ibm_fez", "ibm_torino"]
    watcher._backend_menu.value = "ibm_torino"
    assert [row["job_id"] for row in shown(watcher)] == ["b", "d"]
    watcher._status_menu.value = "pending"
    assert [row["job_id"] for row in shown(watcher)] == ["b"]
    watcher.backend_filter = "all backends"
    assert watcher._backend_menu.value == "all backends"
    assert [row["job_id"] for row in shown(watcher)] == ["a", "b"]
    watcher.status_filter = "ERROR"
    assert [row["job_id"] for row in shown(watcher)] == ["d"]
    watcher.status_filter = "finished"
    assert [row["job_id"] for row in shown(watcher)] == ["c", "d"]


def test_server_side_backend_filter_is_sent_with_the_one_request() -> None:
    _, provider = watcher_for([], backend="ibm_fez", limit=50)
    assert provider.backends.calls == [{"limit": 50, "backend_name": "ibm_fez", "descending": True}]


def test_cancel_button_calls_job_cancel_and_shows_the_new_state() -> None:
    job = FakeJob("to-cancel", Status.QUEUED, position=1)
    watcher, _ = watcher_for([job])
    row = watcher._rows[0]
    row.cancel_button.click()  # the watcher is stopped, so the cancel runs on this thread
    assert job.cancel_calls == 1
    assert row.cells["status"].value == "cancelling" and row.cancel_button.disabled
    watcher.refresh()
    assert row.cells["status"].value == "cancelled" and row.cancel_button.disabled
    assert row.cells["status"].style.text_color == STATUS_COLORS["CANCELLED"]
    assert row.cells["elapsed"].value != "—"  # seen pending, then final: the end time is known


def test_a_failed_cancel_is_shown_in_the_panel_and_the_button_comes_back() -> None:
    from ibmq_widgets.exceptions import IBMQJobInvalidStateError

    job = FakeJob("late", Status.RUNNING)
    job.cancel_error = IBMQJobInvalidStateError("job late already finished")
    watcher, _ = watcher_for([job])
    watcher._rows[0].cancel_button.click()
    expected = "could not cancel late: IBMQJobInvalidStateError: job late already finished"
    assert expected in watcher.status_message
    watcher.refresh()
    assert not watcher._rows[0].cancel_button.disabled


def test_lost_connection_is_shown_and_recovers() -> None:
    from ibmq_widgets.exceptions import IBMQConnectionError

    provider = FakeProvider([FakeJob("x", Status.RUNNING)])
    watcher = JobWatcher(provider, start=False, interval=2)
    watcher.refresh()
    real_jobs = provider.backends.jobs

    def down(**kwargs):
        raise IBMQConnectionError("no answer")

    provider.backends.jobs = down
    watcher.refresh()
    watcher.refresh()
    assert watcher.status_message.startswith("connection lost, retrying in 4 s (last update ")
    assert watcher._state_label.style.text_color == "#c62828"
    assert [row["job_id"] for row in shown(watcher)] == ["x"]  # the last known rows stay
    provider.backends.jobs = real_jobs
    watcher.refresh()
    assert watcher.status_message.startswith("● 1 pending")


def test_not_a_provider_or_bad_counts_get_clear_errors() -> None:
    with pytest.raises(TypeError, match=r"needs a provider, e\.g\. JobWatcher\(IBMQ\.load_account"):
        JobWatcher("ibm_fez", start=False)
    with pytest.raises(ValueError, match="keep_finished must be an integer >= 0, got -1"):
        JobWatcher(FakeProvider([]), keep_finished=-1, start=False)
    with pytest.raises(ValueError, match="interval must be a positive number of seconds, got 0"):
        JobWatcher(FakeProvider([]), interval=0, start=False)
    with pytest.raises(ValueError, match="backend must be a backend name or None"):
        JobWatcher(FakeProvider([]), backend="", start=False)


def test_formatting_helpers() -> None:
    assert format_duration(None) == "—"
    assert [format_duration(s) for s in (0, 59.9, 61, 3725)] == ["0 s", "59 s", "1 m 01 s", "1 h 02 m"]
    assert format_eta(None, NOW) == ""
    assert format_eta(NOW - dt.timedelta(seconds=5), NOW) == "any moment"
    assert format_eta(NOW + dt.timedelta(seconds=30), NOW) == "in 30 s"


def test_a_job_submitted_from_this_kernel_appears_before_the_next_poll() -> None:
    from ibmq_widgets.client import events

    provider = FakeProvider([FakeJob("old", Status.RUNNING, age=30)])
    other = FakeProvider([])
    watcher = JobWatcher(provider, interval=3600)  # the poller would not poll again for an hour
    try:
        watcher.poller.step()  # settle the first poll on this thread, whatever the thread did
        events.job_submitted.emit(FakeJob("mine", Status.QUEUED, age=0, position=1, provider=provider))
        events.job_submitted.emit(FakeJob("theirs", Status.QUEUED, age=0, provider=other))
        ids = [row["job_id"] for row in shown(watcher)]
        assert ids[0] == "mine" and "theirs" not in ids and "old" in ids
        # a submission while a poll's request is in flight: that poll cannot list it, so the row must stay
        listing = provider.backends.jobs

        def in_flight(**kwargs):
            jobs = listing(**kwargs)
            events.job_submitted.emit(FakeJob("during", Status.QUEUED, age=0, provider=provider))
            return jobs

        provider.backends.jobs = in_flight
        watcher.poller.step()
        # "mine" was submitted before that poll began, so the poll is the truth for it (the service lists
        # every stored job; a fake that does not is believed)
        assert [row["job_id"] for row in shown(watcher)] == ["during", "old"]
        provider.backends.jobs = listing
        watcher.poller.step()  # a poll started after the submission is the truth: it is not listed
        assert [row["job_id"] for row in shown(watcher)] == ["old"]
    finally:
        watcher.close()
    assert not watcher.poller.running
    assert watcher._job_submitted not in events.job_submitted._callbacks


def test_close_stops_the_thread_and_unsubscribes() -> None:
    import threading

    before = set(threading.enumerate())
    watcher = JobWatcher(FakeProvider([]), interval=60)
    assert watcher.poller.running
    watcher.close()
    watcher.close()
    assert [t for t in threading.enumerate() if t not in before] == []
