"""A form tool on a real app, through walt's warm browser, against the same steps written
by hand in Playwright on a warm page: ``python -m bench.realapps_form [--rounds N]``.

The app is the kit's wiki (``../shared/realapps``, started and stopped here): open its
start page, type a word into the header's search box, press the Search button, read
the hits. Both sides run in this process, interleaved; the ratio is walt / Playwright.
walt keeps its per-job isolation (a browser context of the run's own: a used one is reset
to what a new one holds, see walt.engine.session; the network guard) and waits for each
step's effect; the hand-written side reuses one page, cookies and cache, and waits only
for the load event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

import walt
from bench.common import against_playwright
from bench.realapps import _kit
from walt.core.models import ClickStep, InputStep, Locator, NavigationStep, Tool, ToolInput

if TYPE_CHECKING:
    from playwright.async_api import Page

HOST = "127.0.0.1:8201"
START = f"http://{HOST}/doku.php?id=start"
WORD = "garden"


def search_tool() -> Tool:
    return Tool(
        name="search_wiki",
        kind="search",
        inputs=(ToolInput("q"),),
        steps=(
            NavigationStep(url=START),
            InputStep(locators=(Locator("id", "qsearch__in"),), value="{q}"),
            ClickStep(locators=(Locator("role", "button", role_name="Search", exact=True),)),
        ),
    )


async def bench_form(rounds: int) -> list[dict[str, Any]]:
    tool = search_tool()
    async with walt.AsyncClient("inprocess", allow_hosts=[HOST], cache=False) as client:

        async def with_walt() -> None:
            result = await client.execute(tool, {"q": WORD}, prefer_http=False)
            assert result.ok and result.path == "browser", result.error
            assert "search_hit" in str(result.data) or result.records

        async def hand_written(page: Page) -> None:
            await page.goto(START)
            await page.fill("#qsearch__in", WORD)
            await page.get_by_role("button", name="Search", exact=True).click()
            await page.wait_for_load_state()
            hits = await page.locator(".search_results dt, .search_fulltextresult dt").count()
            assert hits > 0

        return await against_playwright(
            "real app (wiki) search form: walt warm browser vs hand-written Playwright, warm page",
            with_walt,
            hand_written,
            rounds=rounds,
        )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realapps_form")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-start", action="store_true", help="the wiki is running already")
    args = parser.parse_args()
    if not args.no_start:
        _kit("setup.sh", "dokuwiki")
        _kit("start.sh", "dokuwiki")
    try:
        for result in asyncio.run(bench_form(args.rounds)):
            print(json.dumps(result))
    finally:
        if not args.no_start:
            _kit("stop.sh", "dokuwiki")
    return 0


if __name__ == "__main__":
    sys.exit(main())
