"""The JobWatcher panel fed by injected job lists: rows, colours, filters, clear finished, cancel, several
instances, details.

These tests drive the widget without a browser and without a socket (each provider's job list is a plain list);
tests/integration/watcher/ runs the same panel against the real local service.
"""

from __future__ import annotations

import pytest
from watcher_fakes import FakeJob, FakeProvider, Status

from ibmq_widgets.widgets.job_rows import STATUS_COLORS
from ibmq_widgets.widgets.job_watcher import JobWatcher


def watcher_for(jobs, **kwargs) -> tuple[JobWatcher, FakeProvider]:
    provider = FakeProvider(jobs)
    watcher = JobWatcher(provider, start=False, **kwargs)
    watcher.refresh()
    return watcher, provider


def table_rows(watcher: JobWatcher):
    """The row objects in the table, in order."""
    boxes = watcher._table.children[1:]
    return [next(row for row in watcher._rows if row.box is box) for box in boxes]


def shown(watcher: JobWatcher) -> list[dict[str, str]]:
    """The listed rows as the user sees them (label values, and the job id)."""
    return [
        {"job_id": row.id_button.description, **{column: label.value for column, label in row.cells.items()}}
        for row in table_rows(watcher)
    ]


def test_rows_show_every_job_of_the_list_with_queue_position_and_colour() -> None:
    jobs = [
        FakeJob("j-queued", Status.QUEUED, name="bell", age=10, position=3, tags=["x"]),
        FakeJob("j-running", Status.RUNNING, backend="ibm_torino", age=70, program="estimator"),
        FakeJob("j-done", Status.DONE, age=200, ran=150, usage=2.5),
    ]
    watcher, provider = watcher_for(jobs)
    rows = shown(watcher)
    assert [row["job_id"] for row in rows] == ["j-queued", "j-running", "j-done"]  # newest first
    assert rows[0]["name"] == "bell" and rows[0]["status"] == "queued" and rows[0]["tags"] == "x"
    assert rows[0]["queue"] in ("#3 · in 1 m 35 s", "#3 · in 1 m 34 s")  # rendered a moment after the poll
    assert rows[0]["elapsed"] in ("10 s", "11 s")
    assert rows[1]["status"] == "running" and rows[1]["queue"] == "" and rows[1]["program"] == "estimator"
    assert rows[1]["elapsed"].startswith("1 m 1")
    assert rows[2]["elapsed"] == "2 m 30 s" and rows[2]["usage"] == "2.5 s"  # from the listing's end time
    colors = [row.cells["status"].style.text_color for row in table_rows(watcher)]
    assert colors == [STATUS_COLORS["QUEUED"], STATUS_COLORS["RUNNING"], STATUS_COLORS["DONE"]]
    assert [row.cancel_button is not None for row in table_rows(watcher)] == [True, True, False]
    assert provider.backends.calls == [{"limit": 1000, "backend_name": None, "descending": True}]
    assert watcher.status_message.startswith("● 2 pending · updated ")
    assert watcher._layouts["instance"].display == "none"  # one instance: named in the title instead
    assert watcher.children[1].value == "IBM Quantum jobs · ibm-q/open/main"
    watcher.close()


def test_one_list_request_per_poll_and_rows_are_kept_not_rebuilt() -> None:
    jobs = [FakeJob(f"j{i}", Status.QUEUED, age=i + 1, position=i + 1) for i in range(500)]
    watcher, provider = watcher_for(jobs, max_rows=5)
    first_rows = table_rows(watcher)
    toggles = [row.cancel_button for row in first_rows]
    watcher.refresh()
    assert len(provider.backends.calls) == 2 and watcher.fetches == 2
    assert table_rows(watcher) == first_rows and [row.cancel_button for row in first_rows] == toggles
    assert watcher._more_label.value == "495 more jobs not shown; filter to narrow"
    assert len(watcher.jobs()) == 500
    provider.backends.jobs_list.insert(0, FakeJob("newest", Status.QUEUED, age=0, position=501))
    watcher.refresh()
    rows = table_rows(watcher)
    assert [row["job_id"] for row in shown(watcher)] == ["newest", "j0", "j1", "j2", "j3"]
    assert rows[1:] == first_rows[:4]  # the jobs still listed kept their rows (and their buttons)
    assert [row.cancel_button for row in rows[1:]] == toggles[:4]
    watcher.close()


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
    watcher.close()


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
    watcher.close()


def test_server_side_backend_filter_is_sent_with_the_one_request() -> None:
    watcher, provider = watcher_for([], backend="ibm_fez", limit=50)
    assert provider.backends.calls == [{"limit": 50, "backend_name": "ibm_fez", "descending": True}]
    watcher.close()


def test_every_instance_is_polled_once_per_poll_and_one_failing_does_not_hide_the_others() -> None:
    from ibmq_widgets.exceptions import IBMQConnectionError

    open_provider = FakeProvider([FakeJob("open-job", Status.RUNNING, age=5)])
    research = FakeProvider([FakeJob("research-job", Status.QUEUED, age=1, position=1)], "hub/group/project")
    watcher = JobWatcher([open_provider, research], start=False)
    watcher.refresh()
    assert watcher.instances == ["ibm-q/open/main", "hub/group/project"]
    assert watcher.children[1].value == "IBM Quantum jobs · 2 instances: ibm-q/open/main, hub/group/project"
    assert [(row["job_id"], row["instance"]) for row in shown(watcher)] == [
        ("research-job", "hub/group/project"),
        ("open-job", "ibm-q/open/main"),
    ]
    assert watcher._layouts["instance"].display is None  # shown: the rows come from two instances
    assert len(open_provider.backends.calls) == len(research.backends.calls) == 1

    def down(**kwargs):
        raise IBMQConnectionError("no answer")

    research.backends.jobs = down
    watcher.refresh()
    assert [row["job_id"] for row in shown(watcher)] == ["open-job"]
    assert watcher.status_message.endswith(" · hub/group/project: connection lost")
    open_provider.backends.jobs = down
    watcher.refresh()  # every instance failed: the poll failed, and the last rows stay
    assert watcher.status_message.startswith("connection lost, retrying in")
    assert [row["job_id"] for row in shown(watcher)] == ["open-job"]
    watcher.close()


def test_an_account_manager_means_every_provider_it_enabled() -> None:
    providers = [FakeProvider([], "a/b/c"), FakeProvider([], "d/e/f")]

    class Account:
        def providers(self):
            return providers

    watcher = JobWatcher(Account(), start=False)
    assert watcher.instances == ["a/b/c", "d/e/f"]
    watcher.close()


def test_a_pressed_cancel_says_cancelling_at_once_then_cancels_and_the_button_goes() -> None:
    job = FakeJob("to-cancel", Status.QUEUED, position=1)
    watcher, _ = watcher_for([job])
    row = table_rows(watcher)[0]
    toggle = row.cancel_button
    toggle.value = True  # the watcher is stopped, so the cancel runs on this thread
    assert job.cancel_calls == 1
    assert row.cells["status"].value == "cancelled" and row.cancel_button is None
    assert row.cells["status"].style.text_color == STATUS_COLORS["CANCELLED"]
    watcher.refresh()
    assert row.cells["status"].value == "cancelled" and row.cancel_button is None
    assert row.cells["elapsed"].value != "—"  # seen pending, then final: the end time is known
    assert watcher.cancel("to-cancel") is False  # final now
    watcher.close()


def test_cancelling_is_shown_before_the_request_goes_out() -> None:
    job = FakeJob("slow-cancel", Status.RUNNING)
    watcher, _ = watcher_for([job])
    watcher.poller.start()  # the request goes from the poller thread; hold it until the row was checked
    try:
        import threading

        release = threading.Event()
        real_cancel = job.cancel
        job.cancel = lambda: (release.wait(10), real_cancel())[1]
        row = table_rows(watcher)[0]
        row.cancel_button.value = True
        assert row.cells["status"].value == "cancelling" and row.cancel_button.disabled
        release.set()
        assert watcher.refresh()
        assert job.cancel_calls == 1
    finally:
        watcher.close()


def test_a_failed_cancel_is_shown_in_the_panel_and_the_button_comes_back() -> None:
    from ibmq_widgets.exceptions import IBMQJobInvalidStateError

    job = FakeJob("late", Status.RUNNING)
    job.cancel_error = IBMQJobInvalidStateError("job late already finished")
    watcher, _ = watcher_for([job])
    row = table_rows(watcher)[0]
    row.cancel_button.value = True
    expected = "could not cancel late: IBMQJobInvalidStateError: job late already finished"
    assert expected in watcher.status_message
    assert row.cancel_button is not None and not row.cancel_button.disabled and not row.cancel_button.value
    watcher.close()


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
    watcher.close()


def test_not_a_provider_or_bad_counts_get_clear_errors() -> None:
    with pytest.raises(TypeError, match=r"needs a provider, e\.g\. JobWatcher\(IBMQ\.load_account"):
        JobWatcher("ibm_fez", start=False)
    with pytest.raises(TypeError, match="needs a provider"):
        JobWatcher([FakeProvider([]), 42], start=False)
    with pytest.raises(ValueError, match="keep_finished must be an integer >= 0, got -1"):
        JobWatcher(FakeProvider([]), keep_finished=-1, start=False)
    with pytest.raises(ValueError, match="interval must be a positive number of seconds, got 0"):
        JobWatcher(FakeProvider([]), interval=0, start=False)
    with pytest.raises(ValueError, match="backend must be a backend name or None"):
        JobWatcher(FakeProvider([]), backend="", start=False)


def test_a_job_submitted_from_this_kernel_appears_before_the_next_poll() -> None:
    from ibmq_widgets.client import events

    provider = FakeProvider([FakeJob("old", Status.RUNNING, age=30)])
    other = FakeProvider([], "other/instance/here")
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


def test_close_stops_the_threads_and_unsubscribes() -> None:
    import threading

    before = set(threading.enumerate())
    watcher = JobWatcher(FakeProvider([FakeJob("d", Status.DONE)]), interval=60)
    assert watcher.poller.running
    watcher.refresh()
    watcher.close()
    watcher.close()
    assert [t for t in threading.enumerate() if t not in before] == []
