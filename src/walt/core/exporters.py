"""Exporting a tool for LLM APIs: JSON Schema, OpenAI (Chat Completions and Responses),
Anthropic and MCP.

Free-text format hints of sfr-walt files ("MM/DD/YYYY") and option labels move
into the description, where a model reads them; real JSON Schema formats stay
formats. OpenAI's strict mode needs every property required and
``additionalProperties: false``: optional inputs become nullable instead.
"""

from __future__ import annotations

from typing import Any, Final

from walt.core.models import Tool, ToolInput

__all__ = [
    "effective_annotations",
    "input_schema",
    "to_anthropic",
    "to_mcp",
    "to_openai",
    "to_openai_responses",
]

_SCHEMA_FORMATS: Final = frozenset(
    {"email", "uri", "date", "date-time", "time", "duration", "uuid", "hostname", "ipv4", "ipv6"}
)
_FORMAT_ALIASES: Final = {"url": "uri", "datetime": "date-time"}
# Formats OpenAI's strict mode accepts.
_STRICT_FORMATS: Final = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
_MAX_LISTED_OPTIONS: Final = 40


def _schema_format(spec: ToolInput) -> str | None:
    if spec.format is None:
        return None
    fmt = _FORMAT_ALIASES.get(spec.format.strip().lower(), spec.format.strip().lower())
    return fmt if fmt in _SCHEMA_FORMATS else None


def _typed_enum(spec: ToolInput) -> list[Any] | None:
    if spec.enum is None:
        return None
    values: list[Any] = []
    for value in spec.enum:
        if spec.type == "string":
            values.append(value if isinstance(value, str) else str(value))
        else:
            values.append(value)
    return values


def _description(spec: ToolInput, *, format_in_schema: bool, strict: bool) -> str | None:
    parts: list[str] = []
    if spec.description:
        parts.append(spec.description.strip())
    if spec.format and not format_in_schema:
        parts.append(f"Format: {spec.format.strip()}")
    if spec.enum_labels and spec.enum:
        pairs = [
            f"{value} = {label}" if str(value) != label else str(value)
            for value, label in zip(spec.enum, spec.enum_labels, strict=False)
        ][:_MAX_LISTED_OPTIONS]
        parts.append("Options: " + "; ".join(pairs))
    if strict and spec.default is not None:
        parts.append(f"Default: {spec.default}")
    if strict and not spec.required:
        parts.append("Optional: pass null to leave unset.")
    text = " ".join(p if p.endswith((".", ":", ")")) else p + "." for p in parts if p)
    return text or None


def _property(spec: ToolInput, *, strict: bool) -> dict[str, Any]:
    fmt = _schema_format(spec)
    keep_format = fmt is not None and (not strict or fmt in _STRICT_FORMATS)
    prop: dict[str, Any] = {"type": spec.type}
    description = _description(spec, format_in_schema=keep_format, strict=strict)
    if description:
        prop["description"] = description
    if spec.type == "array":
        items: dict[str, Any] = {"type": "string"}
        if spec.enum is not None:
            items["enum"] = [str(v) for v in spec.enum]
        prop["items"] = items
        if strict and not spec.required:
            prop["type"] = ["array", "null"]
        return prop
    enum = _typed_enum(spec)
    if enum is not None:
        prop["enum"] = enum
    if keep_format:
        prop["format"] = fmt
    if spec.pattern:
        prop["pattern"] = spec.pattern
    if spec.minimum is not None:
        prop["minimum"] = spec.minimum
    if spec.maximum is not None:
        prop["maximum"] = spec.maximum
    if not strict and spec.default is not None:
        prop["default"] = spec.default
    if strict and not spec.required:
        prop["type"] = [spec.type, "null"]
        if enum is not None:
            prop["enum"] = [*enum, None]
    return prop


def input_schema(tool: Tool, *, strict: bool = False) -> dict[str, Any]:
    """The JSON Schema of a tool's inputs (an object; no extra properties allowed)."""
    properties = {spec.name: _property(spec, strict=strict) for spec in tool.inputs}
    required = (
        [spec.name for spec in tool.inputs]
        if strict
        else [spec.name for spec in tool.inputs if spec.required and spec.default is None]
    )
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return schema


def _describe_tool(tool: Tool) -> str:
    return (tool.description or tool.name).strip()


def to_openai(tool: Tool, *, strict: bool = True) -> dict[str, Any]:
    """An entry for the Chat Completions ``tools`` list."""
    function: dict[str, Any] = {
        "name": tool.function_name,
        "description": _describe_tool(tool),
        "parameters": input_schema(tool, strict=strict),
    }
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


def to_openai_responses(tool: Tool, *, strict: bool = True) -> dict[str, Any]:
    """A function tool for the Responses API (the function fields sit at the top level)."""
    return {
        "type": "function",
        "name": tool.function_name,
        "description": _describe_tool(tool),
        "parameters": input_schema(tool, strict=strict),
        "strict": strict,
    }


def to_anthropic(tool: Tool) -> dict[str, Any]:
    """A tool for the Anthropic Messages API."""
    return {
        "name": tool.function_name,
        "description": _describe_tool(tool),
        "input_schema": input_schema(tool),
    }


def effective_annotations(tool: Tool) -> dict[str, bool]:
    """read_only / destructive / idempotent / open_world, from the tool's annotations or kind."""
    ann = tool.annotations
    read_only = tool.is_read_only
    destructive = (
        ann.destructive
        if ann is not None and ann.destructive is not None
        else (not read_only and tool.kind in ("delete", "edit", None))
    )
    return {
        "read_only": read_only,
        "destructive": bool(destructive) and not read_only,
        "idempotent": tool.is_idempotent,
        "open_world": True if ann is None or ann.open_world is None else ann.open_world,
    }


def to_mcp(tool: Tool) -> dict[str, Any]:
    """An MCP ``Tool`` definition: name, title, description, inputSchema and annotation hints."""
    hints = effective_annotations(tool)
    title = tool.name if tool.name != tool.function_name else tool.function_name.replace("_", " ")
    return {
        "name": tool.function_name,
        "title": title,
        "description": _describe_tool(tool),
        "inputSchema": input_schema(tool),
        "annotations": {
            "title": title,
            "readOnlyHint": hints["read_only"],
            "destructiveHint": hints["destructive"],
            "idempotentHint": hints["idempotent"],
            "openWorldHint": hints["open_world"],
        },
    }
