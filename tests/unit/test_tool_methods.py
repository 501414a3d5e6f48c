"""The methods a tool offers users are the functions of the modules above the model,
attached by walt.core.tool_methods; the model declares them for type checkers."""

from __future__ import annotations

import ast
import inspect

import walt.core.models as models
from walt.core.tool_methods import TOOL_METHODS


def _declared() -> set[str]:
    tree = ast.parse(inspect.getsource(models))
    tool = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tool")
    blocks = [n for n in tool.body if isinstance(n, ast.If)]
    return {f.name for block in blocks for f in block.body if isinstance(f, ast.FunctionDef)}


def test_every_declared_method_is_attached_and_no_other() -> None:
    assert _declared() == set(TOOL_METHODS)
    for name in TOOL_METHODS:
        assert callable(getattr(models.Tool(name="t"), name))


def test_tools_and_results_render_as_html_tables_in_any_front_end() -> None:
    import walt
    from walt.core.messages import ExecuteResult

    tool = walt.Tool(name="find_boats", url_template="https://h.test/?q={q}")
    assert "find_boats" in tool._repr_html_()  # type: ignore[attr-defined]
    result = ExecuteResult(
        ok=True, tool="find_boats", path="http", data={"items": [{"title": "<Ferry>"}]}
    )
    shown = result._repr_html_()  # type: ignore[attr-defined]
    assert "&lt;Ferry&gt;" in shown and "<Ferry>" not in shown
