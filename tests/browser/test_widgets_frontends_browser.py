"""The picker and the plot in the other two frontends, Jupyter Notebook 7 and Voilà, each in headless Chromium:
the same session as in JupyterLab (widgets_page.exercise_picker_and_plot) passes every check. Both run a
one-cell notebook showing the picker linked to the plot (frontends.PICKER_AND_PLOT)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from frontends import PICKER_AND_PLOT, open_in_notebook7, start_notebook7, start_voila, write_notebook
from labdriver import JupyterLabServer, run_all_cells
from widgets_page import STDERR, exercise_picker_and_plot, wait_for_start

NOTEBOOK = "picker_and_plot.ipynb"


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory, jupyter_lab) -> Iterator[JupyterLabServer]:
    """Notebook 7 on a free loopback port (after JupyterLab's fixture, which checks Chromium is there)."""
    root = tmp_path_factory.mktemp("nb7-root")
    write_notebook(root / NOTEBOOK, PICKER_AND_PLOT)
    data_dir, home = tmp_path_factory.mktemp("nb7-service-data"), tmp_path_factory.mktemp("nb7-home")
    with start_notebook7(root, data_dir, home) as server:
        yield server


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory, jupyter_lab) -> Iterator[JupyterLabServer]:
    """Voilà serving the picker-and-plot notebook on a free loopback port."""
    notebook = write_notebook(tmp_path_factory.mktemp("voila-root") / NOTEBOOK, PICKER_AND_PLOT)
    data_dir, home = tmp_path_factory.mktemp("voila-service-data"), tmp_path_factory.mktemp("voila-home")
    with start_voila(notebook, data_dir, home) as server:
        yield server


def test_picker_and_plot_in_notebook7(notebook7, lab_page):
    page = lab_page
    open_in_notebook7(page, notebook7, NOTEBOOK)
    run_all_cells(page)
    start = wait_for_start(page)
    assert start["qubitTitles"] == 156 and start["images"] == 0
    exercise_picker_and_plot(page, "widgets-notebook7")
    errors = page.locator(STDERR)
    assert errors.count() == 0, "\n---\n".join(errors.all_inner_texts())


def test_picker_and_plot_in_voila(voila, lab_page):
    page = lab_page
    page.goto(voila.url)  # Voilà runs the notebook and shows its outputs: wait on what they show
    start = wait_for_start(page)
    assert start["qubitTitles"] == 156 and start["images"] == 0
    exercise_picker_and_plot(page, "widgets-voila")
    assert page.locator(".jp-OutputArea-output[data-mime-type*='stderr'], .voila-error").count() == 0
