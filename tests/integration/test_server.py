"""The walt service is safe by default: tokens, private URLs, tool names, sizes, CORS."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import walt
from tests import demo_tools as t
from tests.services import start_service
from walt.core.converter import converter
from walt.core.errors import (
    AuthError,
    ToolNotFoundError,
    UrlBlockedError,
    ValidationError,
)
from walt.core.messages import DiscoverRequest, ExecuteRequest
from walt.demo import DemoSite

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A service with default settings: private addresses refused, a token required."""
    tools = tmp_path_factory.mktemp("tools")
    walt.DirectoryStore(tools).save_sync(
        walt.Tool(
            name="example_tool",
            steps=(walt.core.models.NavigationStep(url="https://example.com/"),),
        )
    )
    process, url = start_service("--tools", str(tools), "--cors-origin", "https://app.example")
    yield {"url": url, "tools": tools}
    process.kill()
    process.wait(10)


def test_requests_without_the_token_are_refused(service: dict[str, Any]) -> None:
    url = service["url"]
    assert httpx.get(f"{url}/v1/health").status_code == 401
    wrong = httpx.get(f"{url}/v1/health", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "auth_error"
    assert wrong.headers["www-authenticate"] == "Bearer"
    ok = httpx.get(f"{url}/v1/health", headers={"Authorization": "Bearer test-token"})
    assert ok.status_code == 200 and ok.json()["ok"] is True
    assert httpx.get(f"{url}/healthz").json() == {"ok": True}
    with walt.UnifiedClient("remote", remote_url=url, remote_token="wrong") as client:
        with pytest.raises(AuthError):
            client.execute(t.search_url_tool("https://example.com/"), {"q": "x"})


def test_private_urls_are_refused_by_default(service: dict[str, Any], demo_site: DemoSite) -> None:
    url = service["url"]
    body = converter.unstructure(DiscoverRequest(url=demo_site.url))
    response = httpx.post(
        f"{url}/v1/discover", json=body, headers={"Authorization": "Bearer test-token"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "url_blocked"
    # The remote backend turns the document back into the same class.
    with walt.UnifiedClient(
        "remote", remote_url=url, remote_token="test-token", allow_hosts=[demo_site.netloc]
    ) as client:
        with pytest.raises(UrlBlockedError, match="loopback"):
            client.discover(demo_site.url)
        result = client.execute(t.search_url_tool(demo_site.url), {"q": "kettle"})
        assert isinstance(result.error, UrlBlockedError)


def test_tool_names_cannot_traverse(service: dict[str, Any]) -> None:
    url = service["url"]
    headers = {"Authorization": "Bearer test-token"}
    for name in ("..", "../etc/passwd", "a/b", "%2e%2e", "example_tool/../../x"):
        response = httpx.get(f"{url}/v1/tools/{name}", headers=headers)
        assert response.status_code in (400, 404), name
        assert response.json()["error"]["code"] in ("validation_error", "not_found"), name
    assert (
        httpx.get(f"{url}/v1/tools/example_tool", headers=headers).json()["name"] == "example_tool"
    )
    assert httpx.get(f"{url}/v1/tools/nothing_here", headers=headers).status_code == 404
    names = [tool["name"] for tool in httpx.get(f"{url}/v1/tools", headers=headers).json()]
    assert names == ["example_tool"]


def test_typed_errors_round_trip(service: dict[str, Any]) -> None:
    with walt.UnifiedClient(
        "remote", remote_url=service["url"], remote_token="test-token"
    ) as client:
        backend = client.async_client.get_backend()
        import asyncio

        async def calls() -> None:
            with pytest.raises(ValidationError) as info:
                await backend._call("POST", "/v1/execute", {"tool": {"name": 3}})
            assert info.value.details["problems"]
            with pytest.raises(ToolNotFoundError):
                await backend._call("GET", "/v1/tools/not_a_tool")
            await backend.aclose()

        asyncio.run(calls())


def test_size_limits_openapi_and_cors(service: dict[str, Any]) -> None:
    url = service["url"]
    headers = {"Authorization": "Bearer test-token"}
    big = httpx.post(
        f"{url}/v1/execute",
        content=b"{" + b" " * 3_000_000 + b"}",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert big.status_code == 413
    spec = httpx.get(f"{url}/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/v1/discover", "/v1/generate", "/v1/execute", "/v1/jobs", "/v1/tools/{name}"} <= set(
        spec["paths"]
    )
    assert "ExecuteRequest" in spec["components"]["schemas"]
    tool_schema = spec["components"]["schemas"]["Tool"]["properties"]
    assert "input_schema" in tool_schema  # the wire name, not the attribute name
    allowed = httpx.options(
        f"{url}/v1/execute",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert allowed.headers.get("access-control-allow-origin") == "https://app.example"
    other = httpx.get(f"{url}/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_no_cors_unless_configured(tmp_path: Path) -> None:
    process, url = start_service(token="t")
    try:
        response = httpx.get(f"{url}/healthz", headers={"Origin": "https://app.example"})
        assert "access-control-allow-origin" not in response.headers
    finally:
        process.kill()
        process.wait(10)


def test_no_auth_only_on_loopback() -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "walt", "serve", "--host", "0.0.0.0", "--no-auth"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "only allowed on a loopback address" in refused.stderr


def test_jobs_api(demo_site: DemoSite, tmp_path: Path) -> None:
    process, url = start_service(
        "--allow-host", demo_site.netloc, token="t", log=tmp_path / "s.log"
    )
    headers = {"Authorization": "Bearer t"}
    try:
        request = ExecuteRequest(tool=t.search_url_tool(demo_site.url), inputs={"q": "kettle"})
        submitted = httpx.post(
            f"{url}/v1/jobs",
            json={"kind": "execute", "request": converter.unstructure(request)},
            headers=headers,
        )
        assert submitted.status_code == 202
        job_id = submitted.json()["id"]
        assert job_id == request.request_id
        result = httpx.get(f"{url}/v1/jobs/{job_id}/result?timeout=30", headers=headers, timeout=40)
        assert result.status_code == 200 and result.json()["ok"] is True
        assert httpx.get(f"{url}/v1/jobs/{job_id}", headers=headers).json()["state"] == "done"
        missing = httpx.get(f"{url}/v1/jobs/nope", headers=headers)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "job_not_found"
    finally:
        process.kill()
        process.wait(10)


def test_auto_mode_prefers_a_configured_remote_service(demo_site: DemoSite, tmp_path: Path) -> None:
    process, url = start_service(
        "--allow-host", demo_site.netloc, token="t", log=tmp_path / "s.log"
    )
    try:
        env = {"WALT_REMOTE_URL": url, "WALT_REMOTE_TOKEN": "t"}
        with walt.UnifiedClient(allow_hosts=[demo_site.netloc], environ=env) as client:
            result = client.execute(t.search_url_tool(demo_site.url), {"q": "kettle"})
            assert result.ok and [r["title"] for r in result.records] == ["Classic Kettle"]
            assert set(client.costs.summary("backend")) == {"remote"}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "walt",
                "discover",
                demo_site.url,
                "--backend",
                "remote",
                "--remote",
                url,
                "--token",
                "t",
                "--allow-host",
                demo_site.netloc,
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "search_products" in done.stdout
    finally:
        process.kill()
        process.wait(10)
