"""The job manager's default split and its following of a set, against the real local service over loopback.

Without ``max_experiments_per_job`` the set is spread over as many jobs as the job limit lets run at once,
capped by the backend's max_experiments; results() follows the set with list requests filtered on its tag and
asks no job for its status on its own. Requests are counted by path with a ``requests`` response hook on the
client's session, as bench/bench_job_manager.py counts them.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from urllib.parse import urlsplit

import pytest
from managed_live_helpers import (
    basis_circuits,
    expected_bits,
    research_provider,
    running_service,
    write_config,
)

from ibmq_widgets.managed import IBMQJobManager

SHOTS = 16


class RequestsByKind:
    """Every response the client received, by what it was for (a response hook on its requests.Session)."""

    def __init__(self, http) -> None:
        self.kinds: Counter[str] = Counter()
        self.paths: list[str] = []
        self._lock = threading.Lock()  # the job manager sends from several threads
        http.hooks["response"].append(self.hook)

    def hook(self, response, *args, **kwargs) -> None:
        method, path = response.request.method, urlsplit(response.request.url).path
        if re.search(r"/jobs/?$", path):
            kind = "submit" if method == "POST" else "list"
        elif re.search(r"/jobs/[^/]+/results$", path):
            kind = "result"
        elif re.search(r"/jobs/[^/]+$", path):
            kind = "status"
        elif path.endswith("/job_limit"):
            kind = "job limit"
        else:
            kind = f"{method} {path}"
        with self._lock:
            self.kinds[kind] += 1
            self.paths.append(f"{method} {path}?{urlsplit(response.request.url).query}")

    def take(self) -> Counter[str]:
        """The counts so far, starting again from zero."""
        with self._lock:
            kinds, self.kinds = self.kinds, Counter()
            return kinds


def test_a_thousand_circuits_are_spread_over_the_five_slots_and_followed_by_list_requests(provider):
    simulator = provider.get_backend("ibmq_qasm_simulator")
    limit = simulator.job_limit().maximum_jobs
    assert limit == 5 and simulator.configuration().max_experiments == 300
    circuits = basis_circuits(1000)
    requests_by_kind = RequestsByKind(provider.session.http)
    job_set = IBMQJobManager().run(circuits, simulator, shots=SHOTS, progress=False)
    assert [mjob.num_experiments for mjob in job_set.managed_jobs()] == [200] * 5
    results = job_set.results(timeout=300, progress=False)
    assert results.success
    sent = requests_by_kind.take()
    # the set is followed with list requests, never one status request per job; each result is fetched once.
    # One job_limit request sizes the jobs and gives the submitter its free slots (more only if jobs of other
    # tests held slots, and the submitter had to ask again).
    assert sent["submit"] == 5 and sent["result"] == 5 and sent["list"] >= 1 and sent["job limit"] >= 1, sent
    others = [kind for kind in sent if kind not in ("submit", "result", "list", "job limit")]
    assert sent["status"] == 0 and all("/jobs" not in kind for kind in others), (
        sent
    )  # others: a backend's data
    tag = f"jobset%3A{job_set.job_set_id()}"
    listings = [path for path in requests_by_kind.paths if path.startswith("GET ") and "/jobs?" in path]
    assert listings and all(tag in path for path in listings)
    for index in (0, 199, 200, 777, 999):
        assert results.get_counts(index) == {expected_bits(index): SHOTS}


def test_an_explicit_max_experiments_per_job_still_decides(provider):
    simulator = provider.get_backend("ibmq_qasm_simulator")
    job_set = IBMQJobManager().run(
        basis_circuits(30), simulator, max_experiments_per_job=7, shots=SHOTS, progress=False
    )
    assert [mjob.num_experiments for mjob in job_set.managed_jobs()] == [7, 7, 7, 7, 2]
    results = job_set.results(timeout=300, progress=False)
    assert [results.get_counts(i) for i in range(30)] == [{expected_bits(i): SHOTS} for i in range(30)]


@pytest.fixture(scope="module")
def two_slot_service(tmp_path_factory):
    """A local service whose research instance may run only two jobs at once on the simulator."""
    data = tmp_path_factory.mktemp("two-slots")
    write_config(data, job_limit=5, job_limits={"ibmq_qasm_simulator": 2})
    with running_service(data) as handle:
        yield handle


@pytest.mark.slow
def test_two_slots_would_mean_jobs_of_500_so_max_experiments_caps_them_at_300(two_slot_service):
    provider = research_provider(two_slot_service.url, two_slot_service.api_key)
    simulator = provider.get_backend("ibmq_qasm_simulator")
    assert simulator.job_limit().maximum_jobs == 2
    job_set = IBMQJobManager().run(basis_circuits(1000), simulator, shots=SHOTS, progress=False)
    assert [mjob.num_experiments for mjob in job_set.managed_jobs()] == [300, 300, 300, 100]
    results = job_set.results(timeout=300, progress=False)  # two of the four wait for a slot meanwhile
    assert results.success and job_set.error_messages() is None
    for index in (0, 299, 300, 899, 900, 999):
        assert results.get_counts(index) == {expected_bits(index): SHOTS}
