"""``walt run``, ``walt discover``, ``walt generate``, ``walt login`` and ``walt demo``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from walt.cli.common import (
    add_backend_options,
    add_policy_options,
    make_client,
    parse_inputs,
    print_json,
    progress_printer,
    unstructured,
)
from walt.cli.files import print_table, tool_rows
from walt.core.messages import DiscoverResult, DiscoveryReport, ExecuteResult
from walt.core.toolfile import tool_to_dict
from walt.store import DirectoryStore


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

    for name, helptext in (
        ("discover", "find the tools of a site, validate them, optionally save them"),
        ("generate", "build the single best tool of a site for a goal"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("url")
        p.add_argument("--goal", required=name == "generate", default=None)
        if name == "discover":
            p.add_argument(
                "--max-tools", type=int, default=50, help="at most this many tools (default 50)"
            )
        p.add_argument(
            "--max-pages", type=int, default=300, help="a safety bound on pages (default 300)"
        )
        p.add_argument(
            "--pages-per-pattern",
            type=int,
            default=2,
            help="pages of one URL pattern and variant the crawl visits (default 2)",
        )
        p.add_argument(
            "--max-depth", type=int, default=3, help="hops that bring no new URL pattern"
        )
        p.add_argument(
            "--time-budget",
            type=float,
            default=25.0,
            metavar="SECONDS",
            help="for the whole discovery, validation included (default 25)",
        )
        p.add_argument(
            "--out", default=None, metavar="DIR", help="save tools as DIR/<tool>/<tool>.tool.json"
        )
        p.add_argument(
            "--auth", default=None, metavar="STATE.json", help="Playwright storage state"
        )
        p.add_argument(
            "--validate-writes",
            action="store_true",
            help="also submit write forms to prove them (only on a site you may change)",
        )
        p.add_argument("--ignore-robots", action="store_true", help="for your own site only")
        p.add_argument(
            "--explain",
            action="store_true",
            help="also print every rejected candidate and skipped page with why "
            "(on stderr with --json)",
        )
        p.add_argument("--json", action="store_true")
        add_policy_options(p)
        add_backend_options(p)
        p.set_defaults(handler=cmd_discover if name == "discover" else cmd_generate)

    p = sub.add_parser("demo", help="walt's main job on the bundled demo site (in-process)")
    p.add_argument(
        "--port", type=int, default=0, help="serve the demo site on this port (default: free)"
    )
    p.add_argument("--out", default=None, metavar="DIR", help="also save the discovered tools here")
    p.add_argument("--serve", action="store_true", help="keep serving the demo site afterwards")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser(
        "login",
        help="log in (a login tool, or the login page's URL) and save the browser's auth state",
    )
    p.add_argument(
        "tool",
        help="a login tool file or name, or the URL of the login page "
        "(then -i username=... -i password=... fill its form)",
    )
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


def _discover_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "max_pages": args.max_pages,
        "pages_per_pattern": args.pages_per_pattern,
        "max_depth": args.max_depth,
        "time_budget": args.time_budget,
        "validate_writes": args.validate_writes,
        "respect_robots": not args.ignore_robots,
        "auth": args.auth,
        "progress": progress_printer(sys.stderr.isatty()),
    }


def save_discovery(result: DiscoverResult, directory: str) -> list[str]:
    """Tools in the sfr-walt layout plus report.json and report.txt; the report is written
    also when no tool was kept (it says why), and ``directory`` is made when missing."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    (root / "report.json").write_text(json.dumps(discovery_json(result), indent=2, default=str))
    (root / "report.txt").write_text(result.report.summary(pages=True) + "\n")
    store = DirectoryStore(root)
    return [str(store.save_sync(tool)) for tool in result.tools]


def explain(report: DiscoveryReport, out: Any) -> None:
    """Every rejected candidate with its reason, and the pages skipped with why."""
    print(f"rejected candidates: {len(report.rejected)}", file=out)
    for verdict in report.rejected:
        print(f"  - {verdict.name} ({verdict.kind}): {verdict.reason}", file=out)
    print(f"pages skipped: {len(report.skipped)}", file=out)
    for page in report.skipped:
        print(f"  - {page.url}: {page.note}", file=out)
    if report.unvisited_patterns:
        print(f"URL patterns seen but not visited: {len(report.unvisited_patterns)}", file=out)
        for url in report.unvisited_patterns:
            print(f"  - {url}", file=out)


def discovery_json(result: DiscoverResult) -> dict[str, Any]:
    return {
        "url": result.url,
        "tools": [t.to_dict() for t in result.tools],
        "pages_visited": result.pages_visited,
        "elapsed_ms": result.elapsed_ms,
        "report": unstructured(result.report),
    }


def print_tools(tools: Any) -> None:
    print_table(tool_rows(list(tools)), ["name", "kind", "validated", "inputs"])


def cmd_discover(args: argparse.Namespace) -> int:
    with make_client(args) as client:
        result = client.discover(args.url, args.goal, args.max_tools, **_discover_options(args))
    if args.out:
        paths = save_discovery(result, args.out)
        print(f"saved {len(paths)} tools and the report to {args.out}", file=sys.stderr)
    if args.json:
        print_json(discovery_json(result))
    else:
        print_tools(result.tools)
        print()
        print(result.report.summary())
    if args.explain:
        explain(result.report, sys.stderr if args.json else sys.stdout)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    with make_client(args) as client:
        result = client.generate(args.url, args.goal, **_discover_options(args))
    if args.out:
        path = DirectoryStore(args.out).save_sync(result.tool)
        print(f"saved {path}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "url": result.url,
                "goal": result.goal,
                "tool": tool_to_dict(result.tool),
                "score": result.score,
                "alternatives": list(result.alternatives),
                "elapsed_ms": result.elapsed_ms,
                "report": unstructured(result.report),
            }
        )
    else:
        tool = result.tool
        print(f"{tool.function_name} ({tool.kind}), score {result.score:.2f}")
        print(f"  {tool.description}")
        if tool.url_template:
            print(f"  url: {tool.url_template}")
        for spec in tool.inputs:
            print(
                f"  input {spec.name}: {spec.type}{'' if spec.required else ' (optional)'}"
                + (f" one of {', '.join(map(str, spec.enum[:8]))}" if spec.enum else "")
            )
        if result.alternatives:
            print(f"  also: {', '.join(result.alternatives)}")
    if args.explain:
        explain(result.report, sys.stderr if args.json else sys.stdout)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from walt.client import UnifiedClient
    from walt.demo import DemoSite

    with (
        DemoSite(port=args.port) as site,
        UnifiedClient("inprocess", allow_hosts=[site.netloc]) as client,
    ):
        print(f"demo site: {site.url}")
        print("discovering its tools (no LLM)...")
        found = client.discover(
            site.url, max_tools=20, max_pages=30, progress=progress_printer(sys.stderr.isatty())
        )
        print_tools(found.tools)
        print(
            f"\n{len(found.tools)} tools from {found.pages_visited} pages in "
            f"{found.elapsed_ms / 1000:.2f} s; rejected: "
            f"{', '.join(v.name for v in found.report.rejected) or 'none'}"
        )
        if args.out:
            save_discovery(found, args.out)
            print(f"saved to {args.out}")
        search = next(t for t in found.tools if t.kind == "search")
        term = "kettle"
        sort = next((i for i in search.inputs if i.name == "sort"), None)
        inputs: dict[str, Any] = {"q": term}
        if sort is not None:
            inputs["sort"] = "price_asc"
        arguments = ", ".join(f"{k}={v!r}" for k, v in inputs.items())
        print(f"\nrunning {search.function_name}({arguments}):")
        print_result(client.execute(search, inputs))
        sort_tool = next((t for t in found.tools if t.kind == "sort"), None)
        if sort_tool is not None:
            print(f"\nrunning {sort_tool.function_name}(sort='price_desc'):")
            print_result(client.execute(sort_tool, {sort_tool.inputs[0].name: "price_desc"}))
        if args.serve:
            print(f"\nserving {site.url} until Ctrl-C")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    inputs = parse_inputs(args.input, None)
    with make_client(args) as client:
        state = client.login(args.tool, inputs)
    Path(args.save).write_text(json.dumps(state, indent=2))
    cookies = len(state.get("cookies", []))
    print(f"saved auth state with {cookies} cookies to {args.save}", file=sys.stderr)
    return 0
