"""A form whose choice a suggestion widget makes, discovered and run for real.

The visible box has no name: the page's script fetches suggestions as the user types,
and the one chosen writes its record's id into a hidden field, prefilled with the last
choice. Submitted over HTTP, that id would be a constant (the same harbour whatever the
word); walt keeps the tool in the browser, types the word and chooses its suggestion.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve

pytestmark = pytest.mark.browser

HARBOURS = {3: "Oban", 5: "Mallaig", 8: "Tobermory", 13: "Ullapool"}
DAYS = ("Mon", "Tue", "Wed")

FORM = """<!doctype html><html><head><title>Tides</title></head><body><h1>Tide tables</h1>
<form action="/tides" method="get"><label for="harbour-box">Harbour</label>
<input id="harbour-box" value="Oban" role="combobox" aria-autocomplete="list"
 aria-controls="harbour-list" aria-expanded="false">
<ul id="harbour-list" role="listbox"></ul>
<input type="hidden" name="harbour_id" value="3"><button>Show tides</button></form>
<h2>Popular</h2><ul>%s</ul>
<script>
const box = document.getElementById('harbour-box');
const list = document.getElementById('harbour-list');
const id = document.querySelector('[name=harbour_id]');
let timer;
box.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const rows = await (await fetch('/api/harbours?prefix=' +
      encodeURIComponent(box.value))).json();
    list.innerHTML = rows.map(r =>
      '<li role="option" data-id="' + r.id + '">' + r.name + '</li>').join('');
  }, 200);
});
list.addEventListener('click', e => {
  const option = e.target.closest('[role=option]');
  if (option) { id.value = option.dataset.id; box.value = option.textContent;
    list.innerHTML = ''; }
});
</script></body></html>"""


def form(request: Request) -> Response:
    popular = "".join(
        f'<li><a href="/tides?harbour_id={i}">{name}</a></li>' for i, name in HARBOURS.items()
    )
    return html(FORM % popular)


def harbours(request: Request) -> Response:
    prefix = request.arg("prefix").lower()
    rows = [{"id": i, "name": n} for i, n in HARBOURS.items() if n.lower().startswith(prefix)]
    return 200, {"Content-Type": "application/json"}, json.dumps(rows)


def tides(request: Request) -> Response:
    raw = request.arg("harbour_id")
    name = HARBOURS.get(int(raw)) if raw.isdigit() else None
    if name is None:
        return 404, {"Content-Type": "text/html"}, "<p>No such harbour</p>"
    rows = "".join(
        f'<li class="tide"><h3>{name} {day}</h3><p>high water {6 + n}:00</p></li>'
        for n, day in enumerate(DAYS)
    )
    return html(f"<html><head><title>{name}</title></head><body><ul>{rows}</ul></body></html>")


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve({"/": form, "/api/harbours": harbours, "/tides": tides}) as served:
        yield served


@pytest.fixture(scope="module")
def client(site: Site) -> Iterator[walt.UnifiedClient]:
    with walt.UnifiedClient(allow_hosts=[site.netloc]) as made:
        yield made


@pytest.fixture(scope="module")
def tool(site: Site, client: walt.UnifiedClient) -> walt.Tool:
    found = client.discover(site.url, time_budget=30, respect_robots=False)
    tool = next((t for t in found.tools if "/tides" in json.dumps(t.to_dict())), None)
    assert tool is not None, found.report
    return tool


def _titles(result: walt.ExecuteResult) -> list[str]:
    return sorted(str(r.get("title", "")) for r in result.records)


def test_the_tool_types_the_word_and_chooses_its_suggestion(tool: walt.Tool) -> None:
    assert tool.url_template is None and not tool.is_url_tool
    assert [s.type for s in tool.steps] == ["navigation", "input", "select_change", "click"]
    assert tool.input_names == ("harbour",)  # named after the box's label
    assert "harbour_id" not in json.dumps(tool.to_dict()["steps"])  # never a constant
    assert tool.validation is not None and tool.validation.status == "validated"
    assert len(tool.validation.evidence["suggested"]) == 2


def test_the_chosen_harbours_tides_are_read(tool: walt.Tool, client: walt.UnifiedClient) -> None:
    result = client.execute(tool, {"harbour": "mallaig"})  # a label, case-insensitively
    assert result.ok, result.error
    assert result.path == "browser"
    assert "harbour_id=5" in (result.final_url or "")
    assert _titles(result) == ["Mallaig Mon", "Mallaig Tue", "Mallaig Wed"]


def test_a_word_the_site_suggests_nothing_for_fails_and_submits_nothing(
    tool: walt.Tool, client: walt.UnifiedClient, site: Site
) -> None:
    site.log.clear()
    result = client.execute(tool, {"harbour": "Atlantis"})
    assert not result.ok
    assert result.error is not None and "Atlantis" in result.error.message
    assert not [r for r in site.log if r.path == "/tides"]  # the last choice was not sent
