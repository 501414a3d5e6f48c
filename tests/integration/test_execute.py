"""Running tools for real: headless Chromium and the HTTP fast path against the demo site."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import walt
from tests import demo_tools as t
from walt.core.errors import (
    ExecutionError,
    LLMRequiredError,
    UrlBlockedError,
    ValidationError,
    WaltTimeoutError,
)
from walt.core.models import AgentStep, ClickStep, Locator, NavigationStep, Tool, WaitStep
from walt.demo import PAGE_SIZE, DemoSite

pytestmark = pytest.mark.browser


def names(records: list[dict[str, Any]]) -> list[str]:
    return [r["title"] for r in records]


# ----------------------------------------------------------------------------- read tools


def test_search_over_http_returns_the_sites_own_results(
    client: walt.UnifiedClient, demo_site: DemoSite
) -> None:
    result = client.execute(
        t.search_url_tool(demo_site.url), {"q": "everyday", "sort": "price_asc"}
    )
    result.raise_for_error()
    assert result.path == "http"
    expected = demo_site.data.search_products(q="everyday", sort="price_asc")[:PAGE_SIZE]
    assert names(result.records) == [p.name for p in expected]
    assert [r["price"] for r in result.records] == [f"${p.price:.2f}" for p in expected]
    assert result.status == 200
    assert result.cost.http_requests == 1


@pytest.mark.parametrize("category", ["kitchen", "books"])
def test_filter(client: walt.UnifiedClient, demo_site: DemoSite, category: str) -> None:
    result = client.execute(t.search_url_tool(demo_site.url), {"category": category})
    expected = demo_site.data.search_products(category=category)[:PAGE_SIZE]
    assert names(result.records) == [p.name for p in expected]
    assert {r["category"] for r in result.records} == {category.title()}


def test_sort_and_paginate(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    tool = t.search_url_tool(demo_site.url)
    desc = client.execute(tool, {"sort": "price_desc", "page": 2})
    expected = demo_site.data.search_products(sort="price_desc")[PAGE_SIZE : 2 * PAGE_SIZE]
    assert names(desc.records) == [p.name for p in expected]
    prices = [float(r["price"].strip("$")) for r in desc.records]
    assert prices == sorted(prices, reverse=True)
    assert desc.data["pagination"]["next"].endswith("page=3")
    assert "page=1" in desc.data["pagination"]["prev"]


def test_form_tool_in_the_browser(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    result = client.execute(
        t.search_form_tool(demo_site.url),
        {"q": "everyday", "category": "Garden", "in_stock": True, "sort": "Price: high to low"},
    )
    result.raise_for_error()
    assert result.path == "browser"
    expected = demo_site.data.search_products(
        q="everyday", category="garden", in_stock=True, sort="price_desc"
    )[:PAGE_SIZE]
    assert names(result.records) == [p.name for p in expected]
    used = [s.locator for s in result.steps]
    assert used[1] == "label='Keywords'"
    assert used[2] == "id='category'"
    # two "Search" buttons (header and form): the role candidate is not unique, CSS wins
    assert used[5] == "css='#product-search button'"
    assert result.cost.browser_seconds > 0


def test_optional_empty_steps_are_skipped(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    result = client.execute(t.search_form_tool(demo_site.url), {"q": "kettle"})
    statuses = [s.status for s in result.steps]
    assert statuses == ["ok", "ok", "skipped", "skipped", "skipped", "ok"]
    assert names(result.records) == [p.name for p in demo_site.data.search_products(q="kettle")]


def test_key_press_submits(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    result = client.execute(t.key_search_tool(demo_site.url), {"q": "teapot"})
    assert names(result.records) == [p.name for p in demo_site.data.search_products(q="teapot")]


def test_http_and_browser_paths_return_the_same_data(
    client: walt.UnifiedClient, demo_site: DemoSite
) -> None:
    tool = t.search_url_tool(demo_site.url)
    inputs = {"q": "everyday", "category": "toys", "sort": "name"}
    over_http = client.execute(tool, inputs)
    in_browser = client.execute(tool, inputs, prefer_http=False)
    assert over_http.path == "http" and in_browser.path == "browser"
    assert over_http.records == in_browser.records
    assert over_http.data["tables"] == in_browser.data["tables"]
    assert over_http.data["pagination"] == in_browser.data["pagination"]


def test_validation_before_the_browser(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    with pytest.raises(ValidationError):
        client.execute(t.search_url_tool(demo_site.url), {"sort": "sideways"})
    with pytest.raises(ValidationError):
        client.execute(t.search_url_tool(demo_site.url), {"page": "two"})


def test_agent_step_without_llm_is_a_clear_error(
    client: walt.UnifiedClient, demo_site: DemoSite
) -> None:
    tool = Tool(
        name="agentic", steps=(NavigationStep(url=demo_site.url), AgentStep(task="find tea"))
    )
    with pytest.raises(LLMRequiredError, match="this tool needs an LLM: .*pass llm="):
        client.execute(tool)


def test_element_not_found_names_the_step_and_candidates(
    client: walt.UnifiedClient, demo_site: DemoSite
) -> None:
    tool = Tool(
        name="missing",
        steps=(
            NavigationStep(url=f"{demo_site.url}shop"),
            ClickStep(
                locators=(Locator("text", "No such button"),), css_selector="#nope", timeout=1
            ),
        ),
    )
    result = client.execute(tool, screenshot_on_failure=True)
    assert not result.ok
    assert isinstance(result.error, ExecutionError)
    assert result.error.step == 1
    message = str(result.error)
    assert "text='No such button' matched 0" in message and "css='#nope' matched 0" in message
    assert result.screenshot is not None and result.screenshot.startswith(b"\x89PNG")
    assert [s.status for s in result.steps] == ["ok", "failed"]


# ----------------------------------------------------------------------------- write tools


def test_login_then_create_edit_comment_delete(fresh_site: DemoSite) -> None:
    base = fresh_site.url
    with walt.UnifiedClient("inprocess", allow_hosts=[fresh_site.netloc]) as client:
        refused = client.execute(t.create_ticket_tool(base), {"title": "x"}, step_timeout=2)
        assert not refused.ok  # not logged in: the form is not there
        state = client.login(t.login_tool(base), {"username": "demo", "password": "demo-password"})
        assert any(c["name"] == "walt_demo_session" for c in state["cookies"])

        created = client.execute(
            t.create_ticket_tool(base),
            {"title": "Kettle leaks", "description": "Water everywhere", "priority": "urgent"},
            auth=state,
        )
        created.raise_for_error()
        ticket = fresh_site.data.tickets[-1]
        assert (ticket.title, ticket.description, ticket.priority) == (
            "Kettle leaks",
            "Water everywhere",
            "urgent",
        )
        assert created.final_url.endswith(f"/tracker/ticket/{ticket.id}")

        edited = client.execute(
            t.edit_ticket_tool(base),
            {"ticket_id": ticket.id, "title": "Kettle leaks a lot", "status": "in_progress"},
            auth=state,
        )
        edited.raise_for_error()
        assert (ticket.title, ticket.status) == ("Kettle leaks a lot", "in_progress")

        commented = client.execute(
            t.comment_tool(base),
            {"ticket_id": ticket.id, "body": "Confirmed on model X"},
            auth=state,
        )
        commented.raise_for_error()
        assert [c.body for c in ticket.comments] == ["Confirmed on model X"]
        assert commented.records[-1]["body"] == "Confirmed on model X"

        deleted = client.execute(t.delete_ticket_tool(base), {"ticket_id": ticket.id}, auth=state)
        deleted.raise_for_error()
        assert fresh_site.data.ticket(ticket.id) is None
        assert deleted.final_url.endswith("/tracker")


def test_contexts_do_not_share_cookies(fresh_site: DemoSite) -> None:
    base = fresh_site.url
    with walt.UnifiedClient("inprocess", allow_hosts=[fresh_site.netloc]) as client:
        client.login(t.login_tool(base), {"username": "demo", "password": "demo-password"})
        anonymous = client.execute(
            t.create_ticket_tool(base), {"title": "should fail"}, step_timeout=2
        )
        assert not anonymous.ok
        assert "/login" in (anonymous.final_url or "")
    assert all(tk.title != "should fail" for tk in fresh_site.data.tickets)


def test_wrong_password_fails_the_login(fresh_site: DemoSite) -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=[fresh_site.netloc]) as client:
        with pytest.raises(ExecutionError, match="401"):
            client.login(t.login_tool(fresh_site.url), {"username": "demo", "password": "nope"})


# ----------------------------------------------------------------------------- the CLI


def _walt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walt", *args], capture_output=True, text=True, timeout=120
    )


def test_walt_run_read_and_write_tools(tmp_path: Path, fresh_site: DemoSite) -> None:
    base, host = fresh_site.url, fresh_site.netloc
    search = t.search_url_tool(base).save(tmp_path / "search.tool.json")
    done = _walt(
        "run",
        str(search),
        "-i",
        "q=everyday",
        "-i",
        "sort=price_desc",
        "--json",
        "--allow-host",
        host,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= {
        "ok",
        "tool",
        "path",
        "final_url",
        "data",
        "steps",
        "cost",
        "elapsed_ms",
        "error",
    }
    expected = fresh_site.data.search_products(q="everyday", sort="price_desc")[:PAGE_SIZE]
    assert [r["title"] for r in out["data"]["items"]] == [p.name for p in expected]

    login = t.login_tool(base).save(tmp_path / "login.tool.json")
    state = tmp_path / "state.json"
    done = _walt(
        "login",
        str(login),
        "-i",
        "username=demo",
        "-i",
        "password=demo-password",
        "--save",
        str(state),
        "--allow-host",
        host,
    )
    assert done.returncode == 0, done.stderr
    create = t.create_ticket_tool(base).save(tmp_path / "create.tool.json")
    done = _walt(
        "run", str(create), "-i", "title=From the shell", "--auth", str(state), "--allow-host", host
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: create_ticket via browser" in done.stdout
    assert fresh_site.data.tickets[-1].title == "From the shell"

    refused = _walt("run", str(search), "-i", "q=x")  # no --allow-host: loopback is refused
    assert refused.returncode == 1
    assert "not public (loopback)" in refused.stdout
    bad = _walt("run", str(search), "-i", "sort=up", "--allow-host", host)
    assert bad.returncode == 2 and "must be one of" in bad.stderr


# ----------------------------------------------------------------------------- awkward pages


def _good_tool_still_works(client: walt.UnifiedClient, site: DemoSite) -> None:
    ok = client.execute(t.search_form_tool(site.url), {"q": "kettle"})
    assert ok.ok, ok.error
    assert names(ok.records) == ["Classic Kettle"]


def test_js_widget(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    result = client.execute(t.js_widget_tool(demo_site.url))
    assert result.path == "browser"
    assert names(result.records) == [p.name for p in demo_site.data.products[:5]]
    _good_tool_still_works(client, demo_site)


def test_slow_page_times_out_then_the_pool_works(
    client: walt.UnifiedClient, demo_site: DemoSite
) -> None:
    slow = t.page_tool(demo_site.url, "awkward/slow?ms=4000")
    result = client.execute(slow, prefer_http=False, step_timeout=1.0)
    assert not result.ok
    assert isinstance(result.error, WaltTimeoutError | ExecutionError)
    assert result.elapsed_ms < 3500
    over_http = client.execute(slow, step_timeout=1.0)
    assert isinstance(over_http.error, WaltTimeoutError)
    whole = client.execute(slow, prefer_http=False, timeout=1.5, step_timeout=10)
    assert isinstance(whole.error, WaltTimeoutError)
    assert "took longer than 1.5 s" in str(whole.error)
    _good_tool_still_works(client, demo_site)


def test_redirect_chain(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    for prefer_http in (True, False):
        result = client.execute(
            t.page_tool(demo_site.url, "awkward/redirect?n=4"), prefer_http=prefer_http
        )
        assert result.ok and result.final_url.endswith("/awkward/landed")
        assert "You followed every redirect" in result.data["main_text"]


def test_endless_redirect_loop(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    loop = t.page_tool(demo_site.url, "awkward/loop")
    over_http = client.execute(loop)
    assert isinstance(over_http.error, ExecutionError) and "redirect loop" in str(over_http.error)
    in_browser = client.execute(loop, prefer_http=False)
    assert isinstance(in_browser.error, ExecutionError)
    assert "ERR_TOO_MANY_REDIRECTS" in str(in_browser.error)
    _good_tool_still_works(client, demo_site)


def test_submit_button_outside_the_form(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    result = client.execute(t.outside_submit_tool(demo_site.url), {"email": "a@b.example"})
    assert result.ok, result.error
    assert "Subscribed a@b.example" in result.data["main_text"]


def test_dialogs_nobody_expected_fail_the_step(
    client: walt.UnifiedClient, demo_site: DemoSite
) -> None:
    result = client.execute(t.page_tool(demo_site.url, "awkward/dialog"), prefer_http=False)
    assert not result.ok
    assert isinstance(result.error, walt.DialogError)
    assert result.error.details["dialog"]["type"] == "confirm"
    assert [d["type"] for d in result.data["dialogs"]] == ["confirm", "alert"]
    assert all(d["action"] == "dismiss" for d in result.data["dialogs"])
    assert result.steps[0].status == "failed" and "confirm" in (result.steps[0].dialog or "")
    _good_tool_still_works(client, demo_site)


def test_popups_are_closed_and_recorded(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    tool = t.page_tool(demo_site.url, "awkward/popup", WaitStep(until="networkidle", seconds=3))
    result = client.execute(tool)
    assert result.ok
    assert any("/shop" in url for url in result.data["popups"])


def test_huge_page(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    for prefer_http in (True, False):
        result = client.execute(
            t.page_tool(demo_site.url, "awkward/huge"), prefer_http=prefer_http, timeout=30
        )
        assert result.ok, result.error
        assert result.data["main_text"].startswith("Huge page row 0 row 1")
    _good_tool_still_works(client, demo_site)


def test_downloads_are_refused(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    tool = Tool(
        name="download",
        steps=(
            NavigationStep(url=f"{demo_site.url}awkward/downloads"),
            ClickStep(locators=(Locator("role", "link", role_name="Download the report (CSV)"),)),
            WaitStep(until="networkidle", seconds=2),
        ),
    )
    result = client.execute(tool)
    assert any(
        b.reason == "downloads are refused" and b.url.endswith("/awkward/report.csv")
        for b in result.blocked
    )
    _good_tool_still_works(client, demo_site)


def test_error_status_is_a_failure(client: walt.UnifiedClient, demo_site: DemoSite) -> None:
    tool = Tool(
        name="archive",
        inputs=(walt.ToolInput("q"),),
        steps=(
            NavigationStep(url=f"{demo_site.url}awkward/broken-search"),
            walt.core.models.InputStep(
                locators=(Locator("label", "Search the archive"),), value="{q}"
            ),
            ClickStep(css_selector="main form button"),
        ),
    )
    result = client.execute(tool, {"q": "kettle"})
    assert not result.ok and result.status == 500
    assert "HTTP 500" in str(result.error)
    direct = client.execute(t.page_tool(demo_site.url, "awkward/broken-results?q=kettle"))
    assert not direct.ok and direct.status == 500


# ----------------------------------------------------------------------------- the network guard


def test_internal_requests_from_a_page_are_blocked_and_reported(
    client: walt.UnifiedClient, demo_site: DemoSite
) -> None:
    tool = t.page_tool(demo_site.url, "awkward/ssrf", WaitStep(until="networkidle", seconds=3))
    result = client.execute(tool)
    assert result.ok
    blocked = {b.url: b for b in result.blocked}
    assert "http://127.0.0.2/pixel.png" in blocked
    assert "loopback" in blocked["http://127.0.0.2/pixel.png"].reason
    assert "http://169.254.169.254/latest/meta-data/" in blocked
    assert "metadata" in blocked["http://169.254.169.254/latest/meta-data/"].reason
    assert "blocked" in result.data["main_text"]  # the page's fetch failed


def test_redirect_to_an_internal_address_is_blocked(
    client: walt.UnifiedClient, demo_site: DemoSite
) -> None:
    tool = t.page_tool(demo_site.url, "awkward/to-metadata")
    over_http = client.execute(tool)
    assert isinstance(over_http.error, UrlBlockedError)
    assert "169.254.169.254" in str(over_http.error)
    in_browser = client.execute(tool, prefer_http=False)
    assert not in_browser.ok
    assert any("169.254.169.254" in b.url for b in in_browser.blocked)


def test_tool_urls_outside_the_policy_are_refused(demo_site: DemoSite) -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=[demo_site.netloc]) as strict:
        result = strict.execute(Tool(name="x", steps=(NavigationStep(url="http://127.0.0.2:1/"),)))
        assert isinstance(result.error, UrlBlockedError)
        file_url = strict.execute(
            Tool(name="f", steps=(NavigationStep(url="file:///etc/passwd"),)), prefer_http=False
        )
        assert isinstance(file_url.error, UrlBlockedError)
        assert "scheme 'file'" in str(file_url.error)


def test_health(client: walt.UnifiedClient) -> None:
    health = client.health()
    assert health.ok and health.backend == "inprocess"
    assert health.info["checked"]["inprocess"]["ok"] is True
