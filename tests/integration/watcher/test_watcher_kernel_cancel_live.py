"""The watcher's cancel button while a cell waits in ``job.result()`` for that very job: a real ipykernel (driven
by jupyter_client, as a frontend would) against the session's real local service.

The press is the comm message a browser sends for the job's cancel toggle. Within seconds, and while the cell
is still blocked, the row must say "cancelling"; the service must cancel the job, and the waiting ``result()``
must raise the client's failure error saying "cancelled".
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from watcher_live_helpers import HERE, collect, running_kernel, wait_printed

SETUP = """
import json, sys, time
sys.path.insert(0, {helpers!r})
from watcher_live_helpers import slow_circuit
from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.widgets.job_watcher import JobWatcher

provider = AccountManager().enable_account({key!r}, url={url!r}, hub="ibm-q-network", group="research",
                                           project="main")
job = provider.get_backend("ibmq_qasm_simulator").run(slow_circuit(), shots=100_000, job_name="kernel-cancel-me")
watcher = JobWatcher(provider, interval=0.5)
deadline = time.monotonic() + 60
row = None
while row is None or row.cancel_button is None:
    assert time.monotonic() < deadline, "the job never got a row"
    row = next((r for r in watcher._rows if r.job_id == job.job_id()), None)
    time.sleep(0.05)
print(json.dumps({{"toggle": row.cancel_button.model_id, "status": row.cells["status"].model_id}}))
"""
WAIT = """
started = time.monotonic()
print("WAITING_FOR_RESULT", flush=True)
try:
    job.result()
    print("NOT RAISED")
except Exception as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error), "seconds": time.monotonic() - started}))
"""


@pytest.fixture
def kernel() -> Iterator:
    with running_kernel() as client:
        yield client


def test_cancel_pressed_while_result_waits_cancels_the_job_and_result_raises(kernel, local_service) -> None:
    setup = kernel.execute(SETUP.format(key=local_service.api_key, url=local_service.url, helpers=str(HERE)))
    _messages, printed = collect(kernel, setup, 180)
    ids = json.loads(printed.strip().splitlines()[-1])
    waiting = kernel.execute(WAIT)
    wait_printed(kernel, waiting, "WAITING_FOR_RESULT")  # the cell runs: the press waits for its result()
    pressed = time.monotonic()
    state = {"method": "update", "state": {"value": True}, "buffer_paths": []}
    kernel.shell_channel.send(kernel.session.msg("comm_msg", {"comm_id": ids["toggle"], "data": state}))
    messages, printed = collect(kernel, waiting, 60)
    answer = json.loads(printed.strip().splitlines()[-1])
    assert answer["error"] == "IBMQJobFailureError" and "cancelled" in answer["message"], answer
    assert time.monotonic() - pressed < 10, "the cancel took effect only after the wait"
    statuses = [
        message["content"]["data"]["state"]["value"]
        for message in messages
        if message["msg_type"] == "comm_msg"
        and message["content"]["comm_id"] == ids["status"]
        and "value" in message["content"]["data"].get("state", {})
    ]
    assert statuses[:1] == ["cancelling"] and "cancelled" in statuses, statuses
    _messages, printed = collect(kernel, kernel.execute("print(job.status().name)"), 30)
    assert printed.strip() == "CANCELLED"  # the service says so
