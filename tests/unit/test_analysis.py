"""Analysis and candidate building are pure: HTML and URLs in, tools out, no browser."""

from __future__ import annotations

from walt.engine.discovery.analyze import analyze, is_destructive_link, url_pattern
from walt.engine.discovery.candidates import build_candidates
from walt.engine.discovery.rank import rank

BASE = "https://books.example"

LISTING = """<html><head><title>Books</title></head><body>
<header><form role="search" action="/books/search"><input name="q" placeholder="Search books"></form>
<a href="/logout">Log out</a></header>
<main>
<form action="/books/search" method="get">
  <label for="q">Title or author</label><input id="q" name="q" required>
  <label for="genre">Genre</label>
  <select id="genre" name="genre"><option value="">Any genre</option>
    <option value="scifi" selected>Science fiction</option><option value="poetry">Poetry</option></select>
  <fieldset><legend>Format</legend>
    <label><input type="radio" name="format" value="paper" checked> Paperback</label>
    <label><input type="radio" name="format" value="ebook"> E-book</label></fieldset>
  <input name="year" type="number" min="1900" max="2030" step="1" aria-label="Year published">
  <input name="price_max" type="number" step="0.5" placeholder="Highest price">
  <input name="isbn" pattern="[0-9]{13}" placeholder="ISBN">
  <input type="hidden" name="lang" value="en">
  <input type="hidden" name="csrf" value="t0k3n">
  <button type="submit">Search</button>
</form>
<div class="sort">Sort: <a href="/books/search?q=dune&amp;order=title">Title</a>
<a href="/books/search?q=dune&amp;order=price_desc">Price ↓</a></div>
<div class="facets"><a href="/books/search?genre=scifi">Sci-fi (4)</a> <a href="/books/search?genre=poetry">Poetry (2)</a></div>
<ul class="results">
  <li class="book"><h3><a href="/books/101">Dune</a></h3><span class="price">$9</span><span class="author">Herbert</span></li>
  <li class="book"><h3><a href="/books/102">Hyperion</a></h3><span class="price">$8</span><span class="author">Simmons</span></li>
</ul>
<nav class="pages"><a href="/books/search?q=dune&amp;p=2">2</a><a href="/books/search?q=dune&amp;p=3">3</a></nav>
<a href="/books/101/delete">Delete Dune</a> <a href="/books/102/delete">Delete Hyperion</a>
<a href="/genre/scifi">Sci-fi shelf</a> <a href="/genre/poetry">Poetry shelf</a>
</main></body></html>"""

EDIT_PAGE = """<html><body><main><h1>Edit book</h1>
<form id="f-{id}" action="/books/{id}/edit" method="post">
  <input type="hidden" name="csrf" value="abc">
  <label for="ember{id}1">Title</label><input id="ember{id}1" name="title" required value="Dune">
  <label for="notes">Notes</label><textarea id="notes" name="notes"></textarea>
  <button type="submit" id="save">Save changes</button>
</form></main></body></html>"""


def pages() -> list:  # type: ignore[type-arg]
    return [
        analyze(LISTING, f"{BASE}/books"),
        analyze(EDIT_PAGE.replace("{id}", "101"), f"{BASE}/books/101/edit"),
        analyze(EDIT_PAGE.replace("{id}", "102"), f"{BASE}/books/102/edit"),
    ]


def tools() -> dict:  # type: ignore[type-arg]
    return {c.tool.name: c for c in build_candidates(pages())}


def test_forms_are_read_with_labels_types_options_defaults_and_constraints() -> None:
    page = analyze(LISTING, f"{BASE}/books")
    form = next(f for f in page.forms if len(f.fields) > 2)
    fields = {f.name: f for f in form.fields}
    assert fields["q"].label == "Title or author" and fields["q"].required
    assert fields["genre"].options == (
        ("", "Any genre"),
        ("scifi", "Science fiction"),
        ("poetry", "Poetry"),
    )
    assert fields["genre"].default == "scifi"
    assert fields["format"].options == (("paper", "Paperback"), ("ebook", "E-book"))
    assert fields["format"].default == "paper"
    assert (
        fields["year"].integer and fields["year"].minimum == 1900 and fields["year"].maximum == 2030
    )
    assert fields["year"].label == "Year published"
    assert not fields["price_max"].integer
    assert fields["isbn"].pattern == "[0-9]{13}"
    assert fields["lang"].kind == "hidden"


def test_get_form_becomes_a_url_template_with_constants_not_inputs() -> None:
    search = tools()["search_books"].tool
    assert search.kind == "search"
    assert search.url_template.startswith(
        f"{BASE}/books/search?q={{q}}&genre={{genre}}&format={{format}}"
    )
    assert "lang=en" in search.url_template and "csrf=t0k3n" in search.url_template
    names = search.input_names
    assert "lang" not in names and "csrf" not in names
    assert search.input("genre").enum == ("scifi", "poetry")
    assert search.input("genre").enum_labels == ("Science fiction", "Poetry")
    assert search.input("genre").required is False  # it has a blank option
    assert search.input("year").type == "integer"
    assert search.input("price_max").type == "number"
    assert search.input("price_max").description == "Highest price"
    assert search.input("isbn").pattern == "[0-9]{13}"
    assert search.annotations.read_only is True and search.annotations.idempotent is True


def test_header_box_merges_into_the_full_form_and_links_compose() -> None:
    candidates = tools()
    assert [n for n in candidates if n.startswith("search_")] == ["search_books"]
    search = candidates["search_books"].tool
    assert {"order", "p"} <= set(search.input_names)  # sort and page links on its results page
    assert search.input("p").type == "integer"
    assert search.input("order").enum == ("title", "price_desc")


def test_link_families() -> None:
    candidates = tools()
    # Sort links on a results page (they carry the words searched for) are the search's
    # own optional input, not a second tool with those words baked in.
    assert "sort_books" not in candidates
    assert "order" in candidates["search_books"].tool.input_names
    facet = candidates["filter_books_by_genre"].tool
    assert facet.kind == "filter"
    assert facet.input("genre").enum_labels == ("Sci-fi", "Poetry")  # counts stripped
    page = candidates["paginate_books"].tool
    assert page.kind == "paginate" and page.input("p").type == "integer"
    shelf = candidates["browse_genre"].tool
    assert shelf.url_template == f"{BASE}/genre/{{genre}}"
    detail = candidates["view_book"].tool
    assert detail.kind == "navigate" and detail.url_template == f"{BASE}/books/{{book_id}}"


def test_detail_page_forms_become_one_tool_with_an_id_input() -> None:
    candidates = tools()
    edit = candidates["edit_book"]
    assert edit.pages == 2
    tool = edit.tool
    assert tool.kind == "edit"
    assert tool.input_names == ("book_id", "title", "notes")
    assert tool.input("book_id").type == "integer"
    assert tool.url_template is None
    assert tool.steps[0].url == f"{BASE}/books/{{book_id}}/edit"
    title_step = tool.steps[1]
    kinds = [c.by for c in title_step.candidates()]
    assert kinds[0] == "label"  # the generated id (ember1011) is not trusted
    assert "id" not in kinds
    submit = tool.steps[-1]
    assert submit.candidates()[0].by == "id" and submit.candidates()[0].value == "save"
    assert tool.annotations.destructive is True


def test_delete_links_are_never_followed_but_give_a_delete_tool() -> None:
    page = analyze(LISTING, f"{BASE}/books")
    assert f"{BASE}/logout" in page.skipped_links
    assert f"{BASE}/books/101/delete" in page.skipped_links
    assert all("delete" not in url and "logout" not in url for url, _ in page.links)
    delete = tools()["delete_book"].tool
    assert delete.kind == "delete" and delete.input_names == ("book_id",)
    assert delete.steps[0].url == f"{BASE}/books/{{book_id}}/delete"


def test_names_are_unique_and_descriptions_say_what_precondition_outcome() -> None:
    candidates = build_candidates(pages())
    names = [c.tool.name for c in candidates]
    assert len(names) == len(set(names))
    for candidate in candidates:
        text = candidate.tool.description
        assert "Precondition:" in text and "Outcome:" in text, text


def test_destructive_links_and_patterns() -> None:
    for url in ("/logout", "/users/sign_out", "/item/3/delete", "/x?action=delete", "/remove-all"):
        assert is_destructive_link("https://x.example" + url), url
    assert is_destructive_link("https://x.example/a", "Log out")
    for url in ("/deleted-scenes", "/catalog", "/removal-services"):
        assert not is_destructive_link("https://x.example" + url), url
    assert url_pattern("https://x.example/a/12/b?x=1&y=2") == url_pattern(
        "https://x.example/a/13/b?y=9&x=3"
    )
    assert url_pattern("https://x.example/a?x=1") != url_pattern("https://x.example/a?z=1")


def test_rank_by_goal() -> None:
    by_name = [c.tool for c in build_candidates(pages())]
    ranked = rank(by_name, "next page of books")
    assert ranked[0][0].name == "paginate_books"
    ranked = rank(by_name, "change the title of a book")
    assert ranked[0][0].name == "edit_book"
    assert rank(by_name, None)[0][1] == 0.0


def _row_delete_page(ids: tuple[str, ...], action: str = "/item/{}/delete") -> str:
    rows = "".join(
        f'<li class="item"><h3><a href="/item/{i}">Umbrella {i} in blue</a></h3>'
        f'<form method="post" action="{action.format(i)}"><button>Delete</button></form></li>'
        for i in ids
    )
    return f"<html><body><h1>Items</h1><ul>{rows}</ul></body></html>"


def test_one_form_per_row_with_the_id_in_its_action_takes_the_rows_id() -> None:
    page = analyze(_row_delete_page(("3", "5", "8")), "http://h/items")
    (form,) = page.forms
    assert (form.repeats, form.row_action, form.row_ids) == (3, "/item/{}/delete", ("3", "5", "8"))
    (delete,) = [c for c in build_candidates([page]) if c.kind == "delete"]
    (item_id,) = delete.tool.inputs
    assert (item_id.name, item_id.type) == ("item_id", "integer")
    submit = delete.tool.steps[-1]
    # The row is the one whose form names the record, as a person picks it.
    assert submit.locators[0].value.startswith('form[action="/item/{item_id}/delete"] ')
    assert submit.dialog == "accept"


def test_a_row_id_that_is_not_a_number_is_an_id_never_a_piece_of_css() -> None:
    page = analyze(_row_delete_page(("a1b2c3d4e5", "f6a7b8c9d0")), "http://h/items")
    (delete,) = [c for c in build_candidates([page]) if c.kind == "delete"]
    (item_id,) = delete.tool.inputs
    assert item_id.type == "string" and item_id.pattern == r"^[A-Za-z0-9._~-]+$"


def test_forms_whose_actions_differ_in_words_are_not_rows_of_one_list() -> None:
    page = analyze(_row_delete_page(("archive", "restore"), action="/item/{}"), "http://h/items")
    assert all(f.row_action is None for f in page.forms)


def test_rows_whose_actions_name_two_records_stay_forms_of_their_own() -> None:
    # Nested resources: one row's task id sent to another row's address would be wrong.
    rows = [("/projects/7/tasks/3/delete", "3"), ("/projects/9/tasks/5/delete", "5")]
    forms = "".join(
        f'<li><h3><a href="/t/{t}">Task {t} to do</a></h3><form method="post" action="{a}">'
        f'<input type="hidden" name="task_id" value="{t}"><button>Delete</button></form></li>'
        for a, t in rows
    )
    page = analyze(f"<html><body><ul>{forms}</ul></body></html>", "http://h/tasks")
    assert [(f.action, f.repeats, f.row_action) for f in page.forms] == [
        ("http://h/projects/7/tasks/3/delete", 1, None),
        ("http://h/projects/9/tasks/5/delete", 1, None),
    ]
    same_project = analyze(
        _row_delete_page(("3", "5"), action="/projects/7/tasks/{}"), "http://h/projects/7"
    )
    assert all(f.row_action is None for f in same_project.forms)


def test_a_row_forms_fields_are_found_inside_the_row_the_id_names() -> None:
    rows = "".join(
        f'<li><h3><a href="/p/{i}">Kettle {i} in steel</a></h3>'
        f'<form method="post" action="/cart/items/{i}">'
        f'<label for="qty-{i}">Quantity</label><input id="qty-{i}" name="qty" value="1">'
        "<button>Add to cart</button></form></li>"
        for i in ("3", "5", "07")
    )
    page = analyze(f"<html><body><ul>{rows}</ul></body></html>", "http://h/shop")
    (add,) = [c for c in build_candidates([page]) if c.kind == "create"]
    names = [i.name for i in add.tool.inputs]
    assert names[0] == "item_id"
    assert add.tool.inputs[0].type == "string"  # "07" would not come back as written
    qty = next(s for s in add.tool.steps if getattr(s, "value", None) == "{qty}")
    assert [loc.value for loc in qty.locators] == [
        'form[action="/cart/items/{item_id}"] [name="qty"]'
    ]


def test_a_buttons_formaction_makes_no_row_template() -> None:
    rows = "".join(
        f'<li><h3><a href="/i/{i}">Item {i} in blue</a></h3><form method="post" action="/x">'
        f'<button formaction="/item/{i}/delete">Delete</button></form></li>'
        for i in ("3", "5")
    )
    page = analyze(f"<html><body><ul>{rows}</ul></body></html>", "http://h/items")
    assert all(f.row_action is None for f in page.forms)
