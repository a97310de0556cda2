"""What the widgets that fetch data have in common: a worker thread, a one-line message and a clean close.

BackendPicker, QubitPropertyPlot and JobSetTable are ``BackgroundBox`` es: their constructors and observers
hand network work to their own ``BackgroundWorker`` and return at once, they say what they show (or why they
show nothing) in ``status`` and in a message line, ``wait()`` blocks until they are up to date, and
``close()`` stops the thread before closing the widgets. Each new view of one re-sends its whole state
(``view_resync``), so a page that attached while the worker was updating still shows the latest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from traitlets import Unicode

from ibmq_widgets.widgets.feeds.background import BackgroundWorker
from ibmq_widgets.widgets.htmltools import message, note
from ibmq_widgets.widgets.view_resync import ResyncOnView

__all__ = ["BackgroundBox", "close_children"]


def close_children(widget: Any) -> None:
    """Close every descendant of a container widget (children, their children, ...), not the widget."""
    for child in getattr(widget, "children", ()):
        close_children(child)
        child.close()


class BackgroundBox(ResyncOnView, widgets.VBox):
    """A VBox whose network work runs on its own worker thread, with a message line saying what it shows.

    Subclasses call ``_start_worker`` and create ``self._message`` (a ``widgets.HTML`` among their children)
    before using ``show_message``.
    """

    status = Unicode("", help="What the widget shows, or why it shows nothing, in plain text.")

    _worker: BackgroundWorker | None = None  # stays None when a constructor fails before making one
    _message: widgets.HTML

    def _start_worker(self, name: str, on_error: Callable[[BaseException], Any]) -> BackgroundWorker:
        """Make the widget's worker (its thread starts with the first task)."""
        self._worker = BackgroundWorker(name, on_error=on_error)
        return self._worker

    def show_message(
        self, text: str, level: str = "info", hint: str | None = None, plain: bool = False
    ) -> None:
        """Show ``text`` (and what to do, ``hint``) in the message line and in ``status``.

        Parameters
        ----------
        text : str
            What happened or what is shown.
        level : str
            "info", "warning" or "error".
        hint : str, optional
            What to do about it; a hint of several lines shows as preformatted text.
        plain : bool
            A quiet grey note instead of a coloured message (all is well).
        """
        self.status = text if not hint else f"{text} {hint}"
        self._message.value = str(note(text) if plain else message(text, level, hint))

    def _resync(self) -> None:
        # On the worker thread, after the tasks queued: the worker changes the parts, so there the tree is whole.
        worker = self._worker
        if worker is None:
            super()._resync()
        elif self.comm is not None:
            worker.submit(super()._resync)

    def wait(self, timeout: float | None = 120.0) -> bool:
        """Block until the widget's background work (loading, redrawing) is done; False on timeout.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most; None waits as long as it takes.
        """
        worker = self._worker
        return True if worker is None else worker.wait_idle(timeout)

    def close(self) -> None:
        """Stop the worker thread, then close the widget and its children."""
        worker = self._worker
        if worker is not None:
            worker.stop()
        close_children(self)
        super().close()
