"""The browser harness itself: JupyterLab starts, Chromium opens a notebook, runs it and sees the output."""

from __future__ import annotations

import json

from labdriver import open_notebook, run_all_cells, screenshot


def test_lab_runs_a_notebook_in_chromium(jupyter_lab, lab_page):
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": ["print('sum is', 40 + 2)"],
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (jupyter_lab.root_dir / "smoke.ipynb").write_text(json.dumps(notebook))
    open_notebook(lab_page, jupyter_lab, "smoke.ipynb")
    run_all_cells(lab_page)
    output = lab_page.locator(".jp-OutputArea-output").first
    output.wait_for()
    assert "sum is 42" in output.inner_text()
    assert screenshot(lab_page, "lab-smoke").stat().st_size > 0
