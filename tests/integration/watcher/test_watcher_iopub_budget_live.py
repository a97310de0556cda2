"""What the job watcher costs the kernel's output channel: a real ipykernel, driven by jupyter_client.

A kernel publishes its output (cell output, widget messages, the "idle" that ends a cell) on one ZeroMQ PUB
socket that queues at most 1,000 messages for a slow reader and silently drops the rest. A panel that opened
with ~970 messages (its 20 rows made up front, a style widget per label, each CSS class an update) lost, now and
then, the very cell's display and "idle": the cell showed no panel, or [*] for good. The watcher must stay far
below that limit, empty and with a full table, and the cell that shows it must end with its display.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from watcher_live_helpers import HERE, collect, running_kernel

# A full table: 25 short jobs on the record, 20 of them listed (-k 20 keeps 20 finished jobs).
JOBS = 25
SETUP = """
import sys, time
sys.path.insert(0, {helpers!r})
from watcher_live_helpers import slow_circuit
from ibmq_widgets.client.account import AccountManager
from ibmq_widgets.magics import load_ipython_extension
load_ipython_extension(get_ipython())
provider = AccountManager().enable_account({key!r}, url={url!r}, hub="ibm-q-network", group="research",
                                           project="main")
jobs = [provider.get_backend("ibmq_qasm_simulator").run(slow_circuit(2, 1), shots=10) for _ in range({jobs})]
for job in jobs:
    job.wait_for_final_state(timeout=120)
"""
WATCH = "%ibmq_job_watcher --provider provider -i 0.5 -k 20"
# Waits for the watcher's first poll to be drawn, so its rows' messages are counted too.
FIRST_POLL = """
watcher = get_ipython().magics_manager.registry["JobWatcherMagics"].watcher
assert watcher.refresh(60)
print(len(watcher.jobs()))
"""
BUDGET = 500  # messages for a full panel: half the PUB socket's queue, whatever else a cell prints meanwhile


@pytest.fixture
def kernel() -> Iterator:
    with running_kernel() as client:
        yield client


def run(client, code: str, timeout: float = 180) -> tuple[list[dict], str]:
    """Execute ``code``; every iopub message until it is idle (the cell's own end must arrive), and its prints."""
    return collect(client, client.execute(code), timeout)


def widget_messages(messages: list[dict]) -> int:
    return sum(message["msg_type"].startswith("comm_") for message in messages)


def test_the_watcher_panel_opens_and_fills_its_table_far_below_the_output_channels_limit(
    kernel, local_service
) -> None:
    run(kernel, SETUP.format(key=local_service.api_key, url=local_service.url, helpers=str(HERE), jobs=JOBS))

    shown, _printed = run(kernel, WATCH)
    displays = [message for message in shown if message["msg_type"] == "display_data"]
    assert len(displays) == 1 and "application/vnd.jupyter.widget-view+json" in displays[0]["content"]["data"]

    drawn, printed = run(kernel, FIRST_POLL)
    assert printed.strip() == "20"  # the table is full: 20 rows drawn
    sent = widget_messages(shown) + widget_messages(drawn)
    assert sent < BUDGET, f"the watcher sent {sent} widget messages to show 20 jobs"
    # a row reused for another job sends only what changed: a second poll with nothing new sends next to nothing
    again, _printed = run(kernel, "assert watcher.refresh(60)")
    assert widget_messages(again) < 20, widget_messages(again)
