"""Widgets in JupyterLab in headless Chromium: 03_widgets.ipynb runs, the picker filters, the plot follows.

The notebook shows a BackendPicker linked to a QubitPropertyPlot. The test types a minimum qubit count into
the picker and sees its table shrink, picks another backend in its dropdown and sees the plot redraw for that
device. Screenshots go to tests/artifacts/; the picker + plot one is copied to docs/screenshot-widgets.png.
"""

from __future__ import annotations

import shutil

from conftest import ARTIFACTS, REPO
from labdriver import open_notebook, run_all_cells

PICKER = ".ibmq-widgets-backend-picker"
PLOT = ".ibmq-widgets-qubit-plot"
ROWS = f"{PICKER} .ibmq-widgets-backend-table tbody tr"


def _screenshot_whole(page, element, name: str) -> None:
    """Screenshot ``element`` whole: the notebook scrolls inside the page, so grow the window to fit it."""
    height = int(element.bounding_box()["height"]) + 200
    page.set_viewport_size({"width": 1400, "height": max(1000, height)})
    page.wait_for_timeout(500)
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.wait_for_timeout(300)


def _row_count(page) -> int:
    return page.locator(ROWS).count()


def _plot_image_src(page) -> str:
    return page.locator(f"{PLOT} img").first.get_attribute("src") or ""


def test_picker_filters_and_the_linked_plot_redraws(jupyter_lab, lab_page):
    page = lab_page
    open_notebook(page, jupyter_lab, "03_widgets.ipynb")
    run_all_cells(page)
    picker = page.locator(PICKER).first
    try:
        picker.wait_for(timeout=120_000)
    except Exception as error:
        outputs = "\n---\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
        raise AssertionError(f"the picker never showed; the notebook's outputs were:\n{outputs}") from error
    picker.scroll_into_view_if_needed()
    # All cells ran: the picker lists the 67 devices with 5 or more qubits, and the plot shows ibm_fez.
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === 67", timeout=120_000)
    page.wait_for_function(
        f"(document.querySelector('{PLOT}')?.innerText || '').includes('ibm_fez: 156 qubits')",
        timeout=120_000,
    )
    page.wait_for_function(f"!!document.querySelector('{PLOT} img')?.getAttribute('src')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    both = page.locator(".jp-OutputArea-output", has=page.locator(PICKER)).first
    _screenshot_whole(page, both, "widgets-picker-plot")

    # Type a minimum qubit count: only the devices with at least 127 qubits remain.
    before = _row_count(page)
    qubits_input = picker.locator(".widget-inline-hbox", has_text="Min qubits").locator("input")
    qubits_input.fill("127")
    qubits_input.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length < {before}", timeout=30_000)
    qubit_counts = [int(text) for text in page.locator(f"{ROWS} td:nth-child(2)").all_inner_texts()]
    assert 0 < len(qubit_counts) < before and min(qubit_counts) >= 127
    assert f"{len(qubit_counts)} of 69 backends" in picker.inner_text()
    assert "ibm_fez" in picker.locator(".ibmq-widgets-backend-table").inner_text()
    assert "ibm_lagos" not in picker.locator(".ibmq-widgets-backend-table").inner_text()
    picker.screenshot(path=str(ARTIFACTS / "widgets-picker-filtered.png"))

    # Pick ibm_kawasaki in the picker's dropdown: the linked plot redraws for it.
    old_src = _plot_image_src(page)
    picker.locator(".widget-dropdown", has_text="Backend").locator("select").select_option("ibm_kawasaki")
    page.wait_for_function(
        f"(document.querySelector('{PLOT}')?.innerText || '').includes('ibm_kawasaki: 127 qubits')",
        timeout=60_000,
    )
    page.wait_for_function(
        f"document.querySelector('{PLOT} img')?.getAttribute('src') !== {old_src!r}", timeout=60_000
    )
    assert "ibm_kawasaki" in picker.locator(".ibmq-widgets-backend-table").inner_text()
    _screenshot_whole(page, both, "widgets-plot-redrawn")
    docs = REPO / "docs" / "screenshot-widgets.png"
    shutil.copy(ARTIFACTS / "widgets-picker-plot.png", docs)
    assert docs.stat().st_size > 10_000
    # Nothing in the notebook raised: no error output anywhere.
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
