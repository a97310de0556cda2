"""What the watcher's live tests share: a circuit that keeps a job busy, and a real kernel to drive."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qiskit import QuantumCircuit

HERE = Path(__file__).resolve().parent  # a kernel puts it on its sys.path to import slow_circuit too


def slow_circuit(width: int = 10, layers: int = 20) -> QuantumCircuit:
    """Seconds of simulation per thousand shots: mid-circuit measurements make Aer simulate every shot on its own
    (100,000 shots are minutes of work)."""
    circuit = QuantumCircuit(width, width)
    for layer in range(layers):
        for qubit in range(width):
            circuit.rx(0.1 * (qubit + layer + 1), qubit)
        for qubit in range(width - 1):
            circuit.cx(qubit, qubit + 1)
        circuit.measure(0, 0)
    circuit.measure(range(width), range(width))
    return circuit


@contextmanager
def running_kernel() -> Iterator:
    """A real ipykernel of this environment and a blocking client talking to it, as a frontend would."""
    import jupyter_client

    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3", startup_timeout=120)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def wait_printed(client, msg_id: str, text: str, timeout: float = 120) -> None:
    """Wait until the cell of request ``msg_id`` prints ``text``: it has started and runs past that print.

    Messages sent to the kernel from then on wait in its socket for the cell (or for a pause inside it), never
    in the kernel's own event loop, which does not run while a cell does.
    """
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"the cell never printed {text!r}"
        message = client.get_iopub_msg(timeout=left)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream" and text in message["content"]["text"]:
            return
        if message["msg_type"] == "error":
            raise AssertionError("\n".join(message["content"]["traceback"]))


def collect(client, msg_id: str, timeout: float) -> tuple[list[dict], str]:
    """Every iopub message (whatever its parent) until the request ``msg_id`` is idle, and the text it printed;
    a cell's error fails the test with its traceback."""
    messages, printed = [], []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no answer within {timeout} s; printed so far: {''.join(printed)!r}"
        message = client.get_iopub_msg(timeout=left)
        messages.append(message)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        if message["msg_type"] == "error":
            raise AssertionError("\n".join(message["content"]["traceback"]))
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages, "".join(printed)
