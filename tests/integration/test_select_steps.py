"""Choosing options for real: by value or label (case folded), several in a ``select
multiple``, a list a script fills after an earlier choice, and a disabled control. Each
test says what the site received, so a run that reports ``ok`` without choosing fails."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.models import ClickStep, Locator, NavigationStep, SelectChangeStep

pytestmark = pytest.mark.browser

CITIES = {"de": ["Berlin", "Köln"], "fr": ["Lyon", "Paris"]}

FORM = """<!doctype html><html><head><meta charset="utf-8"><title>Trip</title></head><body>
<form action="/go">
<select id="country" name="country"><option value="">Pick one</option>
<option value="de">Germany</option><option value="fr">France</option></select>
<select id="city" name="city"></select>
<select id="fare" name="fare" disabled><option>Standard</option><option>First</option></select>
<select id="street" name="street"><option value="1">Hauptstraße</option>
<option value="2">Ringweg</option></select>
<select id="tags" name="tags" multiple><option>sea</option><option>hills</option>
<option>city</option></select>
<select id="frozen" name="frozen" disabled><option>a</option><option>b</option></select>
<select id="size" name="size"><option value="">Any</option><option value="s">Small</option>
</select><select id="fit" name="fit"></select>
<button id="go">Go</button></form>
<script>
// Debounced, as lists that follow a choice often are: the request starts a moment later.
document.getElementById('country').addEventListener('change', e => setTimeout(async () => {
  const names = await (await fetch('/api/cities?country=' + e.target.value)).json();
  document.getElementById('city').innerHTML =
    names.map(n => '<option value="' + n + '">' + n + '</option>').join('');
  document.getElementById('fare').disabled = false;
}, 40));
// Filled by a timer alone, well after the page went quiet: no request to wait for.
document.getElementById('size').addEventListener('change', () => setTimeout(() => {
  document.getElementById('fit').innerHTML = '<option>Slim</option><option>Loose</option>';
}, 1500));
</script></body></html>"""


def cities(request: Request) -> Response:
    time.sleep(0.3)  # the list arrives well after the choice that asked for it
    names = CITIES.get(request.arg("country"), [])
    return 200, {"Content-Type": "application/json"}, str(names).replace("'", '"')


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes = {
        "/": lambda r: html(FORM),
        "/api/cities": cities,
        "/go": lambda r: html("<html><body><h1>Booked</h1></body></html>"),
    }
    with serve(routes) as served:
        yield served


def _tool(site: Site, *choices: tuple[str, str]) -> walt.Tool:
    return walt.Tool(
        name="book",
        inputs=tuple(
            walt.ToolInput(name, type="array" if name == "tags" else "string")
            for name, _ in choices
        ),
        steps=(
            NavigationStep(url=site.url),
            *(
                SelectChangeStep(locators=(Locator("id", element),), selected_text=f"{{{name}}}")
                for name, element in choices
            ),
            ClickStep(locators=(Locator("id", "go"),)),
        ),
    )


def _sent(site: Site) -> dict[str, list[str]]:
    return [r for r in site.log if r.path == "/go"][-1].query


def _booked(
    client: walt.UnifiedClient, site: Site, inputs: dict[str, object]
) -> dict[str, list[str]]:
    """What the site received after a run choosing ``inputs`` (each in its own select)."""
    result = client.execute(_tool(site, *((name, name) for name in inputs)), inputs)
    assert result.ok, result.error
    return _sent(site)


def test_a_list_a_script_fills_after_an_earlier_choice_is_waited_for(
    client: walt.UnifiedClient, site: Site
) -> None:
    sent = _booked(client, site, {"country": "FRANCE", "city": "Paris"})
    assert sent["country"] == ["fr"] and sent["city"] == ["Paris"]


def test_a_control_a_script_enables_after_an_earlier_choice_is_waited_for(
    client: walt.UnifiedClient, site: Site
) -> None:
    sent = _booked(client, site, {"country": "Germany", "fare": "first"})
    assert sent["country"] == ["de"] and sent["fare"] == ["First"]


def test_a_list_a_timer_fills_late_is_waited_for_until_the_step_timeout(
    client: walt.UnifiedClient, site: Site
) -> None:
    sent = _booked(client, site, {"size": "small", "fit": "Loose"})
    assert sent["size"] == ["s"] and sent["fit"] == ["Loose"]


def test_labels_match_case_folded_and_a_multiple_select_takes_several(
    client: walt.UnifiedClient, site: Site
) -> None:
    sent = _booked(client, site, {"street": "HAUPTSTRASSE", "tags": ["sea", "City"]})
    assert sent["street"] == ["1"] and sent["tags"] == ["sea", "city"]


def test_a_missing_option_lists_the_options_and_a_disabled_control_is_refused(
    client: walt.UnifiedClient, site: Site
) -> None:
    started = time.perf_counter()
    missing = client.execute(
        _tool(site, ("street", "street")), {"street": "Nowhere Lane"}, step_timeout=2
    )
    waited = time.perf_counter() - started
    assert not missing.ok and missing.error is not None
    # Looked for until the step's timeout (a script may add it), and no longer.
    assert 2 <= waited < 10
    assert "Hauptstraße (1)" in missing.error.message and "Ringweg (2)" in missing.error.message
    frozen = client.execute(_tool(site, ("frozen", "frozen")), {"frozen": "b"}, step_timeout=2)
    assert not frozen.ok and frozen.error is not None
    assert "disabled" in frozen.error.message
