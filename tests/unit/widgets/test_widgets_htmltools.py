"""HTML built by the widgets escapes user data everywhere and carries no script."""

from __future__ import annotations

from ibmq_widgets.widgets.htmltools import Markup, escape, message, number, table, tag


def test_text_and_attributes_are_escaped():
    evil = '<script>alert("x")</script>'
    html = tag("a", evil, href=f'"{evil}', class_="x")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and 'class="x"' in html
    assert tag("b", Markup("<i>ok</i>")) == "<b><i>ok</i></b>"
    assert escape(None) == ""


def test_table_and_message():
    html = table(["name", "value"], [["<b>", 1], [Markup("<i>x</i>"), None]], row_styles=[None, "color:red"])
    assert html.count("<tr") == 3 and "&lt;b&gt;" in html and "<i>x</i>" in html
    assert 'style="color:red"' in html
    note = message("Nothing <here>", "error", "Do this.")
    assert "Nothing &lt;here&gt;" in note and "Do this." in note and "ibmq-widgets-error" in note


def test_number_formats():
    assert number(float("nan")) == "—" and number(None) == "—"
    assert number(0.00123, 2, scientific=True) == "1.2e-03"
    assert number(123.456) == "123"
