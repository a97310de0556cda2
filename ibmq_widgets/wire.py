"""The wire codec: how payloads and results look on the IBM Quantum Platform REST API.

Both sides use this one module: the client to encode Sampler/Estimator V2 pubs and decode results, the local
service to decode pubs and encode results. The encoding itself is qiskit-ibm-runtime's RuntimeEncoder and
RuntimeDecoder, the reference codec, so what travels is byte-compatible with the real platform.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

try:  # qiskit-ibm-runtime >= 0.48 moved the codec here
    from qiskit_ibm_runtime.json import RuntimeDecoder, RuntimeEncoder
except ImportError:  # pragma: no cover - older releases
    from qiskit_ibm_runtime.utils.json import RuntimeDecoder, RuntimeEncoder

__all__ = [
    "API_VERSION",
    "RuntimeDecoder",
    "RuntimeEncoder",
    "dumps",
    "estimator_params",
    "format_datetime",
    "loads",
    "parse_datetime",
    "sampler_params",
]

#: The IBM-API-Version header the reference client sends.
API_VERSION = "2026-04-15"


def dumps(obj: Any) -> str:
    """Encode ``obj`` (circuits, arrays, primitive results, plain JSON) as the API does."""
    return json.dumps(obj, cls=RuntimeEncoder)


# Decoding reads numpy array headers with ast.literal_eval, which CPython 3.11 (before 3.11.8) cannot run in two
# threads at once ("SystemError: AST constructor recursion depth mismatch"); results fetched concurrently by the
# job manager hit it. Decoding holds the GIL almost throughout, so serialising it costs nothing.
_DECODE_LOCK = threading.Lock()


def loads(text: str | bytes) -> Any:
    """Decode API JSON, turning ``__type__`` envelopes back into qiskit objects."""
    with _DECODE_LOCK:
        return json.loads(text, cls=RuntimeDecoder)


def sampler_params(pubs: Iterable[Sequence[Any]], options: dict | None = None) -> dict:
    """The ``params`` of a POST /jobs for the ``sampler`` program.

    Parameters
    ----------
    pubs : iterable of (circuit, parameter_values or None, shots or None)
        One pub per circuit.
    options : dict, optional
        Sampler options.
    """
    return {
        "pubs": [list(pub) for pub in pubs],
        "options": dict(options or {}),
        "version": 2,
        "support_qiskit": True,
    }


def estimator_params(pubs: Iterable[Sequence[Any]], options: dict | None = None) -> dict:
    """The ``params`` of a POST /jobs for the ``estimator`` program.

    Each pub is ``(circuit, observables, parameter_values or None, precision or None)``.
    """
    return {
        "pubs": [list(pub) for pub in pubs],
        "options": dict(options or {}),
        "version": 2,
        "support_qiskit": True,
    }


def format_datetime(value: datetime) -> str:
    """A datetime as UTC ISO 8601 with a ``Z``; naive datetimes are taken as local time."""
    if value.tzinfo is None:
        value = value.astimezone()
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_datetime(value: str | None) -> datetime | None:
    """Parse an ISO 8601 date from the wire into an aware UTC datetime (None stays None).

    Raises
    ------
    ValueError
        If ``value`` is not an ISO 8601 date.
    """
    if value is None or value == "":
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
