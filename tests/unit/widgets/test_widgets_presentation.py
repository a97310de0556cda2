"""The client's presentation seam (ibmq_widgets.client.presentation): client objects show the widgets' rich
HTML and views through it, plain escaped text when the widgets cannot be imported, and importing the client
imports none of the widgets."""

from __future__ import annotations

import subprocess
import sys

import pytest
from IPython.core.formatters import DisplayFormatter
from widget_doubles import bell

from ibmq_widgets.client import presentation
from ibmq_widgets.client.managed.progress import Progress
from ibmq_widgets.managed import IBMQJobManager

EVIL = "<b>bold</b> & 'quoted'"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def simulator(research_provider):
    return research_provider.get_backend("ibmq_qasm_simulator")


@pytest.fixture(scope="module")
def done_job(simulator):
    job = simulator.run(bell(EVIL), shots=50, job_name=EVIL)
    job.result(timeout=120)
    return job


@pytest.fixture(scope="module")
def done_set(simulator):
    the_set = IBMQJobManager().run(
        [bell("a"), bell("b")], backend=simulator, name=EVIL, max_experiments_per_job=1, progress=False
    )
    the_set.results(progress=False)
    return the_set


def test_every_client_object_shows_the_widgets_rich_html(research_provider, done_job, done_set):
    backend = research_provider.get_backend("ibm_fez")
    assert "<b>qubits</b>" in backend._repr_html_() and "median cz error" in backend._repr_html_()
    job_html = done_job._repr_html_()
    assert "<table" in job_html and done_job.job_id() in job_html and "DONE" in job_html
    assert EVIL not in job_html and "&lt;b&gt;bold&lt;/b&gt;" in job_html
    assert "Result: success" in done_job.result()._repr_html_()
    set_html = done_set._repr_html_()
    assert "Job set" in set_html and set_html.count("<tr") == 3 and EVIL not in set_html
    results_html = done_set.results(progress=False)._repr_html_()
    assert "ManagedResults: 2 experiments, all experiments succeeded" in results_html
    assert presentation.html(backend) == backend._repr_html_()  # the hooks are the seam, nothing more


def test_a_backend_as_the_last_expression_of_a_cell_shows_its_tabbed_view(research_provider):
    backend = research_provider.get_backend("ibm_kawasaki")
    data, _metadata = DisplayFormatter().format(backend)  # what IPython does with a cell's last value
    assert WIDGET_VIEW in data  # the Tab widget (configuration, qubits, gates, map, jobs)
    assert "<b>qubits</b>" in data["text/html"]  # for frontends without widgets
    assert data["text/plain"].startswith("BackendView(")  # an ipywidgets Tab
    assert presentation.mimebundle(object()) is None  # only backends have a widget view


def test_without_the_widgets_objects_show_as_escaped_text(monkeypatch, research_provider, done_job, done_set):
    monkeypatch.setitem(sys.modules, "ibmq_widgets.widgets.display", None)  # the import now fails
    backend = research_provider.get_backend("ibmq_manila")
    assert backend._repr_html_() == (
        "<pre>&lt;IBMQBackend('ibmq_manila') from IBMQ(hub='ibm-q-network', group='research', "
        "project='main')&gt;</pre>"
    )
    assert backend._repr_mimebundle_() is None  # IPython falls back to the text HTML
    assert WIDGET_VIEW not in DisplayFormatter().format(backend)[0]
    assert done_job._repr_html_().startswith("<pre>&lt;IBMQJob ")
    assert done_job.result()._repr_html_().startswith("<pre>Result(")
    assert (
        done_set._repr_html_()
        == f"<pre>{repr(done_set).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</pre>"
    )
    assert "<b>bold</b>" not in done_set._repr_html_()


def test_an_object_the_widgets_do_not_draw_shows_as_text():
    class Other:
        def __repr__(self) -> str:
            return "<Other & co>"

    assert presentation.html(Other()) == "<pre>&lt;Other &amp; co&gt;</pre>"


def test_progress_bars_come_through_the_seam_or_stay_silent(monkeypatch):
    assert type(presentation.progress_bar("Submitting", total=3, enabled=False)) is Progress
    assert type(presentation.progress_bar("Submitting", total=3)) is Progress  # stderr is not a terminal
    import io

    stream = io.StringIO()
    bar = presentation.progress_bar("Submitting", total=3, stream=stream)
    bar.update(1, 3, "2 waiting for a slot")
    assert "1/3" in stream.getvalue() and "2 waiting for a slot" in stream.getvalue()
    monkeypatch.setitem(sys.modules, "ibmq_widgets.widgets.progress_bar", None)
    silent = presentation.progress_bar("Submitting", total=3, stream=io.StringIO())
    assert type(silent) is Progress  # the job manager runs on without a bar


def test_importing_the_client_imports_no_widget_and_no_drawing_library():
    code = (
        "import sys\n"
        "import ibmq_widgets.client, ibmq_widgets.client.presentation\n"
        "from ibmq_widgets.managed import IBMQJobManager\n"
        "loaded = [m for m in ('ibmq_widgets.widgets', 'ipywidgets', 'tqdm', 'jinja2', 'matplotlib')"
        " if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
