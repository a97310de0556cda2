"""JobSetTable: a job set's experiments as a sortable, filterable table with CSV export."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from traitlets import Any as AnyTrait
from traitlets import Enum, Float, Int, Unicode, observe

from ibmq_widgets.widgets.base import BackgroundBox
from ibmq_widgets.widgets.htmltools import Markup, download_link, table

COLUMNS = [
    "experiment",
    "name",
    "job_index",
    "job_id",
    "status",
    "top_outcomes",
    "counts",
    "expectation_value",
    "standard_error",
]
SORT_KEYS = ("experiment", "status", "job", "name")
_SORT_COLUMNS = {
    "experiment": ["experiment"],
    "status": ["status", "experiment"],
    "job": ["job_index", "experiment"],
}
_FINAL = {"DONE", "CANCELLED", "ERROR"}
_ALL = "all"


def top_outcomes(counts: Any, how_many: int = 3) -> str:
    """The most frequent outcomes of a counts dict as ``"00: 510, 11: 490"`` (empty without counts)."""
    if not isinstance(counts, dict) or not counts:
        return ""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:how_many]
    return ", ".join(f"{outcome}: {count}" for outcome, count in ranked)


def estimate_text(value: Any, error: Any) -> str:
    """An Estimator experiment's outcome as ``"<O> = 0.988 ± 0.010"`` (several observables: each value)."""
    if value is None:
        return ""
    values, errors = (
        np.atleast_1d(value).ravel(),
        np.atleast_1d(error if error is not None else np.nan).ravel(),
    )
    if len(errors) != len(values):
        errors = np.full(len(values), np.nan)
    parts = [f"{v:.3f}" + ("" if np.isnan(e) else f" ± {e:.3f}") for v, e in zip(values, errors, strict=True)]
    return "<O> = " + ", ".join(parts)


def experiments_frame(results_frame: pd.DataFrame) -> pd.DataFrame:
    """The table's rows from ``ManagedResults.to_dataframe()`` (index, name, job_index, job_id, ...); an
    Estimator set's rows show expectation values and standard errors where a Sampler set's show counts."""
    if "expectation_value" in results_frame:
        values, errors = results_frame["expectation_value"], results_frame["standard_error"]
        outcomes = [estimate_text(v, e) for v, e in zip(values, errors, strict=True)]
    else:
        values = errors = [None] * len(results_frame)
        outcomes = [top_outcomes(counts) for counts in results_frame["counts"]]
    frame = pd.DataFrame(
        {
            "experiment": results_frame["index"].astype(int),
            "name": results_frame["name"],
            "job_index": results_frame["job_index"],
            "job_id": results_frame["job_id"],
            "status": results_frame["status"].astype(str),
            "top_outcomes": outcomes,
            "counts": results_frame["counts"],
            "expectation_value": list(values),
            "standard_error": list(errors),
        }
    )
    return frame.reset_index(drop=True)


def _pending_frame(job_set: Any) -> pd.DataFrame:
    """Rows from the set's jobs alone (no results yet): each experiment with its job and the job's state."""
    rows = []
    for mjob in job_set.managed_jobs():
        label = mjob.state_label()
        for index in range(mjob.first, mjob.last + 1):
            rows.append((index, None, mjob.index, mjob.job_id(), label, "", None, None, None))
    return pd.DataFrame(rows, columns=COLUMNS)


class JobSetTable(BackgroundBox):
    """A job set's experiments as a table: job, status and most frequent outcomes, one row per experiment.

    Parameters
    ----------
    job_set : ManagedJobSet or ManagedResults
        The set to show (its results are fetched in the background once every job is final) or results already
        fetched.
    max_rows : int
        Rows shown in the table (CSV export always has every row that passes the filter).

    Notes
    -----
    Loading runs on the widget's worker thread (never on the kernel thread); ``wait()`` blocks until done.
    """

    job_set = AnyTrait(None, allow_none=True, help="The ManagedJobSet (or ManagedResults) shown.")
    sort_by = Enum(SORT_KEYS, default_value="experiment", help="Row order: experiment, status, job or name.")
    status_filter = Unicode(_ALL, help="Show only rows with this status ('all' shows every row).")
    max_rows = Int(200, min=1, help="Most rows shown in the table; the CSV export has them all.")
    auto_refresh = Float(3.0, min=0.0, help="Seconds between refreshes while jobs run (0: only on Refresh).")
    status = Unicode("", help="The table's current message in plain text.")

    def __init__(self, job_set: Any = None, max_rows: int = 200, **kwargs: Any) -> None:
        self._frame = pd.DataFrame(columns=COLUMNS)
        self._timer: threading.Timer | None = None
        self._closed = False
        self._start_worker("ibmq-widgets-job-set-table", on_error=self._on_error)
        self._sort = widgets.Dropdown(options=list(SORT_KEYS), value="experiment", description="Sort by")
        self._filter = widgets.Dropdown(options=[_ALL], value=_ALL, description="Status")
        self._refresh = widgets.Button(
            description="Refresh", icon="refresh", layout=widgets.Layout(width="auto")
        )
        self._refresh.on_click(lambda _button: self.refresh())
        self._message = widgets.HTML()
        self._table = widgets.HTML(layout=widgets.Layout(max_height="400px", overflow="auto"))
        self._download = widgets.HTML()
        super().__init__(
            children=[
                widgets.HBox([self._sort, self._filter, self._refresh, self._download]),
                self._message,
                self._table,
            ],
            **kwargs,
        )
        self.add_class("ibmq-widgets-job-set-table")
        widgets.link((self._sort, "value"), (self, "sort_by"))
        widgets.link((self._filter, "value"), (self, "status_filter"))
        self.max_rows = max_rows
        self.job_set = job_set
        if job_set is None:  # the default value: no change event, so say it here
            self._on_job_set({"new": None})

    # --- loading (worker thread) ---------------------------------------------------------------------
    @observe("job_set")
    def _on_job_set(self, change: Any) -> None:
        self._frame = pd.DataFrame(columns=COLUMNS)
        if change["new"] is None:
            self.show_message("No job set: pass one from IBMQJobManager().run(...).", "info")
            self._render()
            return
        self.refresh()

    def refresh(self) -> None:
        """Update statuses (one request) and, once every job is final, the results; in the background."""
        if self.job_set is None or self._closed:
            return
        if not len(self._frame):
            self.show_message("Loading the job set…", "info")
        self._worker.submit(self._load)

    def _load(self) -> None:
        source = self.job_set
        if source is None:
            return
        if not hasattr(source, "statuses"):  # ManagedResults given directly
            self._frame = experiments_frame(source.to_dataframe())
            self._after_load(None)
            return
        statuses = source.statuses()
        names = [getattr(status, "name", None) for status in statuses]
        if all(name is None or name in _FINAL for name in names):
            results = source.results(partial=True, progress=False)
            self._frame = experiments_frame(results.to_dataframe())
        else:
            self._frame = _pending_frame(source)
        self._after_load(source)

    def _after_load(self, source: Any) -> None:
        statuses = sorted(set(self._frame["status"].astype(str)))
        current = self.status_filter
        self._filter.options = [_ALL, *statuses]  # resets the selection, so put the user's choice back
        self._filter.value = current if current in statuses else _ALL
        errors = source.error_messages() if source is not None else None
        pending = int((~self._frame["status"].isin(sorted(_FINAL))).sum())
        total = len(self._frame)
        if errors:
            failed = int(self._frame["status"].isin(["ERROR", "CANCELLED", "submission failed"]).sum())
            text = (
                f"{failed} of {total} experiments have no result because their job failed or was cancelled."
            )
            self.show_message(text, "error", errors)
        elif pending:
            hint = f"Refreshing every {self.auto_refresh:g} s." if self.auto_refresh > 0 else "Press Refresh."
            self.show_message(f"{pending} of {total} experiments are not done yet.", "info", hint)
            self._schedule_refresh()
        else:
            self.show_message(f"{total} experiments, all done.", "info", plain=True)
        self._render()

    def _schedule_refresh(self) -> None:
        # A timer, not a sleep on the worker, so a Refresh click or close() is never stuck behind the wait.
        if self.auto_refresh <= 0 or self._closed:
            return
        timer = threading.Timer(self.auto_refresh, self.refresh)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _on_error(self, error: BaseException) -> None:
        self.show_message(f"Could not load the job set: {error}", "error", "Press Refresh to try again.")
        self._render()

    # --- view ----------------------------------------------------------------------------------------
    @observe("sort_by", "status_filter", "max_rows")
    def _on_view_change(self, change: Any) -> None:
        if hasattr(self, "_table"):
            self._render()

    @property
    def dataframe(self) -> pd.DataFrame:
        """Every experiment's row (experiment, name, job_index, job_id, status, top_outcomes, counts, and for
        Estimator experiments expectation_value and standard_error)."""
        return self._frame.copy()

    def visible_frame(self) -> pd.DataFrame:
        """The rows that pass the status filter, in the chosen order (what the table and the CSV show)."""
        frame = self._frame
        if self.status_filter != _ALL:
            frame = frame[frame["status"] == self.status_filter]
        if self.sort_by == "name":
            frame = frame.assign(_key=frame["name"].fillna("").astype(str)).sort_values(
                ["_key", "experiment"], kind="stable"
            )
            frame = frame.drop(columns="_key")
        else:
            frame = frame.sort_values(_SORT_COLUMNS[self.sort_by], kind="stable")
        return frame.reset_index(drop=True)

    def _render(self) -> None:
        frame = self.visible_frame()
        shown = frame.head(self.max_rows)
        rows = [
            [
                row.experiment,
                row.name or "",
                _job_label(row.job_index, row.job_id),
                row.status,
                row.top_outcomes,
            ]
            for row in shown.itertuples(index=False)
        ]
        note = f"showing {len(shown)} of {len(frame)} rows" if len(frame) > len(shown) else None
        self._table.value = str(
            table(["experiment", "name", "job", "status", "top outcomes"], rows, caption=note)
        )
        self._download.value = str(self.download_link()) if len(frame) else ""

    # --- export --------------------------------------------------------------------------------------
    def to_csv(self, path: str | Path | None = None) -> str:
        """The visible rows as CSV (counts as JSON); also written to ``path`` when given.

        Parameters
        ----------
        path : str or pathlib.Path, optional
            File to write.

        Returns
        -------
        str
            The CSV text.
        """
        frame = self.visible_frame()
        frame = frame.assign(counts=[json.dumps(c, sort_keys=True) if c else "" for c in frame["counts"]])
        text = frame.to_csv(index=False)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def download_link(self) -> Markup:
        """An ``<a download>`` link carrying the CSV as a data URI (no JavaScript)."""
        payload = base64.b64encode(self.to_csv().encode("utf-8")).decode("ascii")
        name = "job-set"
        if self.job_set is not None and hasattr(self.job_set, "job_set_id"):
            name = f"job-set-{self.job_set.job_set_id()}"
        return download_link("Download CSV", f"data:text/csv;base64,{payload}", f"{name}.csv")

    def close(self) -> None:
        """Stop the worker thread and the auto refresh, and close the widget."""
        self._closed = True
        if getattr(self, "_timer", None) is not None:
            self._timer.cancel()
        super().close()


def _job_label(job_index: Any, job_id: Any) -> str:
    if job_id is None or (isinstance(job_id, float) and pd.isna(job_id)):
        return f"#{job_index} (not submitted)"
    return f"#{job_index} {job_id}"
