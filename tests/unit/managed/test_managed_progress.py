"""The progress bars: plain text on a terminal, silence when disabled, an ipywidgets bar in a notebook."""

from __future__ import annotations

import io

import ipywidgets

from ibmq_widgets.client.managed import progress


def test_render_bar_fills_in_proportion():
    assert progress.render_bar(0, 10, "", width=10) == "[----------] 0/10"
    assert (
        progress.render_bar(5, 10, "2 waiting for a slot", width=10)
        == "[#####-----] 5/10 2 waiting for a slot"
    )
    assert progress.render_bar(10, 10, "", width=10) == "[##########] 10/10"


def test_terminal_bar_redraws_one_line_and_ends_it():
    stream = io.StringIO()
    bar = progress.TerminalProgress("Results", stream)
    bar.update(1, 4, "3 queued")
    bar.update(4, 4, "")
    bar.close("done")
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.count("\r") == 3
    last = text.rstrip("\n").split("\r")[-1]
    assert last.startswith("Results [") and "4/4 done" in last
    bar.update(1, 4, "after close")  # ignored
    assert stream.getvalue() == text


def test_disabled_progress_shows_nothing_and_outside_a_kernel_no_widget_is_made(capsys):
    assert type(progress.make_progress("Submitting", enabled=False)) is progress.Progress
    made = progress.make_progress("Submitting", enabled=True)  # pytest's stderr is not a terminal
    assert not isinstance(made, progress.NotebookProgress)
    assert not progress.in_notebook_kernel()
    made.update(1, 2, "x")
    made.close()
    captured = capsys.readouterr()
    assert captured.err == ""


def test_given_stream_gets_the_text_bar():
    stream = io.StringIO()
    bar = progress.make_progress("Submitting", stream=stream)
    bar.update(2, 3)
    assert "2/3" in stream.getvalue()


def test_notebook_bar_tracks_done_and_total():
    bar = progress.NotebookProgress("Results")
    bar.update(3, 10, "2 running")
    box = bar.widget
    int_bar, label = box.children
    assert isinstance(int_bar, ipywidgets.IntProgress)
    assert (int_bar.value, int_bar.max) == (3, 10)
    assert label.value == "3/10 2 running"
    bar.update(10, 10)
    bar.close("all done")
    assert int_bar.bar_style == "success" and label.value == "10/10 all done"
    failing = progress.NotebookProgress("Results")
    failing.update(1, 2)
    failing.close("1 failed", ok=False)
    assert failing.widget.children[0].bar_style == "warning"
