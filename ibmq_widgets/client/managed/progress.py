"""The progress the job manager reports: how many jobs are sent or done, out of how many, and what the rest do.

The job manager only counts: it calls ``update(done, total, label)`` as jobs move on and ``close(label, ok)``
once at the end. What is drawn is not the client's business: ``make_progress`` asks the client's presentation
seam (``ibmq_widgets.client.presentation.progress_bar``) for a bar, which is a tqdm widget in a notebook, a tqdm
line on a terminal, and this module's silent ``Progress`` everywhere else (``progress=False``, logs, captured
output, or when the widgets cannot be imported).
"""

from __future__ import annotations

from typing import TextIO

__all__ = ["Progress", "make_progress"]


class Progress:
    """The counting interface of a progress bar; this base draws nothing (``progress=False``).

    Attributes
    ----------
    live : bool
        Whether the bar can still be redrawn after the call that made it returned (a notebook widget can; a
        terminal line cannot without garbling what was printed since). The job manager keeps a live bar open
        while jobs wait for a slot in the background, and closes it when the last one is sent.
    """

    live: bool = False

    def update(self, done: int, total: int, label: str = "") -> None:
        """Show ``done`` of ``total`` with a short ``label`` (such as "2 waiting for a slot")."""

    def close(self, label: str = "", ok: bool = True) -> None:
        """Show the final state (``ok`` False marks it as a partial failure); later updates are ignored."""


def make_progress(
    title: str, enabled: bool = True, stream: TextIO | None = None, total: int | None = None
) -> Progress:
    """The bar that fits where the code runs.

    Parameters
    ----------
    title : str
        Shown before the bar, e.g. "Submitting".
    enabled : bool
        False gives a bar that shows nothing.
    stream : TextIO, optional
        Where the terminal bar goes (default stderr; drawn only if it is a terminal, unless given explicitly).
    total : int, optional
        How many jobs there are (``update`` may change it).

    Returns
    -------
    Progress
        A bar with ``update(done, total, label)`` and ``close(label, ok)``.
    """
    from ibmq_widgets.client import presentation

    return presentation.progress_bar(title, total=total, enabled=enabled, stream=stream)
