"""Benchmark: finding an API key's instances, ours against qiskit-ibm-runtime's, for 2 and for 50 instances.

Measured side by side in one run, against the same in-process local service (its IBM Cloud look-alikes: IAM,
Global Search, Global Catalog), each run from a fresh client:
- reference: ``QiskitRuntimeService(channel="ibm_quantum_platform", token=KEY)`` with no instance, then
  ``instances()``: the strongest simple thing a user writes to see their instances (the reference finds them
  through Global Search and Global Catalog, pointed at the service by GLOBAL_SEARCH_URL, GLOBAL_CATALOG_URL and
  IAM_URL, as it would be at IBM's hosts);
- ours: ``AccountManager().enable_account(KEY, url=...)`` then ``providers()``: the same discovery, one provider
  per instance.

HTTP requests are counted at ``requests.Session.send``, which both clients use. Prints the median seconds of
several runs, the requests per run, and the ratios reference / ours.

Usage: python bench/bench_discovery.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import requests

from ibmq_widgets.client import AccountManager
from ibmq_widgets.service import start

_send = requests.Session.send
_count = [0]


def _counting_send(self, request, **kwargs):
    _count[0] += 1
    return _send(self, request, **kwargs)


def config_with(instances: int) -> dict:
    """A config.json with ``instances`` instances on two plans."""
    return {
        "account": "bench0001",
        "instances": [
            {
                "name": f"hub{i}/group/project",
                "plan": "open" if i % 2 else "premium",
                "cloud_name": f"lab-{i}",
            }
            for i in range(instances)
        ],
        "default_key_instances": None,
        "api_keys": [],
    }


def measure(run, runs: int) -> tuple[float, int, int]:
    """Median seconds, requests of the last run, and what the run found."""
    times, found = [], 0
    for _ in range(runs):
        _count[0] = 0
        started = time.perf_counter()
        found = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), _count[0], found


def bench(instances: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as data:
        (Path(data) / "config.json").write_text(json.dumps(config_with(instances)))
        os.chmod(Path(data) / "config.json", 0o600)
        with start(data_dir=data, port=0, workers=1) as service:
            for variable, url in service.cloud_urls.items():
                os.environ[variable] = url

            def reference() -> int:
                from qiskit_ibm_runtime import QiskitRuntimeService

                runtime = QiskitRuntimeService(
                    channel="ibm_quantum_platform",
                    token=service.api_key,
                    url=service.url,
                    url_resolver=lambda *args: f"{service.url}/api/v1",
                )
                return len(runtime.instances())

            ref_time, ref_requests, ref_found = measure(reference, runs)
            our_time, our_requests, our_found = measure(lambda: _discover(service), runs)
    assert ref_found == our_found == instances, (ref_found, our_found, instances)
    print(f"\n{instances} instances, medians of {runs} runs:")
    print(
        f"  reference QiskitRuntimeService(...) + instances(): {ref_time * 1000:8.1f} ms  {ref_requests} requests"
    )
    print(
        f"  ibmq_widgets enable_account(...) + providers():   {our_time * 1000:8.1f} ms  {our_requests} requests"
    )
    print(
        f"  ratio reference / ours: {ref_time / our_time:.1f}x faster, "
        f"{ref_requests / our_requests:.1f}x fewer requests"
    )


def _discover(service) -> int:
    manager = AccountManager()
    manager.enable_account(service.api_key, url=service.url)
    return len(manager.providers())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    requests.Session.send = _counting_send
    os.environ.pop("QISKIT_FUNCTIONS_EXPERIMENTAL", None)
    for instances in (2, 50):
        bench(instances, args.runs)


if __name__ == "__main__":
    main()
