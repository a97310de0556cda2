"""%ibmq_job_watcher with a real account on the local service: every provider by default, one when named.

The magic reads the global ``IBMQ``; here it is an account manager of its own, enabled on the session's local
service, put in its place for the test (the user's account is never read).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from qiskit import QuantumCircuit

import ibmq_widgets.client as client


@pytest.fixture
def shell(local_service, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    from IPython.testing.globalipapp import get_ipython, start_ipython

    from ibmq_widgets.client.account import AccountManager

    account = AccountManager()
    account.enable_account(local_service.api_key, url=local_service.url)
    monkeypatch.setattr(client, "IBMQ", account)
    ip = start_ipython() or get_ipython()
    ip.run_line_magic("load_ext", "ibmq_widgets")
    try:
        yield ip
    finally:
        ip.run_line_magic("unload_ext", "ibmq_widgets")


def watcher_of(shell):
    return shell.magics_manager.registry["JobWatcherMagics"].watcher


def test_the_magic_watches_every_provider_and_a_job_of_any_instance_appears(shell) -> None:
    shell.run_line_magic("ibmq_job_watcher", "-i 0.5")
    watcher = watcher_of(shell)
    assert watcher.instances == ["ibm-q/open/main", "ibm-q-network/research/main"]
    circuit = QuantumCircuit(1, 1)
    circuit.measure(0, 0)
    research = client.IBMQ.get_provider(hub="ibm-q-network")
    job = research.get_backend("ibmq_qasm_simulator").run(circuit, shots=10, job_name="research-job")
    assert job.job_id() in {data.job_id for data in watcher.jobs()}  # at once, from this kernel's submission
    assert watcher.refresh(timeout=60)
    rows = {data.job_id: data for data in watcher.jobs()}
    assert rows[job.job_id()].instance == "ibm-q-network/research/main"  # and from the research listing


def test_the_magic_watches_one_instance_named_by_provider(shell) -> None:
    shell.run_line_magic("ibmq_job_watcher", "--provider ibm-q-network/research/main")
    watcher = watcher_of(shell)
    assert watcher.instances == ["ibm-q-network/research/main"]
    assert watcher.children[1].value == "IBM Quantum jobs · ibm-q-network/research/main"
    deadline = time.monotonic() + 60
    while watcher.poller.state.kind != "ok":
        assert time.monotonic() < deadline, watcher.status_message
        time.sleep(0.05)
    assert all(data.instance == "ibm-q-network/research/main" for data in watcher.jobs())
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="--provider ibm-q/nowhere/main: no provider"):
        shell.run_line_magic("ibmq_job_watcher", "--provider ibm-q/nowhere/main")
