"""Widget clicks answered while the kernel waits inside this package (``job.result()``, a job set's results).

A notebook kernel handles a widget's click (a ``comm_msg`` from the frontend) on its main thread, between cells:
while a cell blocks in ``job.result()``, the watcher's cancel button would do nothing until the cell ends. The
client's waiting loops therefore pause through ``client/presentation.pause``, which comes here. On the kernel's
main thread, :func:`pause` reads the messages queued for the main shell while it waits and

- handles each comm message (``comm_open``, ``comm_msg``, ``comm_close``) at once, as the kernel would between
  cells, with the cell's output routing restored afterwards;
- hands every other message (``execute_request`` of the next cell, ``kernel_info_request``, ...) to the handler
  the kernel's own stream would have called, in the order received, so it runs after the cell as usual.

Anywhere else (no kernel, another thread, a nested pause) it is a plain sleep. What is read where is ipykernel's
and pyzmq's internals, pinned by tests/integration/watcher/test_watcher_kernel_events_live.py against a real
kernel: with kernel subshells (ipykernel 7) the main shell's messages come from the shell-channel thread over an
inproc pair whose receiving ``ZMQStream`` lives on the main thread; without them (ipykernel 6) from
``kernel.shell_stream``. If neither is found, pausing is a plain sleep and clicks wait for the cell to end.

:func:`wake_waits` ends the current pause early: the watcher calls it when a cancel has gone through, so that
the waiting loop looks at the job again at once and ``result()`` raises its "cancelled" error.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

__all__ = ["KernelPump", "pause", "wake_waits"]

SLICE = 0.05  # seconds: how soon a wake_waits() or a set event ends a pause
COMM_MESSAGES = frozenset({"comm_open", "comm_msg", "comm_close"})

_generation = 0  # bumped by wake_waits(); a pause ends when it changes
_generation_lock = threading.Lock()
_state = threading.local()  # .pumping: a pause of this thread is handling a message (no nesting)
_pump_cache: dict[int, KernelPump | None] = {}  # id(kernel) -> its pump


def wake_waits() -> None:
    """End the pauses under way now (any thread may call it): their waiting loop polls again at once."""
    global _generation
    with _generation_lock:
        _generation += 1


def _plain_wait(seconds: float, event: threading.Event | None) -> bool:
    if event is not None:
        return event.wait(seconds)
    time.sleep(seconds)
    return False


def pause(seconds: float, event: threading.Event | None = None) -> bool:
    """Wait ``seconds`` (or until ``event`` is set), answering widget clicks meanwhile in a notebook kernel.

    What ``ibmq_widgets.client.presentation.pause`` does in a kernel (same arguments); True if ``event`` was
    set, False when the time passed or :func:`wake_waits` ended the wait early.
    """
    pump = KernelPump.current()
    if pump is None or getattr(_state, "pumping", False):
        return _plain_wait(seconds, event)
    deadline = time.monotonic() + max(seconds, 0.0)
    generation = _generation
    while True:
        pump.process()
        if event is not None and event.is_set():
            return True
        left = deadline - time.monotonic()
        if left <= 0 or _generation != generation:
            return False
        pump.wait(min(left, SLICE))


class KernelPump:
    """The main shell's incoming messages of the running ipykernel, read on the kernel's main thread.

    Parameters
    ----------
    kernel : ipykernel.kernelbase.Kernel
        The running kernel.
    stream : zmq.eventloop.zmqstream.ZMQStream
        The stream that delivers the main shell's messages on the main thread.
    """

    def __init__(self, kernel: Any, stream: Any) -> None:
        import zmq

        self._zmq = zmq
        self._kernel = kernel
        self._stream = stream
        self._socket = stream.socket

    @classmethod
    def current(cls) -> KernelPump | None:
        """The pump of the kernel running this code, on its main thread; None anywhere else."""
        if threading.current_thread() is not threading.main_thread():
            return None
        kernelbase = sys.modules.get("ipykernel.kernelbase")
        if kernelbase is None or not kernelbase.Kernel.initialized():
            return None
        kernel = kernelbase.Kernel.instance()
        key = id(kernel)
        if key not in _pump_cache:
            stream = cls._main_shell_stream(kernel)
            _pump_cache[key] = None if stream is None else cls(kernel, stream)
        return _pump_cache[key]

    @staticmethod
    def _main_shell_stream(kernel: Any) -> Any:
        """The ZMQStream feeding the main shell, if this ipykernel has one where we know to look."""
        channel_thread = getattr(kernel, "shell_channel_thread", None)
        try:
            if channel_thread is not None:  # ipykernel 7 with subshells: an inproc pair from that thread
                stream = channel_thread.manager.get_shell_channel_to_subshell_pair(None).to_stream
            else:
                stream = getattr(kernel, "shell_stream", None)
        except Exception:  # an ipykernel laid out otherwise: clicks wait for the cell, as before
            return None
        ready = stream is not None and callable(getattr(stream, "_recv_callback", None))
        return stream if ready and getattr(kernel, "session", None) is not None else None

    def wait(self, seconds: float) -> None:
        """Sleep until a message arrives for the main shell, at most ``seconds``."""
        try:
            self._socket.poll(max(int(seconds * 1000), 0), self._zmq.POLLIN)
        except self._zmq.ZMQError:  # the kernel is shutting down
            time.sleep(seconds)

    def process(self) -> int:
        """Handle the comm messages waiting now and pass the others on; returns how many comm messages."""
        handled = 0
        while True:
            try:
                frames = self._socket.recv_multipart(self._zmq.NOBLOCK, copy=False)
            except self._zmq.ZMQError:  # nothing more waiting (EAGAIN), or the socket is closing
                return handled
            if self._message_type(frames) in COMM_MESSAGES:
                self._handle_comm(frames)
                handled += 1
            else:
                # what the stream itself does with a message: its callback schedules the kernel's handling,
                # which runs once the cell has ended, in the order the messages came
                self._stream._run_callback(self._stream._recv_callback, frames)

    def _message_type(self, frames: list[Any]) -> str:
        """The message's type from its header frame alone: deserializing here would spend the signature
        (the session refuses a signature seen twice) that the kernel checks when it handles the message."""
        try:
            _idents, parts = self._kernel.session.feed_identities(frames, copy=False)
            header = self._kernel.session.unpack(parts[1].bytes)
        except Exception:
            return ""
        return str(header.get("msg_type", ""))

    def _handle_comm(self, frames: list[Any]) -> None:
        """Handle one comm message now, as the kernel's dispatch would, then give the cell its output back."""
        kernel = self._kernel
        idents, parts = kernel.session.feed_identities(frames, copy=False)
        try:
            message = kernel.session.deserialize(parts, content=True, copy=False)
        except Exception:  # a bad signature or a garbled message: the kernel would drop it too
            return
        handler = kernel.shell_handlers.get(message["header"]["msg_type"])
        if handler is None:
            return
        parent, parent_ident = kernel.get_parent("shell"), kernel._parent_ident["shell"]
        _state.pumping = True
        kernel.set_parent(idents, message, channel="shell")
        try:
            handler(getattr(kernel, "shell_stream", None), idents, message)
        except Exception:  # the comm manager logs its handlers' errors; anything else must not end the wait
            kernel.log.debug("a widget message failed while waiting", exc_info=True)
        finally:
            kernel.set_parent(parent_ident, parent, channel="shell")
            _state.pumping = False
