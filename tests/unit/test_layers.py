"""The layering of docs/architecture.md, checked on the source: every import statement
in ``src/walt`` (module level, inside functions and under ``TYPE_CHECKING`` alike)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import walt

SRC = Path(walt.__file__).resolve().parent

# What each layer may import besides itself ("walt" is the package's own __init__).
ALLOWED: dict[str, set[str]] = {
    "_version": set(),
    "core": {"_version"},
    "engine": {"core", "_version"},
    "store": {"core"},
    "settings": {"core"},
    "_portal": {"core"},
    "notebook": {"core"},
    "backends": {"core", "engine", "store", "_version"},
    "worker": {"core", "backends", "store"},
    "client": {"core", "backends", "store", "settings", "_portal"},
}


def _module(path: Path) -> str:
    parts = ("walt", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The walt modules ``path`` imports, relative imports resolved."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "walt" or name.startswith("walt.")}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "walt"


def _layer_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        source = _layer(_module(path))
        for target in _imports(path):
            if _layer(target) != source:
                graph[source].add(_layer(target))
    return graph


def test_each_layer_imports_only_what_it_may() -> None:
    graph = _layer_graph()
    wrong = {
        layer: sorted(targets - ALLOWED[layer])
        for layer, targets in graph.items()
        if layer in ALLOWED and targets - ALLOWED[layer]
    }
    assert not wrong, f"imports across the layering: {wrong}"


def test_core_imports_nothing_above_it() -> None:
    above = {
        str(path.relative_to(SRC)): sorted(t for t in _imports(path) if _layer(t) != "core")
        for path in (SRC / "core").rglob("*.py")
    }
    assert not {k: v for k, v in above.items() if set(v) - {"walt._version"}}


def test_the_layers_form_no_circle() -> None:
    graph = _layer_graph()
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                raise AssertionError(f"import circle: {' -> '.join([*trail, node, nxt])}")
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_the_checker_sees_function_level_imports() -> None:
    # The rule must not be blind to the imports a function makes when it runs.
    sample = SRC / "core" / "messages.py"
    assert "walt.core.toolfile" in _imports(sample)


def test_the_service_knows_backends_only_through_their_protocols() -> None:
    concrete = {
        str(path.relative_to(SRC)): sorted(
            t for t in _imports(path) if t.startswith("walt.backends") and t != "walt.backends.base"
        )
        for path in (SRC / "server").rglob("*.py")
    }
    assert not {k: v for k, v in concrete.items() if v}
