"""The crawl's frontier: ranked by URL pattern and novelty, assets and destructive links out."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest

from walt.core.costs import CostMeter, PriceTable
from walt.core.messages import DiscoverRequest
from walt.core.urls import UrlPolicy
from walt.engine.discovery.analyze import is_destructive_link
from walt.engine.discovery.crawl import (
    Crawler,
    _Entry,
    is_asset_url,
    needs_rendering,
    same_site,
)

SITE = "http://shop.test"


def crawler(**request: Any) -> Crawler:
    executor: Any = SimpleNamespace(policy=UrlPolicy(), fetcher=None, pool=None)
    return Crawler(
        executor,
        DiscoverRequest(url=SITE + "/", **request),
        CostMeter(PriceTable(), None),
        deadline=0.0,
    )


def visited(c: Crawler, *urls: str) -> None:
    """Record ``urls`` as visited (what _visit does before fetching)."""
    from urllib.parse import parse_qsl, urlsplit

    from walt.engine.discovery.analyze import url_pattern

    for url in urls:
        c.queued.add(url)
        pattern, variant = url_pattern(url), c._variant(url)
        c.pattern_pages[pattern] += 1
        c.variant_pages[variant] += 1
        c.pattern_variants.setdefault(pattern, set()).add(variant)
        parts = urlsplit(url)
        c.path_keys.setdefault(parts.path, set()).add(
            frozenset(k for k, _ in parse_qsl(parts.query, keep_blank_values=True))
        )


def entry(url: str, source: str = "link", text: str = "") -> _Entry:
    return _Entry(SITE + url, 0, 1, source, text)


def test_a_new_pattern_outranks_the_tenth_page_of_a_known_one() -> None:
    c = crawler(pages_per_pattern=20)
    visited(c, *(f"{SITE}/item/{i}" for i in range(1, 10)))
    assert c._score(entry("/reviews/3")) > c._score(entry("/item/10"))


def test_a_new_variant_outranks_another_page_of_a_known_variant() -> None:
    c = crawler(pages_per_pattern=5)
    for url in ("/w?do=edit&id=ns:a", "/w?do=recent&id=ns:b", "/w?id=ns:c&do=edit"):
        c._enqueue(entry(url))  # the values seen make ``do`` a vocabulary, ``id`` a record
    visited(c, SITE + "/w?do=edit&id=ns:a")
    assert c._score(entry("/w?do=recent&id=ns:a")) > c._score(entry("/w?do=edit&id=ns:b"))


def test_pages_per_pattern_caps_one_variant() -> None:
    c = crawler(pages_per_pattern=2)
    visited(c, SITE + "/item/1", SITE + "/item/2")
    assert c._score(entry("/item/3")) < 0


def test_prose_ranks_below_pages_that_offer_something() -> None:
    c = crawler()
    assert c._score(entry("/help/faq", text="Help")) < c._score(entry("/catalog", text="Catalog"))
    # Within a part of the site already seen (a new part is another matter, below).
    c.sections.add("items")
    assert c._score(entry("/items/x", source="record")) > c._score(entry("/items/y", "chrome"))


def test_more_parameters_on_a_known_page_rank_below_a_new_page() -> None:
    c = crawler()
    visited(c, SITE + "/media?ns=a")
    assert c._score(entry("/media?ns=a&tab=upload&image=x")) < c._score(entry("/recent"))


@pytest.mark.parametrize(
    "url",
    [
        "/static/img/logo.png",
        "/files/report.PDF",
        "/archive/tip.tar.gz",
        "/app.js",
        "/export.csv",
        "/feed.xml",
    ],
)
def test_assets_are_not_pages(url: str) -> None:
    assert is_asset_url(SITE + url)
    c = crawler()
    c._enqueue(entry(url))
    assert not c.frontier
    assert "asset" in (c.result.skipped[0].note or "")


@pytest.mark.parametrize(
    ("url", "text", "destructive"),
    [
        ("/account/close", "Close account", True),
        ("/issues?status=closed", "Closed issues", False),
        ("/logout", "Sign out", True),
        ("/item/3/delete", "", True),
        ("/settings/reset", "Reset settings", True),
        ("/settings/reset-guide", "How to reset", False),
        ("/subscriptions", "Cancel", False),
        ("/subscription/cancel", "Cancel subscription", True),
        ("/w?do=logout", "", True),
        ("/deleted-scenes", "Deleted scenes", False),
    ],
)
def test_destructive_links_are_judged_by_text_and_target(
    url: str, text: str, destructive: bool
) -> None:
    assert is_destructive_link(SITE + url, text) is destructive


def test_origins_are_compared_after_normalization() -> None:
    assert same_site("http://SHOP.test/", "http://shop.test:80/a")
    assert same_site("https://shop.test./", "https://shop.test:443/")
    assert not same_site("http://shop.test/", "https://shop.test/")
    assert not same_site("http://shop.test/", "http://shop.test:8080/")


def test_only_script_built_pages_are_rendered() -> None:
    shell = '<html><body><div id="root"></div><script src="/app.js"></script></body></html>'
    assert needs_rendering(shell)
    page = (
        "<html><body>" + "<p>Plenty of server-rendered text here.</p>" * 20 + "<script>x()</script>"
    )
    assert not needs_rendering(page)
    assert not needs_rendering("<p>no scripts</p>")


class _Tab:
    closed = False

    async def close(self) -> None:
        self.closed = True


class _Context:
    def __init__(self) -> None:
        self.tabs: list[_Tab] = []

    async def new_page(self) -> _Tab:
        self.tabs.append(_Tab())
        return self.tabs[-1]


def _try_all(c: Crawler, *queued: tuple[Any, Any, _Entry, Any]) -> None:
    """Queue pages' controls as the crawl does, and wait for the explorers to end."""
    import asyncio

    from walt.engine.discovery.crawl import _PageTries

    async def main() -> None:
        for page, batch, where, shown in queued:
            c._queue_tries(_PageTries(page, where, list(batch), shown))
        await asyncio.gather(*c.exploring)

    asyncio.run(main())


def _batch_crawler(
    monkeypatch: pytest.MonkeyPatch, deadline: float, tried: list[str], takes: float
) -> tuple[Crawler, _Context]:
    import asyncio
    import importlib

    crawl_module = importlib.import_module("walt.engine.discovery.crawl")
    c = crawler()
    c.deadline = deadline
    context = _Context()

    async def browser() -> _Context:
        return context

    async def explore(_context: Any, _url: str, control: Any, **_: Any) -> None:
        tried.append(control.role)
        await asyncio.sleep(takes)

    monkeypatch.setattr(c, "_browser", browser)
    monkeypatch.setattr(c.guard, "watch_page", lambda page: None)
    monkeypatch.setattr(crawl_module, "explore_control", explore)
    return c, context


def _page(url: str) -> Any:
    from walt.engine.discovery.analyze import PageAnalysis

    return PageAnalysis(
        url=url,
        pattern="",
        title="",
        forms=(),
        families=(),
        links=(),
        skipped_links=(),
        items=(),
    )


def test_a_control_is_not_started_once_the_crawls_time_is_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The grace past the deadline is for a control being tried, not for the next one.
    import time

    page = _page(SITE + "/#/runs")
    tried: list[str] = []
    c, context = _batch_crawler(monkeypatch, time.monotonic() + 0.05, tried, takes=0.1)
    batch: Any = [
        (SimpleNamespace(role=r), t) for r, t in (("choose", ""), ("more", ""), ("search", "tide"))
    ]
    _try_all(c, (page, batch, entry("/"), None))
    assert tried == ["choose"] and len(context.tabs) == 1 and context.tabs[0].closed
    # The list box's try came to nothing: its choice may be left in storage, so the
    # crawl's context is not handed to the checks.
    assert c._storage_changed
    # A page whose turn comes after the deadline opens no tab at all.
    tried.clear()
    late, context = _batch_crawler(monkeypatch, time.monotonic() - 1, tried, takes=0.0)
    _try_all(late, (page, batch, entry("/"), None))
    assert tried == [] and context.tabs == [] and late.in_flight == 0


def test_pages_found_later_have_their_controls_tried_between_an_earlier_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each control waits its turn behind the pages already waiting (a section's before a
    # record's): the search box of a section drawn while the start page's list box was
    # tried comes before that page's pager.
    import asyncio
    import time

    from walt.engine.discovery.crawl import _PageTries

    tried: list[str] = []
    c, _ = _batch_crawler(monkeypatch, time.monotonic() + 10, tried, takes=0.02)
    c._explorer_limit = 1
    runs: Any = [(SimpleNamespace(role=r), "") for r in ("choose", "more")]
    experiments: Any = [(SimpleNamespace(role="search"), "tide")]
    run: Any = [(SimpleNamespace(role="scroll"), "")]

    async def main() -> None:
        c._queue_tries(_PageTries(_page(SITE + "/#/runs"), entry("/", "start"), runs))
        await asyncio.sleep(0.005)  # the list box is being tried
        # A record's own page, then a section of the site, are drawn meanwhile.
        c._queue_tries(_PageTries(_page(SITE + "/#/runs/7"), entry("/", "record"), run))
        c._queue_tries(
            _PageTries(_page(SITE + "/#/experiments"), entry("/", "chrome"), experiments)
        )
        await asyncio.gather(*c.exploring)

    asyncio.run(main())
    # The start page's pager waits for the section's search box; the record's page,
    # drawn first, comes last.
    assert tried == ["choose", "search", "more", "scroll"]


def test_controls_are_tried_in_the_page_the_visit_drew_and_an_unused_one_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from walt.engine.discovery.routepages import LoadedPage

    class _Watch:
        detached = False

        def detach(self) -> None:
            self.detached = True

    tried: list[str] = []
    c, context = _batch_crawler(monkeypatch, time.monotonic() + 10, tried, takes=0.0)
    drawn = _Tab()
    watch = _Watch()
    shown: Any = (LoadedPage(drawn, watch, 200), True)  # type: ignore[arg-type]
    batch: Any = [(SimpleNamespace(role="more"), "")]
    _try_all(c, (_page(SITE + "/#/runs"), batch, entry("/"), shown))
    # No new tab: the drawn page was used, then closed (the click changed it).
    assert tried == ["more"] and context.tabs == [] and drawn.closed and watch.detached
    # A page whose controls' turn came too late is as the visit left it: kept.
    late, context = _batch_crawler(monkeypatch, time.monotonic() - 1, tried, takes=0.0)
    kept: list[Any] = []

    async def give_back(loaded: Any) -> None:
        kept.append(loaded)

    monkeypatch.setattr(late.route_pages, "give_back", give_back)
    idle = _Tab()
    shown = (LoadedPage(idle, _Watch(), 200), True)  # type: ignore[arg-type]
    _try_all(late, (_page(SITE + "/#/runs"), batch, entry("/"), shown))
    assert [k.page for k in kept] == [idle] and not idle.closed and context.tabs == []


def test_the_bare_address_of_a_fragment_routed_document_is_its_empty_route() -> None:
    c = crawler()
    c._enqueue(entry("/#/runs?state=active", "start"))
    c._enqueue(entry("/"))
    c._enqueue(entry("/#/"))
    c._enqueue(entry("/about"))  # another document
    assert [e.url for e in c.frontier] == [
        SITE + "/%23/runs?state=active",
        SITE + "/%23/",
        SITE + "/about",
    ]
    # Routes written as hashbangs: the empty route is #!/.
    bang = crawler()
    bang._enqueue(entry("/#!/runs", "start"))
    bang._enqueue(entry("/"))
    assert [e.url for e in bang.frontier][1] == SITE + "/%23!/"
    # A bare address queued before the site was seen routing keeps its name: a later
    # link to it is the same page.
    first = crawler()
    first._enqueue(entry("/", "start"))
    first._enqueue(entry("/#/models"))
    first._enqueue(entry("/"))
    assert [e.url for e in first.frontier] == [SITE + "/", SITE + "/%23/models"]
    # A site that does not route in its fragment keeps its bare address.
    plain = crawler()
    plain._enqueue(entry("/"))
    plain._enqueue(entry("/#top"))
    assert [e.url for e in plain.frontier] == [SITE + "/"]


def test_a_page_queued_at_the_address_another_visit_ended_at_is_not_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio
    import importlib
    import time

    crawl_module = importlib.import_module("walt.engine.discovery.crawl")
    c = crawler()
    c.deadline = time.monotonic() + 10
    c._enqueue(entry("/#/"))
    c._enqueue(entry("/#/experiments"))
    c._enqueue(entry("/#/models"))
    c.frontier.pop(0)  # the empty route is being visited...
    c._arrived(SITE + "/#/experiments")  # ...and the app's router went on to a section
    assert [e.url for e in c.frontier] == [SITE + "/%23/models"]

    # A visit that already waits for a render slot is skipped once its turn comes.
    async def never(url: str) -> None:
        raise AssertionError("not drawn")

    monkeypatch.setattr(c, "_open", never)
    c._arrived(SITE + "/#/models")
    with pytest.raises(crawl_module._SeenAlready):
        asyncio.run(c._render(SITE + "/#/models"))


def test_a_new_part_of_the_site_or_its_top_page_outranks_a_record_of_a_known_part() -> None:
    c = crawler()
    visited(c, SITE + "/%23/experiments/1/runs")
    c.sections.add("experiments")
    record = entry("/%23/experiments/1/runs/7", "record")
    # The app's other sections, and the listing the start page's record belongs to.
    assert c._score(entry("/%23/models", "chrome")) > c._score(record)
    assert c._score(entry("/%23/experiments", "chrome")) > c._score(record)
    # A deeper page of a part already seen gets nothing extra.
    assert c._score(entry("/%23/experiments/1/traces", "chrome")) < c._score(record)
    # Without a route, the path's first segment is the part of the site.
    plain = crawler()
    visited(plain, SITE + "/blog/2024/harbour-news")
    plain.sections.add("blog")
    news = entry("/blog/tags/ferry", "record")  # a new kind of page, of a known part
    assert plain._score(entry("/events/", "chrome")) > plain._score(news)


def test_a_list_box_try_that_left_the_storage_as_it_was_keeps_the_hand_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A list box that could not be used (no second option) changed nothing: the crawl's
    # context may still be handed to the checks. One that changed the storage may not.
    import time

    from walt.engine.discovery.routepages import LoadedPage

    class _Stored(_Tab):
        storage: Any = [{"theme": "dark"}, {}]

        async def evaluate(self, script: str) -> Any:
            return self.storage

        @property
        def context(self) -> Any:
            async def cookies() -> list[Any]:
                return [{"name": "sid", "value": "1", "domain": "shop.test", "path": "/"}]

            return SimpleNamespace(cookies=cookies)

    tried: list[str] = []
    batch: Any = [(SimpleNamespace(role="choose"), "")]
    for changes, expected in ((False, False), (True, True)):
        c, _ = _batch_crawler(monkeypatch, time.monotonic() + 10, tried, takes=0.0)
        tab = _Stored()

        async def explore(
            _context: Any, _url: str, control: Any, *, page: Any, changes: bool = changes, **_: Any
        ) -> None:
            if changes:
                page.storage = [{"theme": "dark", "state": "deleted"}, {}]

        monkeypatch.setattr(
            importlib.import_module("walt.engine.discovery.crawl"), "explore_control", explore
        )
        shown: Any = (LoadedPage(tab, SimpleNamespace(detach=lambda: None), 200), True)  # type: ignore[arg-type]
        _try_all(c, (_page(SITE + "/#/runs"), batch, entry("/"), shown))
        assert c._storage_changed is expected
