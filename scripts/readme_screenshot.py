"""Make the README's screenshot: the BackendPicker and QubitPropertyPlot of 03_widgets.ipynb, in JupyterLab, in
headless Chromium, against a fresh local service.

Run on purpose with ``./dev screenshot`` (or ``python scripts/readme_screenshot.py [--output PATH]``);
it writes docs/screenshot-widgets.png by default. It lives outside tests/ because no test writes a tracked
file: the browser tests keep their screenshots in tests/artifacts/ (gitignored). It drives JupyterLab with the
browser tests' own helpers (tests/browser/labdriver.py, widgets_page.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "browser"))

from labdriver import REPO, handle_dialogs, launch_chromium, screenshot_whole, start_lab
from widgets_page import show_widgets_notebook

DEFAULT_OUTPUT = REPO / "docs" / "screenshot-widgets.png"


def isolate(home: Path) -> None:
    """Never use the user's saved account, data directory or Jupyter settings (as the tests do)."""
    os.environ.update(
        HOME=str(home),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
        MPLBACKEND="Agg",
    )
    for name in ("IBMQ_TOKEN", "IBMQ_URL", "IBMQ_INSTANCE", "QISKIT_IBM_TOKEN", "IAM_URL"):
        os.environ.pop(name, None)


def make_screenshot(output: Path) -> Path:
    """Run 03_widgets.ipynb in JupyterLab and save the picker and plot output cell to ``output``."""
    with tempfile.TemporaryDirectory(prefix="ibmq-widgets-screenshot-") as folder:
        work = Path(folder)
        isolate(work / "home")
        root = work / "notebooks"
        root.mkdir()
        for notebook in (REPO / "notebooks").glob("*.ipynb"):
            shutil.copy(notebook, root / notebook.name)
        with start_lab(root, work / "service-data", work / "lab") as server, launch_chromium() as chromium:
            context = chromium.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(60_000)
            handle_dialogs(page)
            both, _src = show_widgets_notebook(page, server)
            screenshot_whole(page, both, output)
            context.close()
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    args = parser.parse_args(argv)
    path = make_screenshot(args.output.resolve())
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
