"""HTML renderings of tools, discovery and execution results (``_repr_html_``, set on the
classes by :mod:`walt.core.tool_methods`; IPython's formatter by :mod:`walt.notebook`).

Every value is escaped: page content and tool files are untrusted.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from walt.core.messages import DiscoverResult, ExecuteResult
    from walt.core.models import Tool

__all__ = ["discover_result_html", "execute_result_html", "table_html", "tool_html"]

_MAX_ROWS = 50
_MAX_CELL = 200


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if len(text) > _MAX_CELL:
        text = text[: _MAX_CELL - 1] + "…"
    return html.escape(text)


def table_html(headers: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    """A plain HTML table; at most 50 rows are shown."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption style='text-align:left'>{_cell(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{_cell(h)}</th>" for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    shown = 0
    extra = 0
    for row in rows:
        if shown >= _MAX_ROWS:
            extra += 1
            continue
        out.append("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
        shown += 1
    out.append("</tbody></table>")
    if extra:
        out.append(f"<p>… and {extra} more rows</p>")
    return "".join(out)


def _inputs_summary(tool: Tool) -> str:
    parts = []
    for spec in tool.inputs:
        text = f"{spec.name}: {spec.type}"
        if not spec.required:
            text += "?"
        if spec.enum:
            text += f" ({len(spec.enum)} options)"
        parts.append(text)
    return ", ".join(parts)


def _validated(tool: Tool) -> str:
    return tool.validation.status if tool.validation is not None else ""


def tool_html(tool: Tool) -> str:
    head = (
        f"<p><b>{_cell(tool.function_name)}</b> ({_cell(tool.kind or 'tool')}) "
        f"{_cell(tool.description)}</p>"
    )
    rows = [
        (
            s.name,
            s.type,
            "yes" if s.required else "no",
            ", ".join(str(v) for v in s.enum) if s.enum else "",
            s.description or s.format or "",
        )
        for s in tool.inputs
    ]
    return head + table_html(("input", "type", "required", "options", "description"), rows)


def tools_table_html(tools: Iterable[Tool], caption: str = "") -> str:
    rows = [
        (t.function_name, t.kind or "", _inputs_summary(t), _validated(t), t.url_template or "")
        for t in tools
    ]
    return table_html(("name", "kind", "inputs", "validated", "url template"), rows, caption)


def discover_result_html(result: DiscoverResult) -> str:
    caption = (
        f"{len(result.tools)} tools on {result.url} "
        f"({result.pages_visited} pages, {result.elapsed_ms / 1000:.2f} s)"
    )
    return tools_table_html(result.tools, caption)


def execute_result_html(result: ExecuteResult) -> str:
    status = "ok" if result.ok else f"failed: {result.error}"
    head = (
        f"<p><b>{_cell(result.tool)}</b> via {_cell(result.path)}: {_cell(status)} "
        f"({result.elapsed_ms:.0f} ms) {_cell(result.final_url)}</p>"
    )
    records = result.records
    if records:
        keys: list[str] = []
        for record in records:
            for key in record:
                if key not in keys:
                    keys.append(key)
        keys = keys[:8]
        return head + table_html(keys, ([r.get(k) for k in keys] for r in records))
    return head
