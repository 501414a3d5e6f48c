"""The subcommands of ``walt`` and their handlers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from walt.core import exporters
from walt.core.errors import ToolFormatError, ValidationError
from walt.core.models import Tool
from walt.core.placeholders import unused_inputs
from walt.core.toolfile import load_tool, load_tools, tool_to_dict

EXPORT_FORMATS = ("openai", "openai-loose", "responses", "anthropic", "mcp", "schema", "walt")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check tool files and list every problem")
    p.add_argument("paths", nargs="+", help="tool files or directories (searched recursively)")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("export", help="print tools for an LLM API (OpenAI, Anthropic, MCP)")
    p.add_argument("paths", nargs="+", help="tool files or directories")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="openai")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("list", help="a table of the tools in a directory")
    p.add_argument("directory")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)


def _tool_paths(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(path.rglob("*.tool.json")))
        elif path.exists():
            found.append(path)
        else:
            raise ValidationError(f"no such file or directory: {raw}")
    return found


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def cmd_validate(args: argparse.Namespace) -> int:
    report: list[dict[str, Any]] = []
    bad = 0
    for path in _tool_paths(args.paths):
        try:
            tool = load_tool(path)
        except ToolFormatError as exc:
            bad += 1
            report.append(
                {"path": str(path), "ok": False, "problems": [str(p) for p in exc.problems]}
            )
            continue
        warnings = [f"input {n!r} is never used" for n in sorted(unused_inputs(tool))]
        report.append(
            {"path": str(path), "ok": True, "name": tool.function_name, "warnings": warnings}
        )
    if args.json:
        print_json({"files": len(report), "invalid": bad, "results": report})
    else:
        for item in report:
            if item["ok"]:
                extra = f" ({'; '.join(item['warnings'])})" if item["warnings"] else ""
                print(f"ok    {item['path']}: {item['name']}{extra}")
            else:
                print(f"FAIL  {item['path']}")
                for problem in item["problems"]:
                    print(f"        {problem}")
        print(f"{len(report)} files, {len(report) - bad} valid, {bad} invalid")
    return 2 if bad else 0


def export_one(tool: Tool, fmt: str) -> Any:
    if fmt == "openai":
        return exporters.to_openai(tool, strict=True)
    if fmt == "openai-loose":
        return exporters.to_openai(tool, strict=False)
    if fmt == "responses":
        return exporters.to_openai_responses(tool, strict=True)
    if fmt == "anthropic":
        return exporters.to_anthropic(tool)
    if fmt == "mcp":
        return exporters.to_mcp(tool)
    if fmt == "schema":
        return exporters.input_schema(tool)
    return tool_to_dict(tool)


def cmd_export(args: argparse.Namespace) -> int:
    tools = [load_tool(p) for p in _tool_paths(args.paths)]
    print_json([export_one(t, args.format) for t in tools])
    return 0


def tool_rows(tools: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for tool in tools:
        inputs = ", ".join(f"{i.name}{'' if i.required else '?'}:{i.type}" for i in tool.inputs)
        rows.append(
            {
                "name": tool.function_name,
                "kind": tool.kind or "-",
                "inputs": inputs or "-",
                "validated": tool.validation.status if tool.validation else "-",
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    if not rows:
        print("(none)")
        return
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    widths[columns[-1]] = 0
    print("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns).rstrip())


def cmd_list(args: argparse.Namespace) -> int:
    tools = load_tools(args.directory, strict=False)
    rows = tool_rows(tools)
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["name", "kind", "validated", "inputs"])
        sys.stdout.flush()
    return 0
