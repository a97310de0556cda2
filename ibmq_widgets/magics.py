"""IPython magics: ``%ibmq_job_watcher`` and ``%ibmq_disable_job_watcher``.

Nothing registers on import: ``%load_ext ibmq_widgets`` calls ``load_ipython_extension``, which registers the
magics on that shell, and ``%unload_ext ibmq_widgets`` stops the watcher and removes them.

Usage::

    %load_ext ibmq_widgets
    provider = IBMQ.load_account()
    %ibmq_job_watcher                                       # every provider the account has enabled
    %ibmq_job_watcher --provider ibm-q-network/research/main  # one instance, named in the panel's title
    %ibmq_job_watcher --provider provider                   # a provider held in a variable
    %ibmq_job_watcher -i 1 -b ibm_fez -k 20                 # poll every second, one backend, keep 20 finished
    %ibmq_disable_job_watcher
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

__all__ = ["JobWatcherMagics", "load_ipython_extension", "unload_ipython_extension"]

_MAGIC_NAMES = ("ibmq_job_watcher", "ibmq_disable_job_watcher")
_registered: dict[int, JobWatcherMagics] = {}  # id(shell) -> its magics, to stop the watcher on unload


def _active_account() -> Any:
    """The global account manager, once an account is active in this kernel."""
    from ibmq_widgets.client import IBMQ

    if IBMQ.active_account() is None:
        raise UsageError(
            "no IBM Quantum account is active in this kernel; run `provider = IBMQ.load_account()` first "
            "(or pass --provider NAME of a variable holding a provider)"
        )
    return IBMQ


def _all_providers() -> list[Any]:
    """Every provider the active account has enabled."""
    providers = _active_account().providers()
    if not providers:
        raise UsageError("the active account has no providers; check the account with IBMQ.active_account()")
    return list(providers)


def _instance_provider(instance: str, option: str) -> Any:
    """The active account's provider of ``hub/group/project``."""
    parts = instance.split("/")
    if len(parts) != 3 or not all(parts):
        raise UsageError(f"{option} must be hub/group/project, got {instance!r}")
    account = _active_account()
    try:
        return account.get_provider(*parts)
    except Exception as error:  # no such provider: say which exist, as a usage error
        raise UsageError(f"{option} {instance}: {error}") from None


@magics_class
class JobWatcherMagics(Magics):
    """The job watcher magics of one IPython shell; holds that shell's watcher."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.watcher: Any = None

    @magic_arguments()
    @argument("-i", "--interval", type=float, default=2.0, help="seconds between polls while jobs run (2)")
    @argument("-b", "--backend", default=None, help="watch only this backend's jobs")
    @argument("-k", "--keep-finished", type=int, default=10, help="finished jobs to keep listed (10)")
    @argument(
        "-p",
        "--provider",
        default=None,
        help="watch one instance: hub/group/project, or the name of a variable holding a provider "
        "(default: every provider of the account)",
    )
    @argument("--instance", default=None, help="hub/group/project to watch (as --provider hub/group/project)")
    @line_magic
    def ibmq_job_watcher(self, line: str = "") -> None:
        """Show a live panel of every pending or recently finished job of the account's providers.

        One poller thread makes one list request per instance per poll; jobs submitted from this kernel appear
        at once. Running the magic again replaces the panel; ``%ibmq_disable_job_watcher`` stops it.
        """
        args = parse_argstring(self.ibmq_job_watcher, line)
        provider = self._provider(args.provider, args.instance)
        from IPython.display import display

        from ibmq_widgets.widgets.job_watcher import JobWatcher

        try:
            watcher = JobWatcher(
                provider, interval=args.interval, backend=args.backend, keep_finished=args.keep_finished
            )
        except (TypeError, ValueError) as error:
            raise UsageError(f"%ibmq_job_watcher: {error}") from None
        self.stop_watcher()
        self.watcher = watcher
        display(watcher)

    @line_magic
    def ibmq_disable_job_watcher(self, line: str = "") -> None:
        """Stop the job watcher and close its panel."""
        if line.strip():
            raise UsageError("%ibmq_disable_job_watcher takes no arguments")
        self.stop_watcher()

    def stop_watcher(self) -> None:
        """Stop and close this shell's watcher, if any (idempotent)."""
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            watcher.close()

    def _provider(self, chosen: str | None, instance: str | None) -> Any:
        """What to watch: one provider (named by instance or by variable) or every provider of the account."""
        if chosen is not None and instance is not None:
            raise UsageError("pass either --provider or --instance, not both")
        if instance is not None:
            return _instance_provider(instance, "--instance")
        if chosen is None:
            return _all_providers()
        if "/" in chosen:
            return _instance_provider(chosen, "--provider")
        if chosen not in self.shell.user_ns:
            raise UsageError(
                f"--provider {chosen}: no variable of that name in this notebook (an instance is written "
                "hub/group/project)"
            )
        return self.shell.user_ns[chosen]


def load_ipython_extension(ipython: Any) -> None:
    """Register the job watcher magics on ``ipython`` (``%load_ext ibmq_widgets``)."""
    magics = JobWatcherMagics(ipython)
    _registered[id(ipython)] = magics
    ipython.register_magics(magics)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop the shell's job watcher and remove the magics (``%unload_ext ibmq_widgets``)."""
    magics = _registered.pop(id(ipython), None)
    if magics is not None:
        magics.stop_watcher()
    line_magics = ipython.magics_manager.magics["line"]
    for name in _MAGIC_NAMES:
        line_magics.pop(name, None)
