"""Every Python snippet of README.md runs as written, in order, against a real local service.

The snippets run in a fresh interpreter, the way a new user pastes them: the account comes from the
environment variables the README's lookup order names (IBMQ_TOKEN, IBMQ_URL), pointed at the test session's service.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def readme_snippets() -> list[str]:
    return [textwrap.dedent(block) for block in FENCE.findall(README.read_text())]


def test_the_readme_has_python_snippets_to_run():
    snippets = readme_snippets()
    assert len(snippets) >= 3
    assert any("IBMQ.load_account()" in snippet for snippet in snippets)


def test_every_readme_snippet_runs_as_written(local_service, tmp_path):
    # Each snippet is followed by a marker, so a failure names the snippet that broke.
    program = "\n".join(
        f"{snippet}\nprint('snippet {index} ok', flush=True)\n"
        for index, snippet in enumerate(readme_snippets())
    )
    env = {
        **os.environ,
        "IBMQ_TOKEN": local_service.api_key,
        "IBMQ_URL": local_service.url,
        "IBMQ_WIDGETS_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    ran = re.findall(r"^snippet (\d+) ok$", done.stdout, re.M)
    assert done.returncode == 0, f"snippet {len(ran)} of README.md failed:\n{done.stderr[-3000:]}"
    assert len(ran) == len(readme_snippets())
    assert local_service.api_key not in done.stdout + done.stderr
