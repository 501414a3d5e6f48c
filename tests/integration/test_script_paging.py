"""Lists a script pages without links, discovered and run for real.

A list that loads its next batch when it is scrolled to its end (an infinite list, the
usual IntersectionObserver on a sentinel after it): discovery must make it a paginate
tool that scrolls, validated by running, and page N must hold N batches. A list whose
pager is a "Next page" button showing only an arrow: a paginate tool that presses it,
and page N must hold the Nth batch alone."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.models import ClickStep, ScrollStep

pytestmark = pytest.mark.browser

PRINTS = [
    f"{w} print"
    for w in "Anchor Buoy Compass Dock Ensign Ferry Galley Harbour Island Jetty Keel Lantern "
    "Mast Net Oar Pier Quay Rope".split()
]
BATCH = 6
FEED = """<!doctype html><html><head><title>Prints</title><style>li{height:200px}</style>
</head><body><h1>Prints</h1><ul id="prints">%s</ul>
<div class="infinite-scroll-sentinel">Loading more prints</div>
<script>
let offset = %d, busy = false;
const sentinel = document.querySelector('.infinite-scroll-sentinel');
new IntersectionObserver(async entries => {
  if (!entries[0].isIntersecting || busy) return;
  busy = true;
  const rows = await (await fetch('/api/prints?offset=' + offset)).json();
  offset += rows.length;
  document.getElementById('prints').insertAdjacentHTML('beforeend', rows.map(r =>
    '<li class="print"><h3>' + r + '</h3><p>A print of the coast</p></li>').join(''));
  if (!rows.length) sentinel.remove();
  busy = false;
}).observe(sentinel);
</script></body></html>"""


PAGER = """<!doctype html><html><head><title>Prints</title></head><body><h1>Prints</h1>
<ul id="prints"></ul><nav><button id="prev" aria-label="Previous page" disabled>\u2039</button>
<span id="at">1</span> <button id="next" aria-label="Next page">\u203a</button></nav>
<script>
let page = 0;
async function show() {
  const rows = await (await fetch('/api/prints?offset=' + page * %d)).json();
  document.getElementById('prints').innerHTML = rows.map(r =>
    '<li class="print"><h3>' + r + '</h3><p>A print of the coast</p></li>').join('');
  document.getElementById('at').textContent = page + 1;
  document.getElementById('prev').disabled = page === 0;
}
document.getElementById('next').addEventListener('click', () => { page++; show(); });
document.getElementById('prev').addEventListener('click', () => { page--; show(); });
show();
</script></body></html>"""


def prints(request: Request) -> Response:
    time.sleep(0.1)
    offset = int(request.arg("offset", "0"))
    return 200, {"Content-Type": "application/json"}, json.dumps(PRINTS[offset : offset + BATCH])


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    first = "".join(
        f'<li class="print"><h3>{p}</h3><p>A print of the coast</p></li>' for p in PRINTS[:BATCH]
    )
    routes = {
        "/feed": lambda r: html(FEED % (first, BATCH)),
        "/pager": lambda r: html(PAGER % BATCH),
        "/api/prints": prints,
    }
    with serve(routes) as served:
        yield served


def _validated_pager(client: walt.UnifiedClient, url: str) -> walt.Tool:
    found = client.discover(url, time_budget=40, max_pages=1)
    tool = next(t for t in found.tools if t.kind == "paginate")
    assert tool.validation is not None and tool.validation.status == "validated"
    return tool


def _titles(client: walt.UnifiedClient, tool: walt.Tool, page: int) -> list[str]:
    result = client.execute(tool, {"page": page})
    assert result.ok, result.error
    return sorted(str(r.get("title")) for r in result.records)


def test_an_infinite_list_is_a_paginate_tool_that_scrolls(
    client: walt.UnifiedClient, site: Site
) -> None:
    more = _validated_pager(client, site.url + "feed")
    scroll = more.steps[-1]
    assert isinstance(scroll, ScrollStep) and scroll.to_end and scroll.repeat == "{page}"
    for page in (1, 3):
        assert _titles(client, more, page) == sorted(PRINTS[: page * BATCH])


def test_a_next_page_button_a_script_handles_is_a_paginate_tool(
    client: walt.UnifiedClient, site: Site
) -> None:
    pager = _validated_pager(client, site.url + "pager")
    press = pager.steps[-1]
    assert isinstance(press, ClickStep) and press.repeat == "{page}"
    for page in (1, 3):
        assert _titles(client, pager, page) == sorted(PRINTS[(page - 1) * BATCH : page * BATCH])
