"""Discovery on pages of the kinds real apps have, served by a small local site.

A listing whose filters a script builds from an "Add filter" menu, a bulk
action (tick rows, choose "Delete" from a menu), links that close the account
or point at images, a login form found from its URL, and the report that is
written also when no tool is kept.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.errors import AuthError

pytestmark = pytest.mark.browser

BOOKS = [
    (1, "The Amber Archive", "mystery", 1982),
    (2, "Harbour Lights", "travel", 2001),
    (3, "The Quiet Ledger", "mystery", 1999),
    (4, "Salt and Smoke", "cooking", 2012),
    (5, "North Ridge", "travel", 1975),
    (6, "The Glass Key", "mystery", 2003),
    (7, "Bread Every Day", "cooking", 2018),
    (8, "Tide Tables", "travel", 1990),
]
CHROME = """<nav><a href="/">Home</a> <a href="/books/">Books</a> <a href="/help/faq">Help</a>
<a href="/account/close">Close account</a> <img src="/static/logo.png">
<a href="/static/logo.png">Logo</a></nav>"""
FILTER_SCRIPT = """<script>
function addFilter(name) {
  var select = document.createElement('select');
  select.name = 'flt0';
  ['mystery', 'travel', 'cooking'].forEach(function (g) {
    var o = document.createElement('option'); o.value = g; o.textContent = g; select.appendChild(o);
  });
  document.getElementById('filters').appendChild(select);
  var b = document.createElement('button'); b.textContent = 'Apply';
  document.getElementById('filters').appendChild(b);
}
function bulk(action) { document.getElementById('act').value = action;
  document.querySelectorAll('input[name=rowid]:checked').forEach(function (c) {
    var h = document.createElement('input'); h.type = 'hidden'; h.name = 'rowid'; h.value = c.value;
    document.getElementById('action_form').appendChild(h); });
  document.getElementById('action_form').submit(); }
</script>"""


def books_page(request: Request) -> Response:
    genre = request.arg("flt0")
    rows = "".join(
        f'<tr><td><input type="checkbox" name="rowid" value="{i}"></td>'
        f'<td><a href="/books/{i}">{title}</a></td><td>{g}</td><td>{year}</td></tr>'
        for i, title, g, year in BOOKS
        if not genre or g == genre
    )
    return html(
        f"""<html><head><title>Books</title></head><body>{CHROME}
<ul class="menu"><li class="dropdown"><a href="javascript:void(0)" class="dropdown-toggle"
aria-haspopup="true">Add Filter</a><div class="dropdown-menu">
<a href="javascript:void(0)" class="dropdown-item" onclick="addFilter('genre')">Genre</a></div></li>
<li class="dropdown"><a href="javascript:void(0)" class="dropdown-toggle" aria-haspopup="true">With
selected</a><div class="dropdown-menu"><a href="javascript:void(0)" class="dropdown-item"
onclick="return bulk('delete')">Delete</a></div></li></ul>
<form id="filter_form" method="get" action="/books/"><div id="filters"></div></form>
<main><h1>Books</h1><table class="list"><thead><tr><th></th><th>Title</th><th>Genre</th>
<th>Year</th></tr></thead><tbody>{rows}</tbody></table></main>
<form id="action_form" method="post" action="/books/action/"><input type="hidden" name="action"
id="act" value=""></form>{FILTER_SCRIPT}</body></html>"""
    )


def book_page(request: Request) -> Response:
    return html("<html><body><h1>A book</h1></body></html>")


def home(request: Request) -> Response:
    return html(f"<html><head><title>Shop</title></head><body>{CHROME}<p>Welcome</p></body></html>")


def login_page(request: Request) -> Response:
    if request.method == "POST":
        form = request.form
        if form.get("user") == ["ann"] and form.get("pass") == ["secret"]:
            return 303, {"Location": "/", "Set-Cookie": "sid=ok; Path=/"}, b""
    return html(
        """<html><body><form method="post" action="/login"><label>User <input name="user">
</label><label>Password <input type="password" name="pass"></label><button>Sign in</button>
</form></body></html>"""
    )


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes: dict[str, Any] = {
        "/": home,
        "/books/": books_page,
        "/help/faq": lambda r: html("<p>help</p>"),
        "/login": login_page,
        "/account/close": lambda r: html("<p>closed!</p>"),
        "/static/logo.png": lambda r: (200, {"Content-Type": "image/png"}, b"\x89PNG"),
        "/books/action/": lambda r: html("<p>done</p>"),
    }
    for i, *_ in BOOKS:
        routes[f"/books/{i}"] = book_page
    with serve(routes) as served:
        yield served


@pytest.fixture(scope="module")
def found(site: Site) -> walt.DiscoverResult:
    with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
        return client.discover(site.url, time_budget=20)


def test_a_filter_a_script_builds_is_found_and_validated(found: walt.DiscoverResult) -> None:
    tools = {t.name: t for t in found.tools}
    flt = next(t for t in tools.values() if "flt0" in t.input_names)
    assert flt.kind == "filter" and flt.name == "filter_books_by_genre"
    assert flt.validation is not None and flt.validation.status == "validated"
    assert flt.input("flt0").enum == ("mystery", "travel", "cooking")


def test_a_bulk_action_is_a_tool_that_ticks_rows(found: walt.DiscoverResult) -> None:
    bulk = next(t for t in found.tools if t.extra.get("bulk_action"))
    assert bulk.kind == "delete" and bulk.input("rows").type == "array"
    assert [s.type for s in bulk.steps] == ["navigation", "click", "click", "click"]
    assert bulk.validation is not None and bulk.validation.status == "unvalidated"


def test_the_crawl_reads_only_and_skips_what_it_should(
    found: walt.DiscoverResult, site: Site
) -> None:
    assert "/account/close" not in site.paths()
    assert "/static/logo.png" not in site.paths("GET")
    assert not site.paths("POST"), "discovery sent a POST"
    skipped = {p.url.split("/", 3)[-1]: p.note for p in found.report.skipped}
    assert "destructive" in (skipped.get("account/close") or "")
    assert "asset" in (skipped.get("static/logo.png") or "")


def test_login_from_the_login_page_url(site: Site) -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
        state = client.login(site.url + "login", {"username": "ann", "password": "secret"})
        assert state["walt_landing_url"] == site.url
        assert any(c["name"] == "sid" for c in state["cookies"])
        with pytest.raises(AuthError, match="login form again"):
            client.login(site.url + "login", {"username": "ann", "password": "wrong"})


def test_discover_out_writes_the_report_when_nothing_is_kept(tmp_path: Path) -> None:
    routes = {"/": lambda r: html("<html><body><p>Nothing to do here.</p></body></html>")}
    out = tmp_path / "missing" / "tools"
    with serve(routes) as bare:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "walt",
                "discover",
                bare.url,
                "--out",
                str(out),
                "--explain",
                "--allow-host",
                bare.netloc,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["tools"] == [] and report["pages_visited"] == 1
    assert "pages visited" in (out / "report.txt").read_text()
    assert "rejected candidates: 0" in done.stdout
