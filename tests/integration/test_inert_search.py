"""A search box that searches nothing (its page ignores the word) is given up after two
of the site's words: a nonsense word, no word and those words all showed one page, so
more probes would only spend the discovery's time budget."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import walt
from tests.sites import Site, html, serve

pytestmark = pytest.mark.browser

SHIPS = ["Aurora ferry", "Borealis ferry", "Cormorant tug", "Dunlin tug", "Eider barge"]
ITEMS = "".join(
    f'<li class="ship"><a href="/ship/{i}">{name}</a> <span class="kind">{name.split()[1]}'
    f"</span> <span class='note'>a vessel of the harbour fleet</span></li>"
    for i, name in enumerate(SHIPS)
)
PAGE = f"""<!doctype html><html><head><title>Fleet</title></head><body><h1>Fleet</h1>
<form action="/fleet"><input name="q" type="search" placeholder="Search ships">
<button>Search</button></form><ul class="ships">{ITEMS}</ul></body></html>"""


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes = {"/fleet": lambda r: html(PAGE)}
    routes |= {
        f"/ship/{i}": (lambda r, n=name: html(f"<h1>{n}</h1>")) for i, name in enumerate(SHIPS)
    }
    with serve(routes) as served:
        yield served


def test_a_search_that_changes_nothing_is_given_up_after_two_words(
    client: walt.UnifiedClient, site: Site
) -> None:
    found = client.discover(site.url + "fleet", time_budget=40, max_pages=1)
    assert not [t for t in found.tools if t.kind == "search"]
    reasons = [v.reason for v in found.report.rejected if v.kind == "search"]
    assert any("searching changed nothing" in r for r in reasons), reasons
    searched = [r for r in site.log if r.path == "/fleet" and r.arg("q")]
    assert len(searched) == 3  # a nonsense word and two of the site's words
