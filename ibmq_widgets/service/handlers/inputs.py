"""Parsing what callers send: strict JSON bodies, tag lists and query dates, each with its documented limits.

Request bodies are strict JSON (:func:`parse_json`): no ``NaN``/``Infinity`` (nor numbers that overflow to them),
integers within 64 bits, at most :data:`MAX_JSON_DEPTH` levels of nesting, and no lone surrogates in strings
(they cannot be stored as UTF-8). Every limit here is documented in openapi.yaml.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from ibmq_widgets import wire
from ibmq_widgets.service.errors import ApiError

__all__ = ["MAX_JSON_DEPTH", "MAX_TAGS", "MAX_TAG_LENGTH", "check_tags", "parse_json", "parse_query_datetime"]

#: At most this many tags per job, each of 1 to MAX_TAG_LENGTH characters.
MAX_TAGS = 50
MAX_TAG_LENGTH = 256
#: Nesting levels of arrays and objects a request body may have.
MAX_JSON_DEPTH = 64
_MAX_JSON_INT = 2**63 - 1


def _bad(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


class _JsonValueError(ValueError):
    """A JSON value the service does not accept (raised from json.loads' hooks)."""


def _reject_constant(name: str) -> Any:
    raise _JsonValueError(f"{name} is not a JSON number; send finite numbers only")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _JsonValueError(f"{text[:40]} overflows a 64-bit float; send finite numbers only")
    return value


def _bounded_int(text: str) -> int:
    value = int(text) if len(text) <= 20 else _MAX_JSON_INT + 1
    if abs(value) > _MAX_JSON_INT:
        raise _JsonValueError(f"the integer {text[:40]} does not fit in 64 bits")
    return value


def _check_json_tree(value: Any) -> None:
    """Bounded nesting and valid Unicode strings everywhere (iterative: no recursion on deep input)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if not node.isascii():
                try:
                    node.encode("utf-8")
                except UnicodeEncodeError:
                    raise _bad(
                        "invalid_json",
                        "A string in the body holds a lone surrogate (e.g. \\ud800), which is not valid "
                        "Unicode; send well-formed UTF-8 text.",
                    ) from None
            continue
        if not isinstance(node, (list, dict)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise _bad(
                "invalid_json", f"The body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels."
            )
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)


def parse_json(body: bytes | str) -> Any:
    """A request body as strict JSON (an empty body is ``None``).

    Raises
    ------
    ApiError
        400 ``invalid_json`` for text that is not UTF-8 JSON, NaN/Infinity or numbers that overflow to them,
        integers beyond 64 bits, nesting deeper than MAX_JSON_DEPTH, or strings with lone surrogates.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        if not text.strip():
            return None
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_bounded_int
        )
    except _JsonValueError as exc:
        raise _bad("invalid_json", f"The request body is not accepted: {exc}.") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise _bad("invalid_json", f"The request body is not valid JSON ({detail}).") from None
    _check_json_tree(value)
    return value


def check_tags(tags: Any, where: str = "'tags'") -> list[str]:
    """``tags`` if it is a list of at most MAX_TAGS strings of 1 to MAX_TAG_LENGTH characters.

    Raises
    ------
    ApiError
        400 ``bad_request`` saying which limit was broken.
    """
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise _bad("bad_request", f"{where} must be a list of strings.")
    if len(tags) > MAX_TAGS:
        raise _bad("bad_request", f"{where} has {len(tags)} tags; a job takes at most {MAX_TAGS}.")
    for tag in tags:
        if not 0 < len(tag) <= MAX_TAG_LENGTH:
            raise _bad(
                "bad_request",
                f"Every tag must be 1 to {MAX_TAG_LENGTH} characters; one in {where} has {len(tag)}.",
            )
    return list(tags)


def parse_query_datetime(name: str, raw: str | None) -> datetime | None:
    """The ISO 8601 date of query parameter ``name`` as aware UTC; None when absent (an empty value is a 400).

    Raises
    ------
    ApiError
        400 ``invalid_parameter`` when it is not a date, or is outside 0001-01-01..9999-12-31 in UTC.
    """
    if raw is None:
        return None
    # An unencoded "+00:00" arrives as " 00:00": put the plus back.
    text = raw.strip().replace(" ", "+") if "T" in raw else raw.strip()
    try:
        parsed = wire.parse_datetime(text)
        if parsed is None:
            raise ValueError("empty")
        return parsed
    except (ValueError, OverflowError):
        raise _bad(
            "invalid_parameter",
            f"Query parameter {name!r} must be an ISO 8601 date between 0001-01-01 and 9999-12-31 in UTC, "
            f"e.g. 2024-05-01T12:00:00Z; got {raw[:100]!r}.",
        ) from None
