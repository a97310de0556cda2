"""Rich display of backends, jobs and results from the local service: escaped HTML, tabbed backend view."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

from ibmq_widgets.widgets.display import backend_html, backend_view, job_html, result_html

EVIL = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def done_job(research_provider):
    circuit = QuantumCircuit(2, name=EVIL)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    job = research_provider.get_backend("ibmq_qasm_simulator").run(circuit, shots=100, job_name=EVIL)
    job.result(timeout=120)
    return job


def test_backend_html_for_a_device_and_the_simulator(research_provider):
    html = backend_html(research_provider.get_backend("ibm_fez"))
    assert "ibm_fez" in html and "<b>qubits</b>" in html and ">156<" in html
    assert "median cz error" in html and "median T1 / T2" in html
    simulator = backend_html(research_provider.get_backend("ibmq_qasm_simulator"))
    assert "simulator" in simulator and "median" not in simulator


def test_backend_view_of_the_simulator_explains_the_missing_calibration(research_provider, done_job):
    view = backend_view(research_provider.get_backend("ibmq_qasm_simulator"))
    assert view.wait(60)
    assert "without calibration data" in view.children[1].value
    assert "without calibration data" in view.children[2].value
    assert done_job.job_id() in view.children[4].value  # the recent jobs of this instance
    assert EVIL not in view.children[4].value


def test_job_and_result_html_escape_user_data(done_job):
    html = job_html(done_job)
    assert done_job.job_id() in html and "DONE" in html and "ibmq_qasm_simulator" in html
    assert EVIL not in html and "&lt;script&gt;" in html
    result = result_html(done_job.result())
    assert "Result: success" in result and EVIL not in result
    assert result.count("<tr") == 2


def test_a_broken_object_gives_a_message_not_a_traceback():
    class Broken:
        def job_id(self):
            return "x"

        def status(self, refresh=False):
            raise ConnectionError("connection refused by 127.0.0.1")

    html = job_html(Broken())
    assert "Could not show the job: connection refused" in html and "ibmq-widgets-error" in html
