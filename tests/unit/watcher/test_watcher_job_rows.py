"""The job watcher's rows: what a row shows of a job (read without a request), and the pooled row widgets with
their per-job cancel toggle."""

from __future__ import annotations

import datetime as dt

from ipywidgets.widgets.widget import _instances
from watcher_fakes import FakeJob, Status

from ibmq_widgets.widgets.job_rows import (
    COLUMNS,
    STATUS_COLORS,
    JobRow,
    JobRowData,
    make_header,
    make_layouts,
    make_styles,
)

NOW = dt.datetime.now(dt.timezone.utc)


def make_row(cancelled: list, selected: list | None = None) -> JobRow:
    return JobRow(
        make_layouts(), make_styles(), cancelled.append, (selected if selected is not None else []).append
    )


def values(row: JobRow) -> dict[str, str]:
    return {column: label.value for column, label in row.cells.items()}


def test_row_data_is_read_from_the_jobs_public_methods_without_a_request() -> None:
    job = FakeJob("j-1", Status.QUEUED, name="bell", age=10, position=2, tags=["demo"], session_id="s-1")
    queued = JobRowData.from_job(job, instance="ibm-q/open/main")
    assert (queued.job_id, queued.name, queued.backend, queued.status) == ("j-1", "bell", "ibm_fez", "QUEUED")
    assert queued.position == 2 and queued.estimated_start is not None and not queued.final
    assert queued.created.tzinfo is not None  # compared with aware datetimes when the row is drawn
    assert (queued.program, queued.tags, queued.session_id) == ("sampler", ("demo",), "s-1")
    assert queued.instance == "ibm-q/open/main" and queued.ended is None
    done = JobRowData.from_job(FakeJob("j-2", Status.DONE, ran=12.5, usage=3.25))
    assert done.final and done.position is None and done.elapsed == 12.5 and done.usage == 3.25
    unlisted_end = JobRowData.from_job(FakeJob("j-3", Status.DONE), ended=NOW)
    assert unlisted_end.ended == NOW  # no end time in the listing: the one given stands in
    submitted = JobRowData.from_job(FakeJob("j-4", Status.RUNNING), created=NOW, ended=NOW)
    assert submitted.created == NOW and submitted.ended is None  # a pending job has not ended


def test_a_row_shows_every_column_and_a_cancel_toggle_only_while_pending() -> None:
    cancelled, selected = [], []
    row = make_row(cancelled, selected)
    assert row.data is None and row.cancel_button is None
    job = FakeJob("j-1", Status.QUEUED, name="bell", age=70, position=3, tags=["a", "b"], usage=0.0)
    data = JobRowData.from_job(job, instance="ibm-q/open/main")
    row.show(data, data.created + dt.timedelta(seconds=70), cancelling=False)
    shown = values(row)
    assert row.id_button.description == "j-1" and shown["status"] == "queued"
    assert shown["queue"].startswith("#3 · in ") and shown["elapsed"] == "1 m 10 s"
    assert (shown["program"], shown["tags"], shown["usage"], shown["shots"]) == (
        "sampler",
        "a, b",
        "0.0 s",
        "—",
    )
    assert shown["created"] and shown["instance"] == "ibm-q/open/main"
    assert row.cells["status"].style.text_color == STATUS_COLORS["QUEUED"]
    toggle = row.cancel_button
    assert toggle is not None and toggle in row.box.children and not toggle.disabled
    toggle.value = True  # what the browser does when the button is pressed
    assert cancelled == ["j-1"]
    row.show(data, NOW, cancelling=True)
    assert values(row)["status"] == "cancelling" and toggle.disabled
    assert "ibmq-cancel-sent" in toggle._dom_classes and toggle.description == "cancelling…"
    row.show(data, NOW, cancelling=False)  # the cancel failed: the button may be pressed again
    assert not toggle.disabled and not toggle.value and "ibmq-cancel-sent" not in toggle._dom_classes
    row.id_button.click()
    assert selected == [row]
    done = JobRowData.from_job(FakeJob("j-1", Status.CANCELLED, ran=30))
    row.show(done, NOW, cancelling=False)
    assert row.cancel_button is None and toggle not in row.box.children  # finished rows have no button
    assert values(row)["status"] == "cancelled" and values(row)["elapsed"] == "30 s"
    row.release()
    assert row.data is None
    row.close()


def test_a_row_bound_to_another_job_gets_a_fresh_toggle_so_a_late_press_cannot_cancel_it() -> None:
    cancelled: list = []
    row = make_row(cancelled)
    first = JobRowData.from_job(FakeJob("first", Status.RUNNING))
    row.show(first, NOW, cancelling=False)
    old_toggle = row.cancel_button
    row.show(JobRowData.from_job(FakeJob("second", Status.QUEUED, position=1)), NOW, cancelling=False)
    assert row.cancel_button is not old_toggle
    old_toggle.value = True  # a press of the old button arriving late (it is closed: nothing happens)
    assert cancelled == []
    row.cancel_button.value = True
    assert cancelled == ["second"]
    row.close()


def test_elapsed_runs_while_pending_and_stops_when_the_job_ends() -> None:
    ended = JobRowData.from_job(FakeJob("j-1", Status.DONE, age=100, ran=60))
    assert JobRow.elapsed(ended, NOW) == 60.0
    assert JobRow.elapsed(JobRowData.from_job(FakeJob("j-2", Status.DONE, age=100)), NOW) is None
    running = JobRowData.from_job(FakeJob("j-3", Status.RUNNING, age=100))
    assert JobRow.elapsed(running, running.created + dt.timedelta(seconds=100)) == 100.0


def test_rows_share_their_layouts_and_styles_and_open_with_their_classes() -> None:
    layouts, styles = make_layouts(), make_styles()
    first, second = (JobRow(layouts, styles, lambda _job_id: None) for _ in range(2))
    for column in first.cells:
        assert first.cells[column].layout is second.cells[column].layout is layouts[column]
        assert first.cells[column]._dom_classes == (f"ibmq-job-{column}",)
    assert first.id_button.layout is layouts["job_id"] and first.box.layout is layouts["row"]
    assert first.id_button.style is second.id_button.style is styles["button"]
    assert first.cells["name"].style is second.cells["shots"].style is styles["plain"]
    assert set(styles) == {*STATUS_COLORS, "plain", "button", "toggle"}
    header = make_header(layouts)
    assert len(header.children) == len(COLUMNS)
    for row in (first, second):
        row.close()


def test_a_row_made_for_a_job_opens_showing_it_with_its_toggle() -> None:
    """What a new row sends is its widgets' opening states: they already hold the job's values."""
    layouts, styles = make_layouts(), make_styles()
    data = JobRowData.from_job(FakeJob("j-7", Status.QUEUED, age=30))
    before = len(_instances)
    row = JobRow(layouts, styles, lambda _job_id: None, data=data, now=NOW, cancelling=False)
    # a button, 12 labels, the box and the cancel toggle: nothing per row beyond these
    assert len(_instances) - before == 1 + len(row.cells) + 1 + 1
    assert row.id_button.description == "j-7" and row.cells["status"].value == "queued"
    assert row.cells["status"].style is styles["QUEUED"]
    assert row.cancel_button is not None and row.cancel_button.style is styles["toggle"]
    assert row.cancel_button._dom_classes == ("ibmq-job-cancel",)
    fresh = make_row([])
    fresh.show(data, NOW, cancelling=False)
    assert values(fresh) == values(row)
    row.close()
    fresh.close()
