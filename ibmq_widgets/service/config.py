"""The local service's data directory: API keys, instances, job limits (the lock and service.json: ownership).

Layout (see docs/architecture.md)::

    <data dir>/
        api_key         0600, the default API key, made on first start
        secret          0600, signs bearer tokens so they survive a restart
        config.json     0600, instances and extra keys (defaults written on first start)
        jobs.sqlite3    0600 (+ -wal, -shm), the job store (owned by store.py)
        service.json    0600, {"url", "pid", "started_by", ...} while a service listens; never a key (ownership.py)
        service.lock    flock held while a service runs here, so two services never share one store (ownership.py)

The directory is 0700 and its files 0600; ``load_config`` repairs looser modes at every start.

config.json::

    {
      "account": "<32 hex>",
      "instances": [
        {"name": "ibm-q/open/main", "plan": "open", "crn": "crn:v1:...", "max_qubits": 27,
         "backends": null, "job_limit": 5, "job_limits": {"ibm_fez": 2}},
        ...
      ],
      "default_key_instances": null,
      "api_keys": [{"key": "another-key", "instances": ["ibm-q/open/main"]}],
      "rate_limits": {"requests_per_minute": null, "submissions_per_minute": null},
      "allowed_hosts": ["my-laptop.local"]
    }

``allowed_hosts`` lists the Host header names answered besides the loopback names and the bound address (a DNS
rebinding defence: a web page cannot make a browser talk to the service under another name); ``["*"]`` allows
any.

An instance may also give its IBM Cloud resource name as ``"cloud_name"`` (default ``<group>-<project>``, e.g.
``research-main``): the Global Search and Resource Controller look-alikes list it, and clients may name the
instance by it. ``backends`` (a list of names) and ``max_qubits`` (devices wider than this are hidden;
simulators are not) restrict what an instance may use; ``null`` means no restriction.
``default_key_instances`` limits the data directory's own key (``null``: every instance). Extra keys see only
the instances they name.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ibmq_widgets.data_dir import default_data_dir
from ibmq_widgets.exceptions import LocalServiceError
from ibmq_widgets.service.ownership import make_private, write_private
from ibmq_widgets.service.rate_limits import RateLimits, parse_rate_limits

__all__ = [
    "DEFAULT_JOB_LIMIT",
    "InstanceConfig",
    "ServiceConfig",
    "default_data_dir",
    "key_id",
    "load_config",
]

DEFAULT_JOB_LIMIT = 5
OPEN_MAX_QUBITS = 27
SIMULATOR_NAME = "ibmq_qasm_simulator"


@dataclass(frozen=True)
class InstanceConfig:
    """One instance (hub/group/project) and what it may use."""

    name: str
    crn: str
    plan: str = "premium"
    backends: frozenset[str] | None = None
    max_qubits: int | None = None
    job_limit: int = DEFAULT_JOB_LIMIT
    job_limits: dict[str, int] = field(default_factory=dict)
    #: The instance's IBM Cloud resource name (Global Search, Resource Controller); None: ``<group>-<project>``.
    cloud_name: str | None = None

    @property
    def hub(self) -> str:
        """The hub, the first part of the name."""
        return self.name.split("/")[0]

    @property
    def group(self) -> str:
        """The group, the middle part of the name."""
        return self.name.split("/")[1]

    @property
    def project(self) -> str:
        """The project, the last part of the name."""
        return self.name.split("/")[2]

    def may_use(self, backend: str, n_qubits: int, simulator: bool) -> bool:
        """Whether this instance may see and run jobs on ``backend``."""
        if self.backends is not None and backend not in self.backends:
            return False
        return simulator or self.max_qubits is None or n_qubits <= self.max_qubits

    def limit_for(self, backend: str) -> int:
        """Concurrent (queued + running) jobs this instance may have on ``backend``."""
        return self.job_limits.get(backend, self.job_limit)

    def describe(self) -> dict[str, Any]:
        """The instance as GET /instances lists it."""
        return {
            "name": self.name,
            "hub": self.hub,
            "group": self.group,
            "project": self.project,
            "crn": self.crn,
            "plan": self.plan,
        }


@dataclass
class ServiceConfig:
    """Everything read from a data directory. ``keys`` maps key id (never the key) to its instance names."""

    data_dir: Path
    api_key: str
    instances: dict[str, InstanceConfig]
    keys: dict[str, tuple[str, ...]]
    secret: bytes
    #: Per-key request and submission budgets (none by default); see service/rate_limits.py.
    rate_limits: RateLimits = field(default_factory=RateLimits)
    #: Host names answered besides loopback and the bound host (config.json ``allowed_hosts``; ``"*"``: any).
    allowed_hosts: tuple[str, ...] = ()

    def instances_for_key(self, kid: str) -> list[InstanceConfig]:
        """The instances a key id may use, in configuration order (empty for an unknown key)."""
        names = self.keys.get(kid, ())
        return [self.instances[name] for name in names if name in self.instances]

    def instance_by_crn(self, crn: str) -> InstanceConfig | None:
        """The instance whose CRN is ``crn``, or None."""
        for instance in self.instances.values():
            if instance.crn == crn:
                return instance
        return None

    def __repr__(self) -> str:  # never show keys or the secret
        return f"ServiceConfig(data_dir={str(self.data_dir)!r}, instances={list(self.instances)!r})"


def key_id(api_key: str) -> str:
    """A stable id for an API key that does not reveal it (tokens and logs carry this, never the key)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:24]


def _read_or_create(path: Path, make: Any) -> str:
    if path.exists():
        return path.read_text().strip()
    value = make()
    write_private(path, value + "\n")
    return value


def _crn(account: str, name: str) -> str:
    instance_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{account}/{name}")
    return f"crn:v1:bluemix:public:quantum-computing:us-east:a/{account}:{instance_id}::"


def _default_config() -> dict[str, Any]:
    account = secrets.token_hex(16)
    return {
        "account": account,
        "instances": [
            {"name": "ibm-q/open/main", "plan": "open", "crn": _crn(account, "ibm-q/open/main"),
             "max_qubits": OPEN_MAX_QUBITS, "backends": None, "job_limit": DEFAULT_JOB_LIMIT,
             "job_limits": {}},
            {"name": "ibm-q-network/research/main", "plan": "premium",
             "crn": _crn(account, "ibm-q-network/research/main"), "max_qubits": None, "backends": None,
             "job_limit": DEFAULT_JOB_LIMIT, "job_limits": {}},
        ],
        "default_key_instances": None,
        "api_keys": [],
    }  # fmt: skip


def _bad(path: Path, message: str) -> LocalServiceError:
    return LocalServiceError(f"{path}: {message}; fix or delete the file (defaults are written again)")


def _parse_instance(path: Path, account: str, raw: Any) -> InstanceConfig:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or raw["name"].count("/") != 2:
        raise _bad(path, f"each instance needs a 'name' of the form hub/group/project, got {raw!r}")
    backends = raw.get("backends")
    if backends is not None and not (
        isinstance(backends, list) and all(isinstance(b, str) for b in backends)
    ):
        raise _bad(path, f"instance {raw['name']}: 'backends' must be a list of names or null")
    max_qubits = raw.get("max_qubits")
    if max_qubits is not None and (not isinstance(max_qubits, int) or max_qubits < 1):
        raise _bad(path, f"instance {raw['name']}: 'max_qubits' must be a positive integer or null")
    limits = raw.get("job_limits") or {}
    limit = raw.get("job_limit", DEFAULT_JOB_LIMIT)
    if (
        not isinstance(limit, int)
        or limit < 1
        or not all(isinstance(v, int) and v >= 1 for v in limits.values())
    ):
        raise _bad(path, f"instance {raw['name']}: job limits must be positive integers")
    return InstanceConfig(
        name=raw["name"],
        crn=raw.get("crn") or _crn(account, raw["name"]),
        plan=str(raw.get("plan", "premium")),
        backends=None if backends is None else frozenset(backends),
        max_qubits=max_qubits,
        job_limit=limit,
        job_limits=dict(limits),
        cloud_name=_cloud_name(path, raw),
    )


def _cloud_name(path: Path, raw: dict[str, Any]) -> str | None:
    name = raw.get("cloud_name")
    if name is not None and (not isinstance(name, str) or not name.strip() or "/" in name):
        raise _bad(path, f"instance {raw['name']}: 'cloud_name' must be a name without '/', or null")
    return name


def _parse_keys(
    path: Path,
    raw: dict[str, Any],
    instances: dict[str, InstanceConfig],
    default_names: list[str],
    default_keys: list[str | None],
) -> dict[str, tuple[str, ...]]:
    """Key id -> the instance names it may use: the directory's own keys see ``default_names``."""
    keys = {key_id(key): tuple(default_names) for key in default_keys if key}
    for entry in raw.get("api_keys") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not entry["key"]:
            raise _bad(path, "each entry of 'api_keys' needs a non-empty 'key' and a list of 'instances'")
        unknown = [name for name in entry.get("instances", []) if name not in instances]
        if unknown:
            raise _bad(path, f"an API key names unknown instances {unknown}")
        keys[key_id(entry["key"])] = tuple(entry.get("instances", []))
    return keys


def load_config(data_dir: Path, api_key: str | None = None) -> ServiceConfig:
    """Read (creating on first start) the key, the secret and config.json of ``data_dir``.

    Parameters
    ----------
    data_dir : Path
        The data directory; created if missing, made private (0700, files 0600) if looser.
    api_key : str, optional
        A key to accept for this run in addition to the directory's own; it sees the same instances.

    Raises
    ------
    LocalServiceError
        If config.json is not valid.
    """
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    make_private(data_dir)  # before reading anything: a hand-written config.json may hold API keys
    file_key = _read_or_create(data_dir / "api_key", lambda: secrets.token_urlsafe(32))
    secret = _read_or_create(data_dir / "secret", lambda: secrets.token_hex(32)).encode()
    config_path = data_dir / "config.json"
    if not config_path.exists():
        write_private(config_path, json.dumps(_default_config(), indent=2) + "\n")
    try:
        raw = json.loads(config_path.read_text())
    except json.JSONDecodeError as exc:
        raise _bad(config_path, f"not valid JSON ({exc})") from None
    account = str(raw.get("account") or "0" * 32)
    instances: dict[str, InstanceConfig] = {}
    for item in raw.get("instances") or []:
        instance = _parse_instance(config_path, account, item)
        instances[instance.name] = instance
    if not instances:
        raise _bad(config_path, "no instances are defined")
    default_names = raw.get("default_key_instances") or list(instances)
    if not isinstance(default_names, list) or any(name not in instances for name in default_names):
        raise _bad(config_path, "'default_key_instances' must be null or a list of defined instance names")
    keys = _parse_keys(config_path, raw, instances, default_names, [file_key, api_key])
    try:
        rate_limits = parse_rate_limits(raw.get("rate_limits"))
    except ValueError as exc:
        raise _bad(config_path, str(exc)) from None
    hosts = raw.get("allowed_hosts") or []
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
        raise _bad(config_path, "'allowed_hosts' must be a list of host names (or [\"*\"] for any)")
    return ServiceConfig(
        data_dir=data_dir,
        api_key=api_key or file_key,
        instances=instances,
        keys=keys,
        secret=secret,
        rate_limits=rate_limits,
        allowed_hosts=tuple(hosts),
    )
