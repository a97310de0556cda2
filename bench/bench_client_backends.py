"""Benchmark: ``provider.backends()`` then ``least_busy(...)`` over every device, HTTP requests and time.

Measured side by side in one run, against the same in-process local service on a free loopback port:
- reference: qiskit-ibm-runtime's ``QiskitRuntimeService`` doing ``backends()`` then ``least_busy()``;
- ours: ``provider.backends()`` then ``least_busy(backends)``.

Each run starts from a fresh client (account set up before the clock starts), so no cache carries over. HTTP
requests are counted by wrapping ``requests.Session.send``, which both clients use. Prints the median seconds
of several runs, the requests per run, and the ratios reference / ours. Also checks that a second
``properties()`` on the same backend makes no request. Targets (issue 3): at least 10x fewer requests and 5x
faster.

Usage: python bench/bench_client_backends.py [--runs N]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
import warnings

import requests

from ibmq_widgets.client import AccountManager, least_busy
from ibmq_widgets.service import start

_send = requests.Session.send
_count = [0]


def _counting_send(self, request, **kwargs):
    _count[0] += 1
    return _send(self, request, **kwargs)


def measure(run) -> tuple[float, int, object]:
    """Seconds and HTTP requests of one call of ``run``."""
    before = _count[0]
    started = time.perf_counter()
    value = run()
    return time.perf_counter() - started, _count[0] - before, value


def reference_client(url: str, api_key: str, crn: str):
    """QiskitRuntimeService pointed at the local service, as shared/docs/ibm-quantum-rest-api.md describes."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    os.environ["IAM_URL"] = url  # process-global; this benchmark owns its process
    os.environ["QISKIT_FUNCTIONS_EXPERIMENTAL"] = "1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return QiskitRuntimeService(
            channel="ibm_quantum_platform",
            token=api_key,
            instance=crn,
            url=url,
            url_resolver=lambda *args, **kwargs: f"{url}/api/v1",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each client (default 5)")
    args = parser.parse_args()
    requests.Session.send = _counting_send
    logging.getLogger("qiskit_ibm_runtime").setLevel(logging.ERROR)  # "Loading account with the given token"

    with tempfile.TemporaryDirectory() as data_dir, start(data_dir=data_dir, port=0, workers=1) as service:
        research = next(i for i in service.instances if i["name"].endswith("research/main"))
        ours_times, ours_requests, ref_times, ref_requests = [], [], [], []
        ours_choice = ref_choice = None
        n_backends = 0
        for _ in range(args.runs):
            provider = AccountManager().enable_account(service.api_key, url=service.url, hub="ibm-q-network")
            seconds, count, chosen = measure(lambda p=provider: least_busy(p.backends()))
            ours_times.append(seconds)
            ours_requests.append(count)
            ours_choice = chosen.name()
            n_backends = len(provider.backends.names())

            reference = reference_client(service.url, service.api_key, research["crn"])

            def ref_run(svc=reference):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    svc.backends()
                    return svc.least_busy()

            seconds, count, chosen = measure(ref_run)
            ref_times.append(seconds)
            ref_requests.append(count)
            ref_choice = chosen.name

        backend = provider.get_backend("ibm_fez")
        backend.properties()
        _, second_properties, _ = measure(backend.properties)

    ours_s, ref_s = statistics.median(ours_times), statistics.median(ref_times)
    ours_n, ref_n = statistics.median(ours_requests), statistics.median(ref_requests)
    print(f"backends() + least_busy() over {n_backends} backends, median of {args.runs} runs each")
    print(f"  reference QiskitRuntimeService: {ref_s * 1000:8.1f} ms  {ref_n:5.0f} requests  -> {ref_choice}")
    print(
        f"  ibmq_widgets client:            {ours_s * 1000:8.1f} ms  {ours_n:5.0f} requests  -> {ours_choice}"
    )
    print(
        f"  ratio reference/ours: {ref_s / ours_s:.1f}x faster, {ref_n / max(ours_n, 1):.1f}x fewer requests"
    )
    print(f"  requests made by a second properties() on ibm_fez: {second_properties}")


if __name__ == "__main__":
    main()
