"""The picker's table on its own: header buttons call back with their sort key, rows with their name, pages."""

from __future__ import annotations

from ibmq_widgets.widgets.backend_table import BackendTable, Column

COLUMNS = [Column("name", "Name", "100px", "name"), Column("qubits", "Qubits", "50px", "qubits")]


def make(page_size: int = 3):
    clicks: list[tuple[str, str]] = []
    table = BackendTable(
        COLUMNS,
        page_size,
        lambda name: clicks.append(("row", name)),
        lambda key: clicks.append(("sort", key)),
    )
    names = [f"dev{i}" for i in range(7)]
    table.show(
        names, [f"<div>{n}</div>" for n in names], [f"{n} tip" for n in names], "dev4", "qubits", True, True
    )
    return table, clicks


def test_the_page_holding_the_selection_is_shown_and_rows_click_through():
    table, clicks = make()
    assert table.pages == 3 and table.page == 1 and table.visible_names() == ["dev3", "dev4", "dev5"]
    assert [row.children[1].tooltip for row in table._body.children] == ["dev3 tip", "dev4 tip", "dev5 tip"]
    table._body.children[1].children[1].click()
    table._headers[0].click()
    assert clicks == [("row", "dev4"), ("sort", "name")]
    assert [b.description for b in table._headers] == ["Name", "Qubits ▼"]  # the sorted column, reversed
    assert table.template == "100px 50px"


def test_paging_stops_at_both_ends_and_a_short_last_page_shows_fewer_rows():
    table, _ = make()
    table.turn(5)
    assert table.page == 2 and table.visible_names() == ["dev6"] and len(table._body.children) == 1
    assert table._next.disabled and not table._previous.disabled
    assert "rows 7-7 of 7" in table._page_label.value and "page 3 of 3" in table._page_label.value
    table.turn(-9)
    assert table.page == 0 and table._previous.disabled
    table.show(["a"], ["<div>a</div>"], ["a"], None, "name", False, follow=False)
    assert table.page == 0 and table._pager.layout.display == "none"  # one page: no page controls
