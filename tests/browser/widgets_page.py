"""The BackendPicker and the QubitPropertyPlot linked to it as a browser page shows them, in any frontend
(JupyterLab, Notebook 7, Voilà): their state read from the page, and the steps a person takes, each step
followed by a wait on the exact state it then checks. Used by the browser tests and the README screenshot."""

from __future__ import annotations

import re
from typing import Any

from labdriver import ARTIFACTS, JupyterLabServer, open_notebook, run_all_cells, wait_until

PICKER = ".ibmq-widgets-backend-picker"
PLOT = ".ibmq-widgets-qubit-plot"
ROWS = f"{PICKER} .ibmq-widgets-row"
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
TOTAL_BACKENDS = 69  # the local service's research instance: 68 devices and the simulator
SHOWN_DEVICES = 63  # devices of 5 qubits or more, less the 4 test snapshots (fake_*, alt_*) hidden by default

# The picker as the page shows it: the rows of the page shown (name, qubits), the selected row, its text.
PICKER_STATE = f"""() => {{
    const picker = document.querySelector('{PICKER}');
    const rows = [...document.querySelectorAll('{ROWS}')];
    const selected = rows.find(row => row.getAttribute('aria-selected') === 'true');
    return {{
        names: rows.map(row => row.dataset.name),
        qubits: rows.map(row => parseInt(row.querySelector('[data-column=qubits]').textContent, 10)),
        selected: selected ? selected.dataset.name : null,
        headers: [...document.querySelectorAll('{PICKER} .ibmq-widgets-sort')].map(b => b.textContent.trim()),
        text: picker ? picker.innerText : '',
    }};
}}"""
# The plot as the page shows it: the backend its map is of, its text, and the hover titles of qubits and couplers.
PLOT_STATE = f"""() => {{
    const plot = document.querySelector('{PLOT}');
    const map = plot && plot.querySelector('svg.ibmq-widgets-device-map');
    return {{
        backend: map ? map.dataset.backend : null,
        text: plot ? plot.innerText : '',
        qubitTitles: map ? map.querySelectorAll('g.qubit > title').length : 0,
        couplerTitles: map ? map.querySelectorAll('line.coupler > title').length : 0,
        firstTitle: map && map.querySelector('g.qubit > title') ? map.querySelector('g.qubit > title').textContent : '',
        images: plot ? plot.querySelectorAll('img').length : 0,
    }};
}}"""


def picker_shows(page, condition: str, timeout_ms: int = 120_000) -> dict[str, Any]:
    """Wait until the picker's state (PICKER_STATE, as ``s``) satisfies the JS ``condition``; return it."""
    return wait_until(
        page, f"() => {{ const s = ({PICKER_STATE})(); return ({condition}) ? s : false; }}", timeout_ms
    )


def plot_shows(page, condition: str, timeout_ms: int = 120_000) -> dict[str, Any]:
    """Wait until the plot's state (PLOT_STATE, as ``p``) satisfies the JS ``condition``; return it."""
    return wait_until(
        page, f"() => {{ const p = ({PLOT_STATE})(); return ({condition}) ? p : false; }}", timeout_ms
    )


def plot_of(page, backend: str, n_qubits: int, timeout_ms: int = 120_000) -> dict[str, Any]:
    """Wait until the plot shows ``backend``'s map and says so (``"ibm_fez: 156 qubits"``)."""
    return plot_shows(
        page, f"p.backend === '{backend}' && p.text.includes('{backend}: {n_qubits} qubit')", timeout_ms
    )


def show_widgets_notebook(page, server: JupyterLabServer) -> tuple[Any, dict[str, Any]]:
    """Open and run 03_widgets.ipynb in JupyterLab; wait until the picker lists the devices of 5 or more qubits
    with ibm_fez selected and the plot shows ibm_fez. Returns the output holding picker and plot (a locator)
    and the plot's state."""
    open_notebook(page, server, "03_widgets.ipynb")
    run_all_cells(page)
    errors = page.locator(STDERR)
    assert errors.count() == 0, "\n---\n".join(errors.all_inner_texts())
    page.locator(PICKER).first.scroll_into_view_if_needed()
    return page.locator(".jp-OutputArea-output", has=page.locator(PICKER)).first, wait_for_start(page)


def wait_for_start(page) -> dict[str, Any]:
    """The state the picker-and-plot notebooks start in: ibm_fez selected among the devices of 5+ qubits."""
    picker_shows(
        page, f"s.selected === 'ibm_fez' && s.text.includes('{SHOWN_DEVICES} of {TOTAL_BACKENDS} backends')"
    )
    return plot_of(page, "ibm_fez", 156)


# --- what a person does -----------------------------------------------------------------------------------------
def click_row(page, name: str) -> None:
    """Click ``name``'s row (anywhere on it lies its transparent button)."""
    row = page.locator(
        f"{PICKER} .ibmq-widgets-backend-row", has=page.locator(f".ibmq-widgets-row[data-name='{name}']")
    )
    row.locator(".ibmq-widgets-row-button").click()


def click_header(page, sort_key: str) -> None:
    page.locator(f"{PICKER} .ibmq-widgets-sort-{sort_key}").click()


def set_min_qubits(page, count: int) -> None:
    box = page.locator(f"{PICKER} .widget-inline-hbox", has_text="Min qubits").locator("input")
    box.fill(str(count))
    box.press("Enter")


def search(page, text: str) -> None:
    page.locator(f"{PICKER} .widget-text", has_text="Search").locator("input").fill(text)


def exercise_picker_and_plot(page, name: str) -> None:
    """The checks every frontend must pass, from the start state (``wait_for_start``); screenshots of each view
    go to tests/artifacts/<name>-*.png.

    A row click selects and the linked plot redraws; a header click sorts, a second reverses; the next page
    holds more matches; filtering to no match and back brings the selection back; the fez map is SVG with a
    hover title on each of its 156 qubits and 176 couplers.
    """
    # Over 60 lines on purpose: one person's session, step by step, each step waiting on what it then checks.
    picker = page.locator(PICKER).first
    picker.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{name}-start.png"))
    state = picker_shows(page, "s.names.length === 15")  # pages of 15 rows
    if "Qubits ▲" not in state["headers"]:  # (03_widgets.ipynb ends sorted by name)
        click_header(page, "qubits")
    most_first = "s.qubits.every((q, i) => i === 0 || s.qubits[i - 1] >= q)"
    fewest_first = "s.qubits.every((q, i) => i === 0 || s.qubits[i - 1] <= q)"
    state = picker_shows(page, f"s.headers.includes('Qubits ▲') && {most_first}")
    chosen = next(n for n, q in zip(state["names"], state["qubits"], strict=True) if q == 127)
    click_row(page, chosen)
    picker_shows(page, f"s.selected === '{chosen}'")
    plot_of(page, chosen, 127)
    page.screenshot(path=str(ARTIFACTS / f"{name}-row-clicked.png"))

    click_header(page, "qubits")  # a second click on the sorted column reverses it: fewest first
    state = picker_shows(page, f"s.headers.includes('Qubits ▼') && {fewest_first}")
    assert chosen in state["names"], "the selection's page is the one shown"
    click_header(page, "qubits")
    picker_shows(page, f"s.headers.includes('Qubits ▲') && {most_first}")
    click_header(page, "name")
    state = picker_shows(
        page, "s.headers.includes('Name ▲') && s.names.every((n, i) => i === 0 || s.names[i - 1] <= n)"
    )
    shown, pages = map(int, re.search(r"page (\d+) of (\d+)", state["text"]).groups())
    turn = "Next" if shown < pages else "Previous"  # the selection's page is shown: turn to another
    page.locator(f"{PICKER} .ibmq-widgets-backend-pages button", has_text=turn).click()
    other = shown + 1 if turn == "Next" else shown - 1
    picker_shows(page, f"s.text.includes('page {other} of') && !s.names.includes('{state['names'][0]}')")
    page.screenshot(path=str(ARTIFACTS / f"{name}-sorted.png"))

    set_min_qubits(page, 500)  # nothing matches: nothing selected, and both widgets say why
    picker_shows(page, "s.names.length === 0 && s.text.includes('No backend matches the filters (min qubits 500') "
                       "&& s.text.includes('lower Min qubits to 156 or less')")  # fmt: skip
    plot_shows(page, "p.backend === null && p.text.includes('No backend selected')")
    page.screenshot(path=str(ARTIFACTS / f"{name}-no-match.png"))
    set_min_qubits(page, 5)
    picker_shows(page, f"s.selected === '{chosen}' && s.names.includes('{chosen}')")
    plot_of(page, chosen, 127)

    search(page, "ibm_fez")
    picker_shows(page, "s.names.length === 1 && s.names[0] === 'ibm_fez'")
    click_row(page, "ibm_fez")
    fez = plot_of(page, "ibm_fez", 156)
    assert fez["qubitTitles"] == 156 and fez["couplerTitles"] == 176 and fez["images"] == 0
    assert fez["firstTitle"].startswith("Qubit 0\nT1: ")
    page.locator(f"{PLOT} svg.ibmq-widgets-device-map").first.screenshot(
        path=str(ARTIFACTS / f"{name}-fez-map.png")
    )
    search(page, "")
    picker_shows(
        page, f"s.selected === 'ibm_fez' && s.text.includes('{SHOWN_DEVICES} of {TOTAL_BACKENDS} backends')"
    )
