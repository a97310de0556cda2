"""The %ibmq_job_watcher magics through IPython's test shell."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from IPython.core.error import UsageError
from watcher_fakes import FakeJob, FakeProvider, Status

MAGICS = ("ibmq_job_watcher", "ibmq_disable_job_watcher")


@pytest.fixture
def shell():
    from IPython.testing.globalipapp import get_ipython, start_ipython

    ip = start_ipython() or get_ipython()  # the test shell is a singleton: started once per process
    yield ip
    if "ibmq_widgets" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "ibmq_widgets")
    ip.user_ns.pop("prov", None)


def watcher_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "ibmq-job-watcher"]


def test_importing_ibmq_widgets_registers_nothing_and_starts_nothing() -> None:
    code = (
        "import sys, threading\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "threads = set(threading.enumerate())\n"
        "import ibmq_widgets\n"
        "assert 'ibmq_job_watcher' not in shell.magics_manager.magics['line']\n"
        "assert 'ibmq_widgets.magics' not in sys.modules, 'magics imported on package import'\n"
        "assert 'ibmq_widgets.widgets.job_watcher' not in sys.modules\n"
        "assert set(threading.enumerate()) == threads, threading.enumerate()\n"
        "print('clean')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "clean"


def test_load_ext_registers_both_magics_and_unload_removes_them(shell) -> None:
    assert not any(name in shell.magics_manager.magics["line"] for name in MAGICS)
    shell.run_line_magic("load_ext", "ibmq_widgets")
    assert all(name in shell.magics_manager.magics["line"] for name in MAGICS)
    shell.run_line_magic("unload_ext", "ibmq_widgets")
    assert not any(name in shell.magics_manager.magics["line"] for name in MAGICS)


def test_watcher_magic_shows_a_polling_panel_with_the_options_given(shell, capsys) -> None:
    provider = FakeProvider([FakeJob("job-1", Status.RUNNING, backend="ibm_fez")])
    shell.user_ns["prov"] = provider
    shell.run_line_magic("load_ext", "ibmq_widgets")
    shell.run_line_magic("ibmq_job_watcher", "--provider prov -i 0.5 -b ibm_fez -k 3")
    magics = shell.magics_manager.registry["JobWatcherMagics"]
    watcher = magics.watcher
    assert watcher.poller.running and watcher.poller.interval == 0.5 and watcher.keep_finished == 3
    assert "JobWatcher" in capsys.readouterr().out  # displayed by the magic
    # the first poll runs on the poller thread: one list request with the backend filter
    for _ in range(200):
        if provider.backends.calls:
            break
        threading.Event().wait(0.05)
    assert provider.backends.calls[0] == {"limit": 1000, "backend_name": "ibm_fez", "descending": True}

    shell.run_line_magic("ibmq_job_watcher", "--provider prov")  # replaces the running one
    assert magics.watcher is not watcher and not watcher.poller.running
    assert len(watcher_threads()) == 1

    shell.run_line_magic("ibmq_disable_job_watcher", "")
    assert magics.watcher is None and watcher_threads() == []
    shell.run_line_magic("ibmq_disable_job_watcher", "")  # nothing running: still fine


def test_unload_stops_the_watcher(shell) -> None:
    shell.user_ns["prov"] = FakeProvider([])
    shell.run_line_magic("load_ext", "ibmq_widgets")
    shell.run_line_magic("ibmq_job_watcher", "--provider prov")
    assert len(watcher_threads()) == 1
    shell.run_line_magic("unload_ext", "ibmq_widgets")
    assert watcher_threads() == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--provider prov -i 0", "interval must be a positive number of seconds, got 0.0"),
        ("--provider prov -k -2", "keep_finished must be an integer >= 0, got -2"),
        ("--provider nowhere", "--provider nowhere: no variable of that name in this notebook"),
        ("--provider prov --instance a/b/c", "pass either --provider or --instance, not both"),
        ("--instance a/b", "--instance must be hub/group/project, got 'a/b'"),
        ("--provider a/b", "--provider must be hub/group/project, got 'a/b'"),
        ("--provider number", "JobWatcher needs a provider"),
    ],
)
def test_bad_options_are_usage_errors_that_say_what_to_do(shell, line, message) -> None:
    shell.user_ns["prov"] = FakeProvider([])
    shell.user_ns["number"] = 42
    shell.run_line_magic("load_ext", "ibmq_widgets")
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("ibmq_job_watcher", line)
    assert message in str(caught.value)
    assert watcher_threads() == []
    shell.user_ns.pop("number")


def test_without_an_active_account_the_magic_says_to_load_one(shell) -> None:
    from ibmq_widgets.client import IBMQ

    if IBMQ.active_account() is not None:  # pragma: no cover - another test enabled the global account
        pytest.fail("the global IBMQ account must not be active in unit tests")
    shell.run_line_magic("load_ext", "ibmq_widgets")
    with pytest.raises(UsageError, match=r"run `provider = IBMQ\.load_account\(\)` first"):
        shell.run_line_magic("ibmq_job_watcher", "")
