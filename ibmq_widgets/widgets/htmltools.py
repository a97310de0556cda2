"""The widgets' HTML, rendered from Jinja2 templates (``templates/*.html.j2``) with autoescape on.

Every text and attribute value is escaped unless it is ``Markup`` (what the templates' macros return), so user
data (job names, tags, error messages) can never inject markup; nothing here emits JavaScript. Python code
decides what to show; the markup itself lives in the templates: ``components.html.j2`` holds the shared pieces
(tables, messages, notes, status badges), and a widget with a layout of its own has its own template.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

__all__ = [
    "Markup",
    "age",
    "download_link",
    "key_value_table",
    "message",
    "note",
    "number",
    "plural",
    "render",
    "render_component",
    "scroll_table",
    "status_badge",
    "table",
]


def _blank_none(value: Any) -> Any:
    return "" if value is None else value  # an unknown value shows as an empty cell, not "None"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment: templates from this package, autoescape always on, undefined names fail."""
    return Environment(
        loader=PackageLoader("ibmq_widgets.widgets", "templates"),
        autoescape=True,  # the templates end in .html.j2, which select_autoescape would not recognise
        undefined=StrictUndefined,
        finalize=_blank_none,
        extensions=["jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> Markup:
    """Render ``templates/<template>`` with ``context``; the result is safe HTML."""
    return Markup(environment().get_template(template).render(**context))


def _component(name: str) -> Any:
    return getattr(environment().get_template("components.html.j2").module, name)


def render_component(name: str, *args: Any) -> Markup:
    """One macro of ``components.html.j2`` (``"tag"``, ``"backend_status"``, ...) called with ``args``."""
    return Markup(_component(name)(*args))


def table(
    header: Sequence[Any] | None,
    rows: Iterable[Sequence[Any]],
    *,
    row_styles: Sequence[str | None] | None = None,
    caption: Any = None,
) -> Markup:
    """An HTML table, with a header row unless ``header`` is empty; cells are escaped unless Markup."""
    return Markup(_component("table")(list(header or []), [list(row) for row in rows], row_styles, caption))


def scroll_table(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    row_styles: Sequence[str | None] | None = None,
    caption: Any = None,
    max_height: str = "420px",
) -> Markup:
    """A table in a box of at most ``max_height`` that scrolls, its header row staying at the top (CSS only)."""
    rows = [list(row) for row in rows]
    return Markup(_component("scroll_table")(list(header), rows, row_styles, caption, max_height))


def key_value_table(items: Mapping[str, Any] | Iterable[tuple[str, Any]], caption: Any = None) -> Markup:
    """A two-column table of names (in bold) and values."""
    pairs = items.items() if isinstance(items, Mapping) else items
    return Markup(_component("key_value_table")(list(pairs), caption))


def message(text: Any, level: str = "warning", hint: Any = None) -> Markup:
    """A clear, styled message: what happened and, in ``hint``, what to do (several lines stay preformatted).

    Parameters
    ----------
    text : str
        What happened, shown in bold.
    level : str
        "info", "warning" or "error": the colour, and the CSS class ``ibmq-widgets-<level>``.
    hint : str, optional
        What to do about it.
    """
    return Markup(_component("message")(text, level, hint or None))


def note(text: Any) -> Markup:
    """A quiet one-line note (all is well; this is what the widget shows)."""
    return Markup(_component("note")(text))


def status_badge(status: Any) -> Markup:
    """A job status (a JobStatus or its name) in bold, in the status's colour."""
    return Markup(_component("status_badge")(getattr(status, "name", None) or str(status)))


def download_link(text: str, href: str, filename: str) -> Markup:
    """An ``<a download>`` link (the href is escaped like any other attribute)."""
    return Markup(_component("download_link")(text, href, filename))


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


def plural(count: int, noun: str) -> str:
    """``"1 qubit"``, ``"5 qubits"``: a count with its noun, singular for one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def age(when: datetime | None, now: datetime) -> str:
    """How long ago ``when`` was, in the largest unit that fits: ``"40 min"``, ``"5 h"``, ``"3 d"``, ``"7 mo"``,
    ``"2 y"``; ``"—"`` when unknown."""
    if when is None:
        return "—"
    seconds = max((now - when).total_seconds(), 0.0)
    for limit, size, unit in ((3600, 60, "min"), (48 * 3600, 3600, "h"), (60 * 86400, 86400, "d")):
        if seconds < limit:
            return f"{int(seconds // size)} {unit}"
    months = seconds / (30.44 * 86400)
    return f"{int(months)} mo" if months < 24 else f"{int(months // 12)} y"
