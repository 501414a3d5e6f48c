"""The layering of docs/architecture.md, checked on the source: every import statement
in ``src/walt`` (module level, inside functions and under ``TYPE_CHECKING`` alike).

Two graphs: of layers (which package may import which, and no circle among them) and
of modules (no circle among them either; see
:func:`test_no_module_imports_itself_through_others` for how packages count)."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator, Mapping
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
    "worker": {"backends"},
    "client": {"core", "backends", "store", "settings", "_portal"},
}


def _module(path: Path) -> str:
    parts = ("walt", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _statements(path: Path) -> Iterator[tuple[str, list[str]]]:
    """Each import statement of ``path`` as (the module it names, relative imports
    resolved; the names it takes from it: empty for ``import x``)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def _imports(path: Path) -> set[str]:
    """The walt modules ``path`` imports, relative imports resolved."""
    found = {target for target, _ in _statements(path)}
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
    # messages now imports toolfile at module level: a sample that still imports in a function.
    assert "walt.backends.redis.queue" in _imports(SRC / "backends" / "redis" / "store.py")


def test_the_service_knows_backends_only_through_their_protocols() -> None:
    concrete = {
        str(path.relative_to(SRC)): sorted(
            t for t in _imports(path) if t.startswith("walt.backends") and t != "walt.backends.base"
        )
        for path in (SRC / "server").rglob("*.py")
    }
    assert not {k: v for k, v in concrete.items() if v}


# --------------------------------------------------------------------------- modules


def _module_names() -> dict[str, Path]:
    return {_module(path): path for path in SRC.rglob("*.py")}


def _module_imports(path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The walt modules ``path`` imports, each import statement naming one module.

    ``from walt.core import models`` names the submodule ``walt.core.models``;
    ``from walt.core.models import Tool`` names ``walt.core.models``. Importing a
    module also runs the ``__init__`` of every package above it, so those count
    too, except the module's own packages: Python has already started them when
    the module runs, and a module that uses a name from its own package's
    ``__init__`` has to name that package, which counts.
    """
    module = _module(path)
    named: set[str] = set()
    for target, names in _statements(path):
        subs = [f"{target}.{name}" for name in names]
        named.update(sub if sub in modules else target for sub in subs)
        if not names:
            named.add(target)
    found: set[str] = set()
    for name in named:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            ancestor = ".".join(parts[:end])
            if ancestor in modules and not (
                module == ancestor or module.startswith(f"{ancestor}.")
            ):
                found.add(ancestor)
    return found


def _module_graph() -> dict[str, set[str]]:
    modules = _module_names()
    return {name: _module_imports(path, modules) for name, path in modules.items()}


def _circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative: the graph has hundreds of modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _cycle_in(component: list[str], graph: Mapping[str, set[str]]) -> list[str]:
    """One circle through the component's first module, for the failure message."""
    members = set(component)
    start = component[0]
    trail = [start]
    seen = {start}
    while True:
        node = trail[-1]
        nxt = sorted(graph[node] & members)
        if start in nxt and len(trail) > 1:
            return [*trail, start]
        fresh = [n for n in nxt if n not in seen]
        if not fresh:  # every successor seen: close the circle where it meets the trail
            back = nxt[0]
            return [*trail[trail.index(back) :], back] if back in trail else trail
        trail.append(fresh[0])
        seen.add(fresh[0])


def test_no_module_imports_itself_through_others() -> None:
    """No circle among the modules of ``src/walt``, every import statement counted:
    module level, inside functions and under ``TYPE_CHECKING``.

    The rule for packages: a package's ``__init__`` may import its own submodules,
    and importing ``walt.a.b`` counts as importing ``walt.a`` too (Python runs it
    first), except from inside ``walt.a``. So an ``__init__`` that re-exports its
    submodules is a circle exactly when one of those submodules imports a name
    from the package (``from walt.backends import Backend`` inside
    ``walt.backends.registry``) instead of from the submodule that defines it.
    """
    graph = _module_graph()
    circles = _circles(graph)
    assert not circles, "import circles:\n" + "\n".join(
        " -> ".join(_cycle_in(component, graph)) + f"  (all of {component})"
        for component in circles
    )


def test_the_module_check_sees_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _circles(graph) == [["a", "b", "c"]]
    assert _cycle_in(["a", "b", "c"], graph) == ["a", "b", "c", "a"]


def test_the_module_check_resolves_submodules_and_packages() -> None:
    modules = _module_names()
    converter = _module_imports(SRC / "core" / "converter.py", modules)
    assert "walt.core.models" in converter  # from walt.core import models as m
    assert "walt.core" not in converter  # its own package
    registry = _module_imports(SRC / "backends" / "registry.py", modules)
    assert "walt.core" in registry and "walt.core.errors" in registry
