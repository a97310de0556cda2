"""The job manager: run many experiments as one set of jobs, paced by job limits, and find sets again by id.

``IBMQJobManager.run()`` splits experiments into jobs, submits them concurrently within the backend's job
limit and returns a :class:`ManagedJobSet`; its ``results()`` waits for every job at once and returns
:class:`ManagedResults`. Every job carries the set's tags, so ``retrieve_job_set()`` finds the set again from
any process with one list request.
"""

from __future__ import annotations

from .job_set import ManagedJobSet
from .managed_job import ManagedJob, SubmitState
from .manager import IBMQJobManager
from .results import ManagedResults

__all__ = ["IBMQJobManager", "ManagedJob", "ManagedJobSet", "ManagedResults", "SubmitState"]
