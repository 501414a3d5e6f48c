"""``walt run``, ``walt discover``, ``walt generate``, ``walt login`` and ``walt demo``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from walt.cli.common import (
    add_backend_options,
    add_policy_options,
    make_client,
    parse_inputs,
    print_json,
    unstructured,
)
from walt.core.messages import ExecuteResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run a tool and print its result")
    p.add_argument("tool", help="a tool file, or a tool name in the store (WALT_TOOLS_DIR)")
    p.add_argument("--input", "-i", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--inputs-json", default=None, metavar="JSON", help="inputs as a JSON object")
    p.add_argument("--auth", default=None, metavar="STATE.json", help="Playwright storage state")
    p.add_argument("--start-url", default=None, help="the page a mid-site tool starts on")
    p.add_argument("--browser", action="store_true", help="always use the browser (no HTTP path)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for the whole tool")
    p.add_argument("--screenshot", default=None, metavar="PNG", help="save a screenshot on failure")
    p.add_argument("--tools-dir", default=None, help="tool store directory (env WALT_TOOLS_DIR)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_policy_options(p)
    add_backend_options(p)
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("login", help="run a login tool and save the browser's auth state")
    p.add_argument("tool")
    p.add_argument("--input", "-i", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--save", required=True, metavar="STATE.json")
    add_policy_options(p)
    add_backend_options(p)
    p.set_defaults(handler=cmd_login)


def _record_line(record: dict[str, Any]) -> str:
    title = record.get("title") or record.get("name") or ""
    rest = [
        str(v)
        for k, v in record.items()
        if k not in ("title", "name", "url", "text", "product_name") and isinstance(v, str)
    ][:4]
    return " — ".join([str(title), *rest]) if title else " — ".join(rest)


def print_result(result: ExecuteResult) -> None:
    mark = "ok" if result.ok else "FAILED"
    print(f"{mark}: {result.tool} via {result.path} in {result.elapsed_ms:.0f} ms")
    if result.final_url:
        print(f"  page: {result.final_url}" + (f" (HTTP {result.status})" if result.status else ""))
    if result.error is not None:
        print(f"  error: {result.error}")
    records = result.records
    if records:
        print(f"  {len(records)} records:")
        for index, record in enumerate(records[:20], 1):
            print(f"    {index:>2}. {_record_line(record)}")
        if len(records) > 20:
            print(f"    … and {len(records) - 20} more")
    elif result.data.get("main_text"):
        print(f"  text: {str(result.data['main_text'])[:300]}")
    for step in result.steps:
        where = f" [{step.locator}]" if step.locator else ""
        extra = f": {step.detail}" if step.detail and step.status != "ok" else ""
        print(
            f"  step {step.index} {step.type} {step.status}{where} {step.elapsed_ms:.0f} ms{extra}"
        )
    for blocked in result.blocked:
        print(f"  blocked: {blocked.url} ({blocked.reason})")
    print(f"  cost: {result.cost.total:.6f} {result.cost.currency}")


def result_json(result: ExecuteResult) -> dict[str, Any]:
    data = unstructured(result)
    return {
        "ok": result.ok,
        "tool": result.tool,
        "path": result.path,
        "final_url": result.final_url,
        "status": result.status,
        "title": result.title,
        "data": result.data,
        "steps": data["steps"],
        "blocked": data["blocked"],
        "cost": data["cost"],
        "elapsed_ms": result.elapsed_ms,
        "error": result.error.to_dict() if result.error is not None else None,
    }


def cmd_run(args: argparse.Namespace) -> int:
    inputs = parse_inputs(args.input, args.inputs_json)
    store = args.tools_dir
    with make_client(args, store=store) as client:
        result = client.execute(
            args.tool,
            inputs,
            auth=args.auth,
            timeout=args.timeout,
            prefer_http=not args.browser,
            screenshot_on_failure=bool(args.screenshot),
            start_url=args.start_url,
        )
    if args.screenshot and result.screenshot:
        Path(args.screenshot).write_bytes(result.screenshot)
    if args.json:
        print_json(result_json(result))
    else:
        print_result(result)
    return 0 if result.ok else 1


def cmd_login(args: argparse.Namespace) -> int:
    inputs = parse_inputs(args.input, None)
    with make_client(args) as client:
        state = client.login(args.tool, inputs)
    Path(args.save).write_text(json.dumps(state, indent=2))
    cookies = len(state.get("cookies", []))
    print(f"saved auth state with {cookies} cookies to {args.save}", file=sys.stderr)
    return 0
