"""The wire codec: how payloads and results look on the IBM Quantum Platform REST API.

Both sides use this one module: the client to encode Sampler/Estimator V2 pubs and decode results, the local
service to decode pubs and encode results. The encoding itself is qiskit-ibm-runtime's RuntimeEncoder and
RuntimeDecoder, the reference codec, so what travels is byte-compatible with the real platform.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np
from qiskit import qpy
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import BitArray, DataBin, PrimitiveResult, SamplerPubResult

try:  # qiskit-ibm-runtime >= 0.48 moved the codec here
    from qiskit_ibm_runtime import json as _runtime_json
except ImportError:  # pragma: no cover - older releases
    from qiskit_ibm_runtime.utils import json as _runtime_json

RuntimeDecoder = _runtime_json.RuntimeDecoder
RuntimeEncoder = _runtime_json.RuntimeEncoder
# The QPY version RuntimeEncoder writes: the newest both this qiskit and the service read.
_SERVICE_QPY = getattr(_runtime_json, "SERVICE_MAX_SUPPORTED_QPY_VERSION", None)
_QPY = None if _SERVICE_QPY is None else min(_SERVICE_QPY, qpy.QPY_VERSION)

__all__ = [
    "API_VERSION",
    "DEFAULT_SHOTS",
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

#: Shots per pub when neither the pub nor the options say: the platform's Sampler default, used by the
#: client's run() and by the local service alike.
DEFAULT_SHOTS = 4096


def _deflate(data: bytes) -> bytes:
    # zlib.compress() sets up about 256 KiB of deflate state per call: about 65 us for a circuit or a bit
    # array of a few hundred bytes, the biggest cost of encoding a 50-circuit job. A small window, a small
    # hash table and a fast level do it in about 10 us; the output is an ordinary zlib stream.
    compressor = zlib.compressobj(1, zlib.DEFLATED, 12, 2)
    return compressor.compress(data) + compressor.flush()


def _envelope(type_name: str, write: Any) -> dict[str, str]:
    with io.BytesIO() as buffer:
        write(buffer)
        raw = buffer.getvalue()
    return {"__type__": type_name, "__value__": base64.standard_b64encode(_deflate(raw)).decode("ascii")}


def _pub_result(obj: SamplerPubResult) -> dict[str, Any]:
    return {"__type__": "SamplerPubResult", "__value__": {"data": obj.data, "metadata": obj.metadata}}


def _data_bin(obj: DataBin) -> dict[str, Any]:
    value = {"field_names": list(obj), "shape": obj.shape, "fields": dict(obj.items())}
    return {"__type__": "DataBin", "__value__": value}


# The parts of a Sampler result, written as RuntimeEncoder writes them. RuntimeEncoder finds an object's type
# through a chain of some twenty isinstance checks (several of them against protocols), about a third of the
# cost of encoding a small pub's result; these exact types skip the chain. Subclasses still take it.
_RESULT_PARTS: dict[type, Any] = {
    BitArray: lambda obj: {
        "__type__": "BitArray",
        "__value__": {"array": obj.array, "num_bits": obj.num_bits},
    },
    DataBin: _data_bin,
    SamplerPubResult: _pub_result,
    PrimitiveResult: lambda obj: {
        "__type__": "PrimitiveResult",
        "__value__": {"pub_results": obj._pub_results, "metadata": obj.metadata},
    },
}


class _Encoder(RuntimeEncoder):
    """RuntimeEncoder, with circuits and numeric arrays written as it writes them (QPY of the version it
    picks, ``np.save`` without pickles) but compressed more cheaply, and a Sampler result's parts found by
    their exact type; everything else is RuntimeEncoder's."""

    def default(self, obj: Any) -> Any:
        part = _RESULT_PARTS.get(type(obj))
        if part is not None:
            return part(obj)
        if isinstance(obj, QuantumCircuit) and _QPY is not None:
            return _envelope(
                "QuantumCircuit", lambda buffer: qpy.dump(obj, buffer, RuntimeEncoder, version=_QPY)
            )
        if isinstance(obj, np.ndarray) and obj.dtype != object:
            return _envelope("ndarray", lambda buffer: np.save(buffer, obj, allow_pickle=False))
        return super().default(obj)


def dumps(obj: Any) -> str:
    """Encode ``obj`` (circuits, arrays, primitive results, plain JSON) as the API does."""
    return json.dumps(obj, cls=_Encoder)


# Decoding reads numpy array headers with ast.literal_eval, which CPython 3.11 (before 3.11.8) cannot run in two
# threads at once ("SystemError: AST constructor recursion depth mismatch"); results fetched concurrently by the
# job manager hit it. Decoding holds the GIL almost throughout, so serialising it costs nothing.
_DECODE_LOCK = threading.Lock()
_NPY_MAGIC = b"\x93NUMPY"
_NPY_HEADERS: dict[bytes, tuple[np.dtype, tuple[int, ...], bool]] = {}  # guarded by _DECODE_LOCK
_NPY_HEADERS_KEPT = 256


def _read_npy(value: str) -> np.ndarray | None:
    """A numeric array from RuntimeEncoder's envelope (base64 of zlib of ``np.save``), or None to leave it
    to ``np.load``.

    A result holds many arrays of the same dtype and shape, so their ``.npy`` headers are byte-identical:
    each distinct header is parsed once (by numpy) instead of once per array.
    """
    data = zlib.decompress(base64.standard_b64decode(value))
    if not data.startswith(_NPY_MAGIC) or len(data) < 10:
        return None
    major = data[6]
    size_bytes = 2 if major == 1 else 4
    start = 8 + size_bytes
    header_length = int.from_bytes(data[8:start], "little")
    header = data[start : start + header_length]
    parsed = _NPY_HEADERS.get(header)
    if parsed is None:
        stream = io.BytesIO(data)
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            return None
        if dtype.hasobject:
            return None
        if len(_NPY_HEADERS) >= _NPY_HEADERS_KEPT:
            _NPY_HEADERS.clear()
        parsed = _NPY_HEADERS[header] = (dtype, tuple(shape), bool(fortran_order))
    dtype, shape, fortran_order = parsed
    count = int(np.prod(shape, dtype=np.int64))
    flat = np.frombuffer(bytearray(data), dtype=dtype, count=count, offset=start + header_length)
    if fortran_order:
        return flat.reshape(shape[::-1]).transpose()
    return flat.reshape(shape)


class _Decoder(RuntimeDecoder):
    """RuntimeDecoder, with numeric arrays read through ``_read_npy``; everything else is RuntimeDecoder's."""

    def object_hook(self, obj: Any) -> Any:
        if obj.get("__type__") == "ndarray" and isinstance(obj.get("__value__"), str):
            try:
                array = _read_npy(obj["__value__"])
            except (ValueError, zlib.error):
                array = None  # let RuntimeDecoder read it, or say what is wrong with it
            if array is not None:
                return array
        return super().object_hook(obj)


def loads(text: str | bytes) -> Any:
    """Decode API JSON, turning ``__type__`` envelopes back into qiskit objects."""
    with _DECODE_LOCK:
        return json.loads(text, cls=_Decoder)


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
