"""Widget clicks answered while a cell waits in this package: a real ipykernel, driven by jupyter_client.

This pins what ``ibmq_widgets.widgets.kernel_events`` reads of the installed ipykernel and pyzmq: a widget's
comm message reaches the widget while a cell blocks in ``presentation.pause`` (the client's waiting loops), the
next cell's execute_request still runs after that cell, and the cell's own output stays in that cell.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from watcher_live_helpers import running_kernel, wait_printed

SETUP = """
import threading, time
import ipywidgets as widgets
from ibmq_widgets.client import presentation
from ibmq_widgets.widgets import kernel_events
order = []
clicked = threading.Event()
toggle = widgets.ToggleButton(description="cancel")
toggle.observe(lambda change: clicked.set() if change["new"] else None, names="value")
print(toggle.model_id)
"""


@pytest.fixture(scope="module")
def kernel() -> Iterator:
    with running_kernel() as client:
        yield client


def run(client, code: str, timeout: float = 60) -> tuple[dict, str]:
    """Execute ``code`` and wait for its reply; returns the reply and the text the cell printed."""
    msg_id = client.execute(code)
    return wait_reply(client, msg_id, timeout)


def wait_reply(client, msg_id: str, timeout: float) -> tuple[dict, str]:
    printed: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        message = client.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.1))
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.1))
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.1))
    return reply, "".join(printed)


def click(client, model_id: str) -> None:
    """What the frontend sends when a ToggleButton is pressed: a comm_msg updating its value."""
    content = {
        "comm_id": model_id,
        "data": {"method": "update", "state": {"value": True}, "buffer_paths": []},
    }
    client.shell_channel.send(client.session.msg("comm_msg", content))


def test_a_click_reaches_its_widget_while_a_cell_waits_and_the_next_cell_runs_after(kernel) -> None:
    reply, printed = run(kernel, SETUP)
    assert reply["content"]["status"] == "ok", reply["content"]
    model_id = printed.strip()
    waiting = kernel.execute(
        "started = time.monotonic()\n"
        "print('PAUSING', flush=True)\n"
        "answered = presentation.pause(60, clicked)\n"
        "order.append('waiting cell')\n"
        "print('ANSWERED', answered, time.monotonic() - started < 30)\n"
    )
    queued = kernel.execute("order.append('next cell')")
    wait_printed(
        kernel, waiting, "PAUSING"
    )  # the first cell runs: the click waits in the socket for its pause
    click(kernel, model_id)
    reply, printed = wait_reply(kernel, waiting, 30)  # 60 s if the click waited for the cell
    assert reply["content"]["status"] == "ok", reply["content"]
    # the cell's own print stayed in the cell (its parent header), after the click's handling elsewhere
    assert printed.strip().splitlines()[-1] == "ANSWERED True True"
    reply, _ = wait_reply(kernel, queued, 30)
    assert reply["content"]["status"] == "ok"
    reply, printed = run(kernel, "print(order, toggle.value)")
    assert printed.strip() == "['waiting cell', 'next cell'] True"


def test_wake_waits_ends_a_pause_early_and_outside_the_main_thread_pause_only_sleeps(kernel) -> None:
    reply, printed = run(
        kernel,
        "started = time.monotonic()\n"
        "threading.Timer(0.3, kernel_events.wake_waits).start()\n"
        "print(presentation.pause(60), time.monotonic() - started < 10)\n"
        "box = []\n"
        "worker = threading.Thread(target=lambda: box.append(kernel_events.KernelPump.current()))\n"
        "worker.start(); worker.join()\n"
        "print(box, kernel_events.KernelPump.current() is not None)\n",
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    assert printed.split("\n")[:2] == ["False True", "[None] True"]
