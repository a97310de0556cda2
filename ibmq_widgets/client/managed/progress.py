"""Progress bars for run() and results(): an ipywidgets bar in a notebook, a one-line bar on a terminal.

The notebook bar is created only when the code runs in a kernel with a frontend; the terminal bar is drawn
only when stderr is a terminal, so logs and captured output stay clean. ``progress=False`` silences both.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

__all__ = ["NotebookProgress", "Progress", "TerminalProgress", "make_progress", "render_bar"]

BAR_WIDTH = 30


def render_bar(done: int, total: int, label: str, width: int = BAR_WIDTH) -> str:
    """The plain text bar: ``[#######-------] 7/15 label``."""
    filled = width if total <= 0 else min(width, round(width * done / total))
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} {label}".rstrip()


class Progress:
    """A bar that shows nothing (``progress=False``), and the interface of the others."""

    def update(self, done: int, total: int, label: str = "") -> None:
        """Show ``done`` of ``total`` with a short ``label`` (such as "2 waiting for a slot")."""

    def close(self, label: str = "", ok: bool = True) -> None:
        """Show the final state (``ok`` False marks it as a partial failure); later updates are ignored."""


class TerminalProgress(Progress):
    """One line on a terminal, redrawn in place with a carriage return."""

    def __init__(self, title: str, stream: TextIO | None = None) -> None:
        self._title = title
        self._stream = stream if stream is not None else sys.stderr
        self._lock = threading.Lock()
        self._last = ""
        self._done = 0
        self._total = 0
        self._closed = False

    def update(self, done: int, total: int, label: str = "") -> None:
        with self._lock:
            if self._closed:
                return
            self._done, self._total = done, total
            self._draw(f"{self._title} {render_bar(done, total, label)}")

    def close(self, label: str = "", ok: bool = True) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if label:
                self._draw(f"{self._title} {render_bar(self._done, self._total, label)}")
            if self._last:
                self._stream.write("\n")
                self._stream.flush()

    def _draw(self, line: str) -> None:
        if line == self._last:
            return
        # pad with spaces so a shorter line fully covers the previous one
        pad = max(0, len(self._last) - len(line))
        self._stream.write("\r" + line + " " * pad)
        self._stream.flush()
        self._last = line


class NotebookProgress(Progress):
    """An ipywidgets IntProgress with a label, displayed in the current cell's output."""

    def __init__(self, title: str) -> None:
        import ipywidgets
        from IPython.display import display

        self._bar = ipywidgets.IntProgress(value=0, min=0, max=1, description=title, bar_style="info")
        self._label = ipywidgets.Label(value="")
        self._box = ipywidgets.HBox([self._bar, self._label])
        self._closed = False
        display(self._box)

    def update(self, done: int, total: int, label: str = "") -> None:
        if self._closed:
            return
        self._bar.max = max(total, 1)
        self._bar.value = min(done, self._bar.max)
        self._label.value = f"{done}/{total} {label}".rstrip()

    def close(self, label: str = "", ok: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        if label:
            self._label.value = f"{self._bar.value}/{self._bar.max} {label}"
        self._bar.bar_style = "success" if ok else "warning"

    @property
    def widget(self) -> Any:
        """The displayed box (bar and label), for tests and embedding."""
        return self._box


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


def make_progress(title: str, enabled: bool = True, stream: TextIO | None = None) -> Progress:
    """The bar that fits where the code runs.

    Parameters
    ----------
    title : str
        Shown before the bar, e.g. "Submitting".
    enabled : bool
        False gives a bar that shows nothing.
    stream : TextIO, optional
        Where the terminal bar goes (default stderr; drawn only if it is a terminal, unless given explicitly).
    """
    if not enabled:
        return Progress()
    if in_notebook_kernel():
        try:
            return NotebookProgress(title)
        except ImportError:  # ipywidgets missing: fall through to text
            pass
    if stream is not None:
        return TerminalProgress(title, stream)
    if sys.stderr is not None and hasattr(sys.stderr, "isatty") and sys.stderr.isatty():
        return TerminalProgress(title, sys.stderr)
    return Progress()
