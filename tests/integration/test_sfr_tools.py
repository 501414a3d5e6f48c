"""Published sfr-walt tools run unchanged against a small site built with the elements they target."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import walt
from walt.core.toolfile import load_tool

pytestmark = pytest.mark.browser

SHOP_HOME = """<!doctype html><html><head><title>Shop</title></head><body>
<div class="page-wrapper"><header><form action="/catalogsearch/result/" method="get">
<input id="search" type="text" name="q" placeholder="Search entire store here..."></form></header></div>
</body></html>"""

SHOP_RESULTS = """<!doctype html><html><head><title>Search results for: '{q}'</title></head><body>
<main><p class="count">Results for {q}</p>
<select id="sorter" onchange="location.search='q={q}&product_list_order='+this.value">
<option value="relevance">Relevance</option><option value="name">Product Name</option>
<option value="price">Price</option></select>
<select id="limiter" onchange="document.body.dataset.limit=this.value">
<option value="12">12</option><option value="24">24</option><option value="36">36</option></select>
<ol class="products"><li class="product-item"><a class="product-item-link" href="/p/1">{q} kettle</a>
<span class="price">$10</span></li><li class="product-item"><a class="product-item-link" href="/p/2">{q} pot</a>
<span class="price">$12</span></li></ol></main></body></html>"""

CONTACT = """<!doctype html><html><head><title>Contact</title></head><body><section>
<form action="/index.php?page=contact" method="post">
<input id="yourName" name="yourName"><input id="yourEmail" name="yourEmail">
<input id="subject" name="subject"><textarea id="message" name="message"></textarea>
<button class="btn btn-primary" type="submit">Send</button></form></section></body></html>"""

ISSUES = """<!doctype html><html><head><title>Issues</title></head><body><main>
<form method="get" action="/group/project/-/issues"><input type="hidden" name="state" value="{state}">
<input name="search" placeholder="Search or filter results..." aria-label="Search or filter results..."></form>
<p class="filters">state={state} sort={sort} search={search}</p>
<ul class="issues"><li class="issue"><a class="title" href="/i/1">{search} issue one</a><span class="state">{state}</span></li>
<li class="issue"><a class="title" href="/i/2">{search} issue two</a><span class="state">{state}</span></li></ul>
</main></body></html>"""


class Site:
    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []

        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, body: str, status: int = 200) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                if url.path == "/":
                    self._send(SHOP_HOME)
                elif url.path == "/catalogsearch/result/":
                    self._send(SHOP_RESULTS.replace("{q}", query.get("q", "")))
                elif url.path == "/index.php" and query.get("page") == "contact":
                    self._send(CONTACT)
                elif url.path == "/group/project/-/issues":
                    page = ISSUES
                    for key in ("state", "sort", "search"):
                        page = page.replace("{" + key + "}", query.get(key, ""))
                    self._send(page)
                else:
                    self._send("<h1>not found</h1>", 404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                site.messages.append(form)
                self._send(
                    "<html><body><p class='flash'>Your message has been sent</p></body></html>"
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="module")
def sfr_site() -> Iterator[Site]:
    site = Site()
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


def test_contact_site_tool(client: walt.UnifiedClient, sfr_site: Site, sfr_corpus: Path) -> None:
    tool = load_tool(sfr_corpus / "classifieds/contact_site/contact_site.tool.json")
    result = client.execute(
        tool,
        {
            "base_url": sfr_site.base,
            "yourName": "Ada",
            "yourEmail": "ada@example.org",
            "message": "Hello from walt",
        },
    )
    result.raise_for_error()
    assert sfr_site.messages[-1] == {
        "yourName": "Ada",
        "yourEmail": "ada@example.org",
        "message": "Hello from walt",
    }
    assert [s.status for s in result.steps] == ["ok", "ok", "ok", "skipped", "ok", "ok"]
    assert result.steps[1].locator == "css='#yourName'"
    assert "Your message has been sent" in result.data["main_text"]


def test_shopping_search_products_tool(
    client: walt.UnifiedClient, sfr_site: Site, sfr_corpus: Path
) -> None:
    tool = load_tool(sfr_corpus / "shopping/search_products/search_products.tool.json")
    result = client.execute(
        tool,
        {
            "base_url": sfr_site.base,
            "q": "copper",
            "product_list_order": "Price",
            "product_list_limit": "24",
        },
    )
    result.raise_for_error()
    assert [s.type for s in result.steps] == [
        "navigation",
        "input",
        "key_press",
        "wait",
        "select_change",
        "select_change",
    ]
    assert "product_list_order=price" in (result.final_url or "")
    assert [r["title"] for r in result.records] == ["copper kettle", "copper pot"]


def test_gitlab_issue_filter_tool(
    client: walt.UnifiedClient, sfr_site: Site, sfr_corpus: Path
) -> None:
    tool = load_tool(
        sfr_corpus
        / "gitlab/list_project_issues_with_filters/list_project_issues_with_filters.tool.json"
    )
    result = client.execute(
        tool,
        {
            "issues_url": f"{sfr_site.base}/group/project/-/issues",
            "state": "closed",
            "sort": "updated_desc",
            "search_query": "crash",
        },
    )
    result.raise_for_error()
    assert result.path == "browser"
    assert "search=crash" in (result.final_url or "")
    assert "state=closed" in (result.final_url or "")
    assert [r["title"] for r in result.records] == ["crash issue one", "crash issue two"]
    assert {r["state"] for r in result.records} == {"closed"}


def test_classifieds_sort_tool_runs_on_the_current_page(
    client: walt.UnifiedClient, sfr_site: Site, sfr_corpus: Path
) -> None:
    # A tool made only of a url_operation on {current_url}: it needs the page it works on.
    tool = load_tool(sfr_corpus / "classifieds/sort_results/sort_results.tool.json")
    result = client.execute(
        tool,
        {"sOrder": "i_price", "iOrderType": "desc"},
        start_url=f"{sfr_site.base}/group/project/-/issues?state=open",
    )
    result.raise_for_error()
    assert result.final_url == (
        f"{sfr_site.base}/group/project/-/issues?state=open&sOrder=i_price&iOrderType=desc"
    )
