"""A tiny HTML builder: every text and attribute value is escaped, so user data (job names, tags, error
messages) can never inject markup. Nothing here emits JavaScript."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


class Markup(str):
    """Already-safe HTML; ``tag`` inserts it as is instead of escaping it."""

    __slots__ = ()


def escape(value: Any) -> Markup:
    """``value`` as text, HTML-escaped (Markup passes through unchanged)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def tag(name: str, *children: Any, **attributes: Any) -> Markup:
    """``<name attr="...">children</name>``: children and attribute values escaped.

    ``class_`` gives ``class``; an attribute whose value is None or False is left out.
    """
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for key, value in attributes.items()
        if value is not None and value is not False
    )
    body = "".join(escape(child) for child in children)
    return Markup(f"<{name}{attrs}>{body}</{name}>")


def join(parts: Iterable[Any]) -> Markup:
    """Concatenate parts, escaping the ones that are not Markup."""
    return Markup("".join(escape(part) for part in parts))


TABLE_STYLE = "border-collapse:collapse;font-size:12px;font-family:var(--jp-code-font-family,monospace)"
CELL_STYLE = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:left"


def table(
    header: Sequence[Any] | None,
    rows: Iterable[Sequence[Any]],
    *,
    row_styles: Sequence[str | None] | None = None,
    caption: Any = None,
) -> Markup:
    """An HTML table, with a header row unless ``header`` is None; cells are escaped unless Markup."""
    head = tag("thead", tag("tr", *(tag("th", cell, style=CELL_STYLE) for cell in header))) if header else ""
    body = []
    for index, row in enumerate(rows):
        style = row_styles[index] if row_styles is not None and index < len(row_styles) else None
        body.append(tag("tr", *(tag("td", cell, style=CELL_STYLE) for cell in row), style=style))
    parts = [tag("caption", caption, style="text-align:left;font-weight:bold")] if caption is not None else []
    return tag("table", *parts, head, tag("tbody", join(body)), style=TABLE_STYLE)


def key_value_table(items: Mapping[str, Any] | Iterable[tuple[str, Any]], caption: Any = None) -> Markup:
    """A two-column table of names and values."""
    pairs = items.items() if isinstance(items, Mapping) else items
    return table(None, ([tag("b", key), value] for key, value in pairs), caption=caption)


_LEVEL_COLORS = {"info": "#1e6bb8", "warning": "#9a6700", "error": "#b42318"}


def message(text: Any, level: str = "warning", hint: Any = None) -> Markup:
    """A clear, styled one-paragraph message (what happened and, in ``hint``, what to do)."""
    color = _LEVEL_COLORS.get(level, _LEVEL_COLORS["warning"])
    parts = [tag("b", text)]
    if hint:
        parts.append(tag("span", " ", hint))
    return tag(
        "div",
        *parts,
        class_=f"ibmq-widgets-message ibmq-widgets-{level}",
        style=f"border-left:4px solid {color};padding:4px 8px;margin:4px 0;color:{color}",
    )


def number(value: Any, digits: int = 3, scientific: bool = False) -> str:
    """A float for a table cell: ``"—"`` for missing values, ``1.2e-03`` style when ``scientific``."""
    if value is None:
        return "—"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(value):
        return "—"
    return f"{value:.{digits - 1}e}" if scientific else f"{value:.{digits}g}"
