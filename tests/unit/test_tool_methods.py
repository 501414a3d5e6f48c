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
