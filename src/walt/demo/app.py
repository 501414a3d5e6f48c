"""The demo site's pages: a shop, a ticket tracker behind a login, and awkward pages.

Served by :class:`walt.demo.DemoSite` on 127.0.0.1. Plain server-rendered HTML
with the structures real sites use (GET search forms, filter and sort links,
pagination, cards and tables, CSRF-protected POST forms with redirect after
POST), plus the awkward cases walt must survive.
"""

from __future__ import annotations

import contextlib
import html
import json
import math
import re
import secrets
import socket
import time
from collections.abc import Callable
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from walt.demo.data import BRANDS, CATEGORIES, PRIORITIES, STATUSES, USERS, Product, SiteData

__all__ = ["PAGE_SIZE", "make_handler"]

PAGE_SIZE = 10
SESSION_COOKIE = "walt_demo_session"
SORTS = {
    "relevance": "Relevance",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "name": "Name",
    "newest": "Newest",
}

CSS = """
body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{background:#24323f;color:#fff;padding:.6em 1em;display:flex;gap:1em;align-items:center}
header a{color:#fff}
main{padding:1em 2em;max-width:70em}
.product-card{border:1px solid #ccd;border-radius:6px;padding:.6em;margin:.4em 0}
.price{font-weight:bold}
table{border-collapse:collapse}
td,th{border:1px solid #ccd;padding:.2em .6em}
.facets a,.sorts a,.pagination a{margin-right:.6em}
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


class Response:
    def __init__(
        self,
        body: str | bytes = "",
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.status = status
        self.headers = {"Content-Type": content_type, **(headers or {})}


def redirect(location: str, status: int = 303) -> Response:
    return Response("", status, {"Location": location})


class Session:
    def __init__(self) -> None:
        self.user: str | None = None
        self.csrf = secrets.token_urlsafe(16)


class Request:
    def __init__(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.raw_query = parts.query
        self.headers = handler.headers
        self.form: dict[str, str] = {}
        if body and "application/x-www-form-urlencoded" in (
            handler.headers.get("Content-Type") or ""
        ):
            self.form = {
                k: v[-1]
                for k, v in parse_qs(
                    body.decode("utf-8", "replace"), keep_blank_values=True
                ).items()
            }
        cookie = SimpleCookie(handler.headers.get("Cookie") or "")
        self.session_id = cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else None
        self.session: Session | None = None


def layout(title: str, body: str, session: Session | None, *, search_q: str = "") -> str:
    user = session.user if session else None
    account = (
        f'<span>Signed in as {esc(user)}</span> <a href="/logout">Log out</a>'
        if user
        else '<a href="/login">Log in</a>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)} · Walt Demo</title>
<style>{CSS}</style></head>
<body>
<header>
  <a href="/"><b>Walt Demo</b></a>
  <nav><a href="/shop">Shop</a> <a href="/tracker">Tracker</a> <a href="/awkward">Awkward pages</a></nav>
  <form role="search" action="/shop/search" method="get" class="header-search">
    <label for="header-q" class="visually-hidden">Search the shop</label>
    <input id="header-q" name="q" type="search" placeholder="Search products" value="{esc(search_q)}">
    <button type="submit">Search</button>
  </form>
  {account}
</header>
<main>
<h1>{esc(title)}</h1>
{body}
</main>
</body></html>"""


# --------------------------------------------------------------------------- shop


def _float(value: str | None) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _page(value: str | None) -> int:
    try:
        return max(1, int(value or "1"))
    except ValueError:
        return 1


def _query_with(query: dict[str, str], **changes: str | None) -> str:
    merged = {k: v for k, v in query.items() if v != ""}
    for key, value in changes.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return urlencode(merged)


def _card(p: Product) -> str:
    stock = "In stock" if p.in_stock else "Out of stock"
    return (
        f'<article class="product-card">'
        f'<h3 class="product-name"><a href="/shop/item/{p.id}">{esc(p.name)}</a></h3>'
        f'<span class="price">${p.price:.2f}</span> '
        f'<span class="category">{esc(CATEGORIES[p.category])}</span> '
        f'<span class="brand">{esc(BRANDS[p.brand])}</span> '
        f'<span class="stock">{stock}</span>'
        f"</article>"
    )


def search_form(query: dict[str, str]) -> str:
    def option(value: str, label: str, current: str) -> str:
        selected = " selected" if value == current else ""
        return f'<option value="{esc(value)}"{selected}>{esc(label)}</option>'

    categories = option("", "All categories", query.get("category", "")) + "".join(
        option(k, v, query.get("category", "")) for k, v in CATEGORIES.items()
    )
    sorts = "".join(option(k, v, query.get("sort", "relevance")) for k, v in SORTS.items())
    checked = " checked" if query.get("in_stock") == "1" else ""
    return f"""
<form id="product-search" action="/shop/search" method="get">
  <label for="q">Keywords</label>
  <input id="q" name="q" type="text" value="{esc(query.get("q", ""))}" placeholder="e.g. kettle">
  <label for="category">Category</label>
  <select id="category" name="category">{categories}</select>
  <label><input type="checkbox" name="in_stock" value="1"{checked}> In stock only</label>
  <label for="min_price">Min price</label>
  <input id="min_price" name="min_price" type="number" min="0" step="0.01"
         value="{esc(query.get("min_price", ""))}">
  <label for="max_price">Max price</label>
  <input id="max_price" name="max_price" type="number" min="0" step="0.01"
         value="{esc(query.get("max_price", ""))}">
  <label for="sort">Sort by</label>
  <select id="sort" name="sort">{sorts}</select>
  <button type="submit">Search</button>
</form>"""


def shop_home(data: SiteData, req: Request) -> Response:
    links = "".join(
        f'<li><a href="/shop/category/{k}">{esc(v)}</a></li>' for k, v in CATEGORIES.items()
    )
    body = (
        "<p>Find products by keyword, category, price and stock.</p>"
        + search_form({})
        + f'<h2>Browse by category</h2><ul class="categories">{links}</ul>'
    )
    return Response(layout("Shop", body, req.session))


def shop_search(data: SiteData, req: Request) -> Response:
    q = req.query
    sort = q.get("sort", "relevance") if q.get("sort", "relevance") in SORTS else "relevance"
    found = data.search_products(
        q=q.get("q", ""),
        category=q.get("category", "") if q.get("category", "") in CATEGORIES else "",
        brand=q.get("brand", "") if q.get("brand", "") in BRANDS else "",
        in_stock=q.get("in_stock") == "1",
        min_price=_float(q.get("min_price")),
        max_price=_float(q.get("max_price")),
        sort=sort,
    )
    page = _page(q.get("page"))
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    base = {k: v for k, v in q.items() if k != "page"}

    sort_links = " ".join(
        f'<a href="/shop/search?{_query_with(base, sort=key)}"'
        + (' aria-current="true"' if key == sort else "")
        + f">{esc(label)}</a>"
        for key, label in SORTS.items()
        if key != "relevance"
    )
    facet_counts: dict[str, int] = {}
    for p in data.search_products(q=q.get("q", ""), in_stock=q.get("in_stock") == "1"):
        facet_counts[p.category] = facet_counts.get(p.category, 0) + 1
    facets = " ".join(
        f'<a href="/shop/search?{_query_with(base, category=key, page=None)}">'
        f"{esc(CATEGORIES[key])} ({count})</a>"
        for key, count in facet_counts.items()
    )
    brand_links = " ".join(
        f'<a href="/shop/search?{_query_with(base, brand=key, page=None)}">{esc(label)}</a>'
        for key, label in BRANDS.items()
    )
    nav = []
    if page > 1:
        nav.append(
            f'<a rel="prev" href="/shop/search?{_query_with(base, page=str(page - 1))}">Previous</a>'
        )
    for n in range(1, pages + 1):
        if n == page:
            nav.append(f'<span aria-current="page">{n}</span>')
        else:
            nav.append(f'<a href="/shop/search?{_query_with(base, page=str(n))}">{n}</a>')
    if page < pages:
        nav.append(
            f'<a rel="next" href="/shop/search?{_query_with(base, page=str(page + 1))}">Next</a>'
        )
    results = "".join(_card(p) for p in shown) or '<p class="empty">No products found.</p>'
    body = (
        search_form(q)
        + f'<p class="count">{len(found)} results</p>'
        + f'<div class="sorts">Sort by: {sort_links}</div>'
        + f'<div class="facets">Category: {facets}</div>'
        + f'<div class="facets brands">Brand: {brand_links}</div>'
        + f'<section class="results">{results}</section>'
        + f'<nav class="pagination">{" ".join(nav)}</nav>'
    )
    return Response(layout("Search results", body, req.session, search_q=q.get("q", "")))


def shop_category(data: SiteData, req: Request, slug: str) -> Response:
    if slug not in CATEGORIES:
        return not_found(req)
    rows = "".join(
        f'<tr><td><a href="/shop/item/{p.id}">{esc(p.name)}</a></td><td>${p.price:.2f}</td>'
        f"<td>{esc(BRANDS[p.brand])}</td><td>{'yes' if p.in_stock else 'no'}</td></tr>"
        for p in data.search_products(category=slug, sort="name")
    )
    body = (
        f'<table class="results-table"><thead><tr><th>Name</th><th>Price</th><th>Brand</th>'
        f"<th>In stock</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return Response(layout(CATEGORIES[slug], body, req.session))


def shop_item(data: SiteData, req: Request, pid: str) -> Response:
    product = data.product(int(pid))
    if product is None:
        return not_found(req)
    body = (
        f'<div class="product"><p class="price">${product.price:.2f}</p>'
        f'<p class="description">{esc(product.description)}</p>'
        f"<dl><dt>Category</dt><dd>{esc(CATEGORIES[product.category])}</dd>"
        f"<dt>Brand</dt><dd>{esc(BRANDS[product.brand])}</dd>"
        f"<dt>Added</dt><dd>{esc(product.added)}</dd></dl></div>"
        f'<p><a href="/shop/category/{product.category}">More in {esc(CATEGORIES[product.category])}</a></p>'
    )
    return Response(layout(product.name, body, req.session))


# --------------------------------------------------------------------------- auth


def login_page(data: SiteData, req: Request, error: str = "") -> Response:
    assert req.session is not None
    target = req.query.get("next") or req.form.get("next") or "/tracker"
    body = (
        (f'<p class="error" role="alert">{esc(error)}</p>' if error else "")
        + f"""<form action="/login" method="post">
  <input type="hidden" name="csrf_token" value="{esc(req.session.csrf)}">
  <input type="hidden" name="next" value="{esc(target)}">
  <label for="username">Username</label> <input id="username" name="username" required>
  <label for="password">Password</label> <input id="password" name="password" type="password" required>
  <button type="submit">Log in</button>
</form>"""
    )
    return Response(layout("Log in", body, req.session), 401 if error else 200)


def login_post(data: SiteData, req: Request) -> Response:
    assert req.session is not None
    user = req.form.get("username", "")
    if USERS.get(user) != req.form.get("password"):
        return login_page(data, req, "Wrong username or password.")
    req.session.user = user
    target = req.form.get("next") or "/tracker"
    return redirect(
        target if target.startswith("/") and not target.startswith("//") else "/tracker"
    )


def logout(data: SiteData, req: Request) -> Response:
    assert req.session is not None
    req.session.user = None
    return redirect("/")


# --------------------------------------------------------------------------- tracker


def _select(name: str, options: tuple[str, ...], current: str, blank: str | None = None) -> str:
    items = [f'<option value="">{esc(blank)}</option>'] if blank is not None else []
    for value in options:
        selected = " selected" if value == current else ""
        items.append(
            f'<option value="{value}"{selected}>{value.replace("_", " ").title()}</option>'
        )
    return f'<select id="{name}" name="{name}">{"".join(items)}</select>'


def tracker_list(data: SiteData, req: Request) -> Response:
    q = req.query
    tickets = data.search_tickets(q.get("q", ""), q.get("status", ""), q.get("priority", ""))
    rows = "".join(
        f'<tr><td>{t.id}</td><td><a href="/tracker/ticket/{t.id}">{esc(t.title)}</a></td>'
        f"<td>{esc(t.status)}</td><td>{esc(t.priority)}</td></tr>"
        for t in tickets
    )
    body = f"""<p><a href="/tracker/new">New ticket</a></p>
<form id="ticket-filter" action="/tracker" method="get">
  <label for="tq">Search tickets</label> <input id="tq" name="q" value="{esc(q.get("q", ""))}">
  <label for="status">Status</label> {_select("status", STATUSES, q.get("status", ""), "Any status")}
  <label for="priority">Priority</label> {_select("priority", PRIORITIES, q.get("priority", ""), "Any priority")}
  <button type="submit">Filter</button>
</form>
<table class="tickets"><thead><tr><th>ID</th><th>Title</th><th>Status</th><th>Priority</th></tr></thead>
<tbody>{rows}</tbody></table>"""
    return Response(layout("Tickets", body, req.session))


def _ticket_form(req: Request, action: str, values: dict[str, str], button: str, edit: bool) -> str:
    assert req.session is not None
    status = (
        f'<label for="status">Status</label> {_select("status", STATUSES, values.get("status", "open"))}'
        if edit
        else ""
    )
    return f"""<form action="{action}" method="post" class="ticket-form">
  <input type="hidden" name="csrf_token" value="{esc(req.session.csrf)}">
  <label for="title">Title</label> <input id="title" name="title" required maxlength="120"
    value="{esc(values.get("title", ""))}">
  <label for="description">Description</label>
  <textarea id="description" name="description" rows="4">{esc(values.get("description", ""))}</textarea>
  <label for="priority">Priority</label> {_select("priority", PRIORITIES, values.get("priority", "normal"))}
  {status}
  <button type="submit">{esc(button)}</button>
</form>"""


def ticket_new(data: SiteData, req: Request) -> Response:
    if req.method == "POST":
        title = req.form.get("title", "").strip()
        priority = req.form.get("priority", "normal")
        if not title or priority not in PRIORITIES:
            return Response(
                layout(
                    "New ticket",
                    '<p class="error">A title and a valid priority are required.</p>'
                    + _ticket_form(req, "/tracker/new", req.form, "Create ticket", False),
                    req.session,
                ),
                400,
            )
        assert req.session is not None and req.session.user is not None
        ticket = data.add_ticket(title, req.form.get("description", ""), priority, req.session.user)
        return redirect(f"/tracker/ticket/{ticket.id}")
    return Response(
        layout(
            "New ticket", _ticket_form(req, "/tracker/new", {}, "Create ticket", False), req.session
        )
    )


def ticket_view(data: SiteData, req: Request, tid: str) -> Response:
    ticket = data.ticket(int(tid))
    if ticket is None:
        return not_found(req)
    assert req.session is not None
    comments = "".join(
        f'<li class="comment"><b class="author">{esc(c.author)}</b>: <span class="body">{esc(c.body)}</span></li>'
        for c in ticket.comments
    )
    body = f"""<dl class="ticket"><dt>Status</dt><dd class="status">{esc(ticket.status)}</dd>
<dt>Priority</dt><dd class="priority">{esc(ticket.priority)}</dd>
<dt>Description</dt><dd class="description">{esc(ticket.description)}</dd></dl>
<p><a href="/tracker/ticket/{ticket.id}/edit">Edit</a> <a href="/tracker/ticket/{ticket.id}/delete">Delete</a></p>
<h2>Comments</h2><ul class="comments">{comments}</ul>
<form action="/tracker/ticket/{ticket.id}/comment" method="post" class="comment-form">
  <input type="hidden" name="csrf_token" value="{esc(req.session.csrf)}">
  <label for="body">Add a comment</label> <textarea id="body" name="body" required></textarea>
  <button type="submit">Post comment</button>
</form>"""
    return Response(layout(f"#{ticket.id} {ticket.title}", body, req.session))


def ticket_comment(data: SiteData, req: Request, tid: str) -> Response:
    ticket = data.ticket(int(tid))
    if ticket is None:
        return not_found(req)
    text = req.form.get("body", "").strip()
    if not text:
        return Response("a comment needs a body", 400, content_type="text/plain")
    assert req.session is not None and req.session.user is not None
    data.add_comment(ticket, req.session.user, text)
    return redirect(f"/tracker/ticket/{ticket.id}")


def ticket_edit(data: SiteData, req: Request, tid: str) -> Response:
    ticket = data.ticket(int(tid))
    if ticket is None:
        return not_found(req)
    if req.method == "POST":
        title = req.form.get("title", "").strip()
        status = req.form.get("status", ticket.status)
        priority = req.form.get("priority", ticket.priority)
        if not title or status not in STATUSES or priority not in PRIORITIES:
            return Response("invalid ticket", 400, content_type="text/plain")
        with data.lock:
            ticket.title = title
            ticket.description = req.form.get("description", ticket.description)
            ticket.status = status
            ticket.priority = priority
        return redirect(f"/tracker/ticket/{ticket.id}")
    values = {
        "title": ticket.title,
        "description": ticket.description,
        "priority": ticket.priority,
        "status": ticket.status,
    }
    form = _ticket_form(req, f"/tracker/ticket/{ticket.id}/edit", values, "Save changes", True)
    return Response(layout(f"Edit #{ticket.id}", form, req.session))


def ticket_delete(data: SiteData, req: Request, tid: str) -> Response:
    ticket = data.ticket(int(tid))
    if ticket is None:
        return not_found(req)
    assert req.session is not None
    if req.method == "POST":
        data.delete_ticket(ticket.id)
        return redirect("/tracker")
    body = f"""<p class="warning">Delete ticket #{ticket.id} “{esc(ticket.title)}”? This cannot be undone.</p>
<form action="/tracker/ticket/{ticket.id}/delete" method="post" class="delete-form">
  <input type="hidden" name="csrf_token" value="{esc(req.session.csrf)}">
  <button type="submit">Delete ticket</button> <a href="/tracker/ticket/{ticket.id}">Cancel</a>
</form>"""
    return Response(layout(f"Delete #{ticket.id}?", body, req.session))


# --------------------------------------------------------------------------- awkward pages

AWKWARD = {
    "/awkward/js-widget": "a widget rendered by JavaScript",
    "/awkward/slow?ms=3000": "a slow page (3 s)",
    "/awkward/redirect?n=3": "a redirect chain",
    "/awkward/outside-submit": "a form whose submit button is outside the form",
    "/awkward/dialog": "a page that opens dialogs",
    "/awkward/popup": "a page that opens a popup",
    "/awkward/huge": "a page with 50,000 nodes",
    "/awkward/loop": "an endless redirect loop",
    "/awkward/downloads": "a download link",
    "/awkward/ssrf": "a page that reaches for internal addresses",
    "/awkward/broken-search": "a form whose hidden default the server rejects (HTTP 500)",
}


def awkward_index(data: SiteData, req: Request) -> Response:
    items = "".join(f'<li><a href="{k}">{esc(v)}</a></li>' for k, v in AWKWARD.items())
    return Response(layout("Awkward pages", f"<ul>{items}</ul>", req.session))


def js_widget(data: SiteData, req: Request) -> Response:
    body = """<p>Today's deals load after the page:</p>
<section id="deals" class="results" aria-busy="true"></section>
<script>
setTimeout(function () {
  fetch('/api/deals').then(function (r) { return r.json(); }).then(function (items) {
    var root = document.getElementById('deals');
    items.forEach(function (p) {
      var card = document.createElement('article');
      card.className = 'product-card deal';
      card.innerHTML = '<h3 class="product-name"><a href="/shop/item/' + p.id + '"></a></h3>' +
        '<span class="price"></span>';
      card.querySelector('a').textContent = p.name;
      card.querySelector('.price').textContent = '$' + p.price.toFixed(2);
      root.appendChild(card);
    });
    root.setAttribute('aria-busy', 'false');
  });
}, 300);
</script>"""
    return Response(layout("Deals", body, req.session))


def api_deals(data: SiteData, req: Request) -> Response:
    deals = [{"id": p.id, "name": p.name, "price": p.price} for p in data.products[:5]]
    return Response(json.dumps(deals), content_type="application/json")


def slow(data: SiteData, req: Request) -> Response:
    try:
        delay = min(max(int(req.query.get("ms", "3000")), 0), 15000)
    except ValueError:
        delay = 3000
    time.sleep(delay / 1000)
    return Response(
        layout("Slow page", f'<p class="done">Answered after {delay} ms.</p>', req.session)
    )


def redirect_chain(data: SiteData, req: Request) -> Response:
    try:
        n = min(max(int(req.query.get("n", "3")), 0), 20)
    except ValueError:
        n = 3
    if n <= 0:
        return redirect("/awkward/landed", 302)
    return redirect(f"/awkward/redirect?n={n - 1}", 302)


def landed(data: SiteData, req: Request) -> Response:
    return Response(
        layout("Landed", '<p class="landed">You followed every redirect.</p>', req.session)
    )


def loop(data: SiteData, req: Request) -> Response:
    return redirect("/awkward/loop-again", 302)


def loop_again(data: SiteData, req: Request) -> Response:
    return redirect("/awkward/loop", 302)


def outside_submit(data: SiteData, req: Request) -> Response:
    body = """<form id="newsletter" action="/awkward/subscribed" method="get">
  <label for="email">Email</label> <input id="email" name="email" type="email" required>
</form>
<p>Our newsletter is great.</p>
<button type="submit" form="newsletter">Subscribe</button>"""
    return Response(layout("Newsletter", body, req.session))


def subscribed(data: SiteData, req: Request) -> Response:
    email = req.query.get("email", "")
    return Response(
        layout("Subscribed", f'<p class="subscribed">Subscribed {esc(email)}.</p>', req.session)
    )


def dialog(data: SiteData, req: Request) -> Response:
    body = """<p id="answer">not answered</p>
<script>
window.addEventListener('load', function () {
  var ok = window.confirm('Show the page?');
  document.getElementById('answer').textContent = ok ? 'accepted' : 'dismissed';
  window.alert('Welcome!');
});
</script>"""
    return Response(layout("Dialogs", body, req.session))


def popup(data: SiteData, req: Request) -> Response:
    body = """<p>This page opens a popup.</p>
<script>window.addEventListener('load', function () { window.open('/shop', 'shop'); });</script>
<a href="/shop" target="_blank" id="new-window">Open the shop in a new window</a>"""
    return Response(layout("Popup", body, req.session))


def huge(data: SiteData, req: Request) -> Response:
    items = "".join(f"<li><span>row {i}</span></li>" for i in range(25000))
    return Response(layout("Huge page", f'<ul class="huge">{items}</ul>', req.session))


def downloads(data: SiteData, req: Request) -> Response:
    body = '<p><a id="report" href="/awkward/report.csv">Download the report (CSV)</a></p>'
    return Response(layout("Downloads", body, req.session))


def report_csv(data: SiteData, req: Request) -> Response:
    rows = "id,name,price\n" + "".join(f"{p.id},{p.name},{p.price}\n" for p in data.products)
    return Response(
        rows,
        headers={"Content-Disposition": 'attachment; filename="report.csv"'},
        content_type="text/csv",
    )


def ssrf(data: SiteData, req: Request) -> Response:
    body = """<p id="status">probing</p>
<img src="http://127.0.0.2/pixel.png" alt="">
<iframe src="/awkward/to-metadata" title="metadata"></iframe>
<script>
fetch('http://169.254.169.254/latest/meta-data/').then(
  function () { document.getElementById('status').textContent = 'leaked'; },
  function () { document.getElementById('status').textContent = 'blocked'; });
</script>"""
    return Response(layout("Internal addresses", body, req.session))


def to_metadata(data: SiteData, req: Request) -> Response:
    return redirect("http://169.254.169.254/latest/meta-data/", 302)


def broken_search(data: SiteData, req: Request) -> Response:
    body = """<form action="/awkward/broken-results" method="get">
  <label for="bq">Search the archive</label> <input id="bq" name="q">
  <select name="mode" style="display:none"><option value="legacy" selected>Legacy</option>
    <option value="modern">Modern</option></select>
  <button type="submit">Search</button>
</form>"""
    return Response(layout("Archive", body, req.session))


def broken_results(data: SiteData, req: Request) -> Response:
    if req.query.get("mode", "legacy") == "legacy":
        return Response("<h1>Internal Server Error</h1>", 500)
    found = data.search_products(q=req.query.get("q", ""))
    return Response(
        layout("Archive results", "".join(_card(p) for p in found[:PAGE_SIZE]), req.session)
    )


def private_page(data: SiteData, req: Request) -> Response:
    body = """<form action="/private/search" method="get"><label for="pq">Private search</label>
<input id="pq" name="q"><button>Go</button></form>"""
    return Response(layout("Private", body, req.session))


# --------------------------------------------------------------------------- misc


def home(data: SiteData, req: Request) -> Response:
    body = """<p>A small shop and a ticket tracker, built to show what walt can do.</p>
<ul>
  <li><a href="/shop">Shop</a>: search, filter, sort and page through the catalogue</li>
  <li><a href="/tracker">Tracker</a>: tickets behind a login (user <code>demo</code>,
      password <code>demo-password</code>)</li>
  <li><a href="/awkward">Awkward pages</a></li>
  <li><a href="/private/">Private area</a> (disallowed by robots.txt)</li>
</ul>"""
    return Response(layout("Welcome", body, req.session))


def robots(data: SiteData, req: Request) -> Response:
    return Response("User-agent: *\nDisallow: /private/\n", content_type="text/plain")


def not_found(req: Request) -> Response:
    return Response(layout("Not found", "<p>No such page.</p>", req.session), 404)


Handler = Callable[..., Response]
ROUTES: list[tuple[str, str, Handler, bool]] = [
    # (methods, path regex, handler, login required)
    ("GET", r"/", home, False),
    ("GET", r"/robots\.txt", robots, False),
    ("GET", r"/shop", shop_home, False),
    ("GET", r"/shop/search", shop_search, False),
    ("GET", r"/shop/category/([a-z]+)", shop_category, False),
    ("GET", r"/shop/item/(\d+)", shop_item, False),
    ("GET", r"/login", login_page, False),
    ("POST", r"/login", login_post, False),
    ("GET", r"/logout", logout, False),
    ("GET", r"/tracker", tracker_list, True),
    ("GET POST", r"/tracker/new", ticket_new, True),
    ("GET", r"/tracker/ticket/(\d+)", ticket_view, True),
    ("POST", r"/tracker/ticket/(\d+)/comment", ticket_comment, True),
    ("GET POST", r"/tracker/ticket/(\d+)/edit", ticket_edit, True),
    ("GET POST", r"/tracker/ticket/(\d+)/delete", ticket_delete, True),
    ("GET", r"/awkward", awkward_index, False),
    ("GET", r"/awkward/js-widget", js_widget, False),
    ("GET", r"/api/deals", api_deals, False),
    ("GET", r"/awkward/slow", slow, False),
    ("GET", r"/awkward/redirect", redirect_chain, False),
    ("GET", r"/awkward/landed", landed, False),
    ("GET", r"/awkward/loop", loop, False),
    ("GET", r"/awkward/loop-again", loop_again, False),
    ("GET", r"/awkward/outside-submit", outside_submit, False),
    ("GET", r"/awkward/subscribed", subscribed, False),
    ("GET", r"/awkward/dialog", dialog, False),
    ("GET", r"/awkward/popup", popup, False),
    ("GET", r"/awkward/huge", huge, False),
    ("GET", r"/awkward/downloads", downloads, False),
    ("GET", r"/awkward/report\.csv", report_csv, False),
    ("GET", r"/awkward/ssrf", ssrf, False),
    ("GET", r"/awkward/to-metadata", to_metadata, False),
    ("GET", r"/awkward/broken-search", broken_search, False),
    ("GET", r"/awkward/broken-results", broken_results, False),
    ("GET", r"/private/?", private_page, False),
]
_COMPILED = [(m.split(), re.compile(p + r"/?\Z"), h, auth) for m, p, h, auth in ROUTES]


def make_handler(
    data: SiteData, sessions: dict[str, Session], log: list[str]
) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one site's data and sessions."""

    class DemoHandler(BaseHTTPRequestHandler):
        server_version = "WaltDemo/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # requests are recorded in `log`, not printed

        def setup(self) -> None:
            super().setup()
            # Like production servers (nginx's tcp_nodelay): without it, Nagle's algorithm and
            # delayed ACKs stall every keep-alive response whose body follows its headers.
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_HEAD(self) -> None:
            self._handle(head=True)

        def _handle(self, head: bool = False) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1_000_000)) if length else b""
            req = Request(self, body)
            log.append(f"{req.method} {self.path}")
            new_cookie = None
            session = sessions.get(req.session_id or "")
            if session is None:
                sid = secrets.token_urlsafe(16)
                session = sessions[sid] = Session()
                new_cookie = sid
            req.session = session
            response = self._route(req, data, session)
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            if new_cookie:
                self.send_header(
                    "Set-Cookie", f"{SESSION_COOKIE}={new_cookie}; Path=/; HttpOnly; SameSite=Lax"
                )
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head:
                self.wfile.write(response.body)

        def _route(self, req: Request, data: SiteData, session: Session) -> Response:
            method = "GET" if req.method == "HEAD" else req.method
            path_matched = False
            for methods, pattern, handler, auth in _COMPILED:
                match = pattern.match(req.path)
                if not match:
                    continue
                path_matched = True
                if method not in methods:
                    continue
                if auth and session.user is None:
                    return redirect(f"/login?{urlencode({'next': req.path})}")
                if method == "POST" and req.form.get("csrf_token") != session.csrf:
                    return Response(
                        "CSRF token missing or invalid",
                        HTTPStatus.FORBIDDEN,
                        content_type="text/plain",
                    )
                return handler(data, req, *match.groups())
            if path_matched:
                return Response(
                    "method not allowed", HTTPStatus.METHOD_NOT_ALLOWED, content_type="text/plain"
                )
            return not_found(req)

    return DemoHandler
