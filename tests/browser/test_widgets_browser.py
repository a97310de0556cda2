"""Widgets in JupyterLab in headless Chromium: 03_widgets.ipynb runs, and a person's session with the picker and
the plot linked to it passes every check (widgets_page.exercise_picker_and_plot): a row click selects and the
plot redraws, header clicks sort, every page of matches is reachable, filtering to no match and back restores
the selection, and the fez map is SVG with a hover title on each qubit and coupler. Screenshots of each view go
to tests/artifacts/ (the README's picture is made on purpose, by `./dev screenshot`)."""

from __future__ import annotations

from labdriver import ARTIFACTS, screenshot_whole
from widgets_page import STDERR, exercise_picker_and_plot, show_widgets_notebook


def test_picker_and_plot_in_jupyterlab(jupyter_lab, lab_page):
    page = lab_page
    both, start = show_widgets_notebook(page, jupyter_lab)
    assert start["qubitTitles"] == 156 and start["images"] == 0  # the map is vector (SVG), not a picture
    screenshot_whole(page, both, ARTIFACTS / "widgets-lab-picker-plot.png")
    exercise_picker_and_plot(page, "widgets-lab")
    screenshot_whole(page, both, ARTIFACTS / "widgets-lab-after.png")
    # Nothing in the notebook raised, then or since: no error output anywhere.
    errors = page.locator(STDERR)
    assert errors.count() == 0, "\n---\n".join(errors.all_inner_texts())
