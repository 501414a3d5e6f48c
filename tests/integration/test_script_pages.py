"""Pages a script builds, served by a small local site, discovered and run for real.

A shop that routes on the fragment (``#/search?q=``, ``#/category/x``) and renders
every view from its own JSON API after a delay, and a listing paginated only by a
"Load more" button. Discovery must find a search that runs in the browser, promote
it to a direct call of the site's JSON endpoint (validated against the browser's
results), and make the button a paginate tool; a route URL never runs over HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve

pytestmark = pytest.mark.browser

ITEMS = [
    (1, "Trail running shoe", "shoes"),
    (2, "Road running shoe", "shoes"),
    (3, "Hiking boot", "shoes"),
    (4, "Rain jacket", "jackets"),
    (5, "Down jacket", "jackets"),
    (6, "Running cap", "accessories"),
    (7, "Wool socks", "accessories"),
]
PRINTS = [f"{w} print" for w in "Anchor Buoy Compass Dock Ensign Ferry Galley Harbour".split()]
PRINTS += [f"{w} print" for w in "Island Jetty Keel Lantern Mast Net Oar Pier".split()]
BATCH = 6

SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body>
<header><a href="#/">Shop</a> <a href="/prints">Prints</a>
<nav><a href="#/category/shoes">Shoes</a> <a href="#/category/jackets">Jackets</a></nav>
<form id="search" role="search"><label for="q">Search products</label>
<input id="q" name="q" type="search"><button>Search</button></form></header>
<main id="view"><p>Loading...</p></main>
<script>
const esc = s => { const d = document.createElement('div'); d.textContent = String(s); return d.innerHTML; };
async function list(title, query) {
  const rows = await (await fetch('/api/items' + query)).json();
  document.getElementById('view').innerHTML = '<h1>' + esc(title) + '</h1><ul class="results">' +
    rows.map(r => '<li class="product"><a class="name" href="#/item/' + r.id + '">' +
      esc(r.name) + '</a> <span class="cat">' + esc(r.category) + '</span> ' +
      '<span class="price">$' + r.price + '.00</span></li>').join('') + '</ul>';
}
function route() {
  const [path, qs] = (location.hash.slice(1) || '/').split('?');
  const params = new URLSearchParams(qs || '');
  let m;
  if (path === '/search') return list('Results', '?q=' + encodeURIComponent(params.get('q') || ''));
  if ((m = path.match(/^\\/category\\/(\\w+)$/))) return list(m[1], '?category=' + m[1]);
  return list('All products', '');
}
document.getElementById('search').addEventListener('submit', e => {
  e.preventDefault();
  location.hash = '#/search?q=' + encodeURIComponent(document.getElementById('q').value);
});
window.addEventListener('hashchange', route);
route();
</script></body></html>"""

PRINTS_PAGE = """<!doctype html><html><head><title>Prints</title></head><body>
<nav><a href="/">Shop</a></nav><h1>Prints</h1><ul id="prints">%s</ul>
<button type="button" id="more">Load more</button>
<script>
let offset = %d;
document.getElementById('more').addEventListener('click', async () => {
  const rows = await (await fetch('/api/prints?offset=' + offset)).json();
  offset += rows.length;
  document.getElementById('prints').insertAdjacentHTML('beforeend',
    rows.map(r => '<li class="print"><h3>' + r + '</h3><p>A print of the coast</p></li>').join(''));
});
</script></body></html>"""


def _json(data: Any) -> Response:
    return 200, {"Content-Type": "application/json"}, json.dumps(data)


def api_items(request: Request) -> Response:
    time.sleep(0.2)  # rows arrive after the page has loaded
    words, category = request.arg("q").lower(), request.arg("category")
    rows = [
        {"id": i, "name": name, "category": cat, "price": 20 + 10 * i}
        for i, name, cat in ITEMS
        if words in name.lower() and (not category or cat == category)
    ]
    return _json(rows)


def api_prints(request: Request) -> Response:
    time.sleep(0.2)
    offset = int(request.arg("offset", "0"))
    return _json(PRINTS[offset : offset + BATCH])


def _prints_html() -> str:
    first = "".join(
        f'<li class="print"><h3>{p}</h3><p>A print of the coast</p></li>' for p in PRINTS[:BATCH]
    )
    return PRINTS_PAGE % (first, BATCH)


def prints_page(request: Request) -> Response:
    return html(_prints_html())


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes = {
        "/": lambda r: html(SHELL),
        "/api/items": api_items,
        "/api/prints": api_prints,
        "/prints": prints_page,
    }
    with serve(routes) as served:
        yield served


@pytest.fixture(scope="module")
def found(client: walt.UnifiedClient, site: Site) -> walt.DiscoverResult:
    return client.discover(site.url, time_budget=40)


def _titles(result: walt.ExecuteResult) -> list[str]:
    return sorted(str(r.get("title") or r.get("name")) for r in result.records)


def test_a_route_url_tool_runs_in_the_browser_and_waits_for_the_rows(
    client: walt.UnifiedClient, site: Site
) -> None:
    tool = walt.Tool(
        name="search_by_route",
        url_template=site.url + "#/search?q={q}",
        inputs=(walt.ToolInput("q"),),
    )
    assert not tool.is_url_tool
    result = client.execute(tool, {"q": "running"})
    assert result.ok and result.path == "browser"
    assert "Trail running shoe" in str(result.data.get("main_text"))
    assert "Hiking boot" not in str(result.data.get("main_text"))


def test_the_search_a_script_answers_is_found_and_promoted_to_the_json_api(
    found: walt.DiscoverResult, client: walt.UnifiedClient
) -> None:
    search = next(t for t in found.tools if t.kind == "search")
    assert search.validation is not None and search.validation.status == "validated"
    assert "#/search?q={" in (search.url_template or "")
    assert search.request is not None and search.request.method == "GET"
    assert search.request.url.endswith("/api/items?q={" + search.inputs[0].name + "}")
    assert search.validation.evidence["api"]["named"] == 1.0
    result = client.execute(search, {search.inputs[0].name: "running"})
    assert result.ok and result.path == "http"
    assert _titles(result) == ["Road running shoe", "Running cap", "Trail running shoe"]


def test_the_promoted_call_sends_no_cookie_or_token_it_saw(found: walt.DiscoverResult) -> None:
    search = next(t for t in found.tools if t.kind == "search")
    assert search.request is not None
    assert set(search.request.headers) <= {"content-type", "accept"}


def test_a_load_more_button_is_a_paginate_tool(
    found: walt.DiscoverResult, client: walt.UnifiedClient
) -> None:
    more = next(t for t in found.tools if t.kind == "paginate" and "prints" in t.name)
    assert more.validation is not None and more.validation.status == "validated"
    assert [s.type for s in more.steps] == ["navigation", "click"]
    first = client.execute(more, {"page": 1})
    second = client.execute(more, {"page": 2})
    assert first.ok and second.ok
    assert _titles(first) == sorted(PRINTS[:BATCH])
    assert _titles(second) == sorted(PRINTS[: 2 * BATCH])


def test_the_crawl_sent_no_write_and_no_form_submission_to_the_shell(
    found: walt.DiscoverResult, site: Site
) -> None:
    assert not site.paths("POST")
    # The search form's HTTP submission only reloads the shell: it is tried by script.
    assert not any(r.path == "/" and "q" in r.query for r in site.log)


CONSENT = """<div id="consent" style="position:fixed;inset:0;background:#fff;z-index:9">
<p>We use cookies to remember your basket.</p>
<button onclick="document.getElementById('consent').remove()">Accept all cookies</button>
</div>"""


def test_a_load_more_button_under_a_consent_banner_is_found_and_pressed(
    client: walt.UnifiedClient,
) -> None:
    # The banner covers the page until accepted: the crawl's try of the button and each
    # run close it with its own button, as a person would.
    def covered(request: Request) -> Response:
        return html(_prints_html().replace("<body>", "<body>" + CONSENT, 1))

    with serve({"/prints": covered, "/api/prints": api_prints}) as site:
        found = client.discover(site.url + "prints", time_budget=30)
        more = next((t for t in found.tools if t.kind == "paginate"), None)
        assert more is not None, found.report
        assert more.validation is not None and more.validation.status == "validated"
        second = client.execute(more, {"page": 2})
    assert second.ok, second.error
    assert _titles(second) == sorted(PRINTS[: 2 * BATCH])


HARBOUR = """<!doctype html><html><head><title>Harbour</title></head><body><h1>Harbour</h1>
<form id="find" action="/harbour" role="search"><label for="q">Find a boat</label>
<input id="q" name="q"><button>Search</button></form><h2>Featured</h2><ul id="list">%s</ul>
<script>
document.getElementById('find').addEventListener('submit', e => {
  e.preventDefault();
  const q = document.getElementById('q').value;
  setTimeout(async () => {
    const rows = await (await fetch('/api/boats?q=' + encodeURIComponent(q))).json();
    document.getElementById('list').innerHTML = rows.map(r =>
      '<li class="boat"><h3><a href="/boat/' + r.id + '">' + r.name + '</a></h3>' +
      '<p>a boat of the bay</p></li>').join('');
  }, 300);
});
</script></body></html>"""
BOATS = [(1, "Aurora ferry"), (2, "Borealis ferry"), (3, "Cormorant tug"), (4, "Dunlin tug")]


def test_a_search_form_whose_submit_a_script_handles_is_used_in_the_page(
    client: walt.UnifiedClient,
) -> None:
    # Submitted over HTTP, the form shows the featured list again whatever the word: the
    # page's script takes the submit event. The search is checked, and kept, in the page.
    def harbour(request: Request) -> Response:
        featured = "".join(
            f'<li class="boat"><h3><a href="/boat/{i}">{n}</a></h3><p>a boat of the bay</p></li>'
            for i, n in (BOATS[1], BOATS[3])
        )
        return html(HARBOUR % featured)

    def boats(request: Request) -> Response:
        word = request.arg("q").lower()
        return _json([{"id": i, "name": n} for i, n in BOATS if word in n.lower()])

    with serve({"/harbour": harbour, "/api/boats": boats}) as site:
        found = client.discover(site.url + "harbour", time_budget=30)
        search = next((t for t in found.tools if t.kind == "search"), None)
        assert search is not None, found.report.rejected
        assert search.validation is not None and search.validation.status == "validated"
        assert [s.type for s in search.steps][:2] == ["navigation", "input"]
        result = client.execute(search, {search.inputs[0].name: "ferry"})
    assert result.ok, result.error
    assert _titles(result) == ["Aurora ferry", "Borealis ferry"]
