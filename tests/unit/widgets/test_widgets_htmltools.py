"""HTML built by the widgets' templates escapes user data everywhere and carries no script."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ibmq_widgets.widgets.htmltools import (
    Markup,
    age,
    download_link,
    environment,
    key_value_table,
    message,
    note,
    number,
    plural,
    render,
    render_component,
    scroll_table,
    status_badge,
    table,
)

EVIL = '<script>alert("x")</script>'


def test_text_and_attributes_are_escaped():
    html = download_link(EVIL, f'"{EVIL}', "x.csv")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and 'download="x.csv"' in html
    assert 'href="&#34;&lt;script&gt;' in html  # the quote cannot end the attribute
    assert table(None, [[Markup("<i>ok</i>")]]).count("<i>ok</i>") == 1
    assert "<td" in table(None, [[None]]) and "None" not in table(None, [[None]])  # unknown shows empty
    assert environment().autoescape is True


def test_table_and_message():
    html = table(["name", "value"], [["<b>", 1], [Markup("<i>x</i>"), None]], row_styles=[None, "color:red"])
    assert html.count("<tr") == 3 and "&lt;b&gt;" in html and "<i>x</i>" in html
    assert 'style="color:red"' in html
    assert table([], [[1]]).count("<th") == 0  # no header row
    note_html = message("Nothing <here>", "error", "Do this.")
    assert (
        "Nothing &lt;here&gt;" in note_html and "Do this." in note_html and "ibmq-widgets-error" in note_html
    )
    detail = message("Two jobs failed", "error", "job 1: <oops>\njob 2: out of memory")
    assert "<pre" in detail and "job 1: &lt;oops&gt;\njob 2" in detail
    assert "ibmq-widgets-note" in note("all <fine>") and "&lt;fine&gt;" in note("all <fine>")


def test_key_values_and_status_badges():
    html = key_value_table([("qubits", 156), ("status", status_badge("DONE"))], caption="IBMQJob <1>")
    assert "<b>qubits</b>" in html and ">156<" in html and "IBMQJob &lt;1&gt;" in html
    assert 'color:#1a7f37;font-weight:bold">DONE<' in html
    assert "#333" in status_badge("SOMETHING_NEW")  # an unknown state still shows, in a neutral colour


def test_a_page_template_renders_safe_html():
    cells = [{"key": "name", "text": EVIL, "style": ""}, {"key": "qubits", "text": 5, "style": ""}]
    html = render("backend_row.html.j2", name=EVIL, selected=True, grid="100px 50px", cells=cells)
    assert isinstance(html, Markup) and "<script>" not in html
    assert "&lt;script&gt;" in html and "background:#dbeafe" in html and 'aria-selected="true"' in html


def test_plural_age_and_a_scrolling_table():
    assert (
        plural(1, "qubit") == "1 qubit"
        and plural(156, "qubit") == "156 qubits"
        and plural(0, "job") == "0 jobs"
    )
    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    assert age(now - timedelta(minutes=5), now) == "5 min" and age(now - timedelta(hours=30), now) == "30 h"
    assert age(now - timedelta(days=9), now) == "9 d" and age(now - timedelta(days=200), now) == "6 mo"
    assert age(now - timedelta(days=800), now) == "2 y" and age(None, now) == "—"
    html = scroll_table(["a", EVIL], [[1, EVIL]], row_styles=["color:red"], caption="c", max_height="100px")
    assert "max-height:100px;overflow:auto" in html and html.count("position:sticky") == 2
    assert "<script>" not in html and 'style="color:red"' in html
    assert render_component("tag", EVIL, "test").count("&lt;script&gt;") == 1


def test_number_formats():
    assert number(float("nan")) == "—" and number(None) == "—"
    assert number(0.00123, 2, scientific=True) == "1.2e-03"
    assert number(123.456) == "123"
