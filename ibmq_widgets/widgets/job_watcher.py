"""JobWatcher: a live panel of every pending or recently finished job of a provider.

One poller thread per watcher fetches the provider's latest jobs with one list request per poll, whatever the
number of jobs, and updates the rows; jobs submitted from this kernel appear at once through the client's
``job_submitted`` event. Cancel buttons hand the cancel request to the poller thread, so a click never waits
on the network in the kernel's thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from ibmq_widgets.widgets.job_rows import (
    FINAL_STATUSES,
    JobRow,
    JobRowData,
    make_header,
    make_layouts,
    make_styles,
)
from ibmq_widgets.widgets.poller import Poller, PollerState, describe_error

__all__ = ["JobWatcher"]

STATUS_FILTERS = [
    ("all", "all"),
    ("pending", "pending"),
    ("queued", "QUEUED"),
    ("running", "RUNNING"),
    ("finished", "finished"),
    ("done", "DONE"),
    ("cancelled", "CANCELLED"),
    ("error", "ERROR"),
]
ALL_BACKENDS = "all backends"
_OK_COLOR, _ERROR_COLOR = "#2e7d32", "#c62828"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _positive_int(name: str, value: Any, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


class JobWatcher(widgets.VBox):
    """A panel of the provider's pending and recently finished jobs, kept up to date by one poller thread.

    Parameters
    ----------
    provider : AccountProvider
        Whose jobs to watch (``IBMQ.load_account()`` or ``IBMQ.get_provider(...)``); every job of the provider
        is listed, not only those submitted from this kernel.
    interval : float
        Seconds between polls while a job is queued or running (default 2); idle polls are 5x slower.
    backend : str, optional
        Watch only this backend's jobs (filtered by the server).
    keep_finished : int
        How many finished jobs stay listed (default 10); "clear finished" hides them.
    max_rows : int
        Rows shown at most (default 20); the panel says how many more match.
    limit : int
        How many of the latest jobs each poll asks for (default 1000), in one request.
    start : bool
        Start polling at once (default True); with False, call ``refresh()`` or ``start()``.

    Notes
    -----
    The poller thread keeps the watcher alive: call ``close()`` (or ``stop()``) when done with one made by
    hand; ``%ibmq_job_watcher`` replaces its previous panel itself. A click (cancel, filters) is handled by
    the kernel between cells, as every widget event is; the rows keep updating while a cell runs.

    Raises
    ------
    TypeError
        If ``provider`` has no ``backends.jobs`` (it is not a provider).
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
        if not callable(getattr(getattr(provider, "backends", None), "jobs", None)):
            raise TypeError(
                "JobWatcher needs a provider, e.g. JobWatcher(IBMQ.load_account()); "
                f"got {type(provider).__name__}"
            )
        if backend is not None and (not isinstance(backend, str) or not backend):
            raise ValueError(f"backend must be a backend name or None, got {backend!r}")
        keep_finished = _positive_int("keep_finished", keep_finished, 0)
        self._max_rows = _positive_int("max_rows", max_rows, 1)
        self._limit = _positive_int("limit", limit, 1)
        self._provider = provider
        self._backend = backend
        self._lock = threading.RLock()  # the poller thread and the kernel thread both render
        self._polled: dict[str, JobRowData] = {}  # the last poll's jobs, newest first
        # submitted here and not yet listed by a poll: job id -> (data, fetches made before the submission)
        self._local: dict[str, tuple[JobRowData, int]] = {}
        self._ended: dict[str, dt.datetime] = {}  # when a job was first seen final, if it was seen pending
        self._cleared: set[str] = set()
        self._cancelling: set[str] = set()
        self._fetches = 0
        self._last_update: dt.datetime | None = None
        self._notice = ""
        self._poller = Poller(
            self._fetch, self._apply, on_state=self._show_state, is_busy=self._busy, interval=interval
        )
        self._subscribed = False

        layouts, styles = make_layouts(), make_styles()  # shared by all rows: a few models, not one per cell
        self._rows = [JobRow(layouts, styles, self._cancel_clicked) for _ in range(self._max_rows)]
        self._state_label = widgets.Label("starting").add_class("ibmq-job-watcher-state")
        self._more_label = widgets.Label("")
        self._backend_menu = widgets.Dropdown(
            options=[ALL_BACKENDS], value=ALL_BACKENDS, description="backend"
        )
        self._status_menu = widgets.Dropdown(options=STATUS_FILTERS, value="all", description="status")
        self._clear_button = widgets.Button(description="clear finished", tooltip="hide the finished jobs")
        self._backend_menu.observe(self._backend_chosen, names="value")
        self._status_menu.observe(self._status_chosen, names="value")
        self._clear_button.on_click(lambda _button: self.clear_finished())
        where = getattr(provider, "instance_name", "")
        title = widgets.Label(
            f"IBM Quantum jobs · {where}" if where else "IBM Quantum jobs", style={"font_weight": "bold"}
        )
        controls = widgets.HBox([self._backend_menu, self._status_menu, self._clear_button])
        children = [title, self._state_label, controls, make_header(layouts)]
        children += [row.box for row in self._rows]
        super().__init__(children=[*children, self._more_label], **kwargs)
        self.add_class("ibmq-job-watcher")
        self.keep_finished = keep_finished
        self.observe(
            lambda _change: self._render(), names=["backend_filter", "status_filter", "keep_finished"]
        )
        if start:
            self.start()

    def __repr__(self) -> str:
        where = getattr(self._provider, "instance_name", type(self._provider).__name__)
        backend = f", backend {self._backend}" if self._backend else ""
        state = "polling" if self._poller.running else "stopped"
        return f"<JobWatcher of {where}{backend}: {len(self._jobs())} jobs, {state}; {self.status_message}>"

    # --- lifecycle ------------------------------------------------------------------------------------------
    @property
    def poller(self) -> Poller:
        """The poller thread's controller (its ``state`` says how the last poll went)."""
        return self._poller

    @property
    def fetches(self) -> int:
        """Polls started so far (each is one list request)."""
        return self._fetches

    def start(self) -> None:
        """Start polling and listening to this kernel's submissions; does nothing if started."""
        if not self._subscribed:
            from ibmq_widgets.client import events

            events.subscribe(self._job_submitted)
            self._subscribed = True
        self._poller.start()

    def stop(self) -> None:
        """Stop polling and listening (idempotent); the panel keeps its last rows."""
        if getattr(self, "_subscribed", False):
            from ibmq_widgets.client import events

            events.unsubscribe(self._job_submitted)
            self._subscribed = False
        poller = getattr(self, "_poller", None)  # absent when __init__ refused its arguments
        if poller is not None:
            poller.stop()

    def close(self) -> None:
        """Stop, then close the panel and its widgets (ipywidgets calls this too when it is collected)."""
        self.stop()
        for row in getattr(self, "_rows", ()):
            row.close()
        super().close()

    def refresh(self, timeout: float = 30.0) -> bool:
        """Poll now and wait for the panel to show the result; True if that took less than ``timeout`` s.

        A running watcher's thread makes the request; a stopped watcher polls on the calling thread.
        """
        return self._poller.poll_now(timeout)

    def clear_finished(self) -> None:
        """Hide the jobs that are finished now; jobs finishing later still appear."""
        with self._lock:
            self._cleared.update(job_id for job_id, data in self._jobs().items() if data.final)
        self._render()

    def jobs(self) -> list[JobRowData]:
        """The rows the panel lists now (after filters, before the row cap), newest first."""
        with self._lock:
            return self._visible()

    # --- data flow ------------------------------------------------------------------------------------------
    def _fetch(self) -> Sequence[Any]:
        self._fetches += 1  # counted before the request, so a submission during it is kept
        return self._provider.backends.jobs(limit=self._limit, backend_name=self._backend, descending=True)

    def _busy(self, jobs: Sequence[Any]) -> bool:
        with self._lock:
            return any(not data.final for data in self._polled.values()) or bool(self._local)

    def _apply(self, jobs: Sequence[Any]) -> None:
        """Take a poll's job list (poller thread)."""
        now = _utcnow()
        fetch_no = self._fetches
        with self._lock:
            polled: dict[str, JobRowData] = {}
            for job in jobs:
                data = JobRowData.from_job(job)
                if data.final:
                    previous = self._polled.get(data.job_id) or self._local.get(data.job_id, (None, 0))[0]
                    if previous is not None and not previous.final:
                        self._ended.setdefault(data.job_id, now)
                    self._cancelling.discard(data.job_id)
                    if data.ended is None and data.job_id in self._ended:
                        data = dataclasses.replace(data, ended=self._ended[data.job_id])
                polled[data.job_id] = data
            self._polled = polled
            # a job submitted here stays until a poll that started after its submission lists it
            self._local = {
                job_id: entry
                for job_id, entry in self._local.items()
                if job_id not in polled and entry[1] >= fetch_no
            }
            self._cleared &= polled.keys()
            self._ended = {job_id: when for job_id, when in self._ended.items() if job_id in polled}
            self._last_update = now
        self._render()

    def _job_submitted(self, job: Any) -> None:
        """The client's job_submitted event (kernel thread): show the job now, poll soon."""
        if not self._owns(job):
            return
        data = JobRowData.from_job(job, created=_utcnow())
        with self._lock:
            self._local[data.job_id] = (data, self._fetches)
        self._render()
        self._poller.wake()

    def _owns(self, job: Any) -> bool:
        """Whether a submitted job belongs to the watched provider's instance (and backend)."""
        owner = getattr(job, "provider", None)
        owner = owner() if callable(owner) else owner
        if owner is not None and owner != self._provider:  # providers are equal when their instance is
            return False
        return self._backend is None or job.backend_name() == self._backend

    def _jobs(self) -> dict[str, JobRowData]:
        jobs = dict(self._polled)
        for job_id, (data, _fetch_no) in self._local.items():
            jobs.setdefault(job_id, data)
        return jobs

    def _visible(self) -> list[JobRowData]:
        oldest = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        jobs = sorted(self._jobs().values(), key=lambda data: data.created or oldest, reverse=True)
        finished = [data for data in jobs if data.final and data.job_id not in self._cleared]
        kept = {data.job_id for data in finished[: self.keep_finished]}
        shown = [data for data in jobs if not data.final or data.job_id in kept]
        if self.backend_filter != ALL_BACKENDS:
            shown = [data for data in shown if data.backend == self.backend_filter]
        wanted = self.status_filter
        if wanted == "pending":
            return [data for data in shown if not data.final]
        if wanted == "finished":
            return [data for data in shown if data.final]
        return shown if wanted == "all" else [data for data in shown if data.status == wanted]

    # --- display --------------------------------------------------------------------------------------------
    def _render(self) -> None:
        now = _utcnow()
        with self._lock:
            visible = self._visible()
            backends = sorted({data.backend for data in self._jobs().values()})
            for row, data in zip(self._rows, visible, strict=False):
                row.show(data, now, data.job_id in self._cancelling)
            for row in self._rows[len(visible) :]:
                row.hide()
            hidden = len(visible) - len(self._rows)
            self._more_label.value = f"{hidden} more jobs not shown; filter to narrow" if hidden > 0 else ""
            self._update_backend_menu(backends)
        self._show_state(self._poller.state)

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
            jobs = self._jobs().values()
            pending = sum(1 for data in jobs if data.status not in FINAL_STATUSES)
            text = state.message
            if state.kind == "ok":
                updated = self._last_update.astimezone().strftime("%H:%M:%S") if self._last_update else "—"
                text = f"● {pending} pending · updated {updated}"
            elif state.kind in ("error", "rate_limited") and self._last_update is not None:
                text += f" (last update {self._last_update.astimezone():%H:%M:%S})"
            if self._notice:
                text += f" · {self._notice}"
            self.status_message = text
            self._state_label.value = text
            color = _ERROR_COLOR if state.kind in ("error", "rate_limited") else _OK_COLOR
            self._state_label.style.text_color = color

    def _backend_chosen(self, change: dict) -> None:
        if change["new"] is not None:
            self.backend_filter = change["new"]

    def _status_chosen(self, change: dict) -> None:
        self.status_filter = change["new"]

    @traitlets.observe("status_filter")
    def _status_filter_changed(self, change: dict) -> None:
        self._status_menu.value = change["new"]

    @traitlets.observe("backend_filter")
    def _backend_filter_changed(self, change: dict) -> None:
        if change["new"] in self._backend_menu.options:
            self._backend_menu.value = change["new"]

    # --- cancel ---------------------------------------------------------------------------------------------
    def _cancel_clicked(self, row: JobRow) -> None:
        data = row.data
        if data is None or data.final:
            return
        with self._lock:
            self._cancelling.add(data.job_id)
        row.show(data, _utcnow(), cancelling=True)
        self._poller.submit(lambda: self._cancel(data))
        if not self._poller.running:  # a stopped watcher still cancels, on the calling thread
            self._poller.run_tasks()

    def _cancel(self, data: JobRowData) -> None:
        """Cancel a job (poller thread); a failure is shown in the panel, never raised into a cell."""
        try:
            data.job.cancel()
            self._notice = ""
        except Exception as exc:
            with self._lock:
                self._cancelling.discard(data.job_id)
            self._notice = f"could not cancel {data.job_id}: {describe_error(exc)}"
        self._render()
