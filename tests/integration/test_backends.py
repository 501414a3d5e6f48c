"""One set of tests, three backends: in-process, the Redis queue (with a worker), the service."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import walt
from tests import demo_tools as t
from tests.services import RedisServer, start_service, start_worker
from walt.core.errors import ExecutionError, LLMRequiredError, UrlBlockedError, ValidationError
from walt.core.models import AgentStep, ClickStep, NavigationStep, Tool
from walt.demo import PAGE_SIZE, DemoSite

pytestmark = [pytest.mark.browser, pytest.mark.redis]

ALLOWED = ["127.0.0.1/32"]


@pytest.fixture(scope="module", params=["inprocess", "redis", "remote"])
def client(
    request: pytest.FixtureRequest,
    redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[walt.UnifiedClient]:
    kind = request.param
    logs = tmp_path_factory.mktemp(f"logs-{kind}")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        if kind == "inprocess":
            made = walt.UnifiedClient("inprocess", allow_hosts=ALLOWED)
        elif kind == "redis":
            queue = f"b{uuid.uuid4().hex[:8]}"
            processes.append(start_worker(redis_server.url, queue=queue, log=logs / "worker.log"))
            made = walt.UnifiedClient(
                "redis", redis_url=redis_server.url, queue=queue, allow_hosts=ALLOWED
            )
        else:
            service, url = start_service("--allow-host", "127.0.0.1/32", log=logs / "serve.log")
            processes.append(service)
            made = walt.UnifiedClient(
                "remote", remote_url=url, remote_token="test-token", allow_hosts=ALLOWED
            )
        with made:
            for _ in range(100):
                made.async_client._health.clear()
                if made.health().ok:
                    break
                import time

                time.sleep(0.2)
            yield made
    finally:
        for process in processes:
            process.kill()
            process.wait(10)


def test_url_tool(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    result = client.execute(
        t.search_url_tool(demo_site.url), {"q": "everyday", "sort": "price_desc"}
    )
    result.raise_for_error()
    expected = demo_site.data.search_products(q="everyday", sort="price_desc")[:PAGE_SIZE]
    assert [r["title"] for r in result.records] == [p.name for p in expected]
    assert result.path == "http"


def test_form_tool(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    result = client.execute(
        t.search_form_tool(demo_site.url), {"q": "everyday", "category": "Books"}
    )
    result.raise_for_error()
    expected = demo_site.data.search_products(q="everyday", category="books")[:PAGE_SIZE]
    assert [r["title"] for r in result.records] == [p.name for p in expected]
    assert result.path == "browser"


def test_discover_and_generate(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    events: list[walt.ProgressEvent] = []
    found = client.discover(
        demo_site.url, max_tools=50, max_pages=30, progress=events.append, refresh=True
    )
    phases = [e.phase for e in events]  # progress reaches the caller on every backend
    assert phases[0] == "start" and phases[-1] == "done" and "crawl" in phases
    names = {tool.name for tool in found.tools}
    assert {
        "search_products",
        "filter_products_by_category",
        "sort_products",
        "paginate_products",
        "view_item",
    } <= names
    search = found.tool("search_products")
    assert search.validation is not None and search.validation.status == "validated"
    rerun = client.execute(search, {"q": "kettle"})
    assert [r["title"] for r in rerun.records] == ["Classic Kettle"]
    generated = client.generate(demo_site.url, "next page of products")
    assert generated.tool.name == "paginate_products"


def test_typed_errors_cross_every_backend(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    failing = Tool(
        name="missing",
        steps=(NavigationStep(url=demo_site.url), ClickStep(css_selector="#nope", timeout=1)),
    )
    result = client.execute(failing)
    assert isinstance(result.error, ExecutionError) and result.error.step == 1
    with pytest.raises(LLMRequiredError):
        client.execute(
            Tool(name="agent", steps=(NavigationStep(url=demo_site.url), AgentStep(task="x")))
        )
    internal = client.execute(
        Tool(name="internal", steps=(NavigationStep(url="http://127.0.0.2:9/"),))
    )
    assert isinstance(internal.error, UrlBlockedError)
    with pytest.raises(ValidationError):
        client.execute(t.search_url_tool(demo_site.url), {"sort": "sideways"})


def test_health(client: walt.UnifiedClient) -> None:
    assert client.health().ok


def test_login_and_write(client: walt.UnifiedClient, tmp_path: Path) -> None:
    with DemoSite() as site:
        state = client.login(
            t.login_tool(site.url), {"username": "demo", "password": "demo-password"}
        )
        created = client.execute(
            t.create_ticket_tool(site.url), {"title": "Through a backend"}, auth=state
        )
        created.raise_for_error()
        assert site.data.tickets[-1].title == "Through a backend"
