"""The ``ibmq-widgets`` command: ``serve`` runs the local service, ``demo`` a short end-to-end demo on it."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence

__all__ = ["main"]


def _serve(args: argparse.Namespace) -> int:
    from ibmq_widgets.exceptions import LocalServiceError
    from ibmq_widgets.service import start

    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    try:
        handle = start(
            data_dir=args.data_dir,
            host=args.host,
            port=args.port,
            api_key=args.api_key,
            workers=args.workers,
            started_by="serve",
        )
    except (LocalServiceError, OSError) as exc:
        # One line, no traceback: what is wrong, where, and what to do are in the message.
        print(f"ibmq-widgets serve: {exc}", file=sys.stderr)
        return 1
    try:
        # The one line a parent process waits for, printed once the workers are warm (a job sent now starts
        # now); the key goes to stdout only, never to a log.
        print(
            json.dumps(
                {
                    "url": handle.url,
                    "api_key": handle.api_key,
                    "instances": handle.instances,
                    "cloud_urls": handle.cloud_urls,
                }
            ),
            flush=True,
        )
        while not stop_requested.wait(0.5):
            pass
    finally:
        handle.stop()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from qiskit import QuantumCircuit

    from ibmq_widgets.client import AccountManager
    from ibmq_widgets.exceptions import IBMQError
    from ibmq_widgets.service import start

    with (
        tempfile.TemporaryDirectory(prefix="ibmq-widgets-demo-") as scratch,
        start(data_dir=args.data_dir or scratch, port=0, workers=1) as service,
    ):
        try:
            provider = AccountManager().enable_account(service.api_key, url=service.url, hub="ibm-q-network")
            summaries = sorted(provider.backend_summaries(), key=lambda s: s["n_qubits"])
            print(f"{len(summaries)} backends, e.g.:")
            for summary in summaries[:: max(1, len(summaries) // 6)]:
                name, qubits, queue = summary["name"], summary["n_qubits"], summary["pending_jobs"]
                print(f"  {name:<22} {qubits:>4} qubits  queue {queue}")
            backend = provider.get_backend(args.backend)
            ghz = QuantumCircuit(5, name="ghz")
            ghz.h(0)
            for qubit in range(4):
                ghz.cx(qubit, qubit + 1)
            ghz.measure_all()
            started = time.monotonic()
            job = backend.run(ghz, shots=args.shots, job_tags=["demo"], seed_transpiler=7)
            print(f"Submitted a noisy 5-qubit GHZ Sampler job {job.job_id()} to {backend.name()}")
            counts = job.result(timeout=600).get_counts()
        except IBMQError as error:
            print(f"ibmq-widgets demo: {error}", file=sys.stderr)
            return 1
        print(f"Done in {time.monotonic() - started:.2f} s. Counts (most frequent first):")
        for bits, count in sorted(counts.items(), key=lambda item: -item[1])[:8]:
            print(f"  {bits}  {count}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ibmq-widgets", description="IBM Quantum in Jupyter: the local service and a demo of it."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the local IBM Quantum-compatible service until SIGINT/SIGTERM"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=0, help="port; 0 (default) picks a free one")
    serve.add_argument(
        "--data-dir", default=None, help="data directory (default: $IBMQ_WIDGETS_DATA_DIR or Jupyter's)"
    )
    serve.add_argument(
        "--api-key", default=None, help="also accept this API key (same instances as the default key)"
    )
    serve.add_argument("--workers", type=int, default=None, help="worker processes running jobs")
    serve.set_defaults(run=_serve)
    demo = commands.add_parser("demo", help="start an embedded service and run a noisy GHZ job on it")
    demo.add_argument(
        "--backend", default="ibmq_manila", help="backend to run on (default: ibmq_manila, 5 qubits)"
    )
    demo.add_argument("--shots", type=int, default=1024, help="shots (default 1024)")
    demo.add_argument("--data-dir", default=None, help="data directory (default: a temporary one)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ibmq-widgets`` command line; returns the exit status."""
    args = _parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
