"""The service and MCP server at their edges: no way in for a foreign page, typed 4xx for
every bad body, bounded header and body times, tools by name from the store only."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import walt
from tests.services import free_port, start_service
from walt.server.guard import allowed_hosts_for
from walt.server.handlers import MAX_JSON_DEPTH, parse_body

AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tools = tmp_path_factory.mktemp("tools")
    walt.DirectoryStore(tools).save_sync(
        walt.Tool(name="stored_tool", url_template="https://example.com/?q={q}")
    )
    cwd = tmp_path_factory.mktemp("cwd")
    # A tool file in the service's working directory must never be run by name.
    (cwd / "planted.tool.json").write_text(
        json.dumps({"name": "planted", "url_template": "https://example.com/planted"})
    )
    (cwd / "adir").mkdir()
    process, url = start_service("--tools", str(tools), "--max-body", "4096", cwd=cwd)
    yield {"url": url, "tools": tools}
    process.kill()
    process.wait(10)


def test_a_foreign_host_name_is_refused(service: dict[str, Any]) -> None:
    url = service["url"]
    rebound = httpx.get(f"{url}/v1/health", headers={**AUTH, "Host": "attacker.example"})
    assert rebound.status_code == 421
    assert rebound.json()["error"]["code"] == "host_not_allowed"
    for name in ("localhost", "127.0.0.1"):
        port = url.rsplit(":", 1)[1]
        ok = httpx.get(f"{url}/v1/health", headers={**AUTH, "Host": f"{name}:{port}"})
        assert ok.status_code == 200, name


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
def test_simple_cross_site_requests_never_reach_a_route(
    service: dict[str, Any], content_type: str
) -> None:
    headers = {**AUTH, "Origin": "http://attacker.example"}
    if content_type:
        headers["Content-Type"] = content_type
    response = httpx.post(f"{service['url']}/v1/execute", content=b"{}", headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_chunked_body_over_the_limit_is_413(service: dict[str, Any]) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"tool": "'
        for _ in range(10):
            yield b"x" * 1000

    response = httpx.post(
        f"{service['url']}/v1/execute",
        content=chunks(),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_deeply_nested_json_is_400_not_500(service: dict[str, Any]) -> None:
    body = "[" * 1000 + "]" * 1000
    response = httpx.post(
        f"{service['url']}/v1/execute",
        content=('{"inputs": ' + body + "}").encode()[:4000],
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    deep = '{"a": ' * (MAX_JSON_DEPTH + 5) + "1" + "}" * (MAX_JSON_DEPTH + 5)
    with pytest.raises(walt.ValidationError, match="nested deeper"):
        parse_body(deep.encode())
    with pytest.raises(walt.ValidationError, match="nested deeper"):
        parse_body(("[" * 100_000 + "]" * 100_000).encode())
    assert parse_body(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}


def test_tools_run_by_name_come_from_the_store_only(service: dict[str, Any]) -> None:
    url = service["url"]
    for name in ("planted", "planted.tool.json", "adir"):
        response = httpx.post(f"{url}/v1/tools/{name}/execute", json={"inputs": {}}, headers=AUTH)
        assert response.status_code in (400, 404), name
        text = response.text
        assert "/tmp" not in text and str(service["tools"]) not in text
        assert response.json()["error"]["code"] in ("tool_not_found", "validation_error")


def test_slow_headers_are_cut_off(tmp_path: Path) -> None:
    from walt.server import guard

    port = free_port()
    code = (
        "import walt.server.guard as g; g.HeaderTimeoutProtocol.header_timeout = 1.0\n"
        "from walt.server import serve\n"
        f"serve(host='127.0.0.1', port={port}, no_auth=True)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        slow.settimeout(guard.HEADER_TIMEOUT)
        started = time.monotonic()
        assert slow.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < 5
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"ok": True}
    finally:
        process.kill()
        process.wait(10)


def test_allowed_host_names() -> None:
    assert allowed_hosts_for("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert allowed_hosts_for("10.0.0.5", ["walt.internal"]) == {"10.0.0.5", "walt.internal"}
    assert allowed_hosts_for("0.0.0.0") is None
    assert allowed_hosts_for("::", ["Walt.Example:8765"]) == {"walt.example"}


def test_mcp_over_http_refuses_to_listen_off_loopback_without_a_token() -> None:
    from walt.mcp_server import run

    async def main() -> None:
        client = walt.AsyncClient("inprocess")
        await run([], client, transport="http", host="0.0.0.0", port=free_port())

    with pytest.raises(walt.ValidationError, match="needs a token"):
        asyncio.run(main())
