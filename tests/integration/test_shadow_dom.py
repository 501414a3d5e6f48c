"""Web components: a search form and a results list drawn inside open shadow roots.

The light DOM of every page here is a few custom elements and a script; the form, the
rows and the buttons live in shadow roots. Discovery must see them (the rendered
document is read with its open shadow roots), the search must validate against the
rows in the results' shadow root, and hand-written locators must reach the input and
the button inside the component. A server-rendered declarative shadow root is read on
the HTTP path too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.models import ClickStep, InputStep, KeyPressStep, Locator, NavigationStep
from walt.engine.dom import parse_html
from walt.engine.extract import extract_document

pytestmark = pytest.mark.browser

BOOKS = [
    "The Silent Harbour",
    "Harbour Lights at Dawn",
    "A Garden in Winter",
    "Winter Roads North",
    "Letters from the Coast",
    "The Coast Road",
    "Night Trains",
]

COMPONENTS = """<script>
customElements.define('search-box', class extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({mode: 'open'});
    root.innerHTML = '<form action="/search" method="get" role="search">' +
      '<label for="q">Search books</label><input id="q" name="q" type="search">' +
      '<button>Search</button></form>';
  }
});
customElements.define('book-list', class extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({mode: 'open'});
    const rows = JSON.parse(this.getAttribute('data-rows'));
    const esc = s => { const d = document.createElement('div'); d.textContent = s; return d.innerHTML; };
    root.innerHTML = rows.length
      ? '<ul class="results">' + rows.map(r => '<li class="book"><h3><a href="/book/' +
          r.id + '">' + esc(r.title) + '</a></h3><p class="meta">Paperback, ' + r.pages +
          ' pages</p></li>').join('') + '</ul>'
      : '<p>No books found.</p>';
  }
});
</script>"""


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><header><a href='/'>Books</a><search-box></search-box></header>"
        f"<main>{body}</main>{COMPONENTS}</body></html>"
    )


def _matches(words: str) -> list[dict[str, object]]:
    return [
        {"id": i, "title": t, "pages": 100 + 10 * i}
        for i, t in enumerate(BOOKS)
        if words.lower() in t.lower()
    ]


def home(request: Request) -> Response:
    rows = json.dumps(_matches("")).replace('"', "&quot;")
    return html(_page("Books", f'<h1>All books</h1><book-list data-rows="{rows}"></book-list>'))


def search(request: Request) -> Response:
    rows = json.dumps(_matches(request.arg("q"))).replace('"', "&quot;")
    body = f'<h1>Results</h1><book-list data-rows="{rows}"></book-list>'
    return html(_page("Search", body))


def declarative(request: Request) -> Response:
    items = "".join(
        f'<li class="book"><h3><a href="/book/{i}">{t}</a></h3><p>Hardback</p></li>'
        for i, t in enumerate(BOOKS[:4])
    )
    return html(
        "<!doctype html><html><head><title>Shelf</title></head><body><main><h1>Shelf</h1>"
        f'<book-shelf><template shadowrootmode="open"><ul>{items}</ul></template></book-shelf>'
        "</main></body></html>"
    )


def whole_app(request: Request) -> Response:
    # One component is the whole page (the size of the viewport): the box inside it is
    # not covered by it, though a document asked about the point answers the host.
    return html(
        "<!doctype html><html><head><title>App</title></head><body>"
        '<book-app style="display:block;min-height:100vh;background:#fafafa"></book-app><script>'
        "customElements.define('book-app', class extends HTMLElement { connectedCallback() {"
        "  const root = this.attachShadow({mode: 'open'});"
        "  root.innerHTML = '<h1>Find a book</h1><label for=\"q\">Search books</label>' +"
        '    \'<input id="q" type="search"><p id="out"></p>\';'
        "  root.getElementById('q').addEventListener('keydown', e => { if (e.key === 'Enter')"
        "    root.getElementById('out').textContent = 'Looked for ' + e.target.value; });"
        "}});</script></body></html>"
    )


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes = {"/": home, "/search": search, "/shelf": declarative, "/app": whole_app}
    with serve(routes) as served:
        yield served


def _titles(result: walt.ExecuteResult) -> list[str]:
    return sorted(str(r.get("title")) for r in result.records)


def test_locators_reach_into_a_components_shadow_root(
    client: walt.UnifiedClient, site: Site
) -> None:
    tool = walt.Tool(
        name="search_books",
        inputs=(walt.ToolInput("q"),),
        steps=(
            NavigationStep(url=site.url),
            InputStep(locators=(Locator("label", "Search books"),), value="{q}"),
            ClickStep(locators=(Locator("role", "button", role_name="Search", exact=True),)),
        ),
    )
    result = client.execute(tool, {"q": "harbour"})
    assert result.ok, result.error
    assert "/search?q=harbour" in (result.final_url or "")
    # The rows live in <book-list>'s shadow root: read from the rendered document.
    assert _titles(result) == ["Harbour Lights at Dawn", "The Silent Harbour"]


def test_a_key_press_reaches_a_box_inside_a_component_that_fills_the_page(
    client: walt.UnifiedClient, site: Site
) -> None:
    box = (Locator("label", "Search books"),)
    tool = walt.Tool(
        name="look_up",
        inputs=(walt.ToolInput("q"),),
        steps=(
            NavigationStep(url=site.url + "app"),
            InputStep(locators=box, value="{q}"),
            KeyPressStep(locators=box, key="Enter"),
        ),
    )
    result = client.execute(tool, {"q": "coast"})
    assert result.ok, result.error
    assert "Looked for coast" in str(result.data.get("main_text", ""))


def test_a_search_form_inside_a_shadow_root_is_discovered_and_validated(
    client: walt.UnifiedClient, site: Site
) -> None:
    found = client.discover(site.url, time_budget=30)
    tool = next(t for t in found.tools if t.kind == "search")
    assert tool.validation is not None and tool.validation.status == "validated"
    (box,) = tool.inputs
    result = client.execute(tool, {box.name: "winter"})
    assert result.ok, result.error
    assert _titles(result) == ["A Garden in Winter", "Winter Roads North"]


def test_a_declarative_shadow_root_is_read_on_the_http_path(
    client: walt.UnifiedClient, site: Site
) -> None:
    result = client.execute(walt.Tool(name="shelf", url_template=site.url + "shelf"))
    assert result.ok and result.path == "http"
    assert _titles(result) == sorted(BOOKS[:4])


def test_declarative_roots_attach_to_their_hosts_in_the_page_model() -> None:
    page = (
        "<main><x-card><template shadowrootmode='open'><h2>Outer</h2><x-inner>"
        "<template shadowrootmode='open'><input name='q' placeholder='Search'></template>"
        "</x-inner><slot></slot></template><span>light child</span></x-card>"
        "<x-safe><template shadowrootmode='closed'><input name='hidden_q'></template></x-safe>"
        "</main>"
    )
    doc = parse_html(page, "https://example.test/")
    names = [n.attributes.get("name") for n in doc.parser.css("input")]
    assert names == ["q"]  # the closed root stays out, as it does for locators
    card = doc.parser.css_first("x-card")
    assert card is not None and "Outer" in card.text() and "light child" in card.text()


def test_nested_and_numerous_roots_are_bounded() -> None:
    deep = "<x-a><template shadowrootmode='open'>" * 40 + "<b>core</b>"
    deep += "</template></x-a>" * 40
    doc = parse_html(f"<main>{deep}</main>", "https://example.test/")
    assert doc.parser.css_first("b") is None  # past the depth bound: left out
    many = "".join(
        f"<x-i><template shadowrootmode='open'><p>item {i}</p></template></x-i>"
        for i in range(2000)
    )
    doc = parse_html(f"<main>{many}</main>", "https://example.test/")
    assert 0 < len(doc.parser.css("p")) <= 500
    assert extract_document(doc)["main_text"]
