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
        pages.showed(loaded, route)
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


def test_the_page_handed_to_the_checks_is_one_showing_the_start_pages_view() -> None:
    # The runs view rewrote its address with every setting; another view's page named a
    # returnTo the runs routes leave out. The one showing the runs view is handed.
    pages = RoutePages()
    _idle(pages, APP + "#/experiments/3/overview?returnTo=%2Fruns")
    runs = _idle(pages, APP + "#/experiments/1/runs?mode=ml&state=active&order=desc")
    assert pages.take(APP + "#/experiments/1/runs?mode=ml", showing=True) is runs
    # No page shows that view: as take() chooses.
    models = _idle(pages, APP + "#/models")
    assert pages.take(APP + "#/experiments/1/runs?mode=ml", showing=True) is models
    assert pages.take(APP + "about", showing=True) is None


def test_a_return_address_to_a_view_shown_before_is_no_setting() -> None:
    # A settings view names where to go back to: the runs view the crawl showed first.
    # Its page may show the runs routes, which leave returnTo out.
    pages = RoutePages()
    runs = _idle(pages, APP + "#/experiments/1/runs?mode=ml")
    settings = _idle(pages, APP + "#/settings?returnTo=%2Fexperiments%2F1%2Fruns%3Fmode%3Dml")
    assert settings.named == frozenset()
    assert runs.named == {"mode"}
    # A path of a view no page showed may be what the view shows (a file browser's
    # folder): a route that leaves it out may show it still.
    files = _idle(pages, APP + "#/files?path=%2Fdocs&sort=name")
    assert files.named == {"path", "sort"}
    # Nor is a document's own path a view of its routes.
    pages.showed(files, "http://app.test/docs")
    other = _idle(pages, APP + "#/files?path=%2Fdocs")
    assert other.named == {"path"}
