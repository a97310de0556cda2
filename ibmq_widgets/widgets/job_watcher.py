"""JobWatcher: a live panel of every pending or recently finished job of one or several instances.

One poller thread per watcher lists each watched instance's latest jobs with one request per instance per poll,
whatever the number of jobs, and updates the rows; jobs submitted from this kernel appear at once through the
client's ``job_submitted`` event. Rows are diffed, not rebuilt: a job keeps its row while it is listed.

Cancelling: a pending job's cancel button is pressed in the browser at once ("cancel queued" while the kernel has
not heard of it). The kernel hears of it between cells, or at once while a cell waits inside this package
(``job.result()``, ``wait_for_final_state``, a job set's ``results()``: their waiting loops answer widget
clicks, see ``kernel_events``); the row then says "cancelling" and the poller thread sends the cancel request,
so a click never waits on the network in the kernel's thread. When it has gone through, the waiting loop is
woken to look at its job again, and its ``result()`` raises the job's "cancelled" error.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from ibmq_widgets.client import events
from ibmq_widgets.widgets import kernel_events
from ibmq_widgets.widgets.base import close_children
from ibmq_widgets.widgets.feeds.poller import Poller, PollerState, SourceResults, describe_error, poll_sources
from ibmq_widgets.widgets.job_details import JobDetails
from ibmq_widgets.widgets.job_fetches import JobFetches
from ibmq_widgets.widgets.job_list import ALL_BACKENDS, STATUS_FILTERS, JobList, resolve_providers, state_text
from ibmq_widgets.widgets.job_rows import (
    STYLESHEET,
    JobRow,
    JobRowData,
    make_header,
    make_layouts,
    make_styles,
)

__all__ = ["JobWatcher"]

_OK_COLOR, _ERROR_COLOR = "#2e7d32", "#c62828"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _positive_int(name: str, value: Any, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


class JobWatcher(widgets.VBox):
    """A panel of the pending and recently finished jobs of one or several instances, kept up to date by one
    poller thread.

    Parameters
    ----------
    provider : AccountProvider, list of AccountProvider, or AccountManager
        Whose jobs to watch: a provider (``IBMQ.get_provider(...)``), several, or an account manager
        (``IBMQ``) for every provider its account has enabled. Every job of those instances is listed, not
        only those submitted from this kernel.
    interval : float
        Seconds between polls while a job is queued or running (default 2); idle polls are 5x slower.
    backend : str, optional
        Watch only this backend's jobs (filtered by the server).
    keep_finished : int
        How many finished jobs stay listed (default 10); "clear finished" hides them.
    max_rows : int
        Rows shown at most (default 20); the panel says how many more match.
    limit : int
        How many of the latest jobs each poll asks each instance for (default 1000), in one request.
    start : bool
        Start polling at once (default True); with False, call ``refresh()`` or ``start()``.

    Notes
    -----
    The poller thread keeps the watcher alive: call ``close()`` (or ``stop()``) when done with one made by
    hand; ``%ibmq_job_watcher`` replaces its previous panel itself. A click on a job id shows the job and its
    result under the table.

    Raises
    ------
    TypeError
        If ``provider`` is not a provider, a list of them or an account manager with providers.
    ValueError
        If an interval or count is out of range.
    """

    status_message = traitlets.Unicode("starting", help="What the poller is doing, as the panel shows it.")
    backend_filter = traitlets.Unicode(ALL_BACKENDS, help="Show only the jobs of this backend.")
    status_filter = traitlets.Enum(
        [value for _label, value in STATUS_FILTERS], "all", help="Show only jobs in this state."
    )
    keep_finished = traitlets.Int(10, help="How many finished jobs stay listed.")

    def __init__(
        self,
        provider: Any,
        *,
        interval: float = 2.0,
        backend: str | None = None,
        keep_finished: int = 10,
        max_rows: int = 20,
        limit: int = 1000,
        start: bool = True,
        **kwargs: Any,
    ) -> None:
        # Over 60 lines: the panel is built once, whole (argument checks, state, the pooled rows, controls),
        # so that afterwards the poller thread only changes values.
        self._providers = resolve_providers(provider)
        if backend is not None and (not isinstance(backend, str) or not backend):
            raise ValueError(f"backend must be a backend name or None, got {backend!r}")
        keep_finished = _positive_int("keep_finished", keep_finished, 0)
        self._max_rows = _positive_int("max_rows", max_rows, 1)
        self._limit = _positive_int("limit", limit, 1)
        self._backend = backend
        self._lock = threading.RLock()  # the poller, the worker and the kernel thread all render
        self._list = JobList(keep_finished)
        self._source_errors: dict[str, str] = {}
        self._last_update: dt.datetime | None = None
        self._notice = ""
        self._poller = Poller(
            self._fetch, self._apply, on_state=self._show_state, is_busy=self._busy, interval=interval
        )
        self._subscribed = False

        layouts, styles = make_layouts(), make_styles()  # shared by all rows: a few models, not one per cell
        layouts["instance"].display = None if len(self._providers) > 1 else "none"
        self._layouts, self._styles = layouts, styles
        self._rows: list[JobRow] = []  # made when first needed (at most max_rows), then reused
        self._row_of: dict[str, JobRow] = {}
        self._header = make_header(layouts)
        # scrolls sideways when narrow (the stylesheet); classes given at creation cost no update message
        self._table = widgets.VBox([self._header], _dom_classes=("ibmq-job-table",))
        self._state_label = widgets.Label("starting", _dom_classes=("ibmq-job-watcher-state",))
        self._more_label = widgets.Label("")
        self._backend_menu = widgets.Dropdown(
            options=[ALL_BACKENDS], value=ALL_BACKENDS, description="backend"
        )
        self._status_menu = widgets.Dropdown(options=STATUS_FILTERS, value="all", description="status")
        self._clear_button = widgets.Button(description="clear finished", tooltip="hide the finished jobs")
        self._backend_menu.observe(self._backend_chosen, names="value")
        self._status_menu.observe(lambda change: setattr(self, "status_filter", change["new"]), names="value")
        self._clear_button.on_click(lambda _button: self.clear_finished())
        self._details = JobDetails()  # its buttons call the fetches that fill it
        self._fetches = JobFetches(self._lock, self._list, self._details, self._render)
        names = list(self._providers)
        where = names[0] if len(names) == 1 else f"{len(names)} instances: {', '.join(names)}"
        title = widgets.Label(
            f"IBM Quantum jobs · {where}",
            style={"font_weight": "bold"},
            _dom_classes=("ibmq-job-watcher-title",),
        )
        controls = widgets.HBox([self._backend_menu, self._status_menu, self._clear_button])
        style = widgets.HTML(STYLESHEET, layout=widgets.Layout(display="none"))
        children = [style, title, self._state_label, controls, self._table, self._more_label, self._details]
        super().__init__(children=children, **{"_dom_classes": ("ibmq-job-watcher",), **kwargs})
        self.keep_finished = keep_finished
        self.observe(
            lambda _change: self._render(), names=["backend_filter", "status_filter", "keep_finished"]
        )
        if start:
            self.start()

    def __repr__(self) -> str:
        where = ", ".join(self._providers)
        backend = f", backend {self._backend}" if self._backend else ""
        state = "polling" if self._poller.running else "stopped"
        count = len(self._list.entries())
        return f"<JobWatcher of {where}{backend}: {count} jobs, {state}; {self.status_message}>"

    # --- lifecycle ------------------------------------------------------------------------------------------
    @property
    def poller(self) -> Poller:
        """The poller thread's controller (its ``state`` says how the last poll went)."""
        return self._poller

    @property
    def instances(self) -> list[str]:
        """The watched instances (hub/group/project)."""
        return list(self._providers)

    @property
    def fetches(self) -> int:
        """Polls started so far (each is one list request per instance)."""
        return self._list.polls

    def start(self) -> None:
        """Start polling and listening to this kernel's submissions; does nothing if started."""
        if not self._subscribed:
            events.subscribe(self._job_submitted)
            self._subscribed = True
        self._poller.start()

    def stop(self) -> None:
        """Stop polling and listening (idempotent); the panel keeps its last rows."""
        if getattr(self, "_subscribed", False):
            events.unsubscribe(self._job_submitted)
            self._subscribed = False
        for part in ("_poller", "_fetches"):  # absent when __init__ refused its arguments
            if getattr(self, part, None) is not None:
                getattr(self, part).stop()

    def close(self) -> None:
        """Stop, then close the panel and its widgets (ipywidgets calls this too when it is collected)."""
        self.stop()
        for row in getattr(self, "_rows", ()):
            row.close()
        close_children(self)
        super().close()

    def refresh(self, timeout: float = 30.0) -> bool:
        """Poll now and wait for the panel to show the result; True if that took less than ``timeout`` s.

        A running watcher's thread makes the requests; a stopped watcher polls on the calling thread.
        """
        return self._poller.poll_now(timeout)

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until the fetches started by the panel (results, end times) are done; False on timeout."""
        return self._fetches.wait(timeout)

    def clear_finished(self) -> None:
        """Hide the jobs that are finished now; jobs finishing later still appear."""
        with self._lock:
            self._list.clear_finished()
        self._render()

    def jobs(self) -> list[JobRowData]:
        """The rows the panel lists now (after filters, before the row cap), newest first."""
        with self._lock:
            visible = self._list.visible(self.backend_filter, self.status_filter)
            return [self._list.row_data(entry) for entry in visible]

    # --- data flow ------------------------------------------------------------------------------------------
    def _fetch(self) -> SourceResults:
        with self._lock:
            self._list.polls += 1  # counted before the requests, so a submission during them is kept
        options = {"limit": self._limit, "backend_name": self._backend, "descending": True}
        return poll_sources(
            {name: functools.partial(p.backends.jobs, **options) for name, p in self._providers.items()}
        )

    def _busy(self, _polled: Any) -> bool:
        with self._lock:
            return self._list.pending_count() > 0

    def _apply(self, polled: SourceResults) -> None:
        """Take a poll's job lists (poller thread)."""
        now = _utcnow()
        with self._lock:
            self._list.take_poll(polled.results, self._list.polls, now)
            self._source_errors = {name: describe_error(exc) for name, exc in polled.errors.items()}
            self._last_update = now
        self._render()

    def _job_submitted(self, job: Any) -> None:
        """The client's job_submitted event (kernel thread): show the job now, poll soon."""
        instance = self._owner(job)
        if instance is None:
            return
        with self._lock:
            self._list.add_submitted(job, instance, _utcnow())
        self._render()
        self._poller.wake()

    def _owner(self, job: Any) -> str | None:
        """The watched instance a submitted job belongs to (and passes the backend filter), or None."""
        if self._backend is not None and job.backend_name() != self._backend:
            return None
        owner = getattr(job, "provider", None)
        owner = owner() if callable(owner) else owner
        for name, provider in self._providers.items():
            if owner is None or owner == provider:  # providers are equal when their instance is
                return name
        return None

    # --- display --------------------------------------------------------------------------------------------
    def _render(self) -> None:
        now = _utcnow()
        with self._lock:
            visible = self._list.visible(self.backend_filter, self.status_filter)
            rows = [self._list.row_data(entry) for entry in visible[: self._max_rows]]
            self._place_rows(rows, now)
            hidden = len(visible) - len(rows)
            self._more_label.value = f"{hidden} more jobs not shown; filter to narrow" if hidden > 0 else ""
            self._update_backend_menu(self._list.backends)
            self._layouts["session"].display = None if any(data.session_id for data in rows) else "none"
            self._fetches.after_render(rows)
        self._show_state(self._poller.state)

    def _place_rows(self, rows: Sequence[JobRowData], now: dt.datetime) -> None:
        """Bind each listed job to its row (a job keeps its row while listed) and order the table."""
        wanted = {data.job_id for data in rows}
        for job_id in [job_id for job_id in self._row_of if job_id not in wanted]:
            self._row_of.pop(job_id).release()
        free = [row for row in self._rows if row.data is None]
        boxes = [self._header]
        for data in rows:
            cancelling = data.job_id in self._list.cancelling
            row = self._row_of.get(data.job_id) or (free.pop() if free else None)
            if row is None:  # a new row opens already showing its job: no update messages
                row = JobRow(self._layouts, self._styles, self.cancel, self._row_selected,
                             data=data, now=now, cancelling=cancelling)  # fmt: skip
                self._rows.append(row)
            else:
                row.show(data, now, cancelling)
            self._row_of[data.job_id] = row
            boxes.append(row.box)
        if tuple(boxes) != self._table.children:
            self._table.children = tuple(boxes)

    def _update_backend_menu(self, backends: list[str]) -> None:
        options = [ALL_BACKENDS, *backends]
        if self.backend_filter not in options:
            options.append(self.backend_filter)
        if list(self._backend_menu.options) == options:
            return
        chosen = self.backend_filter
        with self._backend_menu.hold_trait_notifications():
            self._backend_menu.options = options
            self._backend_menu.value = chosen

    def _show_state(self, state: PollerState) -> None:
        with self._lock:
            text = state_text(
                state, self._list.pending_count(), self._last_update, self._source_errors, self._notice
            )
            self.status_message = text
            self._state_label.value = text
            failed = state.kind in ("error", "rate_limited") or bool(self._source_errors)
            self._state_label.style.text_color = _ERROR_COLOR if failed else _OK_COLOR

    def _backend_chosen(self, change: dict) -> None:
        if change["new"] is not None:
            self.backend_filter = change["new"]

    @traitlets.observe("keep_finished")
    def _keep_finished_changed(self, change: dict) -> None:
        self._list.keep_finished = change["new"]

    @traitlets.observe("status_filter")
    def _status_filter_changed(self, change: dict) -> None:
        self._status_menu.value = change["new"]

    @traitlets.observe("backend_filter")
    def _backend_filter_changed(self, change: dict) -> None:
        if change["new"] in self._backend_menu.options:
            self._backend_menu.value = change["new"]

    # --- cancel ---------------------------------------------------------------------------------------------
    def cancel(self, job_id: str) -> bool:
        """Cancel a listed, pending job as its cancel button does (the request goes from the poller thread).

        Returns
        -------
        bool
            False when the job is not listed, already final or already being cancelled.
        """
        with self._lock:
            entry = self._list.get(job_id)
            if entry is None or entry.final or job_id in self._list.cancelling:
                return False
            self._list.cancelling.add(job_id)
        self._render()  # "cancelling" at once, before any request
        self._poller.submit(functools.partial(self._send_cancel, entry))
        if not self._poller.running:  # a stopped watcher still cancels, on the calling thread
            self._poller.run_tasks()
        return True

    def _send_cancel(self, entry: Any) -> None:
        """Cancel a job (poller thread); a failure is shown in the panel, never raised into a cell."""
        try:
            entry.job.cancel()
            status = entry.job.status(refresh=False).name
            with self._lock:
                self._notice = ""
                self._list.set_status(entry, status, _utcnow())
        except Exception as exc:
            with self._lock:
                self._list.cancelling.discard(entry.job_id)
                self._notice = f"could not cancel {entry.job_id}: {describe_error(exc)}"
        finally:
            kernel_events.wake_waits()  # a cell waiting for this job looks again now
        self._render()

    # --- details ------------------------------------------------------------------------------------------
    def show_details(self, job_id: str) -> bool:
        """Show a listed job's details under the table, and its result once it is done; False if not listed."""
        with self._lock:
            entry = self._list.get(job_id)
            if entry is None:
                return False
            data = self._list.row_data(entry)
        self._fetches.select(data)
        return True

    def _row_selected(self, row: JobRow) -> None:
        if row.job_id is not None:
            self.show_details(row.job_id)
