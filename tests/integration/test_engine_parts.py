"""The browser pool, the guard proxy, LLM steps and budgets, against real Chromium."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

import walt
from tests import demo_tools as t
from walt.core.costs import Budget, ModelPrice, PriceTable
from walt.core.errors import BudgetExceededError
from walt.core.llm import LLMMessage, LLMResponse
from walt.core.models import AgentStep, ExtractPageContentStep, NavigationStep, Tool
from walt.core.urls import UrlPolicy
from walt.demo import DemoSite
from walt.engine.browser import BrowserPool
from walt.engine.proxy import GuardProxy

pytestmark = pytest.mark.browser


def chromium_pids() -> list[int]:
    """Chromium processes that descend from this test process."""
    me = os.getpid()
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                names[int(entry)] = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])

    def descends(pid: int) -> bool:
        seen = 0
        while pid > 1 and seen < 50:
            pid = parents.get(pid, 1)
            if pid == me:
                return True
            seen += 1
        return False

    return [pid for pid, name in names.items() if "chrom" in name and descends(pid)]


async def test_pool_bounds_contexts_and_restarts_after_a_crash(demo_site: DemoSite) -> None:
    pool = BrowserPool(max_contexts=2)
    try:
        release = asyncio.Event()
        entered = 0

        async def job() -> None:
            nonlocal entered
            async with pool.context() as context:
                entered += 1
                page = await context.new_page()
                await page.goto(demo_site.url)
                await release.wait()

        tasks = [asyncio.create_task(job()) for _ in range(3)]
        await asyncio.sleep(1.5)
        assert entered == 2 and pool.stats.active == 2  # the third waits for a slot
        release.set()
        await asyncio.gather(*tasks)
        assert pool.stats.peak_active == 2 and pool.stats.contexts == 3

        for pid in chromium_pids():
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.5)
        async with pool.context() as context:
            page = await context.new_page()
            await page.goto(demo_site.url)
            assert "Walt Demo" in await page.title()
        assert pool.stats.launches == 2 and pool.stats.crashes == 1
    finally:
        await pool.close()
    assert chromium_pids() == []


async def test_idle_browser_is_shut_down(demo_site: DemoSite) -> None:
    pool = BrowserPool(idle_timeout=0.5)
    try:
        async with pool.context() as context:
            await (await context.new_page()).goto(demo_site.url)
        assert pool.running
        for _ in range(40):
            if not pool.running:
                break
            await asyncio.sleep(0.1)
        assert not pool.running
        async with pool.context() as context:  # and it comes back on demand
            await (await context.new_page()).goto(demo_site.url)
        assert pool.stats.launches == 2 and pool.stats.crashes == 0
    finally:
        await pool.close()


async def test_guard_proxy_forwards_allowed_and_refuses_internal(demo_site: DemoSite) -> None:
    blocked: list[tuple[str, str]] = []
    policy = UrlPolicy(allow_hosts=[demo_site.netloc])
    async with GuardProxy(policy, lambda url, why: blocked.append((url, why))) as proxy:
        async with httpx.AsyncClient(proxy=proxy.server_url, trust_env=False) as client:
            ok = await client.get(f"{demo_site.url}shop")
            assert ok.status_code == 200 and "Walt Demo" in ok.text
            refused = await client.get("http://127.0.0.2:9/secret")
            assert refused.status_code == 403
            with pytest.raises(httpx.ProxyError):
                await client.get("https://169.254.169.254/latest/")  # CONNECT refused
    assert [url for url, _ in blocked] == ["http://127.0.0.2:9/secret", "https://169.254.169.254/"]


class ScriptedLLM:
    """A host's LLM stand-in: answers from a script keyed on what it is shown."""

    model = "fake-1"

    def __init__(self) -> None:
        self.calls: list[Sequence[LLMMessage]] = []

    async def complete(
        self, messages: Sequence[LLMMessage], *, max_tokens: int = 1024
    ) -> LLMResponse:
        self.calls.append(messages)
        prompt = messages[-1].content
        if prompt.startswith("Goal:"):
            return LLMResponse("The cheapest teapot is Solar Teapot.", 120, 12)

        def element(line: str) -> int:
            return int(re.findall(r"^\[(\d+)\] " + re.escape(line) + "$", prompt, re.M)[-1])

        if "Done so far: nothing" in prompt:
            number = element("<input text> Keywords")
            return LLMResponse(
                f'{{"action": "fill", "element": {number}, "value": "teapot"}}', 500, 20
            )
        if "Done so far: fill" in prompt and "Search results" not in prompt:
            number = element("<button submit> Search")  # the form's button, not the header's
            return LLMResponse(f'{{"action": "click", "element": {number}}}', 500, 10)
        return LLMResponse('{"action": "done", "result": "searched"}', 400, 8)


def test_agent_step_and_llm_extraction_with_an_injected_llm(demo_site: DemoSite) -> None:
    llm = ScriptedLLM()
    tool = Tool(
        name="agent_search",
        steps=(
            NavigationStep(url=f"{demo_site.url}shop"),
            AgentStep(task="Search the shop for teapots", max_steps=5),
            ExtractPageContentStep(goal="the cheapest teapot"),
        ),
    )
    prices = PriceTable(models={"fake-1": ModelPrice(1.0, 2.0)})
    with walt.UnifiedClient(
        "inprocess", allow_hosts=[demo_site.netloc], llm=llm, prices=prices
    ) as client:
        result = client.execute(tool)
    result.raise_for_error()
    assert "q=teapot" in (result.final_url or "")
    assert [r["title"] for r in result.records] == ["Solar Teapot"]
    assert result.data["llm_extraction"]["answer"] == "The cheapest teapot is Solar Teapot."
    assert len(llm.calls) == 4
    assert result.cost.llm_input_tokens == 500 + 500 + 400 + 120
    assert result.cost.llm == pytest.approx((1520 * 1.0 + 50 * 2.0) / 1e6)
    assert result.cost.by_model[0].model == "fake-1"


def test_budget_stops_a_job_before_it_overspends(demo_site: DemoSite) -> None:
    prices = PriceTable(browser_second=1.0)
    with walt.UnifiedClient("inprocess", allow_hosts=[demo_site.netloc], prices=prices) as client:
        result = client.execute(
            t.search_form_tool(demo_site.url),
            {"q": "tea"},
            budget=Budget(max_usd=2.0),
            step_timeout=5,
        )
    assert isinstance(result.error, BudgetExceededError)
    # refused before the first step could spend its worst case (5 s at 1 USD/s)
    assert [(s.index, s.status) for s in result.steps] == [(0, "failed")]
    assert "budget of 2 USD exceeded" in (result.steps[0].detail or "")
    over_http = PriceTable(http_request=1.0)
    with walt.UnifiedClient(
        "inprocess", allow_hosts=[demo_site.netloc], prices=over_http
    ) as client:
        refused = client.execute(t.search_url_tool(demo_site.url), {"q": "tea"}, budget=Budget(0.5))
    assert isinstance(refused.error, BudgetExceededError)
    assert refused.cost.http_requests == 0


def test_unknown_model_price_is_reported(demo_site: DemoSite) -> None:
    tool = Tool(name="x", steps=(NavigationStep(url=demo_site.url), AgentStep(task="t")))
    with walt.UnifiedClient(
        "inprocess", allow_hosts=[demo_site.netloc], llm=ScriptedLLM()
    ) as client:
        result = client.execute(tool)
    assert isinstance(result.error, walt.UnknownModelError)
    assert "fake-1" in str(result.error)


def test_dialog_policy_accept(demo_site: DemoSite) -> None:
    options: dict[str, Any] = {"dialogs": "accept"}
    with walt.UnifiedClient(
        "inprocess", allow_hosts=[demo_site.netloc], backend_options=options
    ) as client:
        result = client.execute(t.page_tool(demo_site.url, "awkward/dialog"), prefer_http=False)
    assert "accepted" in result.data["main_text"]


def test_a_missing_browser_is_raised_not_returned(demo_site: DemoSite) -> None:
    with walt.UnifiedClient(
        "inprocess", allow_hosts=[demo_site.netloc], browser_path="/nonexistent/chrome", retries=0
    ) as client:
        with pytest.raises(
            walt.BrowserNotFoundError, match="apt-get install chromium-headless-shell"
        ):
            client.execute(t.search_form_tool(demo_site.url), {"q": "tea"})
        # URL tools need no browser at all
        assert client.execute(t.search_url_tool(demo_site.url), {"q": "tea"}).ok
        health = client.health()
        assert not health.ok and "/nonexistent/chrome" in health.detail
