"""Browser steps on the awkward pages real sites have, served by a small local site.

A delete guarded by ``confirm()``, a consent banner over the page, a form that opens
its result in a new tab, a search form inside a same-origin iframe, and an edit form
per ticket (text, select, radio). Each test says what the site must have received,
so a run that reports ``ok`` without doing the work fails.
"""

from __future__ import annotations

import html as html_lib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.models import (
    ClickStep,
    ElementStep,
    InputStep,
    KeyPressStep,
    Locator,
    NavigationStep,
    Step,
)

pytestmark = pytest.mark.browser

NOTES: dict[int, str] = {}
TICKETS: dict[int, dict[str, str]] = {}
FRUIT = ["Apple", "Apricot", "Banana", "Blueberry", "Cherry", "Damson"]


def reset() -> None:
    NOTES.clear()
    NOTES.update({1: "Buy milk", 2: "Call Ann", 3: "Pay rent"})
    TICKETS.clear()
    TICKETS.update(
        {
            1: {"title": "Printer jams", "priority": "p2", "status": "open"},
            2: {"title": "VPN drops", "priority": "p3", "status": "open"},
            3: {"title": "New laptop", "priority": "p2", "status": "closed"},
        }
    )


def home(request: Request) -> Response:
    links = "".join(f'<li><a href="/tickets/{i}/edit">Ticket {i}</a></li>' for i in TICKETS)
    return html(
        f"""<html><head><title>Desk</title></head><body><h1>Desk</h1><ul>{links}</ul>
<p><a href="/fruit">Fruit search</a></p></body></html>"""
    )


def note_page(request: Request) -> Response:
    note = int(request.arg("id", "0"))
    if request.method == "POST":
        NOTES.pop(int(request.form["id"][0]), None)
        return 303, {"Location": "/notes"}, b""
    if note not in NOTES:
        listed = "".join(f"<li>{n}</li>" for n in NOTES.values())
        return html(f"<html><body><h1>Notes</h1><ul>{listed}</ul></body></html>")
    return html(
        f"""<html><body><h1>{NOTES[note]}</h1>
<form method="post" action="/notes" onsubmit="return confirm('Delete this note?')">
<input type="hidden" name="id" value="{note}"><button>Delete</button></form></body></html>"""
    )


BANNER = """<div id="consent" style="position:fixed;inset:0;background:#fff;z-index:9">
<p>We use cookies to run this site.</p>%s</div>"""


def consent_page(request: Request) -> Response:
    label = request.arg("label") or ("Accept all" if request.arg("closable") == "1" else "")
    button = (
        f"<button onclick=\"document.getElementById('consent').remove()\">{label}</button>"
        if label
        else ""
    )
    banner = "" if request.arg("closable") == "none" else BANNER % button
    return html(
        f"""<html><body>{banner}
<button id="show" onclick="document.getElementById('out').textContent='Shown'">Show</button>
<p id="out"></p><div style="height:3000px"></div>
<label for="note">Note</label>
<input id="note" oninput="document.getElementById('out').textContent='Typed ' + this.value">
<div style="position:relative"><input id="name" style="height:40px;width:200px">
<label for="name" style="position:absolute;left:0;top:0;width:200px;height:40px">Name
</label></div>
<div style="position:relative"><input id="memo" style="height:40px;width:200px"
 oninput="document.getElementById('out').textContent='Memo ' + this.value">
<div style="position:absolute;left:60px;top:5px;width:80px;height:30px;background:#eee">
Help</div></div></body></html>"""
    )


def export_page(request: Request) -> Response:
    return html(
        """<html><body><form action="/report" target="_blank"><label>Year
<input name="year"></label><button>Export</button></form></body></html>"""
    )


def archive_page(request: Request) -> Response:
    # <base target> sends every link to a new tab; the report is slow to answer.
    return html(
        """<html><head><base target="reports"></head><body><h1>Archive</h1>
<a href="/report?year=2019&slow=1">Report 2019</a></body></html>"""
    )


def report_page(request: Request) -> Response:
    if request.arg("slow"):
        time.sleep(0.4)
    year = html_lib.escape(request.arg("year"))
    return html(f"<html><body><h1>Report for {year}</h1><p>12 sales in {year}</p></body></html>")


def fruit_outer(request: Request) -> Response:
    return html(
        """<html><body><h1>Fruit</h1><iframe src="/fruit/frame" title="search"></iframe>
</body></html>"""
    )


def fruit_frame(request: Request) -> Response:
    return html(
        """<html><body><form method="post" action="/fruit/results"><label>Fruit name
<input type="search" name="name"></label><button>Find</button></form>
<ul class="catalogue">"""
        + "".join(
            f'<li class="fruit"><span class="name">{f}</span> <span class="kind">fresh</span></li>'
            for f in FRUIT
        )
        + "</ul></body></html>"
    )


def fruit_results(request: Request) -> Response:
    words = (request.form.get("name") or [""])[0].lower()
    rows = "".join(
        f'<li class="fruit"><span class="name">{f}</span> <span class="kind">fresh</span></li>'
        for f in FRUIT
        if words in f.lower()
    )
    return html(f'<html><body><h2>Results</h2><ul class="catalogue">{rows}</ul></body></html>')


def ticket_edit(request: Request) -> Response:
    ticket = int(request.path.split("/")[2])
    record = TICKETS[ticket]
    if request.method == "POST":
        form = {k: v[0] for k, v in request.form.items()}
        record.update({k: form[k] for k in ("title", "priority", "status") if k in form})
        return 303, {"Location": f"/tickets/{ticket}/edit"}, b""
    options = "".join(
        f'<option value="{p}"{" selected" if record["priority"] == p else ""}>{label}</option>'
        for p, label in (("p1", "Urgent"), ("p2", "Normal"), ("p3", "Low"))
    )
    radios = "".join(
        f'<label><input type="radio" name="status" value="{s}"'
        f"{' checked' if record['status'] == s else ''}> {s.title()}</label>"
        for s in ("open", "closed")
    )
    return html(
        f"""<html><body><h1>Edit ticket {ticket}</h1>
<form method="post" action="/tickets/{ticket}/edit">
<label>Title <input name="title" value="{html_lib.escape(record["title"])}" required></label>
<label>Priority <select name="priority">{options}</select></label>
<fieldset><legend>Status</legend>{radios}</fieldset>
<button>Save ticket</button></form></body></html>"""
    )


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    reset()
    routes: dict[str, Any] = {
        "/": home,
        "/notes": note_page,
        "/consent": consent_page,
        "/export": export_page,
        "/report": report_page,
        "/archive": archive_page,
        "/fruit": fruit_outer,
        "/fruit/frame": fruit_frame,
        "/fruit/results": fruit_results,
    }
    for ticket in TICKETS:
        routes[f"/tickets/{ticket}/edit"] = ticket_edit
    with serve(routes) as served:
        yield served


def _button(name: str, **step: Any) -> ClickStep:
    return ClickStep(locators=(Locator("role", "button", role_name=name, exact=True),), **step)


def _delete_tool(site: Site, dialog: str | None) -> walt.Tool:
    return walt.Tool(
        name="delete_note",
        kind="delete",
        inputs=(walt.ToolInput("id", type="integer"),),
        steps=(
            NavigationStep(url=site.url + "notes?id={id}"),
            _button("Delete", dialog=dialog),
        ),
    )


def test_a_confirm_the_tool_expects_is_accepted_and_reported(
    client: walt.UnifiedClient, site: Site
) -> None:
    result = client.execute(_delete_tool(site, "accept"), {"id": 3})
    assert result.ok, result.error
    assert 3 not in NOTES
    assert result.steps[1].dialog is not None and "Delete this note?" in result.steps[1].dialog


def test_a_confirm_nobody_expected_fails_the_step_and_sends_nothing(
    client: walt.UnifiedClient, site: Site
) -> None:
    posts = len(site.paths("POST"))
    result = client.execute(_delete_tool(site, None), {"id": 2})
    assert not result.ok and isinstance(result.error, walt.DialogError)
    assert result.error.details["step"] == 1
    assert 2 in NOTES and len(site.paths("POST")) == posts


def _show_tool(site: Site, closable: str, label: str = "") -> walt.Tool:
    query = urlencode({"closable": closable, "label": label})
    return walt.Tool(
        name="show",
        steps=(NavigationStep(url=site.url + f"consent?{query}"), _button("Show")),
    )


@pytest.mark.parametrize(
    "label", ["Accept all", "Accept all cookies", "OK, got it!", "I agree & close", "×"]
)
def test_a_banner_over_the_target_is_closed_with_its_own_button(
    client: walt.UnifiedClient, site: Site, label: str
) -> None:
    result = client.execute(_show_tool(site, "1", label))
    assert result.ok, result.error
    assert "Shown" in result.data["main_text"]


@pytest.mark.parametrize("label", ["Accept invitation", "Reject all"])
def test_a_banner_whose_buttons_neither_accept_nor_close_fails_the_step(
    client: walt.UnifiedClient, site: Site, label: str
) -> None:
    result = client.execute(_show_tool(site, "0", label), timeout=20)
    assert not result.ok and isinstance(result.error, walt.ClickInterceptedError)


def test_a_banner_without_a_button_fails_the_step_naming_it(
    client: walt.UnifiedClient, site: Site
) -> None:
    result = client.execute(_show_tool(site, "0"), timeout=20)
    assert not result.ok and isinstance(result.error, walt.ClickInterceptedError)
    assert result.error.details["covering"] == "div#consent"
    assert "intercepts pointer events" in str(result.error.__cause__ or result.error.details)


def _type_tool(site: Site, closable: str, box: str = "note", enter: bool = False) -> walt.Tool:
    steps: tuple[Step, ...] = (
        NavigationStep(url=site.url + f"consent?closable={closable}"),
        InputStep(locators=(Locator("id", box),), value="{text}"),
    )
    if enter:
        steps += (KeyPressStep(locators=(Locator("id", box),), key="Enter"),)
    return walt.Tool(name="type", inputs=(walt.ToolInput("text"),), steps=steps)


def test_typing_under_a_banner_closes_it_with_its_own_button_first(
    client: walt.UnifiedClient, site: Site
) -> None:
    # The box lies below the fold, under the banner: scrolled to, uncovered, typed into.
    result = client.execute(_type_tool(site, "1"), {"text": "tide"})
    assert result.ok, result.error
    assert "Typed tide" in result.data["main_text"]


@pytest.mark.parametrize(("enter", "failing"), [(False, (1, "input")), (True, (2, "key_press"))])
def test_typing_under_a_banner_without_a_button_fails_the_step_naming_it(
    client: walt.UnifiedClient, site: Site, enter: bool, failing: tuple[int, str]
) -> None:
    # A person cannot reach the box: the step that would act through the banner (the
    # typing that ends the steps, else the key press after it) fails and says why.
    result = client.execute(_type_tool(site, "0", enter=enter), {"text": "tide"}, timeout=20)
    assert not result.ok and isinstance(result.error, walt.ClickInterceptedError)
    assert result.error.details["covering"] == "div#consent"
    assert (result.error.details["step"], result.error.details["step_type"]) == failing


def test_a_badge_over_part_of_the_box_does_not_stop_the_keyboard(
    client: walt.UnifiedClient, site: Site
) -> None:
    # A person clicks beside it; typing, and Enter after it, reach the box.
    result = client.execute(_type_tool(site, "none", box="memo", enter=True), {"text": "Ada"})
    assert result.ok, result.error
    assert "Memo Ada" in result.data["main_text"]


def test_a_label_drawn_over_its_own_box_does_not_cover_it(
    client: walt.UnifiedClient, site: Site
) -> None:
    result = client.execute(_type_tool(site, "none", box="name"), {"text": "Ada"})
    assert result.ok, result.error
    assert [s.status for s in result.steps] == ["ok", "ok"]


def test_a_submit_that_opens_a_new_tab_is_followed_there(
    client: walt.UnifiedClient, site: Site
) -> None:
    tool = walt.Tool(
        name="export",
        inputs=(walt.ToolInput("year"),),
        steps=(
            NavigationStep(url=site.url + "export"),
            InputStep(locators=(Locator("label", "Year"),), value="{year}"),
            _button("Export"),
        ),
    )
    result = client.execute(tool, {"year": "2024"})
    assert result.ok, result.error
    assert "/report?year=2024" in (result.final_url or "")
    assert "12 sales in 2024" in result.data["main_text"]


def test_a_link_the_base_element_sends_to_a_new_tab_is_waited_for_there(
    client: walt.UnifiedClient, site: Site
) -> None:
    tool = walt.Tool(
        name="old_report",
        steps=(
            NavigationStep(url=site.url + "archive"),
            ClickStep(locators=(Locator("role", "link", role_name="Report 2019"),)),
        ),
    )
    for _ in range(3):  # the tab's slow answer must never pass for "nothing happened"
        result = client.execute(tool)
        assert result.ok, result.error
        assert "/report?year=2019" in (result.final_url or "")
        assert "12 sales in 2019" in result.data["main_text"]


@pytest.fixture(scope="module")
def found(client: walt.UnifiedClient, site: Site) -> walt.DiscoverResult:
    return client.discover(site.url, time_budget=30)


def test_a_form_in_a_same_origin_frame_is_found_and_run_through_the_frame(
    found: walt.DiscoverResult, client: walt.UnifiedClient
) -> None:
    search = next(t for t in found.tools if t.kind == "search" and "name" in t.input_names)
    assert search.validation is not None and search.validation.status == "validated"
    # A POST form: steps on the page that embeds the frame, addressing the frame.
    first = search.steps[0]
    assert isinstance(first, NavigationStep) and (first.url or "").endswith("/fruit")
    framed = [s for s in search.steps[1:] if isinstance(s, ElementStep)]
    assert framed and all(s.frame == 'iframe[src="/fruit/frame"]' for s in framed)
    result = client.execute(search, {"name": "ap"})
    assert result.ok, result.error
    names = sorted(str(r.get("name") or r.get("title")) for r in result.records)
    assert names == ["Apple", "Apricot"]


def test_edits_of_several_records_keep_what_the_caller_left_out(
    found: walt.DiscoverResult, client: walt.UnifiedClient
) -> None:
    edit = next(t for t in found.tools if t.kind == "edit")
    ticket = next(i.name for i in edit.inputs if i.type == "integer")
    assert not any(i.required for i in edit.inputs if i.name in ("priority", "status"))
    closed = client.execute(edit, {ticket: 2, "status": "closed"})
    assert closed.ok, closed.error
    raised = client.execute(edit, {ticket: 3, "priority": "Urgent"})  # a label, not a value
    assert raised.ok, raised.error
    assert TICKETS[2] == {"title": "VPN drops", "priority": "p3", "status": "closed"}
    assert TICKETS[3] == {"title": "New laptop", "priority": "p1", "status": "closed"}
    assert TICKETS[1]["status"] == "open"


def test_a_delete_per_row_with_the_id_in_the_action_removes_that_row_alone(
    client: walt.UnifiedClient,
) -> None:
    shelf = {3: "Blue umbrella", 5: "Red scarf", 8: "Green hat"}

    def listing(request: Request) -> Response:
        rows = "".join(
            f'<li class="item"><h3><a href="/shelf/{i}">{name}</a></h3>'
            f'<form method="post" action="/shelf/{i}/delete" '
            "onsubmit=\"return confirm('Delete it?')\"><button>Delete</button></form></li>"
            for i, name in shelf.items()
        )
        return html(f"<html><body><h1>Shelf</h1><ul>{rows}</ul></body></html>")

    def delete(request: Request) -> Response:
        shelf.pop(int(request.path.split("/")[2]), None)
        return 303, {"Location": "/shelf"}, b""

    routes: dict[str, Any] = {"/shelf": listing}
    routes.update({f"/shelf/{i}/delete": delete for i in shelf})
    with serve(routes) as served:
        found = client.discover(served.url + "shelf", time_budget=20)
        assert shelf == {
            3: "Blue umbrella",
            5: "Red scarf",
            8: "Green hat",
        }  # discovery wrote nothing
        tool = next(t for t in found.tools if t.kind == "delete")
        (row,) = tool.inputs
        assert row.type == "integer"
        missing = client.execute(tool, {row.name: 99}, timeout=5)
        assert not missing.ok and len(shelf) == 3  # no such row: nothing is sent
        result = client.execute(tool, {row.name: 5})
    assert result.ok, result.error
    assert shelf == {3: "Blue umbrella", 8: "Green hat"}
