"""A widget updated from a worker thread re-sends its state when a page shows it, so no page keeps a lost update.

Why: a page that attaches to a running kernel (Voilà once it has run the notebook, JupyterLab after a reload)
asks ipywidgets for every widget's state in one snapshot. An update a worker thread sends while that snapshot is
being taken reaches the page before the page knows the widget, and the page drops it; the snapshot still holds the
old value, so the page would show "Loading…" for good. A page tells the kernel it has displayed a view through
ipywidgets' ``_view_count`` trait (counting starts when the kernel sets it to 0); on each new view, the widget
re-sends the state of itself and every widget below it, which that page by then knows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
from traitlets import Int, observe

__all__ = ["ResyncOnView", "resend_tree", "walk_tree"]


def walk_tree(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    """The widget and every open widget below it (children, their children, ...), parents first."""
    stack = [widget]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen or getattr(current, "comm", None) is None:
            continue  # a closed widget has nothing to send; a shared child is sent once
        seen.add(id(current))
        yield current
        stack.extend(reversed(getattr(current, "children", ())))


def resend_tree(widget: widgets.Widget) -> int:
    """Send the full state of ``widget`` and of every open widget below it; returns how many were sent."""
    sent = 0
    for each in walk_tree(widget):
        try:
            each.send_state()
        except AttributeError:
            # A worker thread closed it (or a child it lists) meanwhile: that widget's state is being replaced,
            # and its own update will follow.
            continue
        sent += 1
    return sent


class ResyncOnView(widgets.DOMWidget):
    """Mixin for a container whose parts change from a worker thread: each new view re-sends the whole tree.

    Notes
    -----
    ``resyncs`` counts the re-sends (one per view a page displayed), for tests and debugging.
    """

    # ipywidgets counts the views of a model in the page once the kernel sets the count to a number.
    _view_count = Int(0, allow_none=True, help="Views of this widget a page displays.").tag(sync=True)
    resyncs = 0

    @observe("_view_count")
    def _on_view_count(self, change: Any) -> None:
        if (change["new"] or 0) > (change["old"] or 0):  # a view came (a closed view only lowers the count)
            self._resync()

    def _resync(self) -> None:
        """Re-send the tree; a widget whose parts a worker thread changes overrides this to do it on that thread,
        so the re-sent state never interleaves with the worker's own updates."""
        resend_tree(self)
        self.resyncs += 1
