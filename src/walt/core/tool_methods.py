"""The methods users call on a tool, attached to the plain data class.

:class:`~walt.core.models.Tool` is data; checking inputs, its file format and its
exports are functions of :mod:`~walt.core.placeholders`, :mod:`~walt.core.toolfile`
and :mod:`~walt.core.exporters`, which import the model. ``tool.to_openai()`` and
the other documented methods stay because users call them: this module, above all
of them, sets those functions on the class, so the dependency runs one way
(these modules import ``models``, never the reverse). ``walt.core`` imports it, so
the methods are there whichever module a tool came from. Code inside walt calls the
functions themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from walt.core import display, exporters, placeholders, toolfile
from walt.core.messages import DiscoverResult, ExecuteResult
from walt.core.models import Tool

__all__ = ["TOOL_METHODS"]


def _check_inputs(tool: Tool, values: Mapping[str, Any] | None) -> placeholders.InputValues:
    """Coerce and check ``values`` against the inputs (one error lists every problem)."""
    return placeholders.coerce_inputs(tool, values or {})


def _from_dict(cls: type[Tool], data: Mapping[str, Any]) -> Tool:
    """Load a tool from a dict (lenient about sfr-walt and seed forms, strict about errors)."""
    return toolfile.load_tool(data)


# The names are the ones models.Tool declares for type checkers; a test checks both agree.
TOOL_METHODS: Final[Mapping[str, object]] = {
    "placeholders": placeholders.placeholder_names,
    "undeclared_placeholders": placeholders.undeclared_placeholders,
    "unused_inputs": placeholders.unused_inputs,
    "check_inputs": _check_inputs,
    "to_dict": toolfile.tool_to_dict,
    "to_json": toolfile.tool_to_json,
    "from_dict": classmethod(_from_dict),
    "save": toolfile.save_tool,
    "input_schema": exporters.input_schema,
    "to_openai": exporters.to_openai,
    "to_openai_responses": exporters.to_openai_responses,
    "to_anthropic": exporters.to_anthropic,
    "to_mcp": exporters.to_mcp,
}

for _name, _function in TOOL_METHODS.items():
    setattr(Tool, _name, _function)

# Front-ends that show HTML through the ``_repr_html_`` protocol (Jupyter, marimo, Panel)
# render tools and results as tables; the renderings are display's, set from here.
_HTML: Final[tuple[tuple[type, object], ...]] = (
    (Tool, display.tool_html),
    (DiscoverResult, display.discover_result_html),
    (ExecuteResult, display.execute_result_html),
)
for _cls, _render in _HTML:
    setattr(_cls, "_repr_html_", _render)  # noqa: B010 (the classes do not declare it)
