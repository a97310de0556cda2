"""The client's one way to the notebook widgets: rich display of its objects, progress bars, clicks while waiting.

The layers run widgets -> client -> HTTP session, never the other way; the client still shows its objects
richly in a notebook (``_repr_html_``, ``_repr_mimebundle_``), draws the job manager's progress bars and lets
widget clicks through while it waits for a job, and those hooks all come here. This is the only client module
that imports ``ibmq_widgets.widgets``, as ``client/local.py`` is the only one that imports the service, and it
imports them inside the functions:
importing the client never imports ipywidgets, matplotlib, jinja2 or tqdm, and a client whose widgets cannot be
imported still works, showing its objects as escaped text and drawing no bars.

Functions
---------
html(obj)
    Rich HTML of a client object (backend, job, result, job set, managed results), or its escaped repr.
mimebundle(obj, include, exclude)
    The widget view of a backend (tabs: configuration, qubits, gates, map, jobs) with its HTML beside it.
progress_bar(title, total, enabled, stream)
    A progress bar for the job manager, or a silent one.
pause(seconds, event)
    The client's waiting loops sleep here: in a notebook kernel, widget clicks (the job watcher's cancel) are
    answered meanwhile; anywhere else it is ``time.sleep`` (or ``event.wait``).
"""

from __future__ import annotations

import html as _html
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ibmq_widgets.client.managed.progress import Progress

__all__ = ["html", "mimebundle", "pause", "progress_bar", "text_html"]

# client class name -> the function of ibmq_widgets.widgets.display that draws it: matched by name along the
# object's class hierarchy, so this module imports no client class (they call it from their display hooks)
_HTML = {
    "IBMQBackend": "backend_html",
    "IBMQJob": "job_html",
    "Result": "result_html",
    "ManagedJobSet": "job_set_html",
    "ManagedResults": "managed_results_html",
}


def _drawer(obj: Any, table: dict[str, str]) -> str | None:
    for cls in type(obj).__mro__:
        if cls.__name__ in table:
            return table[cls.__name__]
    return None


def text_html(obj: Any) -> str:
    """``repr(obj)`` as preformatted HTML, escaped: what a client object shows without the widgets."""
    return f"<pre>{_html.escape(repr(obj), quote=False)}</pre>"


def html(obj: Any) -> str:
    """Rich HTML of a client object, or its escaped repr when the widgets cannot be imported.

    Parameters
    ----------
    obj : IBMQBackend, IBMQJob, Result, ManagedJobSet or ManagedResults
        The object to show.

    Returns
    -------
    str
        An HTML table (a message in place of anything that could not be read), or ``<pre>repr</pre>``.
    """
    name = _drawer(obj, _HTML)
    if name is None:
        return text_html(obj)
    try:
        import ibmq_widgets.widgets.display as display
    except ImportError:  # ipywidgets, jinja2 or matplotlib missing: plain text still shows the object
        return text_html(obj)
    return getattr(display, name)(obj)


def mimebundle(obj: Any, include: Any = None, exclude: Any = None) -> dict | None:
    """The widget view of a backend for IPython's display, with its HTML summary beside it.

    A backend left as the last expression of a cell shows as the tabbed view (configuration, qubits, two-qubit
    gates, map, recent jobs); a frontend that cannot render widgets shows the HTML summary instead.

    Parameters
    ----------
    obj : IBMQBackend
        The backend.
    include, exclude : collection of str, optional
        The MIME types IPython asks for or leaves out.

    Returns
    -------
    dict or None
        The MIME bundle; None (IPython then uses ``_repr_html_``) for other objects or without the widgets.
    """
    if _drawer(obj, {"IBMQBackend": "backend_view"}) is None:
        return None
    try:
        from ibmq_widgets.widgets.display import backend_view
    except ImportError:
        return None
    bundle = backend_view(obj)._repr_mimebundle_(include=include, exclude=exclude)
    if bundle is not None:
        bundle.setdefault("text/html", html(obj))
    return bundle


def progress_bar(
    title: str, total: int | None = None, enabled: bool = True, stream: TextIO | None = None
) -> Progress:
    """A progress bar for the job manager: a widget in a notebook, a line on a terminal, else a silent one.

    Parameters
    ----------
    title : str
        Shown before the bar, e.g. "Submitting".
    total : int, optional
        How many there are to do.
    enabled : bool
        False gives the silent bar (``progress=False``).
    stream : TextIO, optional
        Draw the text bar there, terminal or not (default: stderr, only when it is a terminal).

    Returns
    -------
    Progress
        Something with ``update(done, total, label)`` and ``close(label, ok)``.
    """
    from ibmq_widgets.client.managed.progress import Progress

    if not enabled:
        return Progress()
    try:
        from ibmq_widgets.widgets.progress_bar import make_bar
    except ImportError:  # tqdm or ipywidgets missing: the job manager runs without a bar
        return Progress()
    bar = make_bar(title, total, stream)
    return Progress() if bar is None else bar


def pause(seconds: float, event: threading.Event | None = None) -> bool:
    """Sleep ``seconds`` (or until ``event`` is set) in a client waiting loop, letting widget clicks through.

    Widget clicks reach a notebook kernel as messages it handles between cells; a cell blocked in
    ``job.result()`` would hold them all until it ends. On a notebook kernel's main thread this pause handles
    them while it waits (``ibmq_widgets.widgets.kernel_events``), so the job watcher's cancel button works while
    a cell waits for that very job; anywhere else (a script, a terminal, another thread) it only sleeps, and it
    never imports the widgets there.

    Parameters
    ----------
    seconds : float
        How long to wait at most.
    event : threading.Event, optional
        End the wait as soon as it is set.

    Returns
    -------
    bool
        True if ``event`` was set, else False (the time passed, or a widget asked the waits to look again).
    """
    kernelbase = sys.modules.get("ipykernel.kernelbase")
    if kernelbase is not None and threading.current_thread() is threading.main_thread():
        try:
            from ibmq_widgets.widgets.kernel_events import pause as kernel_pause
        except ImportError:  # the widgets cannot be imported: waiting still works, clicks wait for the cell
            kernel_pause = None
        if kernel_pause is not None and kernelbase.Kernel.initialized():
            return kernel_pause(seconds, event)
    if event is not None:
        return event.wait(seconds)
    time.sleep(seconds)
    return False
