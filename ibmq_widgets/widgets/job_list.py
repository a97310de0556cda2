"""What the job watcher knows of its instances' jobs, which of them it shows, and the state line; no widgets here.

A poll over a thousand jobs must stay cheap, so each job is read for what every job needs (its id, status and
backend, three request-free calls) into a small ``Listed`` entry kept from poll to poll: its creation date is
parsed once, when the job first appears. Only the jobs that get a row (twenty at most) are read in full
(``JobRowData``), at each render. Not thread-safe by itself: the watcher holds its lock around every call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from ibmq_widgets.widgets.feeds.poller import PollerState
from ibmq_widgets.widgets.job_rows import FINAL_STATUSES, JobRowData, _aware

__all__ = [
    "ALL_BACKENDS",
    "STATUS_FILTERS",
    "Extras",
    "JobList",
    "Listed",
    "resolve_providers",
    "state_text",
]

ALL_BACKENDS = "all backends"
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


@dataclasses.dataclass(slots=True)
class Listed:
    """One job as the last poll listed it (or as submitted here): what filtering and ordering need."""

    job_id: str
    status: str
    backend: str
    instance: str
    created: dt.datetime
    job: Any

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclasses.dataclass
class Extras:
    """What a finished job's row learnt beyond its listing, once: its end, usage and shots."""

    ended: dt.datetime | None = None
    usage: float | None = None
    shots: int | None = None


def _created(job: Any, default: dt.datetime) -> dt.datetime:
    try:
        return _aware(job.creation_date()) or default
    except Exception:  # a job without a date sorts as if created now
        return default


class JobList:
    """The jobs of the watched instances: the last poll's, plus those submitted here since.

    Parameters
    ----------
    keep_finished : int
        How many finished jobs stay listed.
    """

    def __init__(self, keep_finished: int = 10) -> None:
        self.keep_finished = keep_finished
        self.polls = 0  # polls started, counted before the request so a submission during it is kept
        self.cancelling: set[str] = set()
        self.extras: dict[str, Extras] = {}
        self._polled: dict[str, Listed] = {}
        self._local: dict[str, tuple[Listed, int]] = {}  # submitted here: (entry, polls made before it)
        self._seen_ending: dict[str, dt.datetime] = {}  # first seen final after being seen pending
        self._cleared: set[str] = set()
        self._ordered: list[Listed] = []
        self.backends: list[str] = []

    # --- what comes in --------------------------------------------------------------------------------------
    def take_poll(self, listings: Mapping[str, Sequence[Any]], polls_before: int, now: dt.datetime) -> None:
        """Take one poll's job lists (instance -> jobs); ``polls_before`` is the poll's number."""
        previous, polled = self._polled, {}
        for instance, jobs in listings.items():
            for job in jobs:
                job_id = job.job_id()
                status = job.status(refresh=False).name
                entry = previous.get(job_id)
                if entry is None:
                    local = self._local.get(job_id)
                    entry = local[0] if local else None
                if entry is None:
                    entry = Listed(job_id, status, job.backend_name(), instance, _created(job, now), job)
                else:
                    self.set_status(entry, status, now)
                    entry.job, entry.instance = job, instance
                polled[job_id] = entry
        self._polled = polled
        # a job submitted here stays until a poll that started after its submission lists it
        self._local = {
            job_id: item
            for job_id, item in self._local.items()
            if job_id not in polled and item[1] >= polls_before
        }
        self._forget_gone()
        self._reorder()

    def add_submitted(self, job: Any, instance: str, now: dt.datetime) -> Listed:
        """A job just submitted from this kernel: listed at once, as created now."""
        entry = Listed(job.job_id(), job.status(refresh=False).name, job.backend_name(), instance, now, job)
        self._local[entry.job_id] = (entry, self.polls)
        self._reorder()
        return entry

    def set_status(self, entry: Listed, status: str, now: dt.datetime) -> None:
        """A job's new status (from a poll, or from a cancel's answer); a job seen ending has ended now."""
        if status in FINAL_STATUSES and not entry.final:
            self._seen_ending.setdefault(entry.job_id, now)
        entry.status = status

    def _forget_gone(self) -> None:
        known = self._polled.keys() | self._local.keys()
        self._cleared &= known
        self.cancelling &= known
        self._seen_ending = {key: when for key, when in self._seen_ending.items() if key in known}
        if len(self.extras) > 2 * len(known) + 100:  # extras are kept past a job's last row, within bounds
            self.extras = {key: value for key, value in self.extras.items() if key in known}

    def _reorder(self) -> None:
        entries = list(self._polled.values())
        entries += [entry for entry, _polls in self._local.values() if entry.job_id not in self._polled]
        entries.sort(key=attrgetter("created"), reverse=True)
        self._ordered = entries
        self.backends = sorted({entry.backend for entry in entries})

    # --- what is shown --------------------------------------------------------------------------------------
    def get(self, job_id: str) -> Listed | None:
        """The entry of a listed job, or None."""
        entry = self._polled.get(job_id)
        if entry is None and job_id in self._local:
            entry = self._local[job_id][0]
        return entry

    def pending_count(self) -> int:
        """How many known jobs are queued or running."""
        return sum(1 for entry in self._ordered if entry.status not in FINAL_STATUSES)

    def entries(self) -> list[Listed]:
        """Every known job, newest first."""
        return list(self._ordered)

    def clear_finished(self) -> None:
        """Hide the jobs that are finished now."""
        self._cleared.update(entry.job_id for entry in self._ordered if entry.final)

    def visible(self, backend: str = ALL_BACKENDS, status: str = "all") -> list[Listed]:
        """The jobs to list, newest first: pending ones and the newest finished ones, then the filters."""
        shown, finished = [], 0
        for entry in self._ordered:
            if entry.final:
                if entry.job_id in self._cleared or finished >= self.keep_finished:
                    continue
                finished += 1
            if backend != ALL_BACKENDS and entry.backend != backend:
                continue
            if status == "all" or _matches(entry, status):
                shown.append(entry)
        return shown

    def row_data(self, entry: Listed) -> JobRowData:
        """Everything the row of ``entry`` shows."""
        extras = self.extras.get(entry.job_id) or Extras()
        ended = self._seen_ending.get(entry.job_id) or extras.ended
        return JobRowData.from_job(
            entry.job,
            ended=ended,
            created=entry.created,
            instance=entry.instance,
            shots=extras.shots,
            usage=extras.usage,
        )

    def missing_extras(self, rows: Iterable[JobRowData]) -> list[JobRowData]:
        """Finished rows that lack an end time, a usage or (Sampler jobs done) shots, not asked for yet."""
        wanted = []
        for data in rows:
            if not data.final or data.job_id in self.extras:
                continue
            lacks_shots = data.status == "DONE" and data.shots is None and data.program in ("sampler", "")
            if data.ended is None or data.usage is None or lacks_shots:
                wanted.append(data)
        return wanted


def _matches(entry: Listed, wanted: str) -> bool:
    if wanted == "pending":
        return not entry.final
    if wanted == "finished":
        return entry.final
    return entry.status == wanted


# --- which providers, and the state line --------------------------------------------------------------------
def resolve_providers(source: Any) -> dict[str, Any]:
    """The providers to watch, by instance name, from a provider, a list of them, or an account manager.

    Raises
    ------
    TypeError
        If ``source`` is none of those, or yields no provider.
    """
    if callable(getattr(getattr(source, "backends", None), "jobs", None)):
        providers = [source]
    elif isinstance(source, list | tuple):
        providers = list(source)
    elif callable(getattr(source, "providers", None)):
        providers = list(source.providers())  # an account manager: every provider its account enabled
    else:
        providers = []
    named: dict[str, Any] = {}
    for index, provider in enumerate(providers):
        if not callable(getattr(getattr(provider, "backends", None), "jobs", None)):
            providers = []
            break
        named.setdefault(str(getattr(provider, "instance_name", "") or f"provider {index + 1}"), provider)
    if not providers or not named:
        raise TypeError(
            "JobWatcher needs a provider, e.g. JobWatcher(IBMQ.load_account()), a list of providers or IBMQ "
            f"(every provider of the account); got {type(source).__name__}"
        )
    return named


def state_text(
    state: PollerState,
    pending: int,
    last_update: dt.datetime | None,
    source_errors: dict[str, str],
    notice: str,
) -> str:
    """The watcher's state line: ``"● 2 pending · updated 14:02:07"``, or what went wrong and when it retries."""
    text = state.message
    if state.kind == "ok":
        updated = last_update.astimezone().strftime("%H:%M:%S") if last_update else "—"
        text = f"● {pending} pending · updated {updated}"
    elif state.kind in ("error", "rate_limited") and last_update is not None:
        text += f" (last update {last_update.astimezone():%H:%M:%S})"
    for name, reason in source_errors.items():
        text += f" · {name}: {reason}"
    if notice:
        text += f" · {notice}"
    return text
