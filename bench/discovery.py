"""Discovery benchmarks.

* discovery of the demo site vs the floor: Chromium just loading the same pages
  (the crawl's pages, same concurrency) in the same run; goal <= 1.5x;
* analysis time per page, over the pages the crawl saw; goal < 20 ms typical;
* wall time of a whole-site discovery; goal < 5 s.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import urllib.request
from typing import Any

import walt
from walt.demo import DemoSite
from walt.engine.browser import find_browser, launch_args
from walt.engine.discovery.analyze import analyze


async def _floor(urls: list[str], concurrency: int = 4) -> float:
    from playwright.async_api import async_playwright

    args = launch_args()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_browser().path, args=args)
        context = await browser.new_context()
        queue = list(urls)
        started = time.perf_counter()

        async def worker() -> None:
            while queue:
                url = queue.pop(0)
                page = await context.new_page()
                try:
                    await page.goto(url, wait_until="load", timeout=10_000)
                    await page.content()
                except Exception:
                    pass
                finally:
                    await page.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        await browser.close()
    return elapsed * 1000


async def bench_discovery(site: DemoSite, rounds: int) -> list[dict[str, Any]]:
    walls: list[float] = []
    floors: list[float] = []
    pages: list[str] = []
    tools = 0
    async with walt.AsyncClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
        await client.execute(
            walt.Tool(name="warm", steps=(walt.core.models.NavigationStep(url=site.url),)),
            prefer_http=False,
        )
        for index in range(rounds):
            started = time.perf_counter()
            result = await client.discover(site.url, max_tools=50, max_pages=30)
            wall = (time.perf_counter() - started) * 1000
            pages = [p.url for p in result.report.pages if p.note is None]
            tools = len(result.tools)
            floor = await _floor(pages)
            if index % 2:  # alternate the order against drift
                walls.append(wall)
                floors.append(floor)
            else:
                floors.append(floor)
                walls.append(wall)
    # Analysis per page, on the pages the crawl analysed (fetched again, outside the timing).
    timings = []
    for url in pages:
        html = urllib.request.urlopen(url, timeout=10).read().decode("utf-8", "replace")
        if len(html) > 100_000:
            continue  # the 50,000-node page is not typical; it is bounded, not fast
        started = time.perf_counter()
        for _ in range(5):
            analyze(html, url)
        timings.append((time.perf_counter() - started) * 1000 / 5)
    wall = statistics.median(walls)
    floor = statistics.median(floors)
    return [
        {
            "benchmark": "discovery of the demo site vs Chromium loading the same pages",
            "walt_ms": round(wall, 1),
            "baseline_ms": round(floor, 1),
            "ratio": round(wall / floor, 3),
            "pages": len(pages),
            "tools": tools,
            "goal": "<= 1.5x",
        },
        {
            "benchmark": "analysis time per typical page",
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(sorted(timings)[int(0.95 * (len(timings) - 1))], 2),
            "pages": len(timings),
            "goal": "< 20 ms",
        },
        {
            "benchmark": "whole-site discovery wall time",
            "median_ms": round(wall, 1),
            "max_ms": round(max(walls), 1),
            "goal": "< 5000 ms",
        },
    ]
