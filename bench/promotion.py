"""API promotion: a search discovered on a script-built page, run as the direct call of
the site's JSON endpoint walt promoted it to, against the same tool in the browser
(the page loads, its script fetches the rows, walt waits and extracts). Both run
through walt, warm, interleaved; the ratio is API / browser.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
from tests.integration.test_script_pages import ITEMS, SHELL
from tests.sites import Request, Response, html, serve

import walt
from bench.common import interleaved, row


def _items(request: Request) -> Response:
    words = request.arg("q").lower()
    rows = [
        {"id": i, "name": name, "category": cat, "price": 20 + 10 * i}
        for i, name, cat in ITEMS
        if words in name.lower()
    ]
    return 200, {"Content-Type": "application/json"}, json.dumps(rows)


async def bench_promotion(rounds: int) -> list[dict[str, Any]]:
    with serve({"/": lambda r: html(SHELL), "/api/items": _items}) as site:
        async with walt.AsyncClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
            found = await client.discover(site.url, time_budget=30)
            promoted = next(t for t in found.tools if t.kind == "search" and t.request)
            in_browser = attrs.evolve(promoted, request=None)
            term = promoted.inputs[0].name

            async def api() -> None:
                result = await client.execute(promoted, {term: "running"})
                assert result.ok and result.path == "http" and len(result.records) == 3

            async def browser() -> None:
                result = await client.execute(in_browser, {term: "running"})
                assert result.ok and result.path == "browser", result.error
                assert "Running cap" in str(result.data.get("main_text"))

            m = await interleaved({"api": api, "browser": browser}, rounds=rounds)
    return [
        row(
            "promoted search: the site's JSON API call vs the same tool in the browser",
            m["api"].median,
            m["browser"].median,
            "<= 0.5x",
        )
    ]
