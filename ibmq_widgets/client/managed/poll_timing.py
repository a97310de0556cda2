"""When to list a set's jobs next: at the finish the set is waiting for, as the set's own jobs time it.

The service's estimate of a job's end comes from the recent run times on the backend, whatever their size: a
set of 200-experiment jobs after a run of 50-experiment ones is expected to finish far too early, and every
poll made before it does is a request in vain. The jobs of a set are all of one size (the last excepted), so
the first one to finish tells how long the others take: :class:`SetPace` learns the set's seconds per
experiment from the run seconds its listing shows, and :func:`seconds_left` times a running job by its own
elapsed seconds rather than by the backend's average.

Jobs that run at the same time may share the machine that runs them (the local service's simulator on the
2-core machine of bench/RESULTS.md ran a job about twice as long beside another as alone), so the pace of jobs
that ran together overestimates the last one, left running alone: it is looked at first when it would end if
alone made it that much quicker, then when the set's pace says it ends.

Which finish to poll for depends on what waits for it. While jobs of the set wait for a slot, each finish
frees one: poll at the soonest. Once every job is submitted, only the last finish decides when the set is
done, and the other results need only be fetched before it: poll when all but one are expected to be over
(one list request brings them in together), then at the last. That is one or two polls per set of jobs that
run together rather than one per job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["SetPace", "choose_pause", "listed_run_seconds", "seconds_left"]


class SetPace:
    """Seconds per experiment of the set's quickest finished job, from the run seconds its listing showed.

    The quickest, not the mean: a job slowed by a passing load on the machine would otherwise make the set
    look for the others' ends too late, and lateness costs time, where looking too early costs a request.
    """

    def __init__(self) -> None:
        self._quickest: float | None = None

    def record(self, seconds: float, experiments: int) -> None:
        """Count a finished job that ran ``seconds`` for ``experiments`` experiments."""
        if seconds > 0 and experiments > 0:
            pace = seconds / experiments
            self._quickest = pace if self._quickest is None else min(self._quickest, pace)

    def per_experiment(self) -> float | None:
        """The run seconds of one experiment, or None before a job of the set finished."""
        return self._quickest


def listed_run_seconds(job: Any) -> float | None:
    """How long ``job`` has run (or ran), as its last listing says; never a request.

    Read from the listed JSON itself (``job.usage(fetch=False)``): asking the job's metrics would cost one
    request per job whenever the listing lacks the figure, which listing the set once per poll avoids. Only
    the local service's listing is read: it lists a running job's seconds so far, and only it gives the
    estimates they refine.
    """
    provider = getattr(job, "provider", None)
    if not callable(provider) or getattr(provider(), "is_local_service", False) is not True:
        return None
    return job.usage(fetch=False)


def seconds_left(
    *,
    running: bool,
    experiments: int,
    service_end: datetime | None,
    now: datetime,
    pace: float | None,
    elapsed: float | None,
    running_floor: float = 0.0,
    alone_after: int = 1,
) -> float | None:
    """Seconds until an unfinished job is expected to finish (negative: it is late), or None if unknown.

    Parameters
    ----------
    running : bool
        Whether the job runs (else it is queued).
    experiments : int
        Its experiments.
    service_end : datetime, optional
        The service's estimate of its end.
    now : datetime
        The current time (aware, UTC).
    pace : float, optional
        The set's seconds per experiment (``SetPace.per_experiment()``).
    elapsed : float, optional
        For a running job, how long it has run now.
    running_floor : float
        For a queued job, the seconds until the soonest running job is expected to end: it starts no sooner.
    alone_after : int
        For a running job now left alone: how many of the set's jobs ran at once before (the pace is theirs).
        Until the time it would take alone (the pace divided by that) has passed, that time is returned.
    """
    service_left = None if service_end is None else (service_end - now).total_seconds()
    if pace is None:
        return service_left
    own = pace * experiments
    if running:
        if elapsed is None:
            return service_left
        alone = own / max(alone_after, 1) - elapsed
        return alone if alone > 0 else own - elapsed
    return max(service_left if service_left is not None else 0.0, running_floor + own)


def choose_pause(lefts: list[float], late_pause: float, slots_wanted: bool) -> float | None:
    """Seconds until the next poll, from each unfinished job's ``seconds_left`` (None where unknown).

    A late job (``left <= 0``) counts as ``late_pause`` from now. With ``slots_wanted`` (jobs wait for a slot)
    the soonest finish is polled for; otherwise the one before the last (see the module docstring).
    None when no job has an estimate.
    """
    ends = sorted(left if left > 0 else late_pause for left in lefts)
    if not ends:
        return None
    return ends[0] if slots_wanted or len(ends) == 1 else ends[-2]
