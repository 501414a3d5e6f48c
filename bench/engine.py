"""Engine benchmarks: each a ratio against a baseline measured in the same run.

* url_tool: a URL tool through walt (warm) vs a bare httpx GET + the same extraction;
* form_tool: a form tool through walt on a warm browser vs hand-written Playwright
  doing the same steps on a reused page;
* seed_pattern: walt's warm call vs the seed prototype's pattern (launch a browser per call);
* pool_memory: peak memory of the browser pool at 1, 4 and 8 concurrent executions.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import TYPE_CHECKING, Any

import httpx
from tests.demo_tools import search_url_tool

import walt
from bench.common import against_playwright, interleaved, row
from walt.core.models import (
    ClickStep,
    InputStep,
    Locator,
    NavigationStep,
    SelectChangeStep,
    Tool,
    ToolInput,
)
from walt.demo import DemoSite
from walt.engine.browser import find_browser, launch_args
from walt.engine.extract import extract

if TYPE_CHECKING:
    from playwright.async_api import Page


def url_tool(site: DemoSite) -> Tool:
    return search_url_tool(site.url)


def form_tool(site: DemoSite) -> Tool:
    return Tool(
        name="search_form",
        kind="search",
        inputs=(ToolInput("q"), ToolInput("category")),
        steps=(
            NavigationStep(url=f"{site.url}shop"),
            InputStep(locators=(Locator("id", "q"),), value="{q}"),
            SelectChangeStep(locators=(Locator("id", "category"),), selected_text="{category}"),
            ClickStep(css_selector="#product-search button"),
        ),
    )


async def bench_url_tool(site: DemoSite, rounds: int) -> dict[str, Any]:
    tool = url_tool(site)
    url = f"{site.url}shop/search?q=everyday&sort=price_asc"
    async with (
        walt.AsyncClient("inprocess", allow_hosts=[site.netloc]) as client,
        httpx.AsyncClient() as http,
    ):

        async def with_walt() -> None:
            result = await client.execute(tool, {"q": "everyday", "sort": "price_asc"})
            assert result.ok and len(result.records) == 10

        async def bare() -> None:
            response = await http.get(url)
            data = extract(response.text, str(response.url))
            assert len(data["items"]) == 10

        m = await interleaved({"walt": with_walt, "httpx": bare}, rounds=rounds)
    return row(
        "URL tool (warm) vs httpx GET + same extraction",
        m["walt"].median,
        m["httpx"].median,
        "<= 1.2x",
    )


async def bench_form_tool(site: DemoSite, rounds: int) -> list[dict[str, Any]]:
    tool = form_tool(site)
    async with walt.AsyncClient("inprocess", allow_hosts=[site.netloc]) as client:

        async def with_walt() -> None:
            result = await client.execute(tool, {"q": "everyday", "category": "Garden"})
            assert result.ok and len(result.records) == 10, result.error

        async def hand_written(page: Page) -> None:
            await page.goto(f"{site.url}shop")
            await page.fill("#q", "everyday")
            await page.select_option("#category", label="Garden")
            await page.click("#product-search button")
            await page.wait_for_load_state()
            rows = await page.locator(".product-card").all_inner_texts()
            assert len(rows) == 10

        return await against_playwright(
            "form tool (warm browser) vs hand-written Playwright, reused page",
            with_walt,
            hand_written,
            rounds=rounds,
        )


async def bench_seed_pattern(site: DemoSite, rounds: int) -> dict[str, Any]:
    """The prototype launched a browser per call and waited for network idle."""
    from playwright.async_api import async_playwright

    tool = url_tool(site)
    choice = find_browser()
    args = launch_args()
    url = f"{site.url}shop/search?q=everyday&sort=price_asc"
    async with (
        walt.AsyncClient("inprocess", allow_hosts=[site.netloc]) as client,
        async_playwright() as pw,
    ):

        async def with_walt() -> None:
            result = await client.execute(
                tool, {"q": "everyday", "sort": "price_asc"}, prefer_http=False
            )
            assert result.ok

        async def seed() -> None:
            browser = await pw.chromium.launch(executable_path=choice.path, args=args)
            page = await browser.new_page()
            await page.goto(url, wait_until="networkidle")
            await page.inner_text("body")
            await browser.close()

        m = await interleaved(
            {"walt": with_walt, "seed": seed}, rounds=max(5, rounds // 4), warmup=1
        )
    result = row(
        "warm browser call vs the seed's browser-per-call pattern",
        m["walt"].median,
        m["seed"].median,
        "report the factor",
    )
    result["factor"] = round(m["seed"].median / m["walt"].median, 1)
    return result


def _chromium_rss_mb() -> float:
    """Resident memory (PSS where available) of every Chromium process under this one."""
    me = os.getpid()
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                names[int(entry)] = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue

    def ours(pid: int) -> bool:
        for _ in range(50):
            pid = parents.get(pid, 1)
            if pid == me:
                return True
            if pid <= 1:
                return False
        return False

    total_kb = 0
    for pid, name in names.items():
        if "chrom" not in name or not ours(pid):
            continue
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except OSError:
            continue
    return total_kb / 1024


async def bench_pool_memory(site: DemoSite) -> list[dict[str, Any]]:
    tool = form_tool(site)
    rows = []
    for concurrency in (1, 4, 8):
        async with walt.AsyncClient(
            "inprocess", allow_hosts=[site.netloc], backend_options={"max_contexts": concurrency}
        ) as client:
            await client.execute(tool, {"q": "x", "category": "Garden"})  # launch
            idle = _chromium_rss_mb()
            peak = idle
            stop = asyncio.Event()

            async def sample(stop: asyncio.Event = stop) -> None:
                nonlocal peak
                while not stop.is_set():
                    peak = max(peak, _chromium_rss_mb())
                    await asyncio.sleep(0.05)

            sampler = asyncio.create_task(sample())
            started = time.perf_counter()
            for _ in range(3):
                results = await asyncio.gather(
                    *(
                        client.execute(tool, {"q": "everyday", "category": "Garden"})
                        for _ in range(concurrency)
                    )
                )
                assert all(r.ok for r in results)
            elapsed = time.perf_counter() - started
            stop.set()
            await sampler
        rows.append(
            {
                "benchmark": f"browser pool, {concurrency} concurrent executions",
                "idle_mb": round(idle, 1),
                "peak_mb": round(peak, 1),
                "per_context_mb": round((peak - idle) / concurrency, 1),
                "jobs_per_s": round(3 * concurrency / elapsed, 2),
            }
        )
    return rows
