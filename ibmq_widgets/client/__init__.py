"""The IBMQ client: accounts, providers, backends, jobs and results over the IBM Quantum Platform REST API.

``IBMQ`` is the module-level AccountManager of the seed documents::

    from ibmq_widgets import IBMQ, least_busy
    provider = IBMQ.load_account()          # env vars, saved account, or the local service
    backend = least_busy(provider.backends(simulator=False, operational=True))
    job = backend.run(circuit, shots=1024)
    job.result().get_counts()
    with backend.open_batch() as batch:                     # sessions and batches
        job = batch.estimate(circuit, "ZZ")             # final measurements are dropped
    job.result().expectation_values()
"""

from __future__ import annotations

from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.client.backend import BackendJobLimit, IBMQBackend, least_busy
from ibmq_widgets.client.credentials import Credentials
from ibmq_widgets.client.estimator_result import EstimatorResult
from ibmq_widgets.client.events import job_submitted
from ibmq_widgets.client.execute import execute
from ibmq_widgets.client.job import JOB_FINAL_STATES, IBMQJob, JobStatus, QueueInfo
from ibmq_widgets.client.provider import AccountProvider, IBMQBackendService
from ibmq_widgets.client.result import ExperimentResult, Result
from ibmq_widgets.client.sessions import Batch, Session

__all__ = [
    "IBMQ",
    "JOB_FINAL_STATES",
    "AccountManager",
    "AccountProvider",
    "BackendJobLimit",
    "Batch",
    "Credentials",
    "EstimatorResult",
    "ExperimentResult",
    "IBMQBackend",
    "IBMQBackendService",
    "IBMQJob",
    "JobStatus",
    "QueueInfo",
    "Result",
    "Session",
    "execute",
    "job_submitted",
    "least_busy",
]

#: The account manager of this Python process (the seed documents' ``IBMQ``).
IBMQ = AccountManager()
