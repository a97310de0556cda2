"""Pausing in the client's waiting loops: a plain sleep outside a kernel, and, inside one, comm messages handled at
once and every other message passed on in order, with the cell's output routing restored.

The kernel here is a stand-in with ipykernel's names (the real one is driven in
tests/integration/watcher/test_watcher_kernel_events_live.py).
"""

from __future__ import annotations

import threading
import time

import pytest

from ibmq_widgets.client import presentation
from ibmq_widgets.widgets import kernel_events
from ibmq_widgets.widgets.kernel_events import KernelPump


def test_outside_a_kernel_pausing_is_sleeping_or_waiting_on_the_event() -> None:
    assert KernelPump.current() is None
    started = time.monotonic()
    assert presentation.pause(0.05) is False and time.monotonic() - started >= 0.05
    event = threading.Event()
    event.set()
    assert presentation.pause(30, event) is True
    assert kernel_events.pause(0.01) is False


class Frame:
    def __init__(self, data: bytes) -> None:
        self.bytes = data


class FakeSession:
    """Messages are [b"<IDS|MSG>", header, parent, metadata, content] with the header as text."""

    def __init__(self) -> None:
        self.deserialized: list[str] = []

    def feed_identities(self, frames, copy=False):
        return [b"ident"], frames[1:]

    def unpack(self, data: bytes) -> dict:
        return {"msg_type": data.decode()}

    def deserialize(self, parts, content=True, copy=False):
        msg_type = parts[1].bytes.decode()
        self.deserialized.append(msg_type)
        return {"header": {"msg_type": msg_type}, "content": {"n": parts[4].bytes.decode()}}


class FakeSocket:
    def __init__(self, messages) -> None:
        self.messages = list(messages)

    def recv_multipart(self, flags=0, copy=True):
        import zmq

        if not self.messages:
            raise zmq.Again()
        return self.messages.pop(0)

    def poll(self, timeout=None, flags=0):
        return 0


class FakeStream:
    def __init__(self, socket) -> None:
        self.socket = socket
        self.passed_on: list[str] = []
        self._recv_callback = lambda frames: self.passed_on.append(frames[2].bytes.decode())

    def _run_callback(self, callback, frames):
        callback(frames)


class FakeKernel:
    def __init__(self, stream) -> None:
        self.session = FakeSession()
        self.shell_stream = stream
        self.parent = ("cell-ident", {"header": {"msg_id": "the cell"}})
        self._parent_ident = {"shell": self.parent[0]}
        self.handled: list[tuple[str, dict]] = []
        self.shell_handlers = {"comm_msg": self._handle, "comm_open": self._handle}

    def _handle(self, stream, idents, message) -> None:
        self.handled.append((message["content"]["n"], self.get_parent("shell")))

    def get_parent(self, channel="shell"):
        return self.parent[1]

    def set_parent(self, ident, parent, channel="shell"):
        self.parent = (ident, parent)
        self._parent_ident["shell"] = ident


def message(msg_type: str, number: str) -> list[Frame]:
    return [
        Frame(b"ident"),
        Frame(b"<IDS|MSG>"),
        Frame(msg_type.encode()),
        Frame(b"{}"),
        Frame(b"{}"),
        Frame(number.encode()),
    ]


def test_comm_messages_are_handled_now_and_the_others_passed_on_in_order() -> None:
    socket = FakeSocket(
        [
            message("execute_request", "1"),
            message("comm_msg", "2"),
            message("kernel_info_request", "3"),
            message("comm_open", "4"),
        ]
    )
    stream = FakeStream(socket)
    kernel = FakeKernel(stream)
    pump = KernelPump(kernel, stream)
    assert pump.process() == 2
    assert [number for number, _parent in kernel.handled] == ["2", "4"]
    # each handled as the kernel would: with the comm message as parent, then the cell's parent back
    assert all(parent["header"]["msg_type"] in ("comm_msg", "comm_open") for _n, parent in kernel.handled)
    assert kernel.parent == ("cell-ident", {"header": {"msg_id": "the cell"}})
    assert stream.passed_on == ["execute_request", "kernel_info_request"]
    # only the handled ones were deserialized here: the others' signatures stay unspent for the kernel
    assert kernel.session.deserialized == ["comm_msg", "comm_open"]


def test_wake_waits_ends_a_pause_of_the_kernel_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = FakeStream(FakeSocket([]))
    pump = KernelPump(FakeKernel(stream), stream)
    monkeypatch.setattr(KernelPump, "current", classmethod(lambda cls: pump))
    monkeypatch.setattr(kernel_events, "SLICE", 0.01)
    timer = threading.Timer(0.1, kernel_events.wake_waits)
    timer.start()
    started = time.monotonic()
    assert kernel_events.pause(30) is False
    assert time.monotonic() - started < 10
    event = threading.Event()
    threading.Timer(0.05, event.set).start()
    assert kernel_events.pause(30, event) is True
