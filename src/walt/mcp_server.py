"""``walt mcp``: a site's tools as an MCP server, for any MCP client (Claude, ChatGPT, IDEs).

Each tool of a directory (recursively) or of the tool store becomes an MCP tool
with its input schema, description and annotation hints (readOnlyHint,
destructiveHint, idempotentHint, openWorldHint). Calls run through a walt
client (so through whatever backend it uses); results come back as structured
content, and failures as ``isError`` results the model can read and correct.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from walt._version import __version__
from walt.client import AsyncClient
from walt.core.errors import ValidationError, WaltError
from walt.core.exporters import to_mcp
from walt.core.models import Tool
from walt.server import is_loopback

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

__all__ = ["build_server", "run"]

MAX_RECORDS: Final = 50
MAX_BODY: Final = 2 * 1024 * 1024
"""Bytes at most in one MCP request over HTTP."""


def _summary(result: Any) -> dict[str, Any]:
    data = result.data or {}
    return {
        "ok": result.ok,
        "final_url": result.final_url,
        "title": result.title,
        "records": result.records[:MAX_RECORDS],
        "more_records": max(0, len(result.records) - MAX_RECORDS),
        "pagination": data.get("pagination"),
        "text": str(data.get("main_text", ""))[:2000] if not result.records else None,
    }


def build_server(tools: Sequence[Tool], client: AsyncClient, *, name: str = "walt") -> Server:
    """An MCP server (low-level API of the ``mcp`` package) exposing ``tools``."""
    import mcp_types as types
    from mcp.server.lowlevel import Server

    by_name: dict[str, Tool] = {}
    for tool in tools:
        by_name.setdefault(tool.function_name, tool)
    listing = [types.Tool.model_validate(to_mcp(tool)) for tool in by_name.values()]

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listing)

    def failure(text: str, error: dict[str, Any]) -> types.CallToolResult:
        return types.CallToolResult(
            content=[types.TextContent(text=text)],
            structured_content={"ok": False, "error": error},
            is_error=True,
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = by_name.get(params.name)
        if tool is None:
            known = ", ".join(sorted(by_name))
            return failure(
                f"unknown tool {params.name!r}; tools: {known}",
                {"code": "tool_not_found", "message": params.name},
            )
        try:
            result = await client.execute(tool, params.arguments or {})
        except WaltError as exc:
            return failure(f"{type(exc).__name__}: {exc.message}", exc.to_dict())
        if not result.ok:
            error = result.error.to_dict() if result.error else {"message": "the tool failed"}
            return failure(f"the tool failed: {error.get('message')}", error)
        summary = _summary(result)
        return types.CallToolResult(
            content=[
                types.TextContent(text=json.dumps(summary, ensure_ascii=False, default=str)[:20000])
            ],
            structured_content=summary,
            is_error=False,
        )

    return Server(
        name,
        version=__version__,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        instructions="Tools of a website discovered and validated by walt.",
    )


async def run(
    tools: Sequence[Tool],
    client: AsyncClient,
    *,
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = 8766,
    token: str | None = None,
    host_names: tuple[str, ...] = (),
) -> None:
    """Serve ``tools`` over stdio or streamable HTTP until the client goes away.

    Over HTTP the same guard as the service's stands in front (:mod:`walt.server.guard`):
    a bearer ``token`` (required off loopback: :class:`ValidationError` otherwise), the
    ``Host`` names it answers, JSON bodies only, bounded bodies and header times."""
    if transport != "stdio" and token is None and not is_loopback(host):
        await client.aclose()
        raise ValidationError(
            f"walt mcp over HTTP on {host!r} needs a token (--token or WALT_MCP_TOKEN): "
            "without one anyone who can reach the port can run the tools"
        )
    server = build_server(tools, client)
    try:
        if transport == "stdio":
            from mcp.server.stdio import stdio_server

            async with stdio_server() as (read, write):
                await server.run(read, write, server.create_initialization_options())
        else:
            import uvicorn

            from walt.server.guard import HeaderTimeoutProtocol, RequestGuard, allowed_hosts_for

            app = RequestGuard(
                server.streamable_http_app(host=host),
                token=token,
                max_body=MAX_BODY,
                allowed_hosts=allowed_hosts_for(host, host_names),
                open_paths=frozenset(),
            )
            config = uvicorn.Config(
                app, host=host, port=port, log_level="warning", http=HeaderTimeoutProtocol
            )
            await uvicorn.Server(config).serve()
    finally:
        await client.aclose()
