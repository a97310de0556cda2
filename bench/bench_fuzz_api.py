"""API fuzzing, the long run: schemathesis against a live local service, from openapi.yaml.

Runs tests/integration/service/test_openapi_fuzz.py (the suite's bounded run: 25 random cases per operation,
the same every time) with many more random cases per operation, drawn anew on every run, and prints what it
sent and got: cases, endpoints, operations, the status codes seen per operation, failures, and the run time.
Every response must be free of server errors and as openapi.yaml documents (status, content type, headers,
body schema), and schema-violating input must be refused with a 4xx.

Usage: python bench/bench_fuzz_api.py [--examples N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = ROOT / "tests" / "integration" / "service" / "test_openapi_fuzz.py"


def run(examples: int, seed: int | None) -> tuple[int, dict, float]:
    """Run the fuzz test with ``examples`` random cases per operation; its exit code, tally and seconds."""
    with tempfile.TemporaryDirectory(prefix="ibmq-widgets-fuzz-") as tmp:
        report = Path(tmp) / "report.json"
        env = dict(
            os.environ,
            IBMQ_WIDGETS_FUZZ_EXAMPLES=str(examples),
            IBMQ_WIDGETS_FUZZ_DETERMINISTIC="0",
            IBMQ_WIDGETS_FUZZ_REPORT=str(report),
        )
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--timeout=3600",
            str(TEST),
        ]
        if seed is not None:
            env["IBMQ_WIDGETS_FUZZ_SEED"] = str(seed)
        started = time.perf_counter()
        completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if completed.returncode != 0:
            print(completed.stdout[-20000:])
            print(completed.stderr[-5000:], file=sys.stderr)
        tally = json.loads(report.read_text()) if report.exists() else {}
    return completed.returncode, tally, seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=300, help="random cases per operation (default 300)")
    parser.add_argument("--seed", type=int, default=None, help="schemathesis seed, to replay a run")
    args = parser.parse_args()
    code, tally, seconds = run(args.examples, args.seed)
    if not tally:
        print(f"no cases ran (pytest exit code {code})")
        return code or 1
    print(
        f"API fuzzing: {tally['cases']} cases over {tally['endpoints']} endpoints ({tally['operations']} "
        f"operations), {args.examples} random cases per operation; {seconds:.1f} s in all "
        f"({tally['seconds']} s fuzzing, seed {tally['seed']}), "
        f"{'no failures' if code == 0 else f'FAILED (pytest exit code {code})'}"
    )
    for operation, statuses in tally["statuses"].items():
        print(f"  {operation:<42} " + ", ".join(f"{status}: {count}" for status, count in statuses.items()))
    return code


if __name__ == "__main__":
    sys.exit(main())
