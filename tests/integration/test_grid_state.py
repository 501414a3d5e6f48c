"""A data grid a script draws, discovered and run for real.

The grid is drawn as data-grid libraries draw one with a pinned column: each row is
two ``role=row`` elements (the pinned block's and the scrolling block's) that share an
``aria-rowindex``, and the rows alternate classes. Its first batch is 100 records and a
"Load more" button appends the rest. The script writes the list's view state into the
address (``?sort=created&dir=desc``) with ``history.replaceState``, and no record
field shows the order (each was created "2 years ago").

Discovery must see the grid's rows once each, see that "Load more" adds records past
the first 100, and offer the direction the address carries as a sort tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve

pytestmark = pytest.mark.browser

ADJECTIVES = "amber brisk calm dusky eager faint gilded hazy ivory jolly".split()
NOUNS = "anchor buoy cove dune estuary fjord gull harbour inlet jetty kelp".split()
# Names in no order of their own: only the order the site keeps says which is newest.
ENTRIES = [
    f"{ADJECTIVES[i * 7 % 10]} {NOUNS[i * 13 % 11]} {chr(65 + i * 5 % 26)}" for i in range(112)
]
BATCH = 100

LEDGER = """<!doctype html><html><head><title>Ledger</title></head><body>
<h1>Ledger entries</h1>
<div role="grid" id="grid">
  <div role="rowgroup" class="pinned"><div role="row" aria-rowindex="1">
    <div role="columnheader">Name</div></div></div>
  <div role="rowgroup" class="scrolling"><div role="row" aria-rowindex="1">
    <div role="columnheader">Amount</div><div role="columnheader">Created</div></div></div>
</div>
<button id="more" type="button">Load more</button>
<script>
const dir = new URLSearchParams(location.search).get('dir') === 'asc' ? 'asc' : 'desc';
history.replaceState(null, '', '/ledger?sort=created&dir=' + dir);
let shown = 0;
async function load() {
  const rows = await (await fetch('/api/entries?dir=' + dir + '&offset=' + shown)).json();
  const [pinned, scrolling] = document.querySelectorAll('[role=rowgroup]');
  rows.forEach((r, i) => {
    const at = shown + i, stripe = at %% 2 ? 'row-odd' : 'row-even';
    pinned.insertAdjacentHTML('beforeend', '<div role="row" class="row ' + stripe +
      '" aria-rowindex="' + (at + 2) + '"><div role="gridcell" class="name">' + r.name +
      '</div></div>');
    scrolling.insertAdjacentHTML('beforeend', '<div role="row" class="row ' + stripe +
      '" aria-rowindex="' + (at + 2) + '"><div role="gridcell" class="amount">' + r.amount +
      '</div><div role="gridcell" class="created">2 years ago</div></div>');
  });
  shown += rows.length;
}
document.getElementById('more').addEventListener('click', load);
load();
</script></body></html>"""


def entries(request: Request) -> Response:
    order = list(range(len(ENTRIES)))
    if request.arg("dir") != "asc":
        order.reverse()  # the newest (the last created) first
    offset = int(request.arg("offset", "0"))
    rows = [
        {"name": ENTRIES[i], "amount": f"{(i * i * 31 + 7) % 97}.50"}
        for i in order[offset : offset + BATCH]
    ]
    return 200, {"Content-Type": "application/json"}, json.dumps(rows)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve({"/ledger": lambda r: html(LEDGER % ()), "/api/entries": entries}) as served:
        yield served


@pytest.fixture(scope="module")
def found(client: walt.UnifiedClient, site: Site) -> dict[str, walt.Tool]:
    result = client.discover(site.url + "ledger", time_budget=40, max_pages=1)
    return {t.kind or "": t for t in result.tools}


def _names(client: walt.UnifiedClient, tool: walt.Tool, inputs: dict[str, object]) -> list[str]:
    result = client.execute(tool, inputs)
    assert result.ok, result.error
    return [str(r.get("name") or r.get("text")) for r in result.records]


def test_the_direction_the_address_keeps_is_a_validated_sort_tool(
    client: walt.UnifiedClient, found: dict[str, walt.Tool]
) -> None:
    sort = found["sort"]
    assert sort.validation is not None and sort.validation.status == "validated"
    assert "in reverse" in (sort.validation.outcome or "")
    (direction,) = sort.inputs
    assert direction.name == "dir" and set(direction.enum or ()) == {"asc", "desc"}
    assert "sort=created" in (sort.url_template or "")
    newest = _names(client, sort, {"dir": "desc"})
    oldest = _names(client, sort, {"dir": "asc"})
    # One name per row (not one per column block), each batch in the site's order.
    assert newest == ENTRIES[::-1][:BATCH]
    assert oldest == ENTRIES[:BATCH]


def test_load_more_after_a_batch_of_100_is_a_validated_paginate_tool(
    client: walt.UnifiedClient, found: dict[str, walt.Tool]
) -> None:
    more = found["paginate"]
    assert more.validation is not None and more.validation.status == "validated"
    evidence = more.validation.evidence
    assert evidence["records"] == [BATCH, len(ENTRIES)]
    second = client.execute(more, {"page": 2})
    assert second.ok, second.error
    # The output keeps its documented limit of 100 records and says it was cut.
    assert second.data["truncated"] is True
