"""The picker's table, from stock ipywidgets: header buttons that sort, rows that select on a click, pages.

No custom JavaScript, so it works wherever ipywidgets do (JupyterLab, Notebook 7, Voilà). Each row is a
one-cell ``GridBox`` holding the row's cells (an ``HTML`` widget laid out as a CSS grid) and, over them in the
same cell, a transparent ``Button`` as wide and high as the row: a click anywhere on the row clicks it. The
header is a ``GridBox`` of buttons on the same column grid. A fixed pool of ``page_size`` rows is made once and
refilled on every redraw, so a filter change or a sort sends a few small updates, not a new table; the page
shown is the one holding the selection, which is how the selection is always in view without scripting the
browser's scroll position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ibmq_widgets.widgets.htmltools import Markup, render

__all__ = ["BackendTable", "Column"]


@dataclass(frozen=True)
class Column:
    """One column: its key in a row's cells, its header label and width, and the sort key its header sets."""

    key: str
    label: str
    width: str
    sort: str
    tooltip: str = ""


class BackendTable(widgets.VBox):
    """Header, rows and page controls; the picker fills it with ``show`` and hears clicks through callbacks.

    Parameters
    ----------
    columns : sequence of Column
        The columns, left to right.
    page_size : int
        Rows per page.
    on_select : callable
        Called with a row's name when the row is clicked.
    on_sort : callable
        Called with a column's sort key when its header is clicked.
    """

    def __init__(
        self,
        columns: Sequence[Column],
        page_size: int,
        on_select: Callable[[str], Any],
        on_sort: Callable[[str], Any],
    ) -> None:
        self.columns = list(columns)
        self.page_size = page_size
        self.page = 0
        self.names: list[str] = []  # every row's name, in order (all pages)
        self._on_select, self._on_sort = on_select, on_sort
        self.template = " ".join(column.width for column in self.columns)
        width = f"calc({' + '.join(column.width for column in self.columns)})"
        self._headers = [self._header_button(column) for column in self.columns]
        header = widgets.GridBox(
            self._headers,
            layout=widgets.Layout(grid_template_columns=self.template, width=width, grid_gap="0"),
        )
        header.add_class("ibmq-widgets-backend-header")
        # One Layout and one style object shared by every row: fewer widget models for the browser to build.
        self._cell_layout = widgets.Layout(grid_area="1 / 1 / 2 / 2", margin="0", width=width)
        self._button_layout = widgets.Layout(
            grid_area="1 / 1 / 2 / 2", margin="0", height="auto", width="auto"
        )
        self._button_style = widgets.ButtonStyle(button_color="transparent")
        self._row_layout = widgets.Layout(grid_template_columns="auto", width=width, margin="0")
        self._rows = [self._make_row(index) for index in range(page_size)]
        self._body = widgets.VBox(layout=widgets.Layout(width=width))
        self._body.add_class("ibmq-widgets-backend-rows")
        self._previous = widgets.Button(description="Previous", icon="chevron-left", layout={"width": "auto"})
        self._next = widgets.Button(description="Next", icon="chevron-right", layout={"width": "auto"})
        self._previous.on_click(lambda _: self.turn(-1))
        self._next.on_click(lambda _: self.turn(1))
        self._page_label = widgets.HTML()
        self._pager = widgets.HBox([self._previous, self._page_label, self._next])
        self._pager.add_class("ibmq-widgets-backend-pages")
        self._rendered: list[Markup] = []
        self._tooltips: list[str] = []
        table = widgets.VBox([header, self._body], layout=widgets.Layout(overflow="auto", max_width="100%"))
        super().__init__([table, self._pager])
        self.add_class("ibmq-widgets-backend-table")

    def _header_button(self, column: Column) -> widgets.Button:
        button = widgets.Button(
            description=column.label,
            tooltip=column.tooltip or f"Sort by {column.label}; click again to reverse",
            layout=widgets.Layout(width="auto", margin="0", height="auto"),
        )
        button.add_class("ibmq-widgets-sort")
        button.add_class(f"ibmq-widgets-sort-{column.sort}")
        button.on_click(lambda _button, key=column.sort: self._on_sort(key))
        return button

    def _make_row(self, index: int) -> widgets.GridBox:
        cells = widgets.HTML(layout=self._cell_layout)
        button = widgets.Button(description="", layout=self._button_layout, style=self._button_style)
        button.add_class("ibmq-widgets-row-button")
        button.on_click(lambda _button, index=index: self._clicked(index))
        row = widgets.GridBox([cells, button], layout=self._row_layout)
        row.add_class("ibmq-widgets-backend-row")
        return row

    def _clicked(self, index: int) -> None:
        position = self.page * self.page_size + index
        if position < len(self.names):
            self._on_select(self.names[position])

    # --- drawing -------------------------------------------------------------------------------------------
    def show(
        self,
        names: list[str],
        rendered: list[Markup],
        tooltips: list[str],
        selected: str | None,
        sort_by: str,
        descending: bool,
        follow: bool,
    ) -> None:
        """Show ``rendered`` rows (one per name in ``names``, hovering a row shows its tooltip); with
        ``follow``, turn to the selection's page."""
        self.names, self._rendered, self._tooltips = list(names), list(rendered), list(tooltips)
        if follow:
            self.page = names.index(selected) // self.page_size if selected in names else 0
        self.page = min(self.page, max(self.pages - 1, 0))
        for column, button in zip(self.columns, self._headers, strict=True):
            arrow = (" ▼" if descending else " ▲") if column.sort == sort_by else ""
            button.description = column.label + arrow
        self._draw_page()

    @property
    def pages(self) -> int:
        """How many pages the rows fill."""
        return max((len(self.names) + self.page_size - 1) // self.page_size, 1)

    def turn(self, step: int) -> None:
        """Show the page ``step`` pages on (negative: back), within the first and last page."""
        self.page = min(max(self.page + step, 0), self.pages - 1)
        self._draw_page()

    def _draw_page(self) -> None:
        first = self.page * self.page_size
        shown = self._rendered[first : first + self.page_size]
        for row, markup, tooltip in zip(self._rows, shown, self._tooltips[first:], strict=False):
            cells, button = row.children
            cells.value = str(markup)
            button.tooltip = tooltip
        self._body.children = self._rows[: len(shown)]
        last = first + len(shown)
        self._page_label.value = str(
            render(
                "backend_pages.html.j2",
                first=first + 1,
                last=last,
                total=len(self.names),
                page=self.page + 1,
                pages=self.pages,
            )
        )
        self._previous.disabled = self.page == 0
        self._next.disabled = self.page >= self.pages - 1
        self._pager.layout.display = "none" if self.pages <= 1 else None

    def visible_names(self) -> list[str]:
        """The names on the page shown, top to bottom."""
        first = self.page * self.page_size
        return self.names[first : first + self.page_size]
