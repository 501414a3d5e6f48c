"""A click that loads a new document is read on that document, never on the page it
left: here the old page holds the navigation back in its ``pagehide`` handler, so the
new document's response has fully arrived well before it replaces the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import walt
from tests.sites import Site, html, serve
from walt.core.models import ClickStep, Locator, NavigationStep

pytestmark = pytest.mark.browser

OLD = """<!doctype html><html><head><title>Harbour</title></head><body>
<ul class="boats">%s</ul>
<form action="/found"><input type="hidden" name="q" value="ferry">
<button id="go">Search</button></form>
<script>
window.addEventListener('pagehide', () => { const t = Date.now(); while (Date.now() - t < 400) {} });
</script></body></html>"""

NEW = """<!doctype html><html><head><title>Found</title></head><body>
<ul class="boats">%s</ul></body></html>"""


def _rows(names: list[str]) -> str:
    return "".join(f'<li class="boat"><h3>{n}</h3><p>a boat</p></li>' for n in names)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes = {
        "/": lambda r: html(OLD % _rows(["Old one", "Old two", "Old three"])),
        "/found": lambda r: html(NEW % _rows(["Ferry Ann", "Ferry Bo", "Ferry Cy", "Ferry Di"])),
    }
    with serve(routes) as served:
        yield served


def test_the_new_document_is_read_not_the_one_it_replaces(
    client: walt.UnifiedClient, site: Site
) -> None:
    tool = walt.Tool(
        name="find_boats",
        kind="search",
        steps=(NavigationStep(url=site.url), ClickStep(locators=(Locator("id", "go"),))),
    )
    for _ in range(3):
        result = client.execute(tool, {})
        assert result.ok, result.error
        assert result.final_url is not None and "/found" in result.final_url
        text = str(result.data.get("main_text"))
        assert "Ferry Ann" in text and "Old one" not in text, text
