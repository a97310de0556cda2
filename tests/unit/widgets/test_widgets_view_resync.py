"""view_resync: a page that attached while a worker thread was updating a widget ends up showing its latest state.

The page is a double of what ipywidgets' frontends do (the comms are ``comm.DummyComm``s that record what the
kernel sends): it restores every widget from one snapshot, drops the updates that reach it before it knows the
widgets (what a page does with an update for a comm it has not opened), and then applies every later update in
order. The widgets under test are real; QubitPropertyPlot loads ibm_fez from the session's local service.
"""

from __future__ import annotations

import threading
from typing import Any

import comm
import ipywidgets as widgets
import pytest

from ibmq_widgets.widgets.base import BackgroundBox
from ibmq_widgets.widgets.view_resync import ResyncOnView, resend_tree, walk_tree


class Page:
    """What a page knows of each widget: the snapshot it restored, then the updates that reached it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._seen = 0
        self.states: dict[str, dict[str, Any]] = {}

    def comm_factory(self):
        page = self

        class RecordingComm(comm.DummyComm):
            def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
                if msg_type == "comm_msg" and data and data.get("method") == "update":
                    with page._lock:
                        page.sent.append((self.comm_id, dict(data["state"])))

        return lambda **kwargs: RecordingComm(**kwargs)

    def restore(self, root: widgets.Widget) -> None:
        """Take the snapshot (request_states); every update sent so far never reaches the page."""
        with self._lock:
            self.states = {each.model_id: each.get_state() for each in walk_tree(root)}
            self._seen = len(self.sent)

    def lose_updates_so_far(self) -> None:
        """The updates sent until now reached the page before it knew the widgets: dropped."""
        with self._lock:
            self._seen = len(self.sent)

    def shows(self, widget: widgets.Widget, name: str) -> Any:
        """The value of ``name`` the page shows for ``widget``: the snapshot, then every update since."""
        with self._lock:
            for model_id, state in self.sent[self._seen :]:
                self.states.setdefault(model_id, {}).update(state)
            self._seen = len(self.sent)
        return self.states[widget.model_id][name]


@pytest.fixture
def page(monkeypatch) -> Page:
    page = Page()
    monkeypatch.setattr(comm, "create_comm", page.comm_factory())
    return page


def display_view(widget: widgets.Widget) -> None:
    """What a page sends once it has displayed a view of ``widget``: its view count, one up."""
    widget.set_state({"_view_count": (widget._view_count or 0) + 1})


class Slow(BackgroundBox):
    """A BackgroundBox whose worker fills a nested label."""

    def __init__(self) -> None:
        self._message = widgets.HTML()
        self.label = widgets.Label("loading")
        self._start_worker("test-slow", on_error=print)
        super().__init__(children=[self._message, widgets.HBox([widgets.VBox([self.label])])])

    def load(self, text: str) -> None:
        self._worker.submit(lambda: setattr(self.label, "value", text))


def test_an_update_lost_while_the_page_attached_reaches_it_when_the_view_shows(page):
    box = Slow()
    page.restore(box)
    box.load("ready")
    assert box.wait(10)
    page.lose_updates_so_far()
    assert page.shows(box.label, "value") == "loading"  # the race: without a re-send, the page stays stale
    display_view(box)
    assert box.wait(10)  # the re-send runs on the box's worker, after its queued tasks
    assert page.shows(box.label, "value") == "ready"
    assert box.resyncs == 1
    box.close()


def test_each_new_view_resends_every_open_widget_once_and_a_closed_view_resends_nothing(page):
    shared = widgets.Label("shared")
    closed = widgets.Label("gone")
    box = type("Tree", (ResyncOnView, widgets.VBox), {})(
        children=[shared, widgets.HBox([shared, closed]), widgets.VBox([widgets.Label("deep")])]
    )
    closed.close()  # as a worker thread closes a row's button before it has replaced it
    assert [each.model_id for each in walk_tree(box)].count(shared.model_id) == 1
    before = len(page.sent)
    display_view(box)
    resent = {model_id for model_id, _state in page.sent[before:]}
    # box, shared, the VBox and deep: the HBox listing a closed child could not be sent
    assert len(resent) == 4
    assert box.children[1].model_id not in resent and "gone" not in str(page.sent[before:])
    before = len(page.sent)
    box.set_state({"_view_count": 0})  # the view was closed
    assert len(page.sent) == before and box.resyncs == 1
    display_view(box)  # a second page, or the same one reloaded
    assert box.resyncs == 2 and len(page.sent) - before == 4
    assert resend_tree(widgets.Label("alone")) == 1
    box.close()


def test_the_qubit_plot_shows_the_map_it_drew_while_the_page_attached(page, research_provider):
    from ibmq_widgets.widgets.qubit_plot import QubitPropertyPlot

    plot = QubitPropertyPlot()
    page.restore(plot)
    plot.backend = research_provider.get_backend("ibm_fez")
    assert plot.wait(120)
    page.lose_updates_so_far()
    assert "No backend selected" in page.shows(plot._message, "value")
    display_view(plot)
    assert plot.wait(30)
    assert "ibm_fez: 156 qubits" in page.shows(plot._message, "value")
    assert page.shows(plot._map, "value") == plot.map_svg and "ibm_fez" in plot.map_svg
    plot.close()
