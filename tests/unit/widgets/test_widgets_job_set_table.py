"""JobSetTable and the job-set display on real job sets run by the job manager on the local service."""

from __future__ import annotations

import base64
import csv
import io
import re
import time

import pytest
from qiskit import QuantumCircuit
from widget_doubles import bell

from ibmq_widgets import JobSetTable
from ibmq_widgets.managed import IBMQJobManager
from ibmq_widgets.widgets.display import job_set_html, managed_results_html


@pytest.fixture(scope="module")
def job_set(research_provider):
    simulator = research_provider.get_backend("ibmq_qasm_simulator")
    circuits = [bell(f"bell-{index}") for index in range(6)]
    circuits[4] = bell("<b>bold</b>")
    job_set = IBMQJobManager().run(
        circuits, backend=simulator, name="table", max_experiments_per_job=2, progress=False
    )
    job_set.results(progress=False)
    return job_set


@pytest.fixture(scope="module")
def failed_set(research_provider):
    wide = QuantumCircuit(7)
    wide.h(0)
    for qubit in range(1, 7):
        wide.cx(0, qubit)
    wide.measure_all()
    # Seven qubits on a five-qubit device: every submission fails, with the client's reason.
    with pytest.warns(UserWarning, match="no job of set 'too wide' could be submitted"):
        return IBMQJobManager().run(
            [wide, wide.copy()],
            backend=research_provider.get_backend("ibmq_vigo"),
            name="too wide",
            progress=False,
        )


@pytest.fixture
def table(job_set):
    table = JobSetTable(job_set)
    assert table.wait(60)
    yield table
    table.close()


def test_one_row_per_experiment_with_job_status_and_outcomes(table, job_set):
    frame = table.dataframe
    assert list(frame["experiment"]) == list(range(6))
    assert list(frame["job_index"]) == [0, 0, 1, 1, 2, 2]
    assert set(frame["status"]) == {"DONE"}
    assert frame.loc[0, "job_id"] == job_set.jobs()[0].job_id()
    assert re.fullmatch(r"(00|11): \d+, (00|11): \d+", frame.loc[0, "top_outcomes"])
    html = table._table.value
    assert html.count("<tr") == 7 and "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert table.status == "6 experiments, all done."


def test_sort_and_filter_by_status(table):
    table.sort_by = "name"
    assert table.visible_frame()["name"].iloc[0] == "<b>bold</b>"
    table._sort.set_state({"index": 0})  # back to experiment order from the browser
    assert table.sort_by == "experiment"
    assert table._filter.options == ("all", "DONE")
    table.status_filter = "DONE"
    assert len(table.visible_frame()) == 6
    table.max_rows = 2
    assert table._table.value.count("<tr") == 3 and "showing 2 of 6 rows" in table._table.value


def test_csv_export_to_a_file_and_a_data_uri(table, tmp_path):
    path = tmp_path / "set.csv"
    text = table.to_csv(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 6 and rows[1]["status"] == "DONE" and rows[1]["counts"].startswith("{")
    link = table._download.value
    payload = re.search(r'href="data:text/csv;base64,([^"]+)"', link).group(1)
    assert base64.b64decode(payload).decode() == text
    assert 'download="job-set-' in link and "<script" not in link


def test_a_set_whose_jobs_failed_shows_why(failed_set):
    table = JobSetTable(failed_set)
    assert table.wait(60)
    assert set(table.dataframe["status"]) == {"submission failed"}
    assert "2 of 2 experiments have no result" in table._message.value
    assert "needs 7 qubits but ibmq_vigo has 5" in table._message.value
    table.close()


def test_no_job_set_and_results_given_directly(job_set):
    empty = JobSetTable()
    assert "No job set" in empty._message.value and empty.dataframe.empty
    empty.close()
    table = JobSetTable(job_set.results(progress=False))
    assert table.wait(60)
    assert len(table.dataframe) == 6
    table.close()


def test_job_set_and_managed_results_html(job_set, failed_set):
    html = job_set_html(job_set)
    assert "Job set &#39;table&#39;" in html and html.count("<tr") == 4 and "DONE" in html
    failed = job_set_html(failed_set)
    assert "not submitted" in failed and "submission failed" in failed
    results_html = managed_results_html(job_set.results(progress=False))
    assert "6 experiments, all experiments succeeded" in results_html
    assert "&lt;b&gt;bold&lt;/b&gt;" in results_html


def test_a_running_set_refreshes_itself_until_done(research_provider):
    circuits = [bell(f"live-{index}") for index in range(4)]
    backend = research_provider.get_backend("ibmq_qasm_simulator")
    job_set = IBMQJobManager().run(circuits, backend=backend, max_experiments_per_job=1, progress=False)
    table = JobSetTable(job_set, auto_refresh=0.3)
    try:
        assert table.wait(60)
        deadline = time.monotonic() + 120
        while table.status != "4 experiments, all done." and time.monotonic() < deadline:
            time.sleep(0.2)
        assert table.status == "4 experiments, all done."
        assert all(table.dataframe["top_outcomes"] != "")
    finally:
        table.close()


def test_an_estimator_sets_rows_show_expectation_values_and_errors():
    import numpy as np
    import pandas as pd

    from ibmq_widgets.widgets.job_set_table import estimate_text, experiments_frame

    results = pd.DataFrame(
        {
            "index": [0, 1],
            "name": [None, "xx"],
            "job_index": [0, 0],
            "job_id": ["j0", "j0"],
            "status": ["DONE", "DONE"],
            "counts": [None, None],
            "expectation_value": [0.9876, np.array([1.0, -0.5])],
            "standard_error": [0.0101, np.array([0.01, 0.02])],
        }
    )
    frame = experiments_frame(results)
    assert list(frame["top_outcomes"]) == ["<O> = 0.988 ± 0.010", "<O> = 1.000 ± 0.010, -0.500 ± 0.020"]
    assert frame["expectation_value"][0] == 0.9876
    assert estimate_text(None, None) == ""
    assert estimate_text(0.5, None) == "<O> = 0.500"
