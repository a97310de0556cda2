"""execute() against the real local service, and the job_submitted event it fires."""

from __future__ import annotations

import pytest
from client_live_helpers import bell

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import events, execute


def test_execute_and_the_submitted_event(provider):
    seen = []
    events.subscribe(seen.append)
    try:
        job = execute(bell(), provider.get_backend("ibmq_qasm_simulator"), shots=100, seed_simulator=7)
    finally:
        events.unsubscribe(seen.append)
    assert seen == [job]
    counts = job.result(timeout=120).get_counts()
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 100  # the ideal simulator
    with pytest.raises(exc.IBMQBackendValueError, match="needs an IBMQBackend"):
        execute(bell(), "ibmq_qasm_simulator")
