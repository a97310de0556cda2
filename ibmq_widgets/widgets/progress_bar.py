"""The job manager's progress bars, drawn by tqdm: a widget in a notebook, one line on a terminal.

The client counts (``Progress.update(done, total, label)``, ``close(label, ok)``) and reaches this module
through its presentation seam (``ibmq_widgets.client.presentation.progress_bar``). Which bar is drawn is the
choice ``tqdm.auto`` makes, made here per bar rather than once when tqdm is first imported: the notebook bar
(``tqdm.notebook``, an ipywidgets HBox) in a kernel that a frontend talks to, the text bar (``tqdm.std``) when
stderr is a terminal or a stream is given, and nothing otherwise, so logs and captured output stay clean.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

from tqdm.notebook import tqdm_notebook
from tqdm.std import tqdm as tqdm_text

from ibmq_widgets.client.managed.progress import Progress

__all__ = ["ProgressBar", "in_notebook_kernel", "make_bar"]

BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"


class _TextBar(tqdm_text):
    monitor_interval = 0  # no tqdm monitor thread: the bars are redrawn on every update anyway


class _NotebookBar(tqdm_notebook):
    monitor_interval = 0


def in_notebook_kernel() -> bool:
    """Whether this code runs in an IPython kernel that a frontend talks to (not a terminal IPython)."""
    ipython_module = sys.modules.get("IPython")
    if ipython_module is None:
        return False
    try:
        shell = ipython_module.get_ipython()
    except Exception:  # an IPython too broken to ask is not a notebook
        return False
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return False
    return getattr(shell, "kernel", None) is not None


class ProgressBar(Progress):
    """A tqdm bar behind the job manager's counting interface; thread-safe, final once closed.

    Parameters
    ----------
    title : str
        Shown before the bar, e.g. "Submitting".
    total : int, optional
        How many there are to do; may change with ``update``.
    notebook : bool
        Draw the notebook widget (True) or the text line (False).
    stream : TextIO, optional
        Where the text line goes (default stderr).
    """

    def __init__(
        self, title: str, total: int | None = None, *, notebook: bool, stream: TextIO | None = None
    ) -> None:
        kind = _NotebookBar if notebook else _TextBar
        self._bar = kind(
            total=total,
            desc=title,
            file=stream if stream is not None else sys.stderr,
            bar_format=BAR_FORMAT,
            leave=True,
            disable=False,  # the caller decided to draw; tqdm would hide a bar on a stream that is no tty
        )
        self._notebook = notebook
        self._lock = threading.Lock()
        self._closed = False

    @property
    def live(self) -> bool:
        """A notebook bar may go on updating after the cell returned; a terminal line may not."""
        return self._notebook

    @property
    def widget(self) -> Any:
        """The notebook bar's ipywidgets HBox (description, FloatProgress, counts), or None for a text bar."""
        return self._bar.container if self._notebook else None

    def update(self, done: int, total: int, label: str = "") -> None:
        """Show ``done`` of ``total`` with a short ``label`` (such as "2 waiting for a slot")."""
        with self._lock:
            if self._closed:
                return
            if total != self._bar.total:
                self._set_total(total)
            self._bar.n = done
            self._bar.set_postfix_str(label, refresh=False)
            self._bar.refresh()

    def close(self, label: str = "", ok: bool = True) -> None:
        """Draw the final state (green, or amber when ``ok`` is False) and ignore later updates."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if label:
                self._bar.set_postfix_str(label, refresh=False)
            self._bar.close()  # leave=True: the last state stays drawn
            if self._notebook:
                # tqdm paints a bar that ends short of its total red; the job manager says itself how it went
                self._bar.container.children[1].bar_style = "success" if ok else "warning"

    def _set_total(self, total: int) -> None:
        self._bar.total = total
        if self._notebook:
            self._bar.container.children[1].max = max(total, 1)


def make_bar(title: str, total: int | None = None, stream: TextIO | None = None) -> ProgressBar | None:
    """The bar that fits where the code runs, or None where nothing should be drawn.

    Parameters
    ----------
    title : str
        Shown before the bar.
    total : int, optional
        How many there are to do.
    stream : TextIO, optional
        Draw the text bar there (outside a notebook), terminal or not.

    Returns
    -------
    ProgressBar or None
        The notebook bar in a notebook kernel; the text bar on ``stream`` or on a terminal's stderr; None on a
        stderr that is not a terminal (logs, pytest, CI).
    """
    if stream is None and in_notebook_kernel():
        try:
            return ProgressBar(title, total, notebook=True)
        except ImportError:  # tqdm could not find ipywidgets: the text bar, if there is a terminal
            pass
    if stream is None:
        stream = sys.stderr
        if stream is None or not (hasattr(stream, "isatty") and stream.isatty()):
            return None
    return ProgressBar(title, total, notebook=False, stream=stream)
