"""Discovery of the demo site, compared with a list of what the site offers (kept here)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import walt
from tests import demo_tools as t
from walt.core.errors import DiscoveryError
from walt.demo import PAGE_SIZE, DemoSite

pytestmark = pytest.mark.browser

# What the demo site offers, as (tool name, kind, inputs) - the reference discovery is held to.
READ_TOOLS = {
    "search_products": (
        "search",
        {"q", "category", "in_stock", "min_price", "max_price", "sort", "brand", "page"},
    ),
    "filter_products_by_category": ("filter", {"category"}),
    "filter_products_by_brand": ("filter", {"brand"}),
    "sort_products": ("sort", {"sort"}),
    "paginate_products": ("paginate", {"page"}),
    "browse_category": ("filter", {"category"}),
    "view_item": ("navigate", {"item_id"}),
}
TRACKER_READ_TOOLS = {
    "search_tickets": ("search", {"q", "status", "priority"}),
    "view_ticket": ("navigate", {"ticket_id"}),
}
WRITE_TOOLS = {
    "create_ticket": ("create", {"title", "description", "priority"}),
    "edit_ticket": ("edit", {"ticket_id", "title", "description", "priority", "status"}),
    "comment_on_ticket": ("comment", {"ticket_id", "body"}),
    "delete_ticket": ("delete", {"ticket_id"}),
}
NOT_TOOLS = {"search_archive", "browse_awkward", "browse_item"}  # broken or not one kind of page


def _by_name(result: walt.DiscoverResult) -> dict[str, walt.Tool]:
    return {tool.name: tool for tool in result.tools}


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as demo:
        yield demo


@pytest.fixture(scope="module")
def discovered(site: DemoSite) -> dict[str, Any]:
    """One default discovery (logged in, no writes), shared by the read-only tests."""
    with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc]) as client:
        state = client.login(
            t.login_tool(site.url), {"username": "demo", "password": "demo-password"}
        )
        site.requests.clear()
        before = site.snapshot()
        events: list[walt.ProgressEvent] = []
        result = client.discover(
            site.url, max_tools=50, max_pages=40, auth=state, progress=events.append
        )
        after = site.snapshot()
    return {
        "result": result,
        "state": state,
        "before": before,
        "after": after,
        "events": events,
        "requests": list(site.requests),
    }


def test_every_read_tool_is_found_and_validated(discovered: dict[str, Any]) -> None:
    tools = _by_name(discovered["result"])
    for name, (kind, inputs) in {**READ_TOOLS, **TRACKER_READ_TOOLS}.items():
        assert name in tools, f"{name} not discovered; got {sorted(tools)}"
        tool = tools[name]
        assert tool.kind == kind
        assert set(tool.input_names) == inputs, name
        assert tool.validation is not None and tool.validation.status == "validated", name
        assert tool.annotations is not None and tool.annotations.read_only is True
        assert tool.url_template, f"{name} should be promoted to a URL"
        assert tool.is_url_tool
    assert not NOT_TOOLS & set(tools)
    rejected = {v.name: v.reason for v in discovered["result"].report.rejected}
    assert "HTTP 500" in rejected["search_archive"]


def test_write_forms_are_unvalidated_tools_with_the_right_inputs(
    discovered: dict[str, Any],
) -> None:
    tools = _by_name(discovered["result"])
    for name, (kind, inputs) in WRITE_TOOLS.items():
        tool = tools[name]
        assert tool.kind == kind
        assert set(tool.input_names) == inputs, (name, tool.input_names)
        assert tool.validation is not None and tool.validation.status == "unvalidated"
        assert "validate_writes" in (tool.validation.outcome or "")
        assert tool.annotations is not None and tool.annotations.read_only is False
    assert tools["delete_ticket"].annotations.destructive is True  # type: ignore[union-attr]
    create = tools["create_ticket"]
    assert create.url_template is None  # a POST form stays in the browser (fresh CSRF token)
    assert [s.type for s in create.steps] == [
        "navigation",
        "input",
        "input",
        "select_change",
        "click",
    ]
    first_input = create.steps[1]
    assert first_input.candidates()[0] == walt.Locator("id", "title")  # stable id before CSS
    priority = create.input("priority")
    assert priority.enum == ("low", "normal", "high", "urgent")
    assert priority.enum_labels == ("Low", "Normal", "High", "Urgent")
    assert priority.default == "normal"
    assert create.input("title").required is True
    assert create.input("description").required is False
    assert "csrf_token" not in create.input_names


def test_default_discovery_changes_nothing_and_never_follows_logout_or_delete(
    discovered: dict[str, Any],
) -> None:
    assert discovered["before"] == discovered["after"]
    requests = discovered["requests"]
    assert requests, "the crawl made requests"
    assert not [r for r in requests if "logout" in r or "/delete" in r]
    assert not [r for r in requests if r.startswith("POST")]


def test_schema_induction(discovered: dict[str, Any]) -> None:
    search = _by_name(discovered["result"])["search_products"]
    # Required only when the form says so (the box has no required attribute), and no
    # default taken from the words the crawl searched for.
    assert search.input("q").required is False
    assert search.input("q").default is None
    assert search.input("category").enum == ("kitchen", "garden", "books", "electronics", "toys")
    assert search.input("category").enum_labels == (
        "Kitchen",
        "Garden",
        "Books",
        "Electronics",
        "Toys",
    )
    assert search.input("min_price").type == "number" and search.input("min_price").minimum == 0
    assert search.input("in_stock").enum == ("1",)
    assert search.input("page").type == "integer"
    assert search.input("sort").default == "relevance"
    assert search.input("min_price").description == "Min price"
    description = search.description
    assert "Precondition:" in description and "Outcome:" in description
    assert search.start_url is not None and search.provenance is not None
    assert search.provenance.source == "walt-discovery"


def test_report_and_progress(discovered: dict[str, Any]) -> None:
    result: walt.DiscoverResult = discovered["result"]
    report = result.report
    assert result.pages_visited == len(report.pages) > 10
    assert report.candidates >= len(result.tools)
    assert any("robots.txt disallows" in w for w in report.warnings)
    summary = report.summary()
    assert "pages visited" in summary and "rejected" in summary
    phases = [e.phase for e in discovered["events"]]
    assert phases[0] == "start" and phases[-1] == "done"
    assert {"crawl", "analyze", "validate"} <= set(phases)
    assert result.cost.total > 0


def test_discovered_tools_reload_and_run_with_new_inputs(
    discovered: dict[str, Any], site: DemoSite, tmp_path: Path
) -> None:
    result: walt.DiscoverResult = discovered["result"]
    paths = result.save(str(tmp_path))
    assert len(paths) == len(result.tools)
    reloaded = {tool.name: tool for tool in walt.load_tools(tmp_path)}
    assert set(reloaded) == {tool.name for tool in result.tools}
    assert reloaded["search_products"] == _by_name(result)["search_products"]

    def run(name: str, *inputs: str) -> dict[str, Any]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "walt",
                "run",
                str(tmp_path / name / f"{name}.tool.json"),
                *[x for i in inputs for x in ("-i", i)],
                "--json",
                "--allow-host",
                site.netloc,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        out: dict[str, Any] = json.loads(done.stdout)
        return out

    data = site.data
    out = run("search_products", "q=teapot")
    assert [r["title"] for r in out["data"]["items"]] == [
        p.name for p in data.search_products(q="teapot")
    ]
    out = run("filter_products_by_category", "category=toys")
    assert [r["title"] for r in out["data"]["items"]] == [
        p.name for p in data.search_products(category="toys")
    ][:PAGE_SIZE]
    out = run("sort_products", "sort=name")
    assert [r["title"] for r in out["data"]["items"]] == [
        p.name for p in data.search_products(sort="name")
    ][:PAGE_SIZE]
    out = run("paginate_products", "page=3")
    assert [r["title"] for r in out["data"]["items"]] == [
        p.name for p in data.products[2 * PAGE_SIZE : 3 * PAGE_SIZE]
    ]
    out = run("browse_category", "category=books")
    rows = out["data"]["tables"][0]["rows"]
    assert [r["name"] for r in rows] == [
        p.name for p in data.search_products(category="books", sort="name")
    ]
    out = run("view_item", "item_id=7")
    assert out["title"].startswith(data.product(7).name)  # type: ignore[union-attr]
    out = run("search_products", "q=everyday", "brand=acme", "sort=price_desc", "page=2")
    expected = data.search_products(q="everyday", brand="acme", sort="price_desc")[
        PAGE_SIZE : 2 * PAGE_SIZE
    ]
    assert [r["title"] for r in out["data"]["items"]] == [p.name for p in expected]


def test_validate_writes_runs_them_on_a_fresh_site(fresh_site: DemoSite) -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=[fresh_site.netloc]) as client:
        state = client.login(
            t.login_tool(fresh_site.url), {"username": "demo", "password": "demo-password"}
        )
        result = client.discover(
            fresh_site.url, max_tools=50, max_pages=40, auth=state, validate_writes=True
        )
    tools = _by_name(result)
    for name in WRITE_TOOLS:
        validation = tools[name].validation
        assert validation is not None and validation.status == "validated", (name, validation)
        assert validation.evidence["runs"], name
    created_id = int(tools["create_ticket"].validation.evidence["created_id"])  # type: ignore[union-attr]
    # The check acted on the record it created, then deleted it: the seed data is intact.
    assert tools["edit_ticket"].validation.evidence["runs"][0]["inputs"]["ticket_id"] == created_id  # type: ignore[union-attr]
    assert fresh_site.data.ticket(created_id) is None
    assert [tk.id for tk in fresh_site.data.tickets] == list(range(1, 9))


def test_anonymous_discovery_finds_the_shop_and_the_login(site: DemoSite) -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc]) as client:
        result = client.discover(site.url, max_tools=50, max_pages=40)
    tools = _by_name(result)
    assert set(READ_TOOLS) <= set(tools)
    assert tools["log_in"].kind == "login"
    assert "search_tickets" not in tools  # behind the login


def test_goal_ranking_and_max_tools(discovered: dict[str, Any], site: DemoSite) -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc]) as client:
        result = client.discover(site.url, goal="sort products by price", max_tools=3)
        assert len(result.tools) == 3
        assert result.tools[0].name == "sort_products"
        generated = client.generate(site.url, "find products by keyword")
        assert generated.tool.name == "search_products"
        assert generated.score > 0
        with pytest.raises(DiscoveryError) as info:
            client.generate(site.url, "zzyzx quux")
        assert "search_products" in str(info.value)


def test_robots_can_be_ignored_for_ones_own_site(site: DemoSite) -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc]) as client:
        result = client.discover(site.url, max_tools=50, max_pages=45, respect_robots=False)
    assert any(p.url.endswith("/private/") for p in result.report.pages)
    assert "search_private" in _by_name(result) or any(
        v.name == "search_private" for v in result.report.rejected
    )


def test_cli_discover_generate_and_list(site: DemoSite, tmp_path: Path) -> None:
    out_dir = tmp_path / "tools"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "walt",
            "discover",
            site.url,
            "--max-tools",
            "50",
            "--out",
            str(out_dir),
            "--json",
            "--allow-host",
            site.netloc,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload) == {"url", "tools", "pages_visited", "elapsed_ms", "report"}
    assert {t["name"] for t in payload["tools"]} >= set(READ_TOOLS)
    assert (out_dir / "search_products" / "search_products.tool.json").is_file()
    assert json.loads((out_dir / "report.json").read_text())["url"] == site.url
    listed = subprocess.run(
        [sys.executable, "-m", "walt", "list", str(out_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0
    assert "search_products" in listed.stdout and "validated" in listed.stdout
    gen = subprocess.run(
        [
            sys.executable,
            "-m",
            "walt",
            "generate",
            site.url,
            "--goal",
            "next page of products",
            "--allow-host",
            site.netloc,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert gen.returncode == 0, gen.stderr
    assert gen.stdout.startswith("paginate_products (paginate)")


def test_discovery_of_an_unreachable_site_is_a_discovery_error() -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=["127.0.0.1:9"]) as client:
        with pytest.raises(DiscoveryError, match="could not analyse any page"):
            client.discover("http://127.0.0.1:9/", time_budget=5)
