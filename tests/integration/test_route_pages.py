"""A single-page application with its routes in the fragment, crawled for real: the crawl
shows route after route in one loaded document (the HTML standard's navigation to a
fragment), instead of loading and starting the application again for each route."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sites import Request, Response, Site, html, serve
from walt.core.costs import CostMeter, PriceTable
from walt.core.messages import DiscoverRequest
from walt.core.urls import UrlPolicy
from walt.engine.browser import BrowserPool, render_slots
from walt.engine.discovery.crawl import crawl
from walt.engine.executor import Executor
from walt.engine.http import HttpFetcher

pytestmark = pytest.mark.browser

NTH = ["one", "two", "three"]
SECTIONS = ["harbours", "ferries", "tides", "lighthouses", "piers", "boats"]

SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>Coast</title></head><body>
<nav>%s</nav><main id="view">Loading...</main>
<script>
async function route() {
  const name = (location.hash.match(/^#\\/section\\/(\\w+)/) || [])[1] || 'home';
  // Every route asks the same slow endpoint first, as applications share their calls.
  await (await fetch('/api/session')).json();
  const rows = await (await fetch('/api/section?name=' + name)).json();
  document.getElementById('view').innerHTML = '<h1>' + name + '</h1><ul>' +
    rows.map(r => '<li class="row"><a href="#/item/' + r + '">' + r + '</a></li>').join('') +
    '</ul>';
}
window.addEventListener('hashchange', route);
route();
</script></body></html>"""


def shell(request: Request) -> Response:
    links = " ".join(f'<a href="#/section/{s}">{s.title()}</a>' for s in SECTIONS)
    return html(SHELL % links)


def section(request: Request) -> Response:
    name = request.arg("name")
    return 200, {"Content-Type": "application/json"}, json.dumps([f"{name} {n}" for n in NTH])


def session(request: Request) -> Response:
    time.sleep(0.3)
    return 200, {"Content-Type": "application/json"}, "{}"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve({"/": shell, "/api/section": section, "/api/session": session}) as served:
        yield served


def _executor(netloc: str) -> Executor:
    """An engine that may reach the test site alone."""
    policy = UrlPolicy(allow_hosts=(netloc,))
    return Executor(pool=BrowserPool(max_contexts=2), fetcher=HttpFetcher(policy), policy=policy)


async def _close(executor: Executor) -> None:
    await executor.aclose()
    await executor.fetcher.aclose()
    await executor.pool.close()


async def _crawl(url: str, netloc: str) -> dict[str, str]:
    """The pages the crawl read: URL -> their main text."""
    executor = _executor(netloc)
    try:
        result = await crawl(
            executor,
            DiscoverRequest(url=url, respect_robots=False),
            CostMeter(PriceTable(), None),
            deadline=time.monotonic() + 30,
        )
    finally:
        await _close(executor)
    return {p.url: p.main_text for p in result.pages}


def test_the_routes_of_one_document_are_shown_in_place(site: Site) -> None:
    pages = asyncio.run(_crawl(site.url, site.netloc))
    routes = {url: text for url, text in pages.items() if "%23/section/" in url}
    assert len(routes) == len(SECTIONS)
    for url, text in routes.items():
        name = url.rsplit("/", 1)[1]
        assert f"{name} one" in text, (url, text)  # the route it was sent to, with its rows
    documents = [
        r
        for r in site.log
        if r.path == "/"
        and {k.lower(): v for k, v in r.headers.items()}.get("sec-fetch-dest") == "document"
    ]
    # A document per page the crawl draws at once (the start page's among them), not one
    # per route.
    assert 1 <= len(documents) <= render_slots() < len(SECTIONS)


# A catalogue that keeps the last search when a route leaves it out (as apps keep view
# state in memory): a run of the empty search must not be shown in a page where a word
# was searched.
CATALOGUE = """<!doctype html><html><head><meta charset="utf-8"><title>Prints</title></head>
<body><main id="view"></main><script>
let last = '';
async function route() {
  const params = new URLSearchParams((location.hash.split('?')[1]) || '');
  if (params.has('q')) last = params.get('q');
  await new Promise(resolve => setTimeout(resolve, 80));  // a router that draws on a timer
  const rows = await (await fetch('/api/prints?q=' + encodeURIComponent(last))).json();
  document.getElementById('view').innerHTML = '<ul>' + rows.map(r =>
    '<li class="print"><h3>' + r + '</h3><p>A print of the coast</p></li>').join('') + '</ul>';
}
window.addEventListener('hashchange', route);
route();
</script></body></html>"""
PRINTS = [
    "Harbour at dawn",
    "Harbour lights",
    "Tide pools",
    "Tide line",
    "Ferry crossing",
    "Ferry at dusk",
    "Pier walk",
]


def prints(request: Request) -> Response:
    word = request.arg("q").lower()
    rows = [p for p in PRINTS if word in p.lower()]
    return 200, {"Content-Type": "application/json"}, json.dumps(rows)


async def _runs(url: str, netloc: str, words: list[str], keep: bool) -> list[list[str]]:
    """Run the catalogue's search route once per word, as one discovery check does (with
    ``keep``), or as a caller's jobs are run."""
    from walt.core.messages import ExecuteRequest
    from walt.core.models import Tool, ToolInput
    from walt.engine.keeper import DocumentKeeper, kept_documents

    executor = _executor(netloc)
    tool = Tool(
        name="search_prints",
        url_template=url + "#/search?q={q}",
        inputs=(ToolInput("q", required=False),),
    )
    keeper = DocumentKeeper()
    if keep:
        kept_documents.set(keeper)
    shown: list[list[str]] = []
    try:
        for word in words:
            result = await executor.execute(ExecuteRequest(tool=tool, inputs={"q": word}))
            assert result.ok, result.error
            shown.append(sorted(str(r.get("title")) for r in result.records))
    finally:
        stale = keeper.drop()
        if stale is not None:
            await stale.close()
        await _close(executor)
    assert keeper.reused == (2 if keep else 0)
    return shown


def test_one_checks_runs_show_their_routes_in_one_document_unless_a_setting_is_left_out() -> None:
    words = ["harbour", "", "tide", "ferry"]
    harbour = ["Harbour at dawn", "Harbour lights"]
    tide, ferry = ["Tide line", "Tide pools"], ["Ferry at dusk", "Ferry crossing"]
    for keep, loads in ((True, 2), (False, len(words))):
        with serve({"/prints": lambda r: html(CATALOGUE), "/api/prints": prints}) as catalogue:
            shown = asyncio.run(_runs(catalogue.url + "prints", catalogue.netloc, words, keep))
            documents = [r for r in catalogue.log if r.path == "/prints"]
        # The empty search got a page of its own: every print, not the harbour ones again;
        # each route was read after the router drew it (on a timer), not before.
        assert shown == [harbour, sorted(PRINTS), tide, ferry]
        # In a check, "tide" and "ferry" were shown in the page the empty search loaded; a
        # caller's jobs each load their own.
        assert len(documents) == loads


# A router that draws a route it is sent to after some work it splits into slices, yielding
# between them through a message channel (as React's scheduler does on a busy machine):
# nothing a page watch sees (no request, no timer, no DOM change) happens for 0.4 s after
# the route changes. A route shown in place is read only once the script has drawn it.
BUSY_ROUTER = (
    CATALOGUE.replace("async function route() {", "async function route(busy) {")
    .replace(
        "await new Promise(resolve => setTimeout(resolve, 80));  // a router that draws on a timer",
        """const channel = new MessageChannel();
  const pause = () => new Promise(r => { channel.port1.onmessage = () => r();
                                         channel.port2.postMessage(0); });
  const end = performance.now() + (busy ? 400 : 0);
  while (performance.now() < end) {
    const slice = performance.now();
    while (performance.now() - slice < 5) {}
    await pause();
  }""",
    )
    .replace(
        "addEventListener('hashchange', route)", "addEventListener('hashchange', () => route(true))"
    )
)


def test_a_route_shown_in_place_is_read_after_its_script_draws_it() -> None:
    assert BUSY_ROUTER != CATALOGUE
    words = ["harbour", "tide", "ferry"]
    with serve({"/prints": lambda r: html(BUSY_ROUTER), "/api/prints": prints}) as catalogue:
        shown = asyncio.run(_runs(catalogue.url + "prints", catalogue.netloc, words, True))
        documents = [r for r in catalogue.log if r.path == "/prints"]
    assert shown == [
        ["Harbour at dawn", "Harbour lights"],
        ["Tide line", "Tide pools"],
        ["Ferry at dusk", "Ferry crossing"],
    ]
    assert len(documents) == 1


async def _handed_run(url: str, netloc: str, hand_over: bool) -> tuple[bool, list[str], bool, int]:
    """Crawl the app (handing its page over or not), then run a route tool as discovery's
    checks do: whether a page was handed over, the text the run read, whether the handed
    page's context is closed after its release, and the runs shown in a kept page."""
    from walt.core.messages import ExecuteRequest
    from walt.core.models import Tool, ToolInput
    from walt.engine.keeper import DocumentKeeper, kept_documents

    executor = _executor(netloc)
    tool = Tool(
        name="view_section", url_template=url + "#/section/{name}", inputs=(ToolInput("name"),)
    )
    try:
        result = await crawl(
            executor,
            DiscoverRequest(url=url + "#/section/harbours", respect_robots=False),
            CostMeter(PriceTable(), None),
            deadline=time.monotonic() + 30,
            hand_over=hand_over,
        )
        handed = result.handed
        keeper = DocumentKeeper()
        if handed is not None:
            assert keeper.adopt(*handed) is None
        kept_documents.set(keeper)
        run = await executor.execute(ExecuteRequest(tool=tool, inputs={"name": "tides"}))
        assert run.ok, run.error
        rows = [str(run.data.get("main_text", ""))]
        closed = False
        while (stale := keeper.drop()) is not None:
            executor.sessions.release(stale)
        if handed is not None:
            for _ in range(50):
                if handed[0].page.is_closed():
                    closed = True
                    break
                await asyncio.sleep(0.1)
    finally:
        await _close(executor)
    return handed is not None, rows, closed, keeper.reused


def test_the_crawls_page_of_the_start_document_serves_the_first_check(site: Site) -> None:
    for hand_over in (True, False):
        site.log.clear()
        handed, rows, closed, _ = asyncio.run(_handed_run(site.url, site.netloc, hand_over))
        documents = [
            r
            for r in site.log
            if r.path == "/"
            and {k.lower(): v for k, v in r.headers.items()}.get("sec-fetch-dest") == "document"
        ]
        assert handed is hand_over
        assert any("tides one" in row for row in rows), rows
        if hand_over:
            # The run showed its route in the crawl's page: no document loaded for it;
            # released, that page's context is closed (never reset for another job).
            assert closed
            crawl_documents = len(documents)
        else:
            assert len(documents) == crawl_documents + 1


PLAIN_SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>Coast</title></head>
<body><nav><a href="#/settings?returnTo=%2Fsection%2Fharbours%3Forder%3Dasc">Settings</a></nav>
<main id="view">Loading...</main>
<script>
async function route() {
  const name = (location.hash.match(/^#\\/section\\/(\\w+)/) || [])[1] || 'settings';
  const rows = await (await fetch('/api/section?name=' + name)).json();
  document.getElementById('view').innerHTML =
    '<h1>' + name + '</h1><ul>' + rows.map(r => '<li>' + r + '</li>').join('') + '</ul>';
}
window.addEventListener('hashchange', route);
route();
</script></body></html>"""


def test_a_page_that_showed_a_return_address_serves_the_first_check() -> None:
    # The one page the crawl keeps shows the start view, then a settings view that names
    # where to go back to (the start view). The first check's route leaves returnTo out,
    # and is still shown in that page: a return address sets nothing.
    routes = {"/": lambda _: html(PLAIN_SHELL), "/api/section": section}
    with serve(routes) as served:
        handed, rows, _, reused = asyncio.run(_handed_run(served.url, served.netloc, True))
        assert handed
        assert any("tides one" in row for row in rows), rows
        # The crawl did show the settings view, and the check's run was shown in place.
        assert any(r.arg("name") == "settings" for r in served.log if r.path == "/api/section")
        assert reused == 1


async def _kept_runs(netloc: str, tool: Any, inputs: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Run ``tool`` once per input set, as one discovery check does (a keeper set): the
    runs shown in a kept page, and each run's main text."""
    from walt.core.messages import ExecuteRequest
    from walt.engine.keeper import DocumentKeeper, kept_documents

    executor = _executor(netloc)
    keeper = DocumentKeeper()
    kept_documents.set(keeper)
    texts = []
    try:
        for values in inputs:
            result = await executor.execute(ExecuteRequest(tool=tool, inputs=values))
            assert result.ok, result.error
            texts.append(str(result.data.get("main_text", "")))
    finally:
        while (stale := keeper.drop()) is not None:
            await stale.close()
        await _close(executor)
    return keeper.reused, texts


def test_a_run_whose_click_was_not_needed_keeps_its_page() -> None:
    # Page 1 of a "Load more" list presses nothing: the page shows only its route, and the
    # next run (the next word) is shown in it. It is read once the route is drawn, as a
    # tool without the click would be (the click, which would wait for its button, is
    # not made).
    from walt.core.models import ClickStep, Locator, NavigationStep, Tool, ToolInput

    def tool(url: str) -> Tool:
        return Tool(
            name="paginate_prints",
            inputs=(ToolInput("q"), ToolInput("page", type="integer", default=1)),
            steps=(
                NavigationStep(url=url + "#/search?q={q}"),
                ClickStep(locators=(Locator("css", "button.more"),), repeat="{page}"),
            ),
        )

    words = [{"q": word, "page": 1} for word in ("harbour", "tide")]
    with serve({"/prints": lambda r: html(CATALOGUE), "/api/prints": prints}) as catalogue:
        paginate = tool(catalogue.url + "prints")
        reused, texts = asyncio.run(_kept_runs(catalogue.netloc, paginate, words))
    assert reused == 1
    assert "Harbour lights" in texts[0] and "Tide pools" in texts[1] and "Harbour" not in texts[1]


FEED = """<!doctype html><html><head><meta charset="utf-8"><title>Feed</title></head>
<body><main><ul id="rows"></ul><button class="more">Load more</button></main><script>
let shown = 0;
async function more() {
  const rows = await (await fetch('/api/feed?from=' + shown)).json();
  shown += rows.length;
  document.getElementById('rows').insertAdjacentHTML('beforeend',
    rows.map(r => '<li class="post"><h3>' + r + '</h3><p>A post</p></li>').join(''));
}
document.querySelector('button.more').addEventListener('click', more);
more();
</script></body></html>"""


def feed(request: Request) -> Response:
    start = int(request.arg("from") or 0)
    rows = [f"Post {n}" for n in range(start + 1, start + 4)]
    return 200, {"Content-Type": "application/json"}, json.dumps(rows)


def test_the_next_page_of_a_load_more_list_is_pressed_in_the_page_that_shows_page_one() -> None:
    # Page 1 and page 2 of a "Load more" list open the same route: page 1 pressed nothing,
    # so its page shows that route as drawn, and page 2 presses "Load more" there instead
    # of loading the application again. Page 2 pressed: page 1 again gets a fresh page.
    from walt.core.models import ClickStep, Locator, NavigationStep, Tool, ToolInput

    def tool(url: str) -> Tool:
        return Tool(
            name="paginate_feed",
            inputs=(ToolInput("page", type="integer", default=1),),
            steps=(
                NavigationStep(url=url + "#/posts"),
                ClickStep(locators=(Locator("css", "button.more"),), repeat="{page}"),
            ),
        )

    pages = [{"page": page} for page in (1, 2, 1)]
    with serve({"/feed": lambda r: html(FEED), "/api/feed": feed}) as site:
        reused, texts = asyncio.run(_kept_runs(site.netloc, tool(site.url + "feed"), pages))
        documents = [r for r in site.log if r.path == "/feed"]
    assert reused == 1
    assert len(documents) == 2  # page 1, then page 1 again after page 2 pressed
    assert "Post 3" in texts[0] and "Post 4" not in texts[0]
    assert "Post 6" in texts[1] and "Post 7" not in texts[1]
    assert "Post 3" in texts[2] and "Post 4" not in texts[2]
