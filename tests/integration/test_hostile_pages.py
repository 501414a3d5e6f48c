"""Discovery keeps its time budget on pages built to make its analysis slow: ten
thousand forms, ten thousand "Load more" buttons, ten thousand inputs owned by one form
through the ``form`` attribute. (The 10,000-form page once took 68 s against 20 s.)"""

from __future__ import annotations

import asyncio
import time

import pytest

import walt
from tests.sites import html, serve
from walt.core.errors import WaltTimeoutError
from walt.engine.discovery.crawl import BIG_PAGE, analyze_page

N = 10_000
PAGES = {
    "forms": "".join(
        f'<form action="/s{i}"><label>Search {i}<input name="q{i}" type="search"></label>'
        f'<select name="o{i}"><option>a</option><option>b</option></select><button>Go</button>'
        "</form>"
        for i in range(N)
    ),
    "more_buttons": "".join(f"<button>Load more {i}</button>" for i in range(N)),
    "form_attribute": '<form id="f" action="/x"></form>'
    + "".join(f'<input form="f" name="n{i}" placeholder="Search">' for i in range(N)),
}
BUDGET = 6.0


def _page(body: str) -> str:
    return f"<html><head><title>Hostile</title></head><body><main>{body}</main></body></html>"


@pytest.mark.parametrize("shape", sorted(PAGES))
def test_discovery_keeps_its_budget_on_a_hostile_page(shape: str) -> None:
    routes = {"/": lambda r: html(_page(PAGES[shape]))}
    with serve(routes) as site:
        with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
            started = time.monotonic()
            result = client.discover(site.url, time_budget=BUDGET, max_pages=5)
            took = time.monotonic() - started
    assert result.pages_visited >= 1
    # A contract, not a speed figure: twice the budget plus start-up leaves room for a
    # loaded machine; the analysis that overran it took ten times the budget.
    assert took < 2 * BUDGET + 5, f"{shape}: {took:.1f} s against a {BUDGET} s budget"


def test_an_analysis_past_the_deadline_gives_up_typed() -> None:
    page = _page(PAGES["forms"])
    assert len(page) > BIG_PAGE  # analysed on a worker thread, so it can be given up on

    async def late() -> None:
        await analyze_page(page, "http://127.0.0.1:9/", deadline=time.monotonic())

    with pytest.raises(WaltTimeoutError, match="time budget"):
        asyncio.run(late())


def test_without_a_deadline_the_analysis_completes() -> None:
    analysis = asyncio.run(analyze_page(_page(PAGES["more_buttons"]), "http://127.0.0.1:9/"))
    assert [c.role for c in analysis.controls] == ["more"]
