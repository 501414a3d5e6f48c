"""Extraction is pure: HTML in, data out."""

from __future__ import annotations

from walt.engine.dom import parse_html
from walt.engine.extract import LIMITS, extract, record_groups

URL = "https://shop.example/search?q=tea"

CARDS = """<html><head><title>Results</title></head><body>
<header><nav><a href="/">Home</a><a href="/a">About</a><a href="/b">Blog</a></nav></header>
<main><h1>Results</h1>
<div class="grid">
  <div class="card"><h2><a href="/p/1">Green tea</a></h2><span class="price">$4</span><span class="brand">Leafy</span></div>
  <div class="card"><h2><a href="/p/2">Black tea</a></h2><span class="price">$5</span><span class="brand">Dark</span></div>
  <div class="card"><h2><a href="/p/3">White tea</a></h2><span class="price">$9</span><span class="brand">Pale</span></div>
</div>
<nav class="pagination"><a href="?q=tea&page=1">1</a><a href="?q=tea&page=2">2</a>
<a rel="next" href="?q=tea&page=2">Next</a></nav>
</main><footer>© shop</footer></body></html>"""


def test_repeated_cards_become_records() -> None:
    data = extract(CARDS, URL)
    assert data["title"] == "Results"
    assert data["items"] == [
        {
            "title": "Green tea",
            "url": "https://shop.example/p/1",
            "price": "$4",
            "brand": "Leafy",
            "text": "Green tea $4Leafy",
        },
        {
            "title": "Black tea",
            "url": "https://shop.example/p/2",
            "price": "$5",
            "brand": "Dark",
            "text": "Black tea $5Dark",
        },
        {
            "title": "White tea",
            "url": "https://shop.example/p/3",
            "price": "$9",
            "brand": "Pale",
            "text": "White tea $9Pale",
        },
    ]
    assert data["pagination"] == {
        "next": "https://shop.example/search?q=tea&page=2",
        "prev": None,
        "pages": [
            "https://shop.example/search?q=tea&page=1",
            "https://shop.example/search?q=tea&page=2",
        ],
    }
    assert "© shop" not in data["main_text"]
    assert data["truncated"] is False


def test_tables_keyed_by_headers() -> None:
    html = """<table><caption>Orders</caption><thead><tr><th>Order #</th><th>Total</th><th>Total</th></tr></thead>
    <tbody><tr><td><a href="/o/7">7</a></td><td>$3</td><td>x</td></tr><tr><td>8</td><td>$4</td><td>y</td></tr></tbody></table>"""
    data = extract(html, "https://x.example/")
    assert data["tables"] == [
        {
            "caption": "Orders",
            "headers": ["order", "total", "total_2"],
            "rows": [
                {"order": "7", "total": "$3", "total_2": "x", "url": "https://x.example/o/7"},
                {"order": "8", "total": "$4", "total_2": "y"},
            ],
            "truncated": False,
        }
    ]


def test_table_without_header_and_unclosed_cells() -> None:
    data = extract("<table><tr><td>a<td>b<tr><td>c<td>d</table>", "https://x.example/")
    assert data["tables"][0]["rows"] == [{"col1": "a", "col2": "b"}, {"col1": "c", "col2": "d"}]


def test_row_and_column_spans_fill_the_slots_they_cover() -> None:
    # The HTML table model: a rowspan cell occupies its column in the rows below, a
    # colspan cell the columns to its right, so later cells do not shift left.
    html = """<table><tr><th>Region</th><th>City</th><th>Q1</th><th>Q2</th></tr>
    <tr><td rowspan="2">North</td><td>Oslo</td><td>1</td><td>2</td></tr>
    <tr><td>Bergen</td><td colspan="2">n/a</td></tr>
    <tr><td>South</td><td>Rome</td><td>5</td><td>6</td></tr>
    <tr><td rowspan="0">West</td><td>Lisbon</td><td>7</td><td>8</td></tr>
    <tr><td>Porto</td><td>9</td><td>10</td></tr></table>"""
    rows = extract(html, URL)["tables"][0]["rows"]
    assert rows == [
        {"region": "North", "city": "Oslo", "q1": "1", "q2": "2"},
        {"region": "North", "city": "Bergen", "q1": "n/a", "q2": "n/a"},
        {"region": "South", "city": "Rome", "q1": "5", "q2": "6"},
        {"region": "West", "city": "Lisbon", "q1": "7", "q2": "8"},
        {"region": "West", "city": "Porto", "q1": "9", "q2": "10"},
    ]


def test_hostile_spans_are_bounded() -> None:
    html = (
        '<table><tr><td colspan="99999999" rowspan="99999999">x</td></tr>'
        + ("<tr><td>y</td></tr>" * 50)
        + "</table>"
    )
    table = extract(html, URL)["tables"][0]
    assert len(table["headers"]) <= LIMITS["span"] + 1  # the spanned cell, then "y"
    assert all(len(row) <= LIMITS["span"] + 1 for row in table["rows"])


def test_single_result_is_still_a_record() -> None:
    html = """<main><section class="results"><article class="card"><h3><a href="/p/1">Only one</a></h3>
    <span class="price">$1</span><span class="stock">In stock</span></article></section></main>"""
    data = extract(html, "https://x.example/")
    assert [i["title"] for i in data["items"]] == ["Only one"]


def test_menus_are_not_records() -> None:
    html = """<main><ul class="menu"><li><a href="/a">A</a></li><li><a href="/b">B</a></li>
    <li><a href="/c">C</a></li></ul><p>Nothing else.</p></main>"""
    assert extract(html, "https://x.example/")["items"] == []


def _titles(html: str) -> list[str]:
    return [str(i.get("title")) for i in extract(html, "https://x.example/")["items"]]


def test_results_shown_as_short_titles_alone_are_records() -> None:
    # Under a heading each, or each a link to one address differing in a record id only.
    headed = """<main><h1>Results</h1><ul class="items">
    <li class="item"><h3 class="title"><a href="/r/1">Creme brulee</a></h3></li>
    <li class="item"><h3 class="title"><a href="/r/7">Creme caramel</a></h3></li></ul></main>"""
    assert _titles(headed) == ["Creme brulee", "Creme caramel"]
    linked = """<main><ul><li><a href="/recipes/12/view">Leek soup</a></li>
    <li><a href="/recipes/31/view">Onion soup</a></li>
    <li><a href="/recipes/9f8e7d6c5b/view">Fish soup</a></li></ul></main>"""
    assert _titles(linked) == ["Leek soup", "Onion soup", "Fish soup"]


def test_pagers_section_headings_and_menus_of_words_are_still_not_records() -> None:
    pager = """<main><p>No results.</p><ul class="pager"><li><a href="?page=2">2</a></li>
    <li><a href="?page=3">3</a></li><li><a href="?page=4">4</a></li></ul></main>"""
    assert _titles(pager) == []
    sections = """<main><h2>Install</h2><p>Run pip.</p><h2>Usage</h2><p>Import it.</p>
    <h2>License</h2><p>MIT.</p></main>"""
    assert _titles(sections) == []
    older = """<main><p>No results.</p><ul><li><a href="/list/1">Previous page</a></li>
    <li><a href="/list/3">Next page</a></li><li><a href="/list/4">Last page</a></li></ul></main>"""
    assert _titles(older) == []
    orders = """<main><p>No results.</p><ul><li><a href="?sort=1">By name</a></li>
    <li><a href="?sort=2">By date</a></li><li><a href="?sort=3">By size</a></li></ul></main>"""
    assert _titles(orders) == []
    months = """<main><ul><li><a href="/archive/2024/01">January 2024</a></li>
    <li><a href="/archive/2024/02">February 2024</a></li>
    <li><a href="/archive/2024/11">November 2024</a></li></ul></main>"""
    assert _titles(months) == []
    years = """<main><ul><li><a href="/archive/2022">Year 2022</a></li>
    <li><a href="/archive/2023">Year 2023</a></li><li><a href="/archive/2024">Year 2024</a></li>
    </ul></main>"""
    assert _titles(years) == []
    words = """<main><ul class="tags"><li><a href="/tag/soup">Soups</a></li>
    <li><a href="/tag/cake">Cakes</a></li><li><a href="/tag/bread">Breads</a></li></ul></main>"""
    assert _titles(words) == []


def test_forms_are_described() -> None:
    html = """<form action="/s" method="get"><label for="q">Find</label><input id="q" name="q">
    <label><input type="checkbox" name="new" value="1"> New only</label>
    <select name="sort"><option>a</option></select><button>Go</button></form>"""
    (form,) = extract(html, "https://x.example/p")["forms"]
    assert form["action"] == "https://x.example/s"
    assert form["method"] == "get"
    assert form["fields"] == [
        {"name": "q", "type": "text", "label": "Find"},
        {"name": "new", "type": "checkbox", "label": "New only"},
        {"name": "sort", "type": "select", "label": ""},
    ]


def test_hostile_markup_is_bounded_and_escaped_links_dropped() -> None:
    html = (
        "<main>"
        + "<div class='c'><a href='javascript:alert(1)'>x</a><span class='v'>a value</span> <span class='w'>another value</span></div>"
        * 500
        + "</main>"
    )
    data = extract(html, "https://x.example/")
    assert len(data["items"]) == LIMITS["items"]
    assert all("url" not in item for item in data["items"])
    assert data["truncated"] is True
    broken = extract(
        "<div><p>unclosed <b>bold <i>italic</div></span></table>" * 50, "https://x.example/"
    )
    assert "unclosed bold italic" in broken["main_text"]


def test_node_bound() -> None:
    doc = parse_html("<p>x</p>" * 1000, "https://x.example/", max_nodes=100)
    # The source is cut near the bound's element; html, head and body come on top.
    assert doc.truncated and 90 <= doc.node_count <= 110


def _aria_grid(names: list[str]) -> str:
    header = (
        '<div role="row"><div role="columnheader">Name</div>'
        '<div role="columnheader">Created</div><div role="columnheader">Owner</div></div>'
    )
    rows = "".join(
        f'<div role="row" class="r"><div role="cell"><a href="/e/{i}">{n}</a></div>'
        f'<div role="cell">2026-0{i + 1}-01</div><div role="cell">team {i}</div></div>'
        for i, n in enumerate(names)
    )
    return (
        "<html><body><main><h1>Experiments</h1>"
        f'<div role="table"><div role="rowgroup">{header}</div>'
        f'<div role="rowgroup">{rows}</div></div></main></body></html>'
    )


def test_rows_of_an_aria_grid_are_the_records() -> None:
    items = extract(_aria_grid(["ferry delay", "tide height", "harbour demand"]), URL)["items"]
    assert [i["title"] for i in items] == ["ferry delay", "tide height", "harbour demand"]


def test_one_row_of_an_aria_grid_is_one_record_not_its_cells() -> None:
    # WAI-ARIA's table model: cells are a row's fields. A search with one hit once gave
    # the hit's cells as five records.
    items = extract(_aria_grid(["harbour demand"]), URL)["items"]
    assert [i["title"] for i in items] == ["harbour demand"]
    assert items[0]["url"] == "https://shop.example/e/0"


def test_a_data_tables_rows_are_records_though_their_cells_are_short() -> None:
    page = parse_html(
        """<html><body><table><thead><tr><th>Name</th><th>Price</th><th>Colour</th></tr>
        </thead><tbody><tr><td>Anchor mug</td><td>12</td><td>red</td></tr>
        <tr><td>Dock rope</td><td>9</td><td>red</td></tr></tbody></table>
        <ul><li>Home</li><li>Shop</li><li>Help</li></ul></body></html>""",
        "http://shop.test/",
    )
    groups = record_groups(page.body)
    assert [(g.container.tag, len(g.members)) for g in groups] == [("table", 2)]


def test_a_layout_table_without_column_headers_is_not_a_record_group() -> None:
    page = parse_html(
        """<html><body><table><tr><td>Logo</td><td>Home</td></tr>
        <tr><td>Menu</td><td>Help</td></tr></table></body></html>""",
        "http://shop.test/",
    )
    assert record_groups(page.body) == []


def _pinned_grid(count: int) -> str:
    """A data grid with a pinned column: each row drawn once per column block, the two
    sharing an aria-rowindex, alternating classes, rows out of order in the DOM."""
    order = list(range(count))[::-1]  # grids append rows where they like
    pinned = "".join(
        f'<div role="row" class="row {"odd" if i % 2 else "even"}" aria-rowindex="{i + 2}">'
        f'<div role="gridcell" class="name">run {i:03}</div></div>'
        for i in order
    )
    scrolling = "".join(
        f'<div role="row" class="row {"odd" if i % 2 else "even"}" aria-rowindex="{i + 2}">'
        f'<div role="gridcell" class="score">{i * 7 % 11}</div>'
        f'<div role="gridcell" class="owner">team {i % 3}</div></div>'
        for i in order
    )
    head = '<div role="row" aria-rowindex="1"><div role="columnheader">{}</div></div>'
    return (
        '<html><body><main><h1>Runs</h1><div role="grid" id="runs">'
        f'<div role="rowgroup" class="pinned">{head.format("Name")}{pinned}</div>'
        f'<div role="rowgroup" class="scrolling">{head.format("Score")}{scrolling}</div>'
        "</div></main></body></html>"
    )


def test_a_grid_with_a_pinned_column_gives_one_record_per_row_with_every_blocks_fields() -> None:
    from walt.engine.extract import locate_region, page_records, region_for

    html = _pinned_grid(5)
    items = extract(html, URL)["items"]
    assert [i["name"] for i in items] == [f"run {i:03}" for i in range(5)]
    assert [i["score"] for i in items] == [str(i * 7 % 11) for i in range(5)]
    assert items[2]["owner"] == "team 2"
    doc = parse_html(html, URL)
    (group, *_) = record_groups(doc.body)
    region = region_for(group)
    assert (region.item, region.layout) == ("[role=row]", "grid")
    # Found again on another run's page, with every row (not the even ones alone).
    other = parse_html(_pinned_grid(7), URL)
    again = locate_region(other, region)
    assert again is not None and len(again.members) == 7
    assert len(page_records(other)) == 7


def test_records_compared_between_runs_are_not_cut_at_the_output_limit() -> None:
    from walt.engine.extract import page_records

    html = _pinned_grid(LIMITS["items"] + 12)
    assert len(extract(html, URL)["items"]) == LIMITS["items"]
    assert len(page_records(parse_html(html, URL))) == LIMITS["items"] + 12


def test_a_grid_with_odd_row_indexes_is_read_without_merging_what_has_none() -> None:
    from walt.engine.extract import page_records

    html = _pinned_grid(4).replace('aria-rowindex="3"', 'aria-rowindex="\u00b2"')
    html = html.replace(">team ", ">the harbour survey team number ")
    loading = '<div role="row" class="row"><div role="gridcell">Loading more runs</div></div>'
    html = html.replace("</div></div></main>", f"{loading}</div></div></main>")
    records = page_records(parse_html(html, URL))  # no ValueError from int("²")
    assert any("Loading more runs" in str(r.get("text")) for r in records)
    assert sum("run 000" in str(r.get("text")) for r in records) == 1
