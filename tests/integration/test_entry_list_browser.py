"""walt's entry list against Chromium's own: each form is submitted once by the browser
(the word typed, Enter pressed: implicit submission through the default button) and once
by walt's URL tool for that form over HTTP, and the site must receive the same query.
Each form has its own fault: a default button's formaction, an image button, a
``_charset_`` field, values the standard sanitizes, ticked boxes, form owners and a
disabled fieldset's legend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import walt
from tests.sites import Site, html, serve
from walt.core.models import InputStep, KeyPressStep, Locator, NavigationStep
from walt.engine.discovery.analyze import analyze
from walt.engine.discovery.candidates import build_candidates

pytestmark = pytest.mark.browser

FORMS = {
    "formaction": """<form action="/nowhere" method="post"><input name="q">
        <button formaction="/go" formmethod="get" name="b" value="v">Go</button></form>""",
    "image": """<form action="/go"><input name="q">
        <input type="image" name="pic" alt="Go" src="/pic.png"></form>""",
    "charset": """<form action="/go"><input type="hidden" name="_charset_"><input name="q">
        <button>Go</button></form>""",
    "sanitized": """<form action="/go"><input name="q"><input type="range" name="level"
        min="0" max="5"><input type="color" name="tint" value="#ABCDEF"><input type="number"
        name="count" value="abc"><select name="many" size="3"><option>x</option></select>
        <select name="one"><option disabled>no</option><option>yes</option></select>
        <button>Go</button></form>""",
    "ticked": """<form action="/go"><input name="q">
        <input type="checkbox" name="stock" checked><input type="checkbox" name="sale">
        <input type="radio" name="r" value="1"><input type="radio" name="r" value="2" checked>
        <button>Go</button></form>""",
    "owner": """<form id="f" action="/go"><input name="q"><button>Go</button></form>
        <input form="f" name="outside" type="hidden" value="o">
        <form action="/other"><input form="f" type="hidden" name="nested" value="n"></form>""",
    "unnamed_image": """<form action="/go"><input name="q">
        <input type="image" alt="Go" src="/pic.png"></form>""",
    "charset_value": """<form action="/go" accept-charset="latin2"><input name="q">
        <input type="hidden" name="_charset_" value="whatever"><button>Go</button></form>""",
    "selects": """<form action="/go"><input name="q"><select name="last"><option selected>a
        </option><option selected>b</option></select><select name="box" size="3px">
        <option>x</option></select><button>Go</button></form>""",
    "bad_formmethod": """<form action="/go" method="post"><input name="q">
        <button formmethod="fetch">Go</button></form>""",
    "range_and_more": """<form action="/go"><input name="q"><input type="range" name="a"
        value="2.5"><input type="range" name="b" min="0" max="5" step="0"><input
        type="email" name="to" multiple value=" a@b.test , c@d.test "><input type="fancy"
        name="odd" value="x&#10;y"><button>Go</button></form>""",
    "fieldset": """<form action="/go"><input name="q"><fieldset disabled><legend>
        <input type="hidden" name="kept" value="L"></legend><input name="off" value="x">
        </fieldset><button name="go" value="1">Go</button><button name="go" value="2">Two
        </button></form>""",
}


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    page = "<!doctype html><html><head><meta charset='utf-8'><title>{0}</title></head><body>"
    routes = {f"/{key}": (lambda r, k=key: html(page.format(k) + FORMS[k])) for key in FORMS}
    routes["/go"] = lambda r: html("<html><body><p>Done</p></body></html>")
    with serve(routes) as served:
        yield served


def _received(site: Site) -> dict[str, list[str]]:
    """The last query /go received, without empty values: a URL tool leaves out a pair
    whose value is empty (walt.core.placeholders), where a browser sends ``count=``."""
    query = [r for r in site.log if r.path == "/go"][-1].query
    return {k: v for k, v in query.items() if v != [""]}


@pytest.mark.parametrize("key", sorted(FORMS))
def test_walts_url_tool_sends_what_the_browser_sends(
    client: walt.UnifiedClient, site: Site, key: str
) -> None:
    page = site.url + key
    by_hand = walt.Tool(
        name="typed",
        inputs=(walt.ToolInput("q"),),
        steps=(
            NavigationStep(url=page),
            InputStep(locators=(Locator("css", "input[name=q]"),), value="{q}"),
            KeyPressStep(locators=(Locator("css", "input[name=q]"),), key="Enter"),
        ),
    )
    typed = client.execute(by_hand, {"q": "x y"}, prefer_http=False)
    assert typed.ok and typed.path == "browser", typed.error
    browser = _received(site)

    candidates = build_candidates([analyze(FORMS[key], page)])
    tool = next(c.tool for c in candidates if c.tool.is_url_tool)
    ran = client.execute(tool, {"q": "x y"})
    assert ran.ok and ran.path == "http", ran.error
    assert _received(site) == browser
