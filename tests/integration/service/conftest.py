"""Fixtures of the service's HTTP tests: per-instance API views of the session service, a private service,
and the tally of the API fuzzing (printed in the terminal summary)."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_http import OPEN, RESEARCH, Api, crn_of, ghz


@pytest.fixture(scope="session")
def research_api(local_service) -> Api:
    return Api(local_service.url, local_service.api_key, crn_of(local_service, RESEARCH))


@pytest.fixture(scope="session")
def open_api(local_service) -> Api:
    return Api(local_service.url, local_service.api_key, crn_of(local_service, OPEN))


@pytest.fixture(scope="session")
def manila_ghz(research_api) -> Any:
    """A 5-qubit GHZ transpiled for ibmq_manila (an ISA circuit)."""
    return research_api.isa(ghz(5), "ibmq_manila")


@pytest.fixture
def private_service(tmp_path) -> Iterator:
    """A service of the test's own on a fresh data directory (for tests that need their own config)."""
    from ibmq_widgets.service import start

    handle = start(data_dir=tmp_path / "data", port=0, workers=1)
    try:
        yield handle
    finally:
        handle.stop()


class FuzzTally:
    """What the schemathesis run sent and got: cases and response statuses per operation."""

    def __init__(self) -> None:
        self.statuses: dict[str, Counter] = {}
        self.started = time.monotonic()
        self.seed: int | None = None  # schemathesis' seed, to replay the run

    def record(self, operation: str, status: int) -> None:
        self.statuses.setdefault(operation, Counter())[status] += 1

    def summary(self) -> dict[str, Any]:
        cases = sum(sum(counter.values()) for counter in self.statuses.values())
        endpoints = {operation.split(" ", 1)[1] for operation in self.statuses}
        return {
            "cases": cases,
            "operations": len(self.statuses),
            "endpoints": len(endpoints),
            "seconds": round(time.monotonic() - self.started, 1),
            "seed": self.seed,
            "statuses": {op: dict(sorted(counter.items())) for op, counter in sorted(self.statuses.items())},
        }


_FUZZ_TALLY = pytest.StashKey[FuzzTally]()


@pytest.fixture(scope="session")
def fuzz_tally(request) -> FuzzTally:
    """The session's tally of the API fuzzing; printed in the terminal summary (and written to
    ``$IBMQ_WIDGETS_FUZZ_REPORT`` as JSON when that is set)."""
    tally = request.config.stash.setdefault(_FUZZ_TALLY, FuzzTally())
    return tally


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    tally = config.stash.get(_FUZZ_TALLY, None)
    if tally is None or not tally.statuses:
        return
    summary = tally.summary()
    terminalreporter.section("API fuzzing (schemathesis)")
    terminalreporter.write_line(
        f"{summary['cases']} cases over {summary['endpoints']} endpoints ({summary['operations']} operations) "
        f"in {summary['seconds']} s (seed {summary['seed']})"
    )
    for operation, statuses in summary["statuses"].items():
        counts = ", ".join(f"{status}: {count}" for status, count in statuses.items())
        terminalreporter.write_line(f"  {operation:<42} {counts}")
    report = os.environ.get("IBMQ_WIDGETS_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps(summary, indent=1))
