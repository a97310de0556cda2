"""The local IBM Quantum-compatible service: real device snapshots, noisy simulation, the IBM REST API.

Start it in-process (what the client does when nothing else is configured)::

    from ibmq_widgets.service import start

    with start(port=0) as service:  # a free loopback port, the default data directory
        print(service.url, service.instances)

or from the command line with ``ibmq-widgets serve``. Importing this package starts nothing.

Modules: ``startup`` (``start``), ``handle`` (``ServiceHandle``), ``app`` and ``handlers`` (HTTP), ``config``
and ``ownership`` (the data directory), ``auth``, ``catalog``, ``validation``, ``store`` over ``database``
with ``records`` (``JobState``, ``JobRecord``), ``scheduler`` with ``job_queue``, ``outcomes`` and
``worker_process``, and in the worker processes ``worker`` (``noise``, ``sampling``), talking
``worker_messages``. See docs/architecture.md.
"""

from __future__ import annotations

from ibmq_widgets.service.handle import ServiceHandle
from ibmq_widgets.service.startup import DEFAULT_JOB_TIME_LIMIT, start

__all__ = ["DEFAULT_JOB_TIME_LIMIT", "ServiceHandle", "start"]
