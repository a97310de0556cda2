"""The layer rules, read from the package's own import graph (ast, nothing imported).

    widgets/, magics.py  ->  client/  ->  session (requests)  ->  the wire
                                 \\-> local.py: the client's one route to the service
    service/             ->  the wire            (never client/ or widgets/)
    wire.py, exceptions.py, data_dir.py: the floor, importing none of the layers above

Each rule is checked in both directions where it has two: the client never reaches the widgets except through
its one presentation seam, and the widgets never reach past the client to requests or the service.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ibmq_widgets"

#: The one client module that talks HTTP through requests.
REQUESTS_MODULES = {"ibmq_widgets.client.session"}
#: The client's one lazy route to the widgets (rich display, progress bars), as local.py is its route to the service.
PRESENTATION_SEAM = "ibmq_widgets.client.presentation"
SERVICE_SEAM = "ibmq_widgets.client.local"
FLOOR = {"ibmq_widgets.wire", "ibmq_widgets.exceptions", "ibmq_widgets.data_dir"}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """Every module name ``source`` imports, relative imports resolved against ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            # `from ibmq_widgets import widgets` names a module too
            yield from (f"{target}.{alias.name}" for alias in node.names)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    graph = {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        graph[name] = set(imported_names(path.read_text(), name, path.name == "__init__.py"))
    return graph


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import that breaks a layer rule, as "importer -> imported: rule"."""
    found = []
    for module, imports in graph.items():
        for target in imports:
            for rule, broken in rules(module, target):
                if broken:
                    found.append(f"{module} -> {target}: {rule}")
    return sorted(set(found))


def rules(module: str, target: str) -> Iterator[tuple[str, bool]]:
    widgets_side = within(module, "ibmq_widgets.widgets") or module == "ibmq_widgets.magics"
    client_side = within(module, "ibmq_widgets.client")
    service_side = within(module, "ibmq_widgets.service")
    yield (
        "the service imports neither client nor widgets",
        service_side
        and (
            within(target, "ibmq_widgets.client")
            or within(target, "ibmq_widgets.widgets")
            or target == "ibmq_widgets.magics"
        ),
    )
    yield (
        "the client reaches the widgets only through its presentation seam",
        (
            client_side
            and module != PRESENTATION_SEAM
            and (within(target, "ibmq_widgets.widgets") or target == "ibmq_widgets.magics")
        ),
    )
    yield (
        "the client reaches the service only through client/local.py",
        (client_side and module != SERVICE_SEAM and within(target, "ibmq_widgets.service")),
    )
    yield "the widgets never import the service", widgets_side and within(target, "ibmq_widgets.service")
    yield (
        "requests only in the session modules",
        (within(target, "requests") and module not in REQUESTS_MODULES and not service_side),
    )
    yield "the service never imports requests", service_side and within(target, "requests")
    yield "ipywidgets only in widgets/", within(target, "ipywidgets") and not widgets_side
    yield (
        "the floor imports no layer",
        module in FLOOR
        and any(
            within(target, f"ibmq_widgets.{layer}") for layer in ("client", "widgets", "service", "magics")
        ),
    )


def test_the_package_keeps_every_layer_rule():
    broken = violations(import_graph())
    assert not broken, "layer rules broken:\n" + "\n".join(broken)


def test_the_graph_sees_the_layers_it_checks():
    # A graph that missed modules would pass the rules vacuously.
    graph = import_graph()
    assert "ibmq_widgets.client.session" in graph and "ibmq_widgets.service.app" in graph
    assert any(within(m, "ibmq_widgets.widgets") for m in graph)
    assert any(within(t, "ibmq_widgets.client") for t in graph["ibmq_widgets.magics"])
    assert "requests" in graph["ibmq_widgets.client.session"]


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        ("ibmq_widgets.client.backend", "from ibmq_widgets.widgets.display import html", "presentation seam"),
        ("ibmq_widgets.client.managed.job_set", "from ...widgets import display", "presentation seam"),
        ("ibmq_widgets.client.job", "import requests", "requests only in the session"),
        ("ibmq_widgets.client.provider", "from ibmq_widgets.service import start", "client/local.py"),
        (
            "ibmq_widgets.service.store",
            "from ibmq_widgets.client import IBMQJob",
            "neither client nor widgets",
        ),
        ("ibmq_widgets.service.app", "import ibmq_widgets.widgets", "neither client nor widgets"),
        ("ibmq_widgets.service.app", "import requests", "service never imports requests"),
        ("ibmq_widgets.widgets.job_watcher", "import requests", "requests only in the session"),
        ("ibmq_widgets.widgets.job_watcher", "from ibmq_widgets.service import app", "widgets never import"),
        ("ibmq_widgets.client.managed.progress", "import ipywidgets", "ipywidgets only in widgets/"),
        ("ibmq_widgets.wire", "from ibmq_widgets.client import session", "floor imports no layer"),
    ],
)
def test_a_forbidden_import_is_caught(module, source, rule):
    graph = import_graph()
    graph[module] = graph.get(module, set()) | set(imported_names(source, module))
    broken = violations(graph)
    assert any(module in line and rule in line for line in broken), broken


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("ibmq_widgets.widgets.job_watcher", "from ibmq_widgets.client import IBMQJob"),
        (PRESENTATION_SEAM, "from ibmq_widgets.widgets import display"),
        (SERVICE_SEAM, "from ibmq_widgets.service import start"),
        ("ibmq_widgets.service.worker", "from ibmq_widgets.wire import DEFAULT_SHOTS"),
    ],
)
def test_an_allowed_import_passes(module, source):
    graph = {module: set(imported_names(source, module))}
    assert violations(graph) == []
