"""The job manager under its seed name: ``from ibmq_widgets.managed import IBMQJobManager``."""

from __future__ import annotations

from ibmq_widgets.client.managed import (
    IBMQJobManager,
    ManagedJob,
    ManagedJobSet,
    ManagedResults,
    SubmitState,
)

__all__ = ["IBMQJobManager", "ManagedJob", "ManagedJobSet", "ManagedResults", "SubmitState"]
