"""The crawl's idle pages of a document: which one shows the next route in place (pure)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from walt.engine.discovery.routepages import LoadedPage, RoutePages

APP = "http://app.test/"


def _idle(pages: RoutePages, url: str, *shown: str) -> Any:
    page: Any = SimpleNamespace(url=url, is_closed=lambda: False)
    loaded = LoadedPage(page, SimpleNamespace(), 200)  # type: ignore[arg-type]
    for route in (url, *shown):
        loaded.showed(route)
    asyncio.run(pages.give_back(loaded))
    return loaded


def test_a_page_whose_routes_named_nothing_the_route_leaves_out_is_preferred() -> None:
    pages = RoutePages()
    settings = _idle(pages, APP + "#/settings?returnTo=%2Fruns")
    models = _idle(pages, APP + "#/models")
    # The runs route names no returnTo: the models page, which named nothing, shows it.
    assert pages.take(APP + "#/runs?state=active") is models
    # With no such page, any page of the document does; another document's never.
    assert pages.take(APP + "#/runs") is settings
    _idle(pages, "http://other.test/#/runs")
    assert pages.take(APP + "#/runs") is None
    assert pages.take(APP + "about") is None  # no route: nothing to show in place
