"""The watcher's fetches beyond its polls: what a finished row learns once (end time, usage, shots), and the
selected job's result or failure for the details panel, on the watcher's worker thread."""

from __future__ import annotations

import threading

from watcher_fakes import FakeJob, ResultJob, SamplerResult, Status

from ibmq_widgets.widgets.job_details import JobDetails
from ibmq_widgets.widgets.job_fetches import JobFetches
from ibmq_widgets.widgets.job_list import JobList

PNG = b"\x89PNG\r\n\x1a\n"


def fetches_for(*jobs):
    lock, job_list, details = threading.RLock(), JobList(), JobDetails()
    job_list.take_poll({"a/b/c": list(jobs)}, 1, FakeJob("x", Status.DONE).creation_date())
    renders: list[int] = []
    return JobFetches(lock, job_list, details, lambda: renders.append(1)), job_list, details, renders


def test_a_finished_row_learns_its_end_usage_and_shots_once() -> None:
    done = ResultJob("done", Status.DONE, result=SamplerResult(shots=2048), steps={})
    cancelled = ResultJob("gone", Status.CANCELLED, steps={"CANCELLED": done.creation_date()})
    fetches, job_list, _details, renders = fetches_for(done, cancelled)
    rows = [job_list.row_data(job_list.get(job_id)) for job_id in ("done", "gone")]
    with fetches._lock:
        fetches.after_render(rows)
        fetches.after_render(rows)  # asked for once only
    assert fetches.wait(30)
    assert done.calls == ["time_per_step", "usage", "result"] and cancelled.calls == [
        "time_per_step",
        "usage",
    ]
    assert job_list.extras["done"].shots == 2048 and job_list.extras["done"].usage == 4.5
    assert job_list.extras["gone"].ended == done.creation_date() and job_list.extras["gone"].shots is None
    assert job_list.row_data(job_list.get("done")).shots == 2048 and renders
    fetches.stop()


def test_the_selected_job_shows_its_result_or_why_it_has_none() -> None:
    done = ResultJob("done", Status.DONE, result=SamplerResult(), ran=1, usage=0.1)
    cancelled = ResultJob("gone", Status.CANCELLED, ran=1, usage=0.0)
    fetches, job_list, details, _renders = fetches_for(done, cancelled)
    fetches.select(job_list.row_data(job_list.get("done")))
    assert fetches.wait(30)
    assert bytes(details._plot.value).startswith(PNG) and done.calls == ["result"]
    fetches.select(job_list.row_data(job_list.get("gone")))
    assert fetches.wait(30)
    assert "cancelled: Cancelled by the user." in details._message.value
    fetches.deselect()
    assert fetches.selected is None
    fetches.stop()
