"""Credentials (the token never in a repr), the saved-account file (0600) and the environment variables."""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ibmq_widgets import exceptions as exc

__all__ = [
    "ENV_INSTANCE",
    "ENV_TOKEN",
    "ENV_URL",
    "Credentials",
    "credentials_from_environment",
    "default_credentials_path",
    "delete_saved",
    "read_saved",
    "split_instance",
    "write_saved",
]

logger = logging.getLogger(__name__)

ENV_TOKEN = "IBMQ_TOKEN"
ENV_URL = "IBMQ_URL"
ENV_INSTANCE = "IBMQ_INSTANCE"
_FILE_VERSION = 1
_IBM_HOST_SUFFIX = "cloud.ibm.com"


def split_instance(instance: str | None) -> tuple[str | None, str | None, str | None]:
    """``"hub/group/project"`` -> (hub, group, project); a CRN, an instance's IBM Cloud name (no ``/``) or
    None -> (None, None, None).

    Raises
    ------
    IBMQAccountCredentialsInvalid
        If ``instance`` is neither a CRN nor three names joined by ``/``.
    """
    if not instance or instance.startswith("crn:") or "/" not in instance:
        return None, None, None
    parts = instance.split("/")
    if len(parts) != 3 or not all(parts):
        raise exc.IBMQAccountCredentialsInvalid(
            f"instance {instance!r} should be 'hub/group/project' (e.g. 'ibm-q/open/main'), an instance's "
            "name or its CRN"
        )
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class Credentials:
    """What an account needs to connect: the token, where to connect and which instance to use.

    Parameters
    ----------
    token : str
        The API key (IBM Cloud, or the local service's). Never shown by repr or str.
    url : str, optional
        The service's root URL (``http://127.0.0.1:PORT`` for the local service); None is the IBM Quantum
        Platform (``https://cloud.ibm.com``), whose API host comes from each instance CRN's region.
    instance : str, optional
        The default instance: a CRN, ``hub/group/project``, or the instance's IBM Cloud name.
    hub, group, project : str, optional
        The default provider, as in the seed documents (from ``instance`` when that is hub/group/project).
    verify : bool
        Verify TLS certificates.
    source : str
        Where the credentials came from: "explicit", "environment", "saved" or "local service".
    """

    token: str = field(repr=False)
    url: str | None = None
    instance: str | None = None
    hub: str | None = None
    group: str | None = None
    project: str | None = None
    verify: bool = True
    source: str = "explicit"

    def __post_init__(self) -> None:
        if not isinstance(self.token, str) or not self.token.strip():
            raise exc.IBMQAccountCredentialsInvalid(
                "the token is empty; pass the API key of your IBM Quantum account "
                "(or the local service's key)"
            )
        if self.url is not None:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise exc.IBMQAccountCredentialsInvalid(
                    f"url {self.url!r} is not an http(s) URL; use e.g. url='http://127.0.0.1:8890'"
                )
            object.__setattr__(self, "url", self.url.rstrip("/"))
        hub, group, project = split_instance(self.instance)
        if hub is not None:
            for name, value in (("hub", hub), ("group", group), ("project", project)):
                if getattr(self, name) is None:
                    object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        fields = [f"url={self.url!r}" if self.url else "url=<IBM Quantum Platform>"]
        if self.instance:
            fields.append(f"instance={self.instance!r}")
        if self.hub or self.group or self.project:
            fields.append(f"hub={self.hub!r}, group={self.group!r}, project={self.project!r}")
        fields.append(f"source={self.source!r}")
        return f"Credentials({', '.join(fields)})"

    __str__ = __repr__

    @property
    def is_ibm_cloud(self) -> bool:
        """Whether these credentials point at the IBM Quantum Platform."""
        return self.url is None or (urlsplit(self.url).hostname or "").endswith(_IBM_HOST_SUFFIX)

    def with_source(self, source: str) -> Credentials:
        """A copy marked as coming from ``source``."""
        return replace(self, source=source)

    def public_dict(self) -> dict[str, Any]:
        """Everything but the token, for ``stored_account()`` and ``active_account()``."""
        return {
            "url": self.url,
            "instance": self.instance,
            "hub": self.hub,
            "group": self.group,
            "project": self.project,
            "verify": self.verify,
            "source": self.source,
        }


def credentials_from_environment(environ: dict[str, str] | None = None) -> Credentials | None:
    """Credentials from IBMQ_TOKEN (required), IBMQ_URL and IBMQ_INSTANCE; None when IBMQ_TOKEN is unset."""
    env = os.environ if environ is None else environ
    token = env.get(ENV_TOKEN, "").strip()
    if not token:
        return None
    return Credentials(
        token=token,
        url=env.get(ENV_URL) or None,
        instance=env.get(ENV_INSTANCE) or None,
        source="environment",
    )


# --- the saved-account file ---------------------------------------------------------------------------------
def default_credentials_path() -> Path:
    """``~/.ibmq_widgets/qiskitrc.json``."""
    return Path.home() / ".ibmq_widgets" / "qiskitrc.json"


def read_saved(path: Path | None = None) -> Credentials | None:
    """The saved credentials, or None when no account is saved.

    Raises
    ------
    IBMQAccountCredentialsInvalid
        If the file exists but cannot be read as saved credentials (it is left untouched).
    """
    path = path or default_credentials_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        # someone widened it; a token file is for its owner only
        logger.warning("%s was readable by others; restricting it to its owner (0600)", path)
        os.chmod(path, 0o600)
    try:
        data = json.loads(text)["default"]
        return Credentials(
            token=data["token"],
            url=data.get("url"),
            instance=data.get("instance"),
            hub=data.get("hub"),
            group=data.get("group"),
            project=data.get("project"),
            verify=bool(data.get("verify", True)),
            source="saved",
        )
    except (ValueError, KeyError, TypeError) as error:
        raise exc.IBMQAccountCredentialsInvalid(
            f"{path} is not a saved account ({type(error).__name__}); "
            "save it again with IBMQ.save_account(token, overwrite=True)"
        ) from None


def write_saved(credentials: Credentials, path: Path | None = None, *, overwrite: bool = False) -> Path:
    """Save ``credentials`` to a JSON file only its owner can read or write (0600, in a 0700 directory).

    The file is written to a temporary name and renamed, so a crash never leaves half a file.

    Raises
    ------
    IBMQAccountCredentialsExist
        If an account is saved already and ``overwrite`` is False.
    """
    path = path or default_credentials_path()
    if path.exists() and not overwrite:
        raise exc.IBMQAccountCredentialsExist(
            f"an account is saved already in {path}; pass overwrite=True to replace it"
        )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    body = {
        "version": _FILE_VERSION,
        "default": {"token": credentials.token, **credentials.public_dict()},
    }
    body["default"].pop("source")
    fd, tmp_name = tempfile.mkstemp(prefix=".qiskitrc-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=2)
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def delete_saved(path: Path | None = None) -> None:
    """Delete the saved account.

    Raises
    ------
    IBMQAccountCredentialsNotFound
        If no account is saved.
    """
    path = path or default_credentials_path()
    try:
        path.unlink()
    except FileNotFoundError:
        raise exc.IBMQAccountCredentialsNotFound(f"no account is saved in {path}") from None
