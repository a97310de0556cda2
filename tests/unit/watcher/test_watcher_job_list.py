"""What the watcher knows of its jobs: entries kept from poll to poll, submissions, what is shown, extras; which
providers it follows and its state line."""

from __future__ import annotations

import datetime as dt

import pytest
from watcher_fakes import FakeJob, FakeProvider, Status

from ibmq_widgets.widgets.feeds.poller import PollerState
from ibmq_widgets.widgets.job_list import ALL_BACKENDS, Extras, JobList, resolve_providers, state_text
from ibmq_widgets.widgets.job_rows import JobRowData

NOW = dt.datetime.now(dt.timezone.utc)


class CountingJob(FakeJob):
    """A job that counts how often its creation date is read (parsed, for a real job)."""

    dates_read = 0

    def creation_date(self):
        CountingJob.dates_read += 1
        return super().creation_date()


def test_entries_are_kept_from_poll_to_poll_and_dates_read_once() -> None:
    jobs = JobList()
    CountingJob.dates_read = 0
    first = [CountingJob(f"j{i}", Status.QUEUED, age=i, position=i + 1) for i in range(100)]
    jobs.take_poll({"a/b/c": first}, 1, NOW)
    entries = {entry.job_id: entry for entry in jobs.entries()}
    second = [CountingJob(f"j{i}", Status.RUNNING if i == 5 else Status.QUEUED, age=i) for i in range(100)]
    jobs.take_poll({"a/b/c": second}, 2, NOW)
    assert CountingJob.dates_read == 100  # once per job, not once per poll
    assert all(entry is entries[entry.job_id] for entry in jobs.entries())
    assert entries["j5"].status == "RUNNING" and entries["j5"].job is second[5]
    assert [entry.job_id for entry in jobs.entries()][:3] == ["j0", "j1", "j2"]  # newest first
    assert jobs.pending_count() == 100 and jobs.backends == ["ibm_fez"]


def test_a_job_seen_ending_has_its_end_time_and_a_submission_stays_until_a_later_poll_lists_it() -> None:
    now = dt.datetime.now(dt.timezone.utc)  # the fake jobs' dates count back from the real clock
    jobs = JobList()
    running = FakeJob("r", Status.RUNNING, age=30)
    jobs.take_poll({"a/b/c": [running]}, 1, now)
    later = now + dt.timedelta(seconds=5)
    jobs.take_poll({"a/b/c": [FakeJob("r", Status.DONE, age=30)]}, 2, later)
    assert jobs.row_data(jobs.get("r")).ended == later
    jobs.polls = 3  # poll 3 has sent its request when the job is submitted
    submitted = jobs.add_submitted(FakeJob("new", Status.QUEUED, age=0), "a/b/c", now)
    assert jobs.get("new") is submitted and jobs.entries()[0] is submitted
    jobs.take_poll({"a/b/c": []}, 3, now)  # so poll 3 cannot list it: the row stays
    assert jobs.get("new") is submitted
    jobs.take_poll({"a/b/c": []}, 4, now)  # a poll that began after it is the truth
    assert jobs.get("new") is None


def test_visible_keeps_the_newest_finished_jobs_then_filters() -> None:
    jobs = JobList(keep_finished=2)
    listing = [FakeJob(f"done{i}", Status.DONE, age=10 + i, backend="x") for i in range(4)]
    listing.append(FakeJob("queued", Status.QUEUED, age=100, backend="y"))
    jobs.take_poll({"a/b/c": listing}, 1, NOW)
    assert [entry.job_id for entry in jobs.visible()] == ["done0", "done1", "queued"]
    assert [entry.job_id for entry in jobs.visible(backend="y")] == ["queued"]
    assert [entry.job_id for entry in jobs.visible(ALL_BACKENDS, "finished")] == ["done0", "done1"]
    assert [entry.job_id for entry in jobs.visible(ALL_BACKENDS, "QUEUED")] == ["queued"]
    jobs.clear_finished()
    assert [entry.job_id for entry in jobs.visible()] == ["queued"]


def test_missing_extras_asks_for_finished_rows_lacking_an_end_usage_or_shots_once() -> None:
    jobs = JobList()
    listed_in_full = FakeJob("full", Status.DONE, ran=3, usage=1.0, program="estimator")
    lacking = FakeJob("lacking", Status.DONE)
    pending = FakeJob("pending", Status.RUNNING)
    jobs.take_poll({"a/b/c": [listed_in_full, lacking, pending]}, 1, NOW)
    rows = [JobRowData.from_job(job) for job in (listed_in_full, lacking, pending)]
    assert [data.job_id for data in jobs.missing_extras(rows)] == ["lacking"]
    sampler_done = JobRowData.from_job(FakeJob("s", Status.DONE, ran=3, usage=1.0))
    assert [data.job_id for data in jobs.missing_extras([sampler_done])] == ["s"]  # its shots
    jobs.extras["lacking"] = Extras()  # asked for: not again
    assert jobs.missing_extras(rows) == []


def test_a_provider_a_list_or_an_account_manager_each_name_their_instances() -> None:
    one, two = FakeProvider([], "a/b/c"), FakeProvider([], "d/e/f")
    assert resolve_providers(one) == {"a/b/c": one}
    assert resolve_providers([one, two, FakeProvider([], "a/b/c")]) == {"a/b/c": one, "d/e/f": two}

    class Account:
        def providers(self):
            return [two]

    assert resolve_providers(Account()) == {"d/e/f": two}
    nameless = FakeProvider([], "")
    assert resolve_providers(nameless) == {"provider 1": nameless}
    for wrong in ("ibm_fez", [], [one, "ibm_fez"], Account.__new__(type("Empty", (), {"providers": list}))):
        with pytest.raises(TypeError, match="needs a provider"):
            resolve_providers(wrong)


def test_the_state_line_says_what_is_pending_and_what_went_wrong() -> None:
    when = dt.datetime(2026, 3, 1, 12, 0, 5, tzinfo=dt.timezone.utc)
    local = when.astimezone().strftime("%H:%M:%S")
    ok = PollerState("ok", "up to date")
    assert state_text(ok, 2, when, {}, "") == f"● 2 pending · updated {local}"
    assert state_text(ok, 0, None, {"x/y/z": "connection lost"}, "could not cancel j") == (
        "● 0 pending · updated — · x/y/z: connection lost · could not cancel j"
    )
    failed = PollerState("error", "connection lost, retrying in 4 s", retry_in=4)
    assert state_text(failed, 1, when, {}, "") == f"connection lost, retrying in 4 s (last update {local})"
