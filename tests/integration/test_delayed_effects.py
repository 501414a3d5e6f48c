"""An action whose effect comes after a pause, with no request and no navigation: the
page filters its own list in a timer (a debounce). The run must read the list the timer
drew, never the list before the action, whichever control starts it (a button, Enter,
a component's button in its shadow tree, or typing alone in a live filter), on a page whose own clock keeps changing the DOM (a
timer the action did not set)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.models import (
    ClickStep,
    InputStep,
    KeyPressStep,
    Locator,
    NavigationStep,
    SelectChangeStep,
    Step,
)
from walt.engine.effects import SETTLE_CAP

pytestmark = pytest.mark.browser

BOATS = ["Aurora ferry", "Borealis ferry", "Cormorant tug", "Dunlin tug", "Eider barge"]
PAGE = """<!doctype html><html><head><title>Boats</title></head><body><h1>Boats</h1>
<input id="q" placeholder="Filter boats"><button id="go">Filter</button>
<input id="live" placeholder="Filter as you type"><boat-filter></boat-filter>
<input id="rx" placeholder="Filter (interval)"><button id="rx-go">Go</button>
<select id="kind"><option value="">any</option><option>ferry</option><option>tug</option>
</select><button id="noop">Nothing</button>
<p id="clock"></p><ul id="list">%s</ul>
<script>
const all = [...document.querySelectorAll('#list li')].map(li => li.outerHTML);
// A debounced filter: a timer after the action, then another that draws.
function run() { setTimeout(() => setTimeout(() => {
  const w = document.getElementById('q').value.toLowerCase();
  document.getElementById('list').innerHTML = all.filter(h => h.toLowerCase().includes(w)).join('');
}, 150), %d); }
document.getElementById('go').addEventListener('click', run);
document.getElementById('q').addEventListener('keydown', e => { if (e.key === 'Enter') run(); });
// A live filter: typing alone filters, once the typing has paused.
let pause;
document.getElementById('live').addEventListener('input', e => {
  clearTimeout(pause);
  pause = setTimeout(() => {
    const w = e.target.value.toLowerCase();
    document.getElementById('list').innerHTML = all.filter(h => h.toLowerCase().includes(w)).join('');
  }, 300);
});
// A component's own box and button, in its shadow tree (window.event misses them).
customElements.define('boat-filter', class extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = '<input id="shadow-q"><button id="shadow-go">Apply</button>';
    root.getElementById('shadow-go').addEventListener('click', () => setTimeout(() => {
      const w = root.getElementById('shadow-q').value.toLowerCase();
      document.getElementById('list').innerHTML = all.filter(h => h.toLowerCase().includes(w)).join('');
    }, 300));
  }
});
// A debounce built on an interval (as RxJS's debounceTime is): it acts on its first tick.
document.getElementById('rx-go').addEventListener('click', () => {
  const tick = setInterval(() => {
    clearInterval(tick);
    const w = document.getElementById('rx').value.toLowerCase();
    document.getElementById('list').innerHTML = all.filter(h => h.toLowerCase().includes(w)).join('');
  }, 300);
});
// A select whose choice filters after a pause.
document.getElementById('kind').addEventListener('change', e => setTimeout(() => {
  document.getElementById('list').innerHTML =
    all.filter(h => h.toLowerCase().includes(e.target.value)).join('');
}, 300));
// A timer set and cleared at once, its id kept as text: it must not hold later waits.
document.getElementById('noop').addEventListener('click', () => {
  document.body.dataset.pending = String(setTimeout(() => {}, 600));
  clearTimeout(document.body.dataset.pending);
});
// Not the action's: renews itself for ever.
(function tick() { document.getElementById('clock').textContent = Date.now(); setTimeout(tick, 300); })();
</script></body></html>"""


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    rows = "".join(f'<li class="boat"><h3>{n}</h3><p>a boat of the bay</p></li>' for n in BOATS)
    with serve({"/": lambda r: html(PAGE % (rows, 400))}) as served:
        yield served


@pytest.mark.parametrize("control", ["click", "enter", "shadow"])
def test_the_list_a_timer_draws_after_the_action_is_read(
    client: walt.UnifiedClient, site: Site, control: str
) -> None:
    box = (Locator("id", "shadow-q" if control == "shadow" else "q"),)
    last: Step = {
        "click": ClickStep(locators=(Locator("id", "go"),)),
        "enter": KeyPressStep(locators=box, key="Enter"),
        "shadow": ClickStep(locators=(Locator("id", "shadow-go"),)),
    }[control]
    tool = walt.Tool(
        name="filter_boats",
        inputs=(walt.ToolInput("q"),),
        steps=(NavigationStep(url=site.url), InputStep(locators=box, value="{q}"), last),
    )
    result = client.execute(tool, {"q": "tug"})
    assert result.ok, result.error
    assert sorted(str(r.get("title")) for r in result.records) == ["Cormorant tug", "Dunlin tug"]


def test_a_live_filter_is_read_after_typing_pauses(client: walt.UnifiedClient, site: Site) -> None:
    box = (Locator("id", "live"),)
    tool = walt.Tool(
        name="filter_boats_live",
        inputs=(walt.ToolInput("q"),),
        steps=(NavigationStep(url=site.url), InputStep(locators=box, value="{q}")),
    )
    result = client.execute(tool, {"q": "ferry"})
    assert result.ok, result.error
    assert sorted(str(r.get("title")) for r in result.records) == BOATS[:2]


@pytest.mark.parametrize("control", ["interval", "select"])
def test_a_filter_drawn_after_an_interval_or_a_choice_is_read(
    client: walt.UnifiedClient, site: Site, control: str
) -> None:
    steps: tuple[Step, ...] = (
        (
            InputStep(locators=(Locator("id", "rx"),), value="{q}"),
            ClickStep(locators=(Locator("id", "rx-go"),)),
        )
        if control == "interval"
        else (SelectChangeStep(locators=(Locator("id", "kind"),), selected_text="{q}"),)
    )
    tool = walt.Tool(
        name="filter_boats_" + control,
        inputs=(walt.ToolInput("q"),),
        steps=(NavigationStep(url=site.url), *steps),
    )
    result = client.execute(tool, {"q": "tug"})
    assert result.ok, result.error
    assert sorted(str(r.get("title")) for r in result.records) == ["Cormorant tug", "Dunlin tug"]


def test_a_timer_cleared_by_its_id_as_text_does_not_hold_the_run(
    client: walt.UnifiedClient, site: Site
) -> None:
    press = ClickStep(locators=(Locator("id", "noop"),))
    tool = walt.Tool(name="nothing", steps=(NavigationStep(url=site.url), press, press))
    result = client.execute(tool)
    assert result.ok, result.error
    # Each settle is bounded by the settle cap; a count stuck above zero would reach it.
    assert all(step.elapsed_ms < SETTLE_CAP * 1000 / 2 for step in result.steps[1:])


# A router that moves the new document to "#/" as it loads, then draws the form of that
# route after a pause (its button waits for it): a word typed into the first box is lost.
REROUTED = """<form id="form" action="/found"><input name="q" id="q"><button disabled>Go</button>
</form>
<script>
addEventListener("hashchange", () => setTimeout(() => {
  document.getElementById("form").innerHTML =
    '<input name="q" id="q" placeholder="drawn"><button>Go</button>';
}, 150));
location.hash = "#/";
</script>"""


def test_a_form_a_router_draws_again_as_the_page_loads_is_filled_after_it(
    client: walt.UnifiedClient,
) -> None:
    def found(request: Request) -> Response:
        return html(f"<p id='said'>searched: {request.arg('q') or '(nothing)'}</p>")

    with serve({"/": lambda r: html(REROUTED), "/found": found}) as rerouted:
        tool = walt.Tool(
            name="search",
            steps=(
                NavigationStep(url=rerouted.url),
                InputStep(locators=(Locator("id", "q"),), value="{q}"),
                ClickStep(locators=(Locator("role", "button", role_name="Go"),)),
            ),
            inputs=(walt.ToolInput("q"),),
        )
        result = client.execute(tool, {"q": "tug"}, prefer_http=False)
    assert result.ok, result.error
    assert "searched: tug" in str(result.data.get("main_text"))


# A list the page fetches and draws after a pause once it is in: nothing is in flight when
# the load event fires, and the page shows "Loading..." until the timer runs. A clock that
# re-arms itself for ever runs beside it.
LATE_LIST = """<!doctype html><html><head><title>Harbour boats</title></head><body>
<h1>Harbour boats</h1><p id="clock"></p><ul id="list"><li>Loading...</li></ul><script>
setTimeout(async () => {
  const rows = await (await fetch('/api/boats' + location.search)).json();
  document.getElementById('list').innerHTML =
    rows.map(n => '<li class="boat"><h3>' + n + '</h3><p>a boat of the bay</p></li>').join('');
}, 500);
(function tick() { document.getElementById('clock').textContent = Date.now(); setTimeout(tick, 300); })();
</script></body></html>"""


def test_a_list_a_timer_draws_after_the_page_loaded_is_read(client: walt.UnifiedClient) -> None:
    def boats(request: Request) -> Response:
        word = request.arg("q").lower()
        rows = [b for b in BOATS if word in b.lower()]
        return 200, {"Content-Type": "application/json"}, json.dumps(rows)

    with serve({"/": lambda r: html(LATE_LIST), "/api/boats": boats}) as late:
        tool = walt.Tool(
            name="search_boats", url_template=late.url + "?q={q}", inputs=(walt.ToolInput("q"),)
        )
        result = client.execute(tool, {"q": "ferry"}, prefer_http=False)
    assert result.ok, result.error
    assert sorted(str(r.get("title")) for r in result.records) == [
        "Aurora ferry",
        "Borealis ferry",
    ]
    # The clock's re-armed timers are not the load's: the run does not wait for them.
    assert result.elapsed_ms < SETTLE_CAP * 1000 / 2


LOAD_TIMERS = """<!doctype html><html><body><p id="clock"></p><ul id="list"></ul><script>
addEventListener('load', () => {
  setTimeout(() => { document.getElementById('list').innerHTML = '<li>drawn</li>'; }, 500);
  setTimeout(() => navigator.sendBeacon && navigator.sendBeacon('/beacon'), 1000);
  setInterval(() => { document.getElementById('clock').textContent = Date.now(); }, 300);
  window.seen = window.__waltDomClock.pending;
});
</script></body></html>"""


async def test_only_a_short_timer_the_loading_sets_is_pending_not_a_clock_or_a_beacon() -> None:
    from walt.engine.browser import BrowserPool

    pool = BrowserPool(max_contexts=1)
    try:
        context = await pool.new_context()
        page = await context.new_page()
        with serve({"/": lambda r: html(LOAD_TIMERS)}) as served:
            await page.goto(served.url, wait_until="load")
            seen = await page.evaluate("() => window.seen")
        await context.close()
    finally:
        await pool.close()
    assert seen == 1  # the list's 500 ms timer; not the 1 s beacon nor the 300 ms interval
