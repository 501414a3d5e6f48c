"""A list box a script draws in place of a ``<select>``, discovered and run for real.

The page is built as component libraries build a select-only combobox: a button with
``role=combobox`` whose popup (``aria-controls``) is drawn at the end of the body only
while open, with ``role=option`` entries. Choosing one fetches the tickets in that
status, mirrors the choice in the address and keeps it in ``localStorage``, as apps do
to restore a view. A menu button beside it ("Actions") holds commands, not choices.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.errors import ExecutionError
from walt.core.models import NavigationStep, SelectChangeStep

pytestmark = pytest.mark.browser

TICKETS = [
    {"id": str(i + 1), "title": f"{w} ticket", "status": "open" if i % 3 else "closed"}
    for i, w in enumerate(
        "Anchor Buoy Compass Dock Ensign Ferry Galley Harbour Island Jetty Keel Lantern".split()
    )
]

PAGE = """<!doctype html><html><head><title>Tickets</title></head><body>
<h1>Tickets</h1>
<div class="toolbar">
  <button type="button" role="combobox" aria-haspopup="listbox" aria-expanded="false"
    aria-controls="status-options" data-testid="status-filter" id="status"></button>
  <button type="button" aria-haspopup="menu" id="actions">Actions</button>
</div>
<ul id="tickets"></ul>
<script>
const LABELS = {open: 'Open', closed: 'Closed', all: 'Any status'};
const box = document.getElementById('status');
let status = new URLSearchParams(location.search).get('status') ||
  localStorage.getItem('status') || 'open';
function label() {
  box.setAttribute('aria-label', 'Status, selected option: ' + LABELS[status]);
  box.innerHTML = 'Status: <span>' + LABELS[status] + '</span>';
}
async function show() {
  const rows = await (await fetch('/api/tickets?status=' + status)).json();
  document.getElementById('tickets').innerHTML = rows.map(r =>
    '<li class="ticket"><h3><a href="/tickets/' + r.id + '">' + r.title + '</a></h3>' +
    '<p class="state">' + r.status + '</p><p class="where">Reported at the harbour office</p></li>'
  ).join('');
}
function close() {
  document.getElementById('status-options')?.remove();
  box.setAttribute('aria-expanded', 'false');
}
box.addEventListener('click', () => {
  if (box.getAttribute('aria-expanded') === 'true') return close();
  const list = document.createElement('div');
  list.id = 'status-options';
  list.setAttribute('role', 'listbox');
  list.innerHTML = Object.entries(LABELS).map(([value, text]) =>
    '<div role="option" data-key="' + value + '" aria-selected="' + (value === status) +
    '">' + text + '</div>').join('');
  list.addEventListener('click', event => {
    const option = event.target.closest('[role=option]');
    if (!option) return;
    status = option.dataset.key;
    localStorage.setItem('status', status);
    history.replaceState(null, '', '/tickets?status=' + status);
    close(); label(); show();
  });
  document.body.appendChild(list);
  box.setAttribute('aria-expanded', 'true');
});
label(); show();
</script></body></html>"""


def tickets(request: Request) -> Response:
    wanted = request.arg("status", "open")
    rows = [t for t in TICKETS if wanted == "all" or t["status"] == wanted]
    return 200, {"Content-Type": "application/json"}, json.dumps(rows)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve({"/tickets": lambda r: html(PAGE), "/api/tickets": tickets}) as served:
        yield served


@pytest.fixture(scope="module")
def status_filter(client: walt.UnifiedClient, site: Site) -> walt.Tool:
    found = client.discover(site.url + "tickets", time_budget=40, max_pages=1)
    filters = [t for t in found.tools if t.kind == "filter"]
    assert len(filters) == 1, [t.name for t in found.tools]  # not the Actions menu
    return filters[0]


def _titles(client: walt.UnifiedClient, tool: walt.Tool, status: str | None) -> list[str]:
    result = client.execute(tool, {} if status is None else {"status": status})
    assert result.ok, result.error
    return sorted(str(r.get("title")) for r in result.records)


def _expected(status: str) -> list[str]:
    return sorted(t["title"] for t in TICKETS if status == "all" or t["status"] == status)


def test_a_list_box_is_a_validated_filter_tool_over_its_options(
    status_filter: walt.Tool,
) -> None:
    assert status_filter.validation is not None
    assert status_filter.validation.status == "validated"
    (spec,) = status_filter.inputs
    assert spec.name == "status"
    assert spec.enum == ("Open", "Closed", "Any status") and spec.default == "Open"
    choose = status_filter.steps[-1]
    assert isinstance(choose, SelectChangeStep) and choose.selected_text == "{status}"
    assert choose.locators[0].by == "test_id" and choose.locators[0].value == "status-filter"


def test_the_filter_chooses_by_label_in_any_case_and_defaults_to_the_shown_option(
    client: walt.UnifiedClient, status_filter: walt.Tool
) -> None:
    assert _titles(client, status_filter, "closed") == _expected("closed")
    assert _titles(client, status_filter, "Any Status") == _expected("all")
    assert _titles(client, status_filter, None) == _expected("open")


def test_an_option_the_list_box_lacks_fails_the_step_naming_the_options(
    client: walt.UnifiedClient, status_filter: walt.Tool
) -> None:
    bare = walt.Tool(
        name="choose_status",
        start_url=status_filter.start_url,
        steps=status_filter.steps,
        inputs=(walt.ToolInput("status"),),
    )
    result = client.execute(bare, {"status": "Pending"}, step_timeout=2)
    assert not result.ok and result.error is not None
    assert result.error.code == ExecutionError.code
    assert "no option valued or labelled 'Pending'" in result.error.message
    assert "Open, Closed, Any status" in result.error.message


def _drawn_again(change: str) -> str:
    """The tickets page whose popup runs ``change`` (script) and draws its options again
    when the pointer first moves over it (a virtual list measuring its rows): the option
    element found before the click is gone by then."""
    return PAGE.replace(
        "document.body.appendChild(list);",
        "document.body.appendChild(list);\n"
        "  list.addEventListener('mousemove', () => {\n"
        "    if (list.dataset.drawn) return;\n"
        "    list.dataset.drawn = '1';\n"
        f"    {change}\n"
        "    list.innerHTML = list.innerHTML;\n"
        "  });",
    )


def _choose_on(
    page: str, client: walt.UnifiedClient, status_filter: walt.Tool, timeout: float
) -> tuple[walt.ExecuteResult, list[str]]:
    """Choose "Closed" with the discovered list box step on ``page``: the run, and the
    statuses the page fetched."""
    assert page != PAGE
    with serve({"/tickets": lambda r: html(page), "/api/tickets": tickets}) as served:
        tool = walt.Tool(
            name="choose_status",
            steps=(NavigationStep(url=served.url + "tickets"), status_filter.steps[-1]),
            inputs=(walt.ToolInput("status"),),
        )
        result = client.execute(tool, {"status": "Closed"}, step_timeout=timeout)
        return result, [r.arg("status") for r in served.log if r.path == "/api/tickets"]


def test_an_option_drawn_again_while_it_is_clicked_is_found_again_and_chosen(
    client: walt.UnifiedClient, status_filter: walt.Tool
) -> None:
    result, _ = _choose_on(_drawn_again(""), client, status_filter, timeout=5)
    assert result.ok, result.error
    assert sorted(str(r.get("title")) for r in result.records) == _expected("closed")


BOATS = """<!doctype html><html><head><title>Boats</title></head><body><h1>Boats</h1>
<div role="combobox" tabindex="0" aria-haspopup="listbox" aria-expanded="false"
  aria-controls="kinds" data-testid="kind-filter">Kinds</div>
<ul id="boats"></ul>
<script>
const KINDS = ['Ferry', 'Tug', 'Yacht', 'Dinghy'];
const box = document.querySelector('[data-testid=kind-filter]');
let chosen = new Set();
function show() {
  const names = KINDS.filter(k => !chosen.size || chosen.has(k));
  document.getElementById('boats').innerHTML = names.map(k => '<li>' + k + '</li>').join('');
}
box.addEventListener('click', () => {
  if (box.getAttribute('aria-expanded') === 'true') {
    document.getElementById('kinds').remove();
    box.setAttribute('aria-expanded', 'false');
    return;
  }
  const list = document.createElement('div');
  list.id = 'kinds';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-multiselectable', 'true');
  list.innerHTML = KINDS.map(k => '<div role="option" aria-selected="' + chosen.has(k) +
    '">' + k + '</div>').join('');
  list.addEventListener('click', event => {
    const option = event.target.closest('[role=option]');
    const kind = option.textContent;
    chosen.has(kind) ? chosen.delete(kind) : chosen.add(kind);
    option.setAttribute('aria-selected', String(chosen.has(kind)));
    show();  // the popup stays open for the next choice
  });
  document.body.appendChild(list);
  box.setAttribute('aria-expanded', 'true');
});
document.addEventListener('keydown', event => {
  if (event.key === 'Escape' && document.getElementById('kinds')) box.click();
});
show();
</script></body></html>"""


def _boats_tool(url: str) -> walt.Tool:
    choose = SelectChangeStep(
        locators=(walt.Locator("test_id", "kind-filter"),), selected_text="{kinds}"
    )
    return walt.Tool(
        name="filter_boats_by_kind",
        start_url=url,
        steps=(NavigationStep(url=url), choose),
        inputs=(walt.ToolInput("kinds", type="array"),),
    )


def test_a_multi_select_list_box_takes_several_options_and_is_closed_after(
    client: walt.UnifiedClient,
) -> None:
    with serve({"/boats": lambda r: html(BOATS)}) as boats:
        result = client.execute(_boats_tool(boats.url + "boats"), {"kinds": ["tug", "Dinghy"]})
        assert result.ok, result.error
        words = result.data["main_text"].split()
        assert "Tug" in words and "Dinghy" in words
        # Not shown: the kinds not chosen (the popup listing them all was closed too).
        assert "Ferry" not in words and "Yacht" not in words


# A trigger that toggles its popup and says nothing of it (no aria-expanded, no
# aria-controls), and options that do not say which is chosen; a list always shown in
# the sidebar has an option of the same name.
PLAIN = """<!doctype html><html><head><title>Harbours</title></head><body>
<aside><div role="listbox" aria-label="Saved views"><div role="option">North</div></div></aside>
<main><h1>Harbours</h1><div role="combobox" tabindex="0" id="region">Region</div>
<p id="shown">all</p></main>
<script>
const box = document.getElementById('region');
box.addEventListener('click', () => {
  const open = document.getElementById('regions');
  if (open) { open.remove(); return; }
  const list = document.createElement('div');
  list.id = 'regions';
  list.setAttribute('role', 'listbox');
  list.innerHTML = ['North', 'South'].map(r => '<div role="option">' + r + '</div>').join('');
  list.addEventListener('click', event => {
    const region = event.target.textContent;
    localStorage.setItem('region', region);
    document.getElementById('shown').textContent = region;
    list.remove();
  });
  document.body.appendChild(list);
});
</script></body></html>"""


def test_a_trigger_that_toggles_silently_is_pressed_once_and_its_own_popup_is_used(
    client: walt.UnifiedClient,
) -> None:
    with serve({"/harbours": lambda r: html(PLAIN)}) as harbours:
        url = harbours.url + "harbours"
        tool = walt.Tool(
            name="filter_harbours_by_region",
            start_url=url,
            steps=(
                NavigationStep(url=url),
                SelectChangeStep(
                    locators=(walt.Locator("id", "region"),), selected_text="{region}"
                ),
            ),
            inputs=(walt.ToolInput("region"),),
        )
        result = client.execute(tool, {"region": "North"})
        assert result.ok, result.error
        # The popup's North was clicked (the sidebar's was not), and the popup closed.
        assert "North" in result.data["main_text"].split()
        assert "South" not in result.data["main_text"]


def _tried(markup: str, url: str, read: Callable[[Any], Awaitable[Any]]) -> tuple[Any, Any]:
    """The exploration of the page's one list box in a real browser, and what ``read``
    finds on the page afterwards."""
    import asyncio

    from walt.engine.browser import BrowserPool
    from walt.engine.discovery.controls import script_controls
    from walt.engine.discovery.explore import explore_control
    from walt.engine.dom import parse_html

    async def explore() -> tuple[Any, Any]:
        pool = BrowserPool()
        try:
            context = await pool.new_context()
            (control,) = [c for c in script_controls(parse_html(markup, url)) if c.role == "choose"]
            page = await context.new_page()
            seen = await explore_control(
                context, url, control, term="", timeout=10, page=page, close=False
            )
            return seen, await read(page)
        finally:
            await pool.close()

    return asyncio.run(explore())


def test_trying_a_list_box_leaves_the_page_and_its_storage_as_they_were() -> None:
    async def read(page: Any) -> tuple[Any, bool]:
        stored = await page.evaluate("localStorage.getItem('region')")
        return stored, await page.locator("#regions").count() == 0

    with serve({"/harbours": lambda r: html(PLAIN)}) as harbours:
        seen, (stored, closed) = _tried(PLAIN, harbours.url + "harbours", read)
    assert seen is not None and seen.options == ("North", "South")
    assert stored is None and closed


def test_a_multi_select_list_box_is_left_with_exactly_the_options_asked_for(
    client: walt.UnifiedClient,
) -> None:
    preset = BOATS.replace("let chosen = new Set();", "let chosen = new Set(['Ferry', 'Tug']);")
    with serve({"/boats": lambda r: html(preset)}) as boats:
        result = client.execute(_boats_tool(boats.url + "boats"), {"kinds": ["tug", "Dinghy"]})
        assert result.ok, result.error
        words = result.data["main_text"].split()
        # Tug stays chosen (not clicked off again), Ferry is taken off, Dinghy added.
        assert "Tug" in words and "Dinghy" in words and "Ferry" not in words


def test_an_option_gone_when_the_popup_is_drawn_again_fails_the_step(
    client: walt.UnifiedClient, status_filter: walt.Tool
) -> None:
    gone = _drawn_again("list.querySelector('[data-key=closed]').remove();")
    result, asked = _choose_on(gone, client, status_filter, timeout=2)
    assert not result.ok and result.error is not None
    assert "no option valued or labelled 'Closed'" in result.error.message
    assert "Open, Any status" in result.error.message
    assert asked == ["open"]  # nothing but the page's own first list was fetched


# A list box whose choice lives in the route alone (no storage): undone by going back.
ROUTED = """<!doctype html><html><head><title>Runs</title></head><body>
<main><h1>Runs</h1>
<button type="button" role="combobox" aria-haspopup="listbox" aria-controls="states"
  id="state"></button><ul id="runs"></ul></main>
<script>
window.picks = 0;
const ROWS = {active: ['Alder', 'Birch', 'Cedar'], deleted: ['Damson', 'Elder']};
const box = document.getElementById('state');
const state = () => new URLSearchParams(location.hash.split('?')[1] || '').get('state')
  || 'active';
function draw() {
  box.textContent = 'State: ' + state();
  document.getElementById('runs').innerHTML = ROWS[state()].map(r =>
    '<li class="run"><h3>' + r + ' run</h3><p>Trained on the orchard data</p></li>').join('');
}
box.addEventListener('click', () => {
  const open = document.getElementById('states');
  if (open) { open.remove(); return; }
  const list = document.createElement('div');
  list.id = 'states';
  list.setAttribute('role', 'listbox');
  list.innerHTML = Object.keys(ROWS).map(k => '<div role="option" data-key="' + k +
    '" aria-selected="' + (k === state()) + '">' + k + '</div>').join('');
  list.addEventListener('click', event => {
    window.picks += 1;
    location.hash = '#/runs?state=' + event.target.dataset.key;
    list.remove();
  });
  document.body.appendChild(list);
});
window.addEventListener('hashchange', draw);
draw();
</script></body></html>"""


def test_a_choice_kept_in_the_address_alone_is_undone_by_going_back_to_the_address() -> None:
    async def read(page: Any) -> tuple[str, int, str]:
        return page.url, await page.evaluate("window.picks"), await page.inner_text("#runs")

    with serve({"/app": lambda r: html(ROUTED)}) as app:
        url = app.url + "app#/runs"
        seen, (left_at, picks, shown) = _tried(ROUTED, url, read)
    assert seen is not None and seen.url_after == url + "?state=deleted"
    assert seen.records_changed
    # One choice, not a second one to put the first back: the route before was opened
    # again, and shows its own rows.
    assert picks == 1 and left_at == url
    assert "Alder run" in shown and "Damson" not in shown


def test_a_choice_also_kept_in_a_cookie_is_put_back_by_choosing_again() -> None:
    remembered = ROUTED.replace(
        "window.picks += 1;",
        "window.picks += 1; document.cookie = 'state=' + event.target.dataset.key;",
    )

    async def read(page: Any) -> tuple[int, str]:
        return await page.evaluate("window.picks"), await page.evaluate("document.cookie")

    with serve({"/app": lambda r: html(remembered)}) as app:
        seen, (picks, cookie) = _tried(remembered, app.url + "app#/runs", read)
    # The address alone would not undo it: the first option was chosen again.
    assert seen is not None and picks == 2 and cookie == "state=active"
