"""Script-driven pages, pure parts: routes in the fragment, the controls a script gives
meaning to, the tools built from trying them, and the crawl's read-only POSTs."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import attrs
import pytest

from walt.core.models import (
    ClickStep,
    InputStep,
    KeyPressStep,
    Locator,
    NavigationStep,
    ScrollStep,
    Tool,
)
from walt.core.routes import flatten, has_route, is_route_fragment, unflatten, view_path
from walt.engine.discovery.controls import Control, script_controls
from walt.engine.discovery.explore import Exploration, ObservedCall
from walt.engine.discovery.scripted import (
    api_request,
    query_example,
    scripted_tools,
    url_with_term,
)
from walt.engine.dom import parse_html
from walt.engine.guard import is_read_call
from walt.engine.http import needs_rendering

BOX = Control("search", "input#q", "Search products", (Locator("id", "q"),), name="q")
MORE = Control(
    "more",
    "button#more",
    "Load more",
    (Locator("role", "button", role_name="Load more", exact=True),),
)


# --------------------------------------------------------------------------- routes


@pytest.mark.parametrize(
    ("url", "flat"),
    [
        ("http://h/#/search?q=shoe", "http://h/%23/search?q=shoe"),
        ("http://h/app#!/item/3", "http://h/app%23!/item/3"),
        ("http://h#/x", "http://h/%23/x"),
        ("http://h/?lang=en#/search?q=a", "http://h/%3Flang=en%23/search?q=a"),
        ("http://h/page#section-2", "http://h/page#section-2"),
        ("http://h/list?page=2", "http://h/list?page=2"),
    ],
)
def test_route_urls_flatten_and_come_back(url: str, flat: str) -> None:
    assert flatten(url) == flat
    expected = url.replace("http://h#", "http://h/#")
    assert unflatten(flat) == expected


@pytest.mark.parametrize(
    ("address", "view"),
    [
        ("http://h/#/runs?order=asc", "/runs"),
        ("http://h/%23/experiments/1/runs?mode=ml", "/experiments/1/runs"),
        ("/experiments/1/runs?mode=ml", "/experiments/1/runs"),
        ("http://h/app/#/", "/"),
        ("http://h/search?q=x#top", "/search"),
        ("", "/"),
    ],
)
def test_the_view_of_an_address_is_its_routes_path_else_its_own(address: str, view: str) -> None:
    assert view_path(address) == view


def test_only_fragments_starting_with_a_slash_are_routes() -> None:
    assert is_route_fragment("/search?q=1") and is_route_fragment("!/item/2")
    assert not is_route_fragment("top") and not is_route_fragment("")
    assert has_route("http://h/#/search?q={q}")
    assert not has_route("http://h/docs#install")


def test_a_route_url_tool_is_not_an_http_tool() -> None:
    tool = Tool(name="s", url_template="http://h/#/search?q={q}")
    assert not tool.is_url_tool
    assert Tool(name="s", url_template="http://h/search?q={q}").is_url_tool


# --------------------------------------------------------------------------- rendering


def test_pages_whose_routes_live_in_the_fragment_are_rendered() -> None:
    page = (
        "<body><a href='#/category/shoes'>Shoes</a>"
        + "<p>Server text that is long enough to read as content.</p>" * 10
        + "<script>route()</script></body>"
    )
    assert needs_rendering(page)


def test_script_text_is_not_visible_text() -> None:
    shell = "<body><p>Loading</p><script>" + "var x = 'long program text';" * 100 + "</script>"
    assert needs_rendering(shell)


def test_a_short_server_rendered_result_page_is_not_a_shell() -> None:
    rows = "".join(f"<tr><td>Book {i} title</td><td>mystery</td></tr>" for i in range(3))
    page = f"<body><h1>Books</h1><table>{rows}</table><script>menu()</script></body>"
    assert not needs_rendering(page)


# --------------------------------------------------------------------------- controls


def test_search_boxes_and_load_more_buttons_are_found() -> None:
    doc = parse_html(
        """<header><div role="search"><input id="q" name="q" placeholder="Find products">
        </div></header><main><ul><li>a</li></ul>
        <button type="button" data-testid="more">Show more results</button></main>""",
        "http://h/",
    )
    found = script_controls(doc)
    assert [c.role for c in found] == ["search", "more"]
    box, more = found
    assert box.name == "q" and box.locators[0] == Locator("id", "q")
    assert more.label == "Show more results"
    assert more.locators[0] == Locator("test_id", "more")


def test_post_and_login_forms_have_no_search_boxes_and_submit_buttons_are_not_more() -> None:
    doc = parse_html(
        """<form method="post" action="/save"><input name="search_title"></form>
        <form action="/login"><input name="query"><input type="password" name="p">
        <button>Load more</button></form>
        <nav><a href="/next">Load more</a></nav>""",
        "http://h/",
    )
    assert script_controls(doc) == ()


def test_read_only_and_disabled_fields_are_not_search_boxes() -> None:
    # A script-drawn list box keeps a read-only type="search" field as its focus target:
    # nothing can be typed there, and it must not take the place of the page's real box.
    doc = parse_html(
        """<div class="select"><input type="search" role="combobox" readonly
        aria-label="Select page size" id="pick-1"></div>
        <input type="search" aria-readonly="true" id="shown">
        <input type="search" disabled id="off">
        <input type="search" placeholder="Search experiments" id="find">
        <input type="search" placeholder="Search models" id="other">""",
        "http://h/",
    )
    boxes = [c for c in script_controls(doc) if c.role == "search"]
    assert [c.locators[0] for c in boxes] == [Locator("id", "find"), Locator("id", "other")]
    # Alone on its page, a read-only box is tried: a script may lift readonly on focus.
    alone = parse_html(
        """<input type="search" readonly placeholder="Search the shop" id="shop">
        <input type="search" disabled id="off">""",
        "http://h/",
    )
    assert [c.locators[0] for c in script_controls(alone)] == [Locator("id", "shop")]


# --------------------------------------------------------------------------- tools


def test_a_search_that_lands_on_a_route_is_a_route_url_template() -> None:
    assert url_with_term("http://h/#/search?q=shoe&page=1", "shoe", "q") == (
        "http://h/#/search?q={q}&page=1"
    )
    assert url_with_term("http://h/search?q=boot", "shoe", "q") is None


def test_explored_search_becomes_a_browser_run_route_tool_with_its_api() -> None:
    seen = Exploration(
        page_url="http://h/",
        control=BOX,
        term="running",
        url_after="http://h/#/search?q=running",
        calls=(
            ObservedCall("GET", "http://h/api/stats", content_type="application/json"),
            ObservedCall(
                "GET", "http://h/api/items?q=running&limit=20", content_type="application/json"
            ),
        ),
        records_after=3,
    )
    [made] = scripted_tools([seen], "", "walt")
    tool, api, samples = made.tool, made.api, made.samples
    assert tool.kind == "search" and tool.url_template == "http://h/#/search?q={q}"
    assert not tool.is_url_tool
    assert samples == {"q": "running"}
    assert api is not None and api.method == "GET"
    assert api.url == "http://h/api/items?q={q}&limit=20"
    assert api.headers == {}


def test_a_search_that_keeps_the_url_becomes_fill_and_enter_steps() -> None:
    seen = Exploration("http://h/app", BOX, "running", "http://h/app", records_after=0)
    [made] = scripted_tools([seen], "", "walt")
    tool, api, samples = made.tool, made.api, made.samples
    assert tool.url_template is None and api is None and samples == {}
    nav, fill, enter = tool.steps
    assert isinstance(nav, NavigationStep) and nav.url == "http://h/app"
    assert isinstance(fill, InputStep) and fill.value == "{q}"
    assert isinstance(enter, KeyPressStep) and enter.key == "Enter"


def test_a_posted_json_query_is_templated_inside_its_strings_only() -> None:
    body = json.dumps({"filter": "name LIKE '%trail%'", "max_results": 25, "trail": True})
    call = ObservedCall(
        "POST",
        "http://h/api/runs/search",
        body=body,
        request_type="application/json",
        content_type="application/json",
    )
    api = api_request([call], "trail", "q")
    assert api is not None and api.method == "POST"
    assert api.headers == {"content-type": "application/json"}
    assert json.loads(api.body or "") == {
        "filter": "name LIKE '%{q}%'",
        "max_results": 25,
        "trail": True,
    }


def test_calls_that_are_not_json_or_failed_are_not_promoted() -> None:
    html = ObservedCall("GET", "http://h/search?q=x", content_type="text/html")
    failed = ObservedCall("GET", "http://h/api?q=x", content_type="application/json", status=500)
    elsewhere = ObservedCall("GET", "http://h/api/all", content_type="application/json")
    assert api_request([html, failed, elsewhere], "x", "q") is None


@pytest.mark.parametrize(
    ("placeholder", "example"),
    [
        (
            'metrics.rmse < 1 and params.model = "tree"',
            'metrics.rmse < 1 and params.model = "tree"',
        ),
        ("e.g. status:open", "status:open"),
        ("Try: author:alice is:open…", "author:alice is:open"),
        ('Search (e.g. "exact phrase")', '"exact phrase"'),
        ("(a OR b) AND c", "(a OR b) AND c"),
        ("Search runs", None),
        ("Search or jump to…", None),
        ("red AND blue", "red AND blue"),
        ("Filter by name...", None),
        ("", None),
    ],
)
def test_a_placeholders_example_query(placeholder: str, example: str | None) -> None:
    assert query_example(placeholder) == example


def test_a_word_the_sites_api_refused_makes_a_query_language_search() -> None:
    box = Control("search", "input#f", "", (Locator("id", "f"),), placeholder="price < 30")
    refused = ObservedCall(
        "POST",
        "http://h/api/items/search",
        body='{"filter":"mug"}',
        request_type="application/json",
        content_type="application/json",
        status=400,
    )
    seen = Exploration("http://h/", box, "mug", "http://h/#/?filter=mug", (refused,), 8, 0)
    assert seen.refused
    [made] = scripted_tools([seen], "", "walt")
    assert made.refused and made.query_example == "price < 30"
    assert made.api is None and made.samples == {}
    (spec,) = made.tool.inputs
    assert spec.description == "a query in the site's own syntax, for example: price < 30"
    answered = attrs.evolve(refused, status=200)
    assert not attrs.evolve(seen, calls=(answered,)).refused
    assert not attrs.evolve(seen, calls=()).refused
    # A login, a missing resource or a rate limit says nothing about the word.
    for status in (401, 403, 404, 429):
        assert not attrs.evolve(seen, calls=(attrs.evolve(refused, status=status),)).refused
    assert attrs.evolve(seen, calls=(attrs.evolve(refused, status=422),)).refused


def test_a_load_more_button_that_added_records_is_a_paginate_tool() -> None:
    grew = Exploration("http://h/prints", MORE, records_before=6, records_after=12)
    same = Exploration("http://h/other", MORE, records_before=6, records_after=6)
    [made] = scripted_tools([grew, same], "", "walt")
    tool, api = made.tool, made.api
    assert tool.kind == "paginate" and api is None
    assert tool.input("page").default == 1
    click = tool.steps[1]
    assert isinstance(click, ClickStep) and click.repeat == "{page}"


# --------------------------------------------------------------------------- guard


def _request(method: str, url: str, kind: str = "fetch", body: str = "") -> Any:
    return SimpleNamespace(method=method, url=url, resource_type=kind, post_data=body)


@pytest.mark.parametrize(
    ("url", "kind", "body", "read"),
    [
        ("http://h/ajax-api/2.0/runs/search", "fetch", "{}", True),
        ("http://h/api/items/query", "xhr", "{}", True),
        ("http://h/graphql", "fetch", '{"query": "{ items { id } }"}', True),
        ("http://h/graphql", "fetch", '{"query": "mutation { delete(id: 1) }"}', False),
        ("http://h/api/items/delete", "fetch", "{}", False),
        ("http://h/search", "document", "q=x", False),
    ],
)
def test_read_calls_are_told_from_writes(url: str, kind: str, body: str, read: bool) -> None:
    assert is_read_call(_request("POST", url, kind, body)) is read


# --------------------------------------------------------------------------- script-filled fields


def test_a_hidden_id_a_suggestion_widget_fills_keeps_the_form_in_the_browser() -> None:
    from walt.engine.discovery.analyze import analyze
    from walt.engine.discovery.candidates import build_candidates

    page = analyze(
        """<html><body><h1>Orders</h1><form action="/orders">
        <label>Customer <input name="customer" role="combobox" aria-autocomplete="list"></label>
        <input type="hidden" name="customer_id"><input type="hidden" name="view" value="all">
        <button>Search orders</button></form></body></html>""",
        "http://h/orders",
    )
    [form] = page.forms
    assert form.script_filled == ("customer_id",) and form.needs_browser
    tools = [c.tool for c in build_candidates([page]) if c.source == "form"]
    assert tools and all(t.url_template is None for t in tools)
    assert all(not t.is_url_tool for t in tools)
    assert all("customer_id" not in t.input_names for t in tools)


def test_a_suggestion_widget_with_no_name_is_the_input_and_its_hidden_id_no_constant() -> None:
    # The box's word is never submitted; the id of the suggestion chosen is, prefilled
    # with the last choice. The tool types the word, then chooses its suggestion.
    from walt.core.models import InputStep, SelectChangeStep
    from walt.engine.discovery.analyze import analyze
    from walt.engine.discovery.candidates import build_candidates

    page = analyze(
        """<html><body><h1>Tides</h1><form action="/tides"><label for="hb">Harbour</label>
        <input id="hb" value="Oban" role="combobox" aria-controls="list">
        <ul id="list" role="listbox"></ul><input type="hidden" name="token" value="x1">
        <input type="hidden" name="harbour_id" value="3"><button>Show</button></form>
        </body></html>""",
        "http://h/",
    )
    [form] = page.forms
    box = form.fields[0]
    assert (box.name, box.suggests, box.submitted, box.default) == ("harbour", True, False, "Oban")
    assert form.script_filled == ("harbour_id",) and form.needs_browser  # named after it
    [tool] = [c.tool for c in build_candidates([page]) if c.source == "form"]
    assert tool.input_names == ("harbour",) and tool.url_template is None
    typed, chosen = tool.steps[1], tool.steps[2]
    assert isinstance(typed, InputStep) and typed.value == "{harbour}"
    assert isinstance(chosen, SelectChangeStep) and chosen.selected_text == "{harbour}"
    # Found by its id or label: it has no name to find it by.
    assert [loc.by for loc in chosen.locators] == ["id", "label"]


def test_a_hidden_field_named_after_the_widget_holds_its_last_choice() -> None:
    from walt.engine.discovery.analyze import analyze

    page = analyze(
        """<form action="/forecast"><input name="city" id="city_text" value="Bergen"
        aria-autocomplete="list"><input type="hidden" name="csrf" value="a9">
        <input type="hidden" name="city_id" value="17"><button>Go</button></form>""",
        "http://h/",
    )
    [form] = page.forms
    assert form.script_filled == ("city_id",)  # the token is a constant
    # Named after nothing, a box with no name sends its choice in the next hidden field,
    # when that one is named for an id (or sent empty): not a token that follows it.
    unnamed = analyze(
        """<form action="/tides"><input role="combobox" placeholder="Where?">
        <input type="hidden" name="place_id" value="3"><input type="hidden" name="v" value="2">
        </form>""",
        "http://h/",
    )
    assert unnamed.forms[0].script_filled == ("place_id",)
    assert unnamed.forms[0].fields[0].name == "where" and unnamed.forms[0].fields[0].suggests
    tokened = analyze(
        """<form action="/find" method="post"><input role="combobox" aria-label="Find">
        <input type="hidden" name="csrf_token" value="a9"><button>Go</button></form>""",
        "http://h/",
    )
    [box, _] = tokened.forms[0].fields
    assert tokened.forms[0].script_filled == ()
    # Its word is still what a script reads: typed in the browser, no suggestion chosen.
    assert (box.name, box.submitted, box.suggests) == ("find", False, False)
    assert tokened.forms[0].needs_browser
    assert form.fields[0].suggests and form.fields[0].submitted
    # A datalist's suggestion is written into the box itself: nothing to choose, no
    # hidden field it fills unless sent empty or named after it.
    listed = analyze(
        """<form action="/s"><input name="q" list="words"><datalist id="words">
        <option value="tide"></datalist><input type="hidden" name="lang" value="en">
        <input type="hidden" name="q_id"></form>""",
        "http://h/",
    )
    assert listed.forms[0].script_filled == ("q_id",)
    assert not listed.forms[0].fields[0].suggests


def test_a_search_box_with_suggestions_sends_its_own_word() -> None:
    # Its suggestions only help to type the word: no suggestion has to be chosen, and the
    # form stays a URL (no hidden field carries a choice).
    from walt.engine.discovery.analyze import analyze
    from walt.engine.discovery.candidates import build_candidates

    page = analyze(
        """<form action="/search"><label for="q">Search</label>
        <input id="q" name="q" role="combobox" aria-autocomplete="list" aria-controls="s">
        <ul id="s" role="listbox"></ul><input type="hidden" name="lang" value="en">
        <button>Go</button></form>""",
        "http://h/",
    )
    [form] = page.forms
    assert not form.fields[0].suggests and not form.needs_browser
    [tool] = [c.tool for c in build_candidates([page]) if c.source == "form"]
    assert tool.url_template == "http://h/search?q={q}&lang=en"


def test_a_nameless_widget_never_reaches_an_http_submission_nor_takes_a_fields_name() -> None:
    from walt.engine.discovery.analyze import analyze
    from walt.engine.discovery.candidates import build_candidates
    from walt.engine.discovery.crawl import _search_box, _submission

    page = analyze(
        """<form action="/trips"><label for="c">City</label><input id="c" role="combobox"
        aria-autocomplete="list"><input type="hidden" name="city_id" value="4">
        <select name="city"><option>any</option><option>near</option></select>
        <button>Find</button></form>""",
        "http://h/",
    )
    [form] = page.forms
    assert _submission(form) == "http://h/trips?city_id=4&city=any"
    assert _search_box(form) is None  # its word is never sent: nothing to probe over HTTP
    [tool] = [c.tool for c in build_candidates([page]) if c.source == "form"]
    assert tool.input_names == ("city_text", "city")


PICKER_BOX = (
    '<input role="combobox" aria-autocomplete="list" aria-owns="r"><ul id="r" role="listbox">'
)
GENRE_SELECT = '<select name="genre" style="display:none"><option>fiction</option></select>'
CSRF_FIELD = '<input type="hidden" name="csrf_token" value="a9">'


@pytest.mark.parametrize(
    "inside",
    [
        f'<div class="picker"><input role="button">{PICKER_BOX}</ul></div>{GENRE_SELECT}',
        f'{GENRE_SELECT}<div class="picker">{PICKER_BOX}</ul></div>{CSRF_FIELD}',
        # A nameless select (an operator: equals, greater than) beside a named value box.
        f'<div class="picker">{PICKER_BOX}</ul></div><select><option>equals</option></select>'
        f'<input name="genre">{CSRF_FIELD}',
    ],
)
def test_a_list_boxs_own_search_box_is_no_field(inside: str) -> None:
    # A select replaced by a script-drawn list box: its search box (a nameless combobox)
    # narrows the options, and the choice goes to the select the form submits.
    from walt.engine.discovery.analyze import analyze

    page = analyze(
        f'<form id="f" action="/books">{inside}<button>Apply</button></form>', "http://h/"
    )
    [form] = page.forms
    assert "genre" in [f.name for f in form.fields] and not form.needs_browser
    assert all(f.submitted for f in form.fields)


def test_hidden_fields_without_a_widget_stay_constants() -> None:
    from walt.engine.discovery.analyze import analyze

    page = analyze(
        """<form action="/s"><input name="q"><input type="hidden" name="lang"></form>""",
        "http://h/",
    )
    assert page.forms[0].script_filled == ()


def test_api_filter_expressions_keep_their_text_around_the_word() -> None:
    url = "http://h/api/models/search?filter=name+ilike+%27%25ferry%25%27&max_results=20"
    assert url_with_term(url, "ferry", "q", inside=True) == (
        "http://h/api/models/search?filter=name%20ilike%20%27%25{q}%25%27&max_results=20"
    )
    assert url_with_term(url, "ferry", "q") is None  # the whole value is not the word


def test_more_columns_or_filters_are_not_more_records() -> None:
    doc = parse_html(
        """<main><ul><li>a</li><li>b</li></ul><button type="button">Show more columns</button>
        <button type="button">Show more filters</button></main>""",
        "http://h/",
    )
    assert script_controls(doc) == ()


_LIST = "".join(
    f'<li class="print"><h3>{w} print</h3><p>A print of the coast at dawn</p></li>' for w in "ABCDE"
)


@pytest.mark.parametrize(
    ("after", "script", "expected"),
    [
        ('<div class="infinite-scroll-sentinel"></div>', True, ["scroll"]),
        ("<p>Loading more prints…</p>", True, ["scroll"]),
        ('<div id="sentinel"></div>', False, []),  # no script to load anything
        ("<p>The end.</p>", True, []),  # no sign of a loader
        ('<div class="sentinel"></div><button>Load more</button>', True, ["more"]),
        ('<img class="lazyload" src="a.png" alt="">', True, []),  # lazy images everywhere
        ('<div class="spinner"><i class="infinite-scroll-icon"></i></div>', True, []),
    ],
)
def test_an_infinite_list_is_tried_by_scrolling_when_the_page_shows_its_signs(
    after: str, script: bool, expected: list[str]
) -> None:
    code = "<script>/* the feed */</script>" if script else ""
    page = parse_html(f"<html><body><ul>{_LIST}</ul>{after}{code}</body></html>", "http://h/")
    assert [c.role for c in script_controls(page)] == expected


def test_a_list_that_grew_when_scrolled_is_a_paginate_tool_that_scrolls() -> None:
    end = Control("scroll", "html", "the end of the list", ())
    grew = Exploration("http://h/feed", end, records_before=6, records_after=12)
    [made] = scripted_tools([grew], "", "walt")
    assert made.tool.kind == "paginate"
    nav, scroll = made.tool.steps
    assert isinstance(nav, NavigationStep) and nav.url == "http://h/feed"
    assert isinstance(scroll, ScrollStep) and scroll.to_end and scroll.repeat == "{page}"


@pytest.mark.parametrize(
    ("pager", "label"),
    [
        ('<button aria-label="Next page">\u203a</button>', "Next page"),
        ('<button type="button">Next</button>', "Next"),
        ('<span role="button" title="next">&raquo;</span>', "next"),
        ('<button aria-label="Next page" disabled>\u203a</button>', None),
        ('<a href="?page=2">Next</a>', None),  # a link: a link family pages it
        ('<button aria-label="Next slide">\u203a</button>', None),
        ('<button aria-label="Next page" title="Next page">\u203a</button>', "Next page"),
        ('<button aria-label="Go to next page">\u203a</button>', "Go to next page"),
        ('<div class="carousel"><button aria-label="Next">\u203a</button></div>', None),
        ('<form><button type="button">Next</button></form>', None),  # a wizard's step
        ('<a role="button" href="?page=2">Next</a>', None),
    ],
)
def test_a_next_page_button_a_script_handles(pager: str, label: str | None) -> None:
    page = parse_html(f"<html><body><ul>{_LIST}</ul><nav>{pager}</nav></body></html>", "http://h/")
    found = [c for c in script_controls(page) if c.role == "next"]
    assert [c.label for c in found] == ([label] if label else [])


def test_a_next_button_that_showed_other_records_is_a_paginate_tool() -> None:
    pager = Control("next", "button#next", "Next page", (Locator("id", "next"),))
    showed = Exploration("http://h/", pager, records_before=6, records_after=6)
    assert scripted_tools([showed], "", "walt") == []
    [made] = scripted_tools([attrs.evolve(showed, records_replaced=True)], "", "walt")
    assert made.pages_replace  # validated as pages of their own, not as appended batches
    press = made.tool.steps[-1]
    assert isinstance(press, ClickStep) and press.repeat == "{page}"
    assert press.locators == (Locator("id", "next"),)


def test_an_infinite_lists_sign_must_follow_the_list_and_scripts_must_be_code() -> None:
    before = parse_html(
        f'<html><body><div class="sentinel"></div><ul>{_LIST}</ul><script>x()</script>'
        "</body></html>",
        "http://h/",
    )
    assert script_controls(before) == ()
    data_only = parse_html(
        f'<html><body><ul>{_LIST}</ul><div class="sentinel"></div>'
        '<script type="application/ld+json">{}</script></body></html>',
        "http://h/",
    )
    assert script_controls(data_only) == ()


def test_only_a_shown_next_button_after_the_records_is_a_pager() -> None:
    page = parse_html(
        '<html><body><header><button aria-label="Next">\u203a</button></header>'
        f'<ul>{_LIST}</ul><nav><button aria-label="Next page">\u203a</button>'
        '<button hidden aria-label="Next">\u203a</button></nav></body></html>',
        "http://h/",
    )
    assert [c.label for c in script_controls(page) if c.role == "next"] == ["Next page"]


LIST_BOXES = """<html><body><h1>Runs</h1>
<button role="combobox" aria-haspopup="listbox" aria-label="State, selected option: Active"
  data-testid="state-filter">State: Active</button>
<button role="combobox" aria-haspopup="listbox" data-testid="state-filter"
  style="display:none">State: Active</button>
<button aria-haspopup="listbox" id="owner">Owner</button>
<button aria-haspopup="menu">New run</button>
<input role="combobox" aria-haspopup="listbox" placeholder="Search runs">
<select name="size"><option>10</option><option>50</option></select>
<div role="combobox" aria-disabled="true">Team</div>
<form method="post"><button role="combobox" type="button">Kind</button></form>
<div role="combobox" contenteditable="">Tags</div>
<div role="combobox" aria-haspopup="listbox"><input type="text" name="owner_q"></div>
</body></html>"""


def test_list_boxes_a_script_draws_are_tried_and_menus_text_boxes_and_selects_are_not() -> None:
    found = list(script_controls(parse_html(LIST_BOXES, "http://app.test/runs")))
    boxes = [c for c in found if c.role == "choose"]
    # The state box once (its hidden twin is not another one), then the owner box.
    assert [(c.locators[0].by, c.locators[0].value) for c in boxes] == [
        ("test_id", "state-filter"),
        ("id", "owner"),
    ]
    assert boxes[0].label == "State, selected option: Active"


@pytest.mark.parametrize(
    ("label", "options", "what"),
    [
        ("State, selected option: Active", ("Active", "Deleted"), "State"),
        ("Status: Any status", ("Open", "Any status"), "Status"),
        ("Datasets, multiselectable, 0 options selected", (), "Datasets"),
        ("Active", ("Active", "Deleted"), ""),
    ],
)
def test_what_a_list_box_chooses_is_its_name_without_the_choice(
    label: str, options: tuple[str, ...], what: str
) -> None:
    from walt.engine.discovery.scripted import list_box_label

    assert list_box_label(label, options) == what


def test_a_list_box_that_changed_the_list_is_a_filter_tool_and_one_that_did_not_is_none() -> None:
    control = Control(
        "choose", "button#s", "Status: Open", (Locator("test_id", "status"), Locator("css", "b"))
    )
    seen = Exploration(
        "http://app.test/tickets",
        control,
        term="Closed",
        records_before=8,
        records_after=4,
        options=("Open", "Closed"),
        selected="Open",
        records_changed=True,
    )
    (made,) = scripted_tools([seen], "", "")
    tool = made.tool
    assert (tool.kind, tool.name) == ("filter", "filter_tickets_by_status")
    (spec,) = tool.inputs
    assert (spec.enum, spec.default, spec.required) == (("Open", "Closed"), "Open", False)
    assert isinstance(tool.steps[0], NavigationStep)
    assert tool.steps[1].locators[0] == Locator("test_id", "status")  # type: ignore[attr-defined]
    assert scripted_tools([attrs.evolve(seen, records_changed=False)], "", "") == []
    assert scripted_tools([attrs.evolve(seen, options=("Open",))], "", "") == []


def _status_box(before: str, after: str, options: tuple[str, ...] = ("Open", "Closed")) -> Any:
    control = Control("choose", "button#s", "Status: Open", (Locator("test_id", "status"),))
    return Exploration(
        "http://app.test/#/tickets",
        control,
        term="Closed",
        url_before=before,
        url_after=after,
        records_before=8,
        records_after=4,
        options=options,
        selected="Open",
        records_changed=True,
    )


def test_a_choice_the_page_keeps_in_its_route_is_a_url_with_the_list_box_as_fallback() -> None:
    seen = _status_box(
        "http://app.test/#/tickets?sort=new&state=open&q=",
        "http://app.test/#/tickets?sort=new&state=closed&q=",
    )
    (made,) = scripted_tools([seen], "", "")
    tool = made.tool
    assert tool.url_template == "http://app.test/#/tickets?sort=new&state={status}&q="
    assert len(tool.steps) == 1 and isinstance(tool.steps[0], NavigationStep)
    (spec,) = tool.inputs
    # Each option's value is the one the address showed with it; the labels stay choosable.
    assert (spec.enum, spec.enum_labels, spec.default) == (
        ("open", "closed"),
        ("Open", "Closed"),
        "open",
    )
    assert made.fallback is not None and made.fallback.name == tool.name
    assert made.fallback.steps[1].locators[0] == Locator("test_id", "status")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("before", "after", "options"),
    [
        # A third option's value was never seen: it cannot be guessed.
        (
            "http://app.test/#/tickets?state=open",
            "http://app.test/#/tickets?state=closed",
            ("Open", "Closed", "Spam"),
        ),
        # Two settings changed at once (the page reset its paging): not one parameter.
        (
            "http://app.test/#/tickets?state=open&page=3",
            "http://app.test/#/tickets?state=closed&page=1",
            ("Open", "Closed"),
        ),
        # The address did not change, or the choice went to another view.
        ("http://app.test/#/tickets?x=1", "http://app.test/#/tickets?x=1", ("Open", "Closed")),
        ("http://app.test/#/tickets?s=open", "http://app.test/#/closed?s=open", ("Open", "Closed")),
        # The one parameter that changed is not the choice (a pager reset to page 1).
        (
            "http://app.test/#/tickets?state=open&page=3",
            "http://app.test/#/tickets?state=open&page=1",
            ("Open", "Closed"),
        ),
        # A parameter added rather than changed.
        ("http://app.test/#/tickets", "http://app.test/#/tickets?state=closed", ("Open", "Closed")),
    ],
)
def test_a_choice_not_kept_in_one_parameter_stays_a_list_box(
    before: str, after: str, options: tuple[str, ...]
) -> None:
    (made,) = scripted_tools([_status_box(before, after, options)], "", "")
    assert made.fallback is None
    assert made.tool.url_template is None and len(made.tool.steps) == 2
