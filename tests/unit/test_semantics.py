"""Kinds and names of forms from the page's own semantics. Pure."""

from __future__ import annotations

import pytest

from walt.engine.discovery.analyze import analyze
from walt.engine.discovery.candidates import build_candidates
from walt.engine.discovery.semantics import form_kind

URL = "https://app.example/page"


def kind_of(html: str, url: str = URL) -> str | None:
    (form,) = analyze(html, url).forms
    return form_kind(form)


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        # An SQL box is a query (read), whatever its method and button say.
        (
            '<form method="post" action="/db/execute"><textarea name="sql"></textarea>'
            "<button>Execute</button></form>",
            "search",
        ),
        # A POST that searches is a read tool.
        (
            '<form method="post" action="/media"><input name="q" placeholder="Search files">'
            "<button>Search</button></form>",
            "search",
        ),
        # Display options of a diff are not an edit of content.
        (
            '<form method="post" action=""><label><input type="checkbox" name="ignorecase">'
            "Ignore case</label><select name='contextall'><option>3</select>"
            "<button>Update view</button></form>",
            "filter",
        ),
        # "Save" on a new-record URL creates, on an edit URL edits.
        (
            '<form method="post" action="/admin/book/new/"><input name="title"><button>Save</button></form>',
            "create",
        ),
        (
            '<form method="post" action="/admin/book/edit/?id=3"><input name="title" value="Dune">'
            "<button>Save</button></form>",
            "edit",
        ),
        # "Save" with no verb in the URL: a form that shows content edits it.
        (
            '<form method="post" action="/x"><textarea name="body">Old text</textarea>'
            "<button>Save</button></form>",
            "edit",
        ),
        (
            '<form method="post" action="/x"><textarea name="body"></textarea>'
            "<button>Save</button></form>",
            "create",
        ),
        (
            '<form method="post" action="/t/9/comments"><textarea name="c"></textarea>'
            "<button>Add comment</button></form>",
            "comment",
        ),
        (
            '<form method="post" action="/session"><input name="u"><input type="password" name="p">'
            "<button>Sign in</button></form>",
            "login",
        ),
        (
            '<form method="post" action="/signup"><input name="u"><input type="password" name="p">'
            '<input type="password" name="p2"><button>Join</button></form>',
            "create",
        ),
        # A button that only opens the editor edits nothing itself.
        (
            '<form method="post" action="/doku.php"><input type="hidden" name="do" value="edit">'
            "<button>Edit</button></form>",
            None,
        ),
        ('<form action="/search"><input name="q"></form>', "search"),
        ('<form action="/list"><select name="status"><option>open</select></form>', "filter"),
        (
            '<form action="/newsletter"><input name="email"><button>Subscribe</button></form>',
            "create",
        ),
    ],
)
def test_form_kinds(html: str, kind: str | None) -> None:
    assert kind_of(html) == kind


def test_a_preview_button_does_not_name_the_tool() -> None:
    html = """<main><h1>Create New Ticket</h1><form method="post" action="/newticket">
    <input name="summary"><textarea name="description"></textarea>
    <button name="preview">Preview</button><button name="submit">Create ticket</button>
    </form></main>"""
    (candidate,) = build_candidates([analyze(html, "https://trac.example/newticket")])
    tool = candidate.tool
    assert tool.kind == "create"
    assert tool.name == "create_ticket"
    # The choice of button is an input; the default is the browser's (the first).
    submit = tool.input("submit")
    assert submit.enum == ("Preview", "Create ticket") and submit.default == "Preview"


def test_every_input_carries_its_label() -> None:
    html = """<form action="/books/search"><label for="a">Author</label><input id="a" name="au">
    <label>Year <input name="y" type="number"></label>
    <input name="isbn" aria-label="ISBN number"></form>"""
    (candidate, *_) = build_candidates([analyze(html, "https://books.example/")])
    described = {i.name: i.description for i in candidate.tool.inputs}
    assert described["y"] == "Year" and described["isbn"] == "ISBN number"
