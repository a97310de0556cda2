"""How the watcher shows a job's values: durations, start estimates, creation times, usage and shots as
short texts, and a result's counts or expectation values as small PNG plots drawn without pyplot."""

from __future__ import annotations

import datetime as dt

from ibmq_widgets.widgets.job_values import (
    MAX_BARS,
    counts_png,
    expectation_png,
    format_created,
    format_duration,
    format_eta,
    format_shots,
    format_usage,
    top_counts,
)

NOW = dt.datetime.now(dt.timezone.utc)
PNG = b"\x89PNG\r\n\x1a\n"


def test_durations_and_start_estimates() -> None:
    assert format_duration(None) == "—"
    assert [format_duration(s) for s in (0, 59.9, 61, 3725)] == ["0 s", "59 s", "1 m 01 s", "1 h 02 m"]
    assert format_eta(None, NOW) == ""
    assert format_eta(NOW - dt.timedelta(seconds=5), NOW) == "any moment"
    assert format_eta(NOW + dt.timedelta(seconds=30), NOW) == "in 30 s"


def test_creation_times_usage_and_shots() -> None:
    assert format_created(None, NOW) == "—"
    assert format_created(NOW, NOW) == NOW.astimezone().strftime("%H:%M:%S")  # today: the time alone
    week_ago = NOW - dt.timedelta(days=7)
    assert format_created(week_ago, NOW) == week_ago.astimezone().strftime("%d %b %H:%M")
    assert [format_usage(s) for s in (None, 0, 0.44, 12, 185)] == ["—", "0.0 s", "0.4 s", "12 s", "3 m 05 s"]
    assert [format_shots(s) for s in (None, 1024, 100_000)] == ["—", "1,024", "100,000"]


def test_few_outcomes_in_bit_order_many_as_the_most_frequent_and_the_others() -> None:
    assert top_counts({"11": 5, "00": 7}) == [("00", 7), ("11", 5)]
    counts = {format(i, "05b"): i + 1 for i in range(32)}
    bars = top_counts(counts)
    assert len(bars) == MAX_BARS and bars[-1] == ("17 others", sum(range(1, 18)))
    assert [key for key, _count in bars[:-1]] == sorted(format(i, "05b") for i in range(17, 32))


def test_plots_are_png_images() -> None:
    assert counts_png({"00": 510, "11": 514}, "bell").startswith(PNG)
    assert expectation_png([1.0, 0.98, 0.01], [0.01, 0.02, float("nan")], ["ZZ", "XX", "ZI"]).startswith(PNG)
