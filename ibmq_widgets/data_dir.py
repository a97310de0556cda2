"""Where the local service keeps its data: one answer shared by the client and the service.

The client reads ``service.json`` there to find a running service; the service keeps its API key, signing secret,
configuration and job store there. Both must agree on the default, so it lives here, below both layers.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_DIR_ENV", "default_data_dir"]

#: The environment variable that overrides the default data directory.
DATA_DIR_ENV = "IBMQ_WIDGETS_DATA_DIR"


def default_data_dir() -> Path:
    """The local service's data directory.

    Returns
    -------
    Path
        ``$IBMQ_WIDGETS_DATA_DIR`` when set, else ``<jupyter data dir>/ibmq_widgets`` (so a Jupyter server
        extension and every kernel of that user agree without configuration).
    """
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    # imported late: importing the package has no side effects
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "ibmq_widgets"
