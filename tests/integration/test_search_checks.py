"""Search boxes that probe words cannot prove, and how validation handles them.

A box that takes a query language, on a page a script builds: its API answers a plain
word with 400. Discovery must check it with the example query the box's placeholder
gives, describe the input as a query in the site's syntax, and reject at once a box that
gives no example. A box that searches nothing (its page ignores the word) is given up
after two of the site's words: more probes would only spend the time budget."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve

pytestmark = pytest.mark.browser

ROWS = [
    {"name": name, "price": price, "colour": colour}
    for name, price, colour in [
        ("Anchor mug", 12, "red"),
        ("Buoy lamp", 45, "red"),
        ("Compass clock", 28, "blue"),
        ("Dock rope", 9, "red"),
        ("Ensign flag", 33, "blue"),
        ("Ferry poster", 18, "green"),
        ("Galley apron", 22, "red"),
        ("Harbour map", 51, "green"),
    ]
]
EXAMPLE = 'price < 30 and colour = "red"'
CLAUSE = re.compile(r'^(price|colour)\s*(<|>|=)\s*("?)([\w.]+)\3$')

APP = """<!doctype html><html><head><meta charset="utf-8"><title>Stock</title></head><body>
<h1>Stock</h1><input id="filter" type="search" placeholder='%s'>
<table><thead><tr><th>Name</th><th>Price</th><th>Colour</th></tr></thead>
<tbody id="rows"></tbody></table><p id="error"></p>
<script>
const esc = s => { const d = document.createElement('div'); d.textContent = String(s); return d.innerHTML; };
async function show() {
  const filter = new URLSearchParams(location.hash.split('?')[1] || '').get('filter') || '';
  const answer = await fetch('/api/items/search', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({filter})});
  const rows = answer.ok ? await answer.json() : [];
  document.getElementById('error').textContent = answer.ok ? '' : 'Invalid filter';
  document.getElementById('rows').innerHTML = rows.map(r => '<tr class="item"><td>' +
    esc(r.name) + '</td><td>' + r.price + '</td><td>' + esc(r.colour) + '</td></tr>').join('');
}
document.getElementById('filter').addEventListener('keydown', e => {
  if (e.key === 'Enter') location.hash = '#/?filter=' + encodeURIComponent(e.target.value);
});
window.addEventListener('hashchange', show);
show();
</script></body></html>"""


def _matches(row: dict[str, Any], clause: re.Match[str]) -> bool:
    field, op, _, value = clause.groups()
    have = row[field]
    if field == "price":
        number = float(value)
        return bool(have < number if op == "<" else have > number if op == ">" else have == number)
    return op == "=" and have == value


def search(request: Request) -> Response:
    expression = str(json.loads(request.body or b"{}").get("filter", "")).strip()
    clauses = []
    for part in filter(None, re.split(r"\s+and\s+", expression)):
        clause = CLAUSE.match(part.strip())
        if clause is None:
            return 400, {"Content-Type": "application/json"}, '{"error": "bad filter"}'
        clauses.append(clause)
    rows = [r for r in ROWS if all(_matches(r, c) for c in clauses)]
    return 200, {"Content-Type": "application/json"}, json.dumps(rows)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes = {
        "/": lambda r: html(APP % EXAMPLE),
        "/plain": lambda r: html(APP % "Filter items"),
        "/api/items/search": search,
    }
    with serve(routes) as served:
        yield served


def test_a_query_language_box_is_checked_with_its_example_query(
    client: walt.UnifiedClient, site: Site
) -> None:
    found = client.discover(site.url, time_budget=40, max_pages=1)
    tool = next(t for t in found.tools if t.kind == "search")
    assert tool.validation is not None and tool.validation.status == "validated"
    assert tool.validation.evidence["term"] == EXAMPLE
    assert tool.validation.evidence["unfiltered"] == len(ROWS)
    (spec,) = tool.inputs
    assert "site's own syntax" in spec.description and EXAMPLE in spec.description
    result = client.execute(tool, {spec.name: "colour = green"})
    assert result.ok, result.error
    assert sorted(str(r.get("name") or r.get("title")) for r in result.records) == [
        "Ferry poster",
        "Harbour map",
    ]


def _search_rejected(client: walt.UnifiedClient, url: str, why: str) -> None:
    """Discovery on ``url`` keeps no search and rejects one saying ``why``."""
    found = client.discover(url, time_budget=40, max_pages=1)
    assert not [t for t in found.tools if t.kind == "search"]
    reasons = [v.reason for v in found.report.rejected if v.kind == "search"]
    assert any(why in r for r in reasons), reasons


def test_a_query_language_box_without_an_example_is_rejected_at_once(
    client: walt.UnifiedClient, site: Site
) -> None:
    _search_rejected(client, site.url + "plain", "no example query")


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
def fleet() -> Iterator[Site]:
    routes = {"/fleet": lambda r: html(PAGE)}
    routes |= {
        f"/ship/{i}": (lambda r, n=name: html(f"<h1>{n}</h1>")) for i, name in enumerate(SHIPS)
    }
    with serve(routes) as served:
        yield served


def test_a_search_that_changes_nothing_is_given_up_after_two_words(
    client: walt.UnifiedClient, fleet: Site
) -> None:
    _search_rejected(client, fleet.url + "fleet", "searching changed nothing")
    searched = [r for r in fleet.log if r.path == "/fleet" and r.arg("q")]
    assert len(searched) == 3  # a nonsense word and two of the site's words
