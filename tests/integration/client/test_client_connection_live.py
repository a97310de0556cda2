"""One account's connection against real services: probing the root, following a local service that moved."""

from __future__ import annotations

import socket

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import local
from ibmq_widgets.client.account import AccountManager


def test_nothing_listening_is_a_connection_error(account_manager):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(exc.IBMQConnectionError, match="nothing answers"):
        account_manager.enable_account("key-key-key", url=f"http://127.0.0.1:{port}")


@pytest.mark.slow
def test_requests_follow_the_local_service_when_it_moves(tmp_path, capsys):
    from qiskit import QuantumCircuit

    from ibmq_widgets.service import start

    data_dir = tmp_path / "shared"
    other_kernels_service = start(data_dir=data_dir, port=0, workers=1)
    try:
        provider = AccountManager(credentials_path=tmp_path / "none.json", data_dir=data_dir).load_account()
        assert provider.url == other_kernels_service.url
        circuit = QuantumCircuit(1, 1)
        circuit.x(0)
        circuit.measure(0, 0)
        job = provider.get_backend("ibmq_qasm_simulator").run(circuit, shots=10)
        job.wait_for_final_state(timeout=120)
    finally:
        other_kernels_service.stop()  # that kernel ended
    try:
        names = provider.backends.names()  # nothing listens at the old port: start ours and go on there
        provider.backends()
        assert "ibmq_qasm_simulator" in names and provider.url != other_kernels_service.url
        assert provider.backends.retrieve_job(job.job_id()).result().get_counts() == {"1": 10}
        assert capsys.readouterr().out.count("using the local service") == 2
    finally:
        handle = local._embedded.pop(data_dir, None)
        if handle is not None:
            handle.stop()
