"""BackgroundBox, what the data widgets share: a message line in step with ``status``, ``wait()`` on the worker,
and a close that stops the thread and closes every child."""

from __future__ import annotations

import threading

import ipywidgets as widgets

from ibmq_widgets.widgets.base import BackgroundBox, close_children


class Box(BackgroundBox):
    def __init__(self) -> None:
        self._message = widgets.HTML()
        self.inner = widgets.HBox([widgets.Label("a"), widgets.VBox([widgets.Label("b")])])
        self.errors: list[BaseException] = []
        self._start_worker("test-box", on_error=self.errors.append)
        super().__init__(children=[self._message, self.inner])


def test_show_message_keeps_status_and_the_message_line_in_step():
    box = Box()
    box.show_message("Could not load <x>", "error", "Press Refresh.")
    assert box.status == "Could not load <x> Press Refresh."
    assert "ibmq-widgets-error" in box._message.value and "Could not load &lt;x&gt;" in box._message.value
    box.show_message("12 of 69 backends", plain=True)
    assert box.status == "12 of 69 backends" and "ibmq-widgets-note" in box._message.value
    box.show_message("2 of 2 jobs failed", "error", "job 0: out of memory\njob 1: cancelled")
    assert "<pre" in box._message.value and box.status.endswith("job 1: cancelled")
    box.close()


def test_wait_follows_the_worker_and_errors_reach_the_handler():
    box = Box()
    release = threading.Event()
    box._worker.submit(lambda: release.wait(10))
    box._worker.submit(lambda: 1 / 0)
    assert box.wait(0.05) is False  # still busy
    release.set()
    assert box.wait(10) is True
    assert len(box.errors) == 1 and isinstance(box.errors[0], ZeroDivisionError)
    box.close()


def test_close_stops_the_thread_and_closes_every_descendant():
    box = Box()
    box._worker.submit(lambda: None)
    assert box.wait(10)
    descendants = [box.inner, *box.inner.children, box.inner.children[1].children[0]]
    box.close()
    assert not box._worker.running
    assert all(child.comm is None for child in descendants) and box.comm is None


def test_a_box_whose_constructor_failed_early_still_closes_and_waits():
    class Broken(BackgroundBox):
        def __init__(self) -> None:
            super().__init__()  # never made a worker

    broken = Broken()
    assert broken.wait(0.01) is True
    broken.close()


def test_close_children_leaves_the_parent_open():
    parent = widgets.VBox([widgets.Label("x")])
    close_children(parent)
    assert parent.children[0].comm is None and parent.comm is not None
    parent.close()
