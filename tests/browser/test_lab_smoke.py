"""The browser harness itself: JupyterLab starts, Chromium opens a notebook, runs it and sees the output, and
a JupyterLab dialog that turns up is dismissed instead of blocking the test."""

from __future__ import annotations

import json

from labdriver import DIALOG, open_notebook, run_all_cells, screenshot


def _notebook(source: str) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [source]}
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_lab_runs_a_notebook_in_chromium(jupyter_lab, lab_page):
    (jupyter_lab.root_dir / "smoke.ipynb").write_text(json.dumps(_notebook("print('sum is', 40 + 2)")))
    open_notebook(lab_page, jupyter_lab, "smoke.ipynb")
    run_all_cells(lab_page)
    output = lab_page.locator(".jp-OutputArea-output").first
    output.wait_for()
    assert "sum is 42" in output.inner_text()
    assert screenshot(lab_page, "lab-smoke").stat().st_size > 0


def test_a_dialog_never_blocks_the_harness(jupyter_lab, lab_page):
    (jupyter_lab.root_dir / "dialog.ipynb").write_text(json.dumps(_notebook("print('after the dialog')")))
    open_notebook(lab_page, jupyter_lab, "dialog.ipynb")
    # A dialog as JupyterLab shows one (here the kernel chooser), over the notebook, before the next action.
    lab_page.evaluate("() => { window.jupyterapp.commands.execute('notebook:change-kernel'); }")
    lab_page.wait_for_function(f"() => !!document.querySelector('{DIALOG}')", timeout=30_000)
    lab_page.locator(".jp-Notebook").first.click()  # dismissed before the click instead of intercepting it
    run_all_cells(lab_page)  # and during the waits
    assert "after the dialog" in lab_page.locator(".jp-OutputArea-output").first.inner_text()
    assert lab_page.ibmq_dialogs, "the dialog should have been seen and dismissed"
    assert lab_page.locator(DIALOG).count() == 0
