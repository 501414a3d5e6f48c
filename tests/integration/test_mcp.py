"""An MCP client lists the demo site's discovered tools and calls them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

import walt
from walt.demo import DemoSite
from walt.mcp_server import build_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tools_dir(tmp_path_factory: pytest.TempPathFactory, demo_site: DemoSite) -> Path:
    directory = tmp_path_factory.mktemp("mcp-tools")
    with walt.UnifiedClient("inprocess", allow_hosts=[demo_site.netloc]) as client:
        client.discover(demo_site.url, max_tools=50, max_pages=30).save(str(directory))
    return directory


async def test_mcp_client_lists_and_calls_discovered_tools(
    tools_dir: Path, demo_site: DemoSite
) -> None:
    async with walt.AsyncClient("inprocess", allow_hosts=[demo_site.netloc]) as client:
        server = build_server(walt.load_tools(tools_dir), client)
        async with Client(server) as mcp:
            listed = {tool.name: tool for tool in (await mcp.list_tools()).tools}
            assert {"search_products", "sort_products", "view_item", "log_in"} <= set(listed)
            search = listed["search_products"]
            assert search.input_schema["properties"]["q"]["type"] == "string"
            assert search.annotations is not None
            assert search.annotations.read_only_hint is True
            assert search.annotations.destructive_hint is False
            assert listed["log_in"].annotations.read_only_hint is False

            result = await mcp.call_tool("search_products", {"q": "teapot"})
            assert result.is_error is False
            assert [r["title"] for r in result.structured_content["records"]] == ["Solar Teapot"]

            bad_input = await mcp.call_tool("sort_products", {"sort": "sideways"})
            assert bad_input.is_error is True
            assert bad_input.structured_content["error"]["code"] == "validation_error"
            assert "must be one of" in bad_input.content[0].text

            failing = await mcp.call_tool("view_item", {"item_id": 9999})
            assert failing.is_error is True
            assert "404" in failing.content[0].text

            unknown = await mcp.call_tool("no_such_tool", {})
            assert unknown.is_error is True


async def test_walt_mcp_over_stdio(tools_dir: Path, demo_site: DemoSite) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "walt", "mcp", str(tools_dir), "--allow-host", demo_site.netloc],
    )
    async with Client(params) as mcp:
        names = {tool.name for tool in (await mcp.list_tools()).tools}
        assert "filter_products_by_category" in names
        result = await mcp.call_tool("filter_products_by_category", {"category": "toys"})
        assert result.is_error is False
        expected = [p.name for p in demo_site.data.search_products(category="toys")][:10]
        assert [r["title"] for r in result.structured_content["records"]] == expected


async def test_walt_mcp_over_streamable_http(tools_dir: Path, demo_site: DemoSite) -> None:
    import asyncio
    import subprocess

    from tests.services import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "walt",
            "mcp",
            str(tools_dir),
            "--transport",
            "http",
            "--port",
            str(port),
            "--allow-host",
            demo_site.netloc,
            "--token",
            "mcp-secret",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        import httpx

        async with httpx.AsyncClient() as http:
            refused = await http.post(
                f"http://127.0.0.1:{port}/mcp", json={}, headers={"Accept": "application/json"}
            )
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "auth_error"
            rebound = await http.post(
                f"http://127.0.0.1:{port}/mcp",
                json={},
                headers={"Authorization": "Bearer mcp-secret", "Host": "attacker.example"},
            )
            assert rebound.status_code == 421
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        auth = httpx2.AsyncClient(headers={"Authorization": "Bearer mcp-secret"})
        transport = streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=auth)
        async with auth, Client(transport) as mcp:
            names = {tool.name for tool in (await mcp.list_tools()).tools}
            assert "sort_products" in names
            result = await mcp.call_tool("sort_products", {"sort": "price_asc"})
            assert result.is_error is False
            prices = [float(r["price"].strip("$")) for r in result.structured_content["records"]]
            assert prices == sorted(prices)
    finally:
        process.kill()
        process.wait(10)
