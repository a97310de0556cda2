"""The job manager's tqdm bars: one text line redrawn in place on a terminal, an ipywidgets bar in a notebook."""

from __future__ import annotations

import io
import threading

import ipywidgets

from ibmq_widgets.client.managed.progress import Progress
from ibmq_widgets.widgets import progress_bar
from ibmq_widgets.widgets.progress_bar import ProgressBar, make_bar


def test_the_text_bar_redraws_one_line_and_ends_it():
    stream = io.StringIO()
    bar = ProgressBar("Results", 4, notebook=False, stream=stream)
    assert isinstance(bar, Progress) and not bar.live and bar.widget is None
    bar.update(1, 4, "3 queued")
    bar.update(4, 4, "")
    bar.close("done")
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, ended once
    last = text.rstrip("\n").split("\r")[-1]
    assert last.startswith("Results: 100%") and "4/4" in last and last.endswith(", done]")
    assert "1/4" in text and "3 queued" in text  # the earlier state was drawn in place
    bar.update(1, 4, "after close")  # ignored
    bar.close("again")  # ignored
    assert stream.getvalue() == text


def test_the_notebook_bar_tracks_done_total_and_label():
    bar = ProgressBar("Results", 10, notebook=True)
    assert bar.live
    bar.update(3, 10, "2 running")
    box = bar.widget
    description, int_bar, counts = box.children
    assert isinstance(int_bar, ipywidgets.FloatProgress)
    assert (int_bar.value, int_bar.max) == (3, 10)
    assert "Results" in description.value
    readable = counts.value.replace("\u2007", " ")  # tqdm pads with figure spaces in HTML
    assert "3/10" in readable and "2 running" in readable
    bar.update(12, 12, "")  # the total may grow (jobs split differently after a retry)
    assert (int_bar.value, int_bar.max) == (12, 12)
    bar.close("all done")
    assert int_bar.bar_style == "success" and "all done" in counts.value.replace("\u2007", " ")
    bar.update(1, 12, "after close")
    assert int_bar.value == 12


def test_a_partial_failure_ends_amber_and_an_early_end_is_not_green():
    failing = ProgressBar("Results", 2, notebook=True)
    failing.update(2, 2, "1 failed")
    failing.close("1 failed", ok=False)
    assert failing.widget.children[1].bar_style == "warning"
    short = ProgressBar("Submitting", 5, notebook=True)
    short.update(2, 5)
    short.close(ok=False)
    assert short.widget.children[1].bar_style == "warning"


def test_updates_from_several_threads_leave_a_consistent_final_state():
    bar = ProgressBar("Submitting", 50, notebook=True)
    threads = [threading.Thread(target=bar.update, args=(n, 50, f"{n} sent")) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bar.update(50, 50)
    bar.close()
    assert bar.widget.children[1].value == 50 and bar.widget.children[1].bar_style == "success"


def test_make_bar_chooses_by_where_the_code_runs(monkeypatch):
    assert make_bar("Submitting", 3) is None  # pytest's stderr is not a terminal: nothing drawn
    stream = io.StringIO()
    text = make_bar("Submitting", 3, stream=stream)
    assert text is not None and not text.live and "0/3" in stream.getvalue()
    monkeypatch.setattr(progress_bar, "in_notebook_kernel", lambda: True)
    notebook = make_bar("Submitting", 3)
    assert notebook is not None and notebook.live and notebook.widget is not None
