"""The sort direction a script keeps in its page's address (pure)."""

from __future__ import annotations

import attrs
import pytest

from walt.engine.discovery.analyze import analyze
from walt.engine.discovery.candidates import build_candidates
from walt.engine.discovery.urlstate import direction_links
from walt.engine.discovery.validate import _reverse_orders

LIST = "<html><body><ul><li>a</li><li>b</li></ul></body></html>"


def _drawn(url: str) -> object:
    return attrs.evolve(analyze(LIST, url), rendered=True)


@pytest.mark.parametrize(
    ("query", "twin", "texts"),
    [
        ("sort=name&dir=desc", "sort=name&dir=asc", ("descending order", "ascending order")),
        ("order=ascending", "order=descending", ("ascending order", "descending order")),
        ("sortDirection=ASC", "sortDirection=DESC", ("ascending order", "descending order")),
        ("orderByAsc=false&k=1", "orderByAsc=true&k=1", ("descending order", "ascending order")),
        ("sort_desc=True", "sort_desc=False", ("descending order", "ascending order")),
    ],
)
def test_the_address_and_its_twin_in_the_other_direction(
    query: str, twin: str, texts: tuple[str, str]
) -> None:
    page = _drawn(f"http://app.test/%23/runs?{query}")
    links = direction_links(page)  # type: ignore[arg-type]
    assert [link.text for link in links] == list(texts)
    assert links[0].url == f"http://app.test/%23/runs?{query}"
    assert links[1].url.endswith(f"?{twin}")


@pytest.mark.parametrize(
    "query",
    [
        "dir=left",  # not a direction
        "asc=true",  # a flag that names no ordering
        "expanded=false",
        "view=desc",  # a word in a parameter that is not about order
        "q=asc",
        "border=asc",  # a word that only contains "order"
        "recorderAsc=true",
    ],
)
def test_no_twin_without_a_sort_direction(query: str) -> None:
    assert direction_links(_drawn(f"http://app.test/list?{query}")) == []  # type: ignore[arg-type]


def test_a_page_the_server_wrote_has_no_twin() -> None:
    # Its address is the one requested: its links say what else it takes.
    page = analyze(LIST, "http://app.test/list?sort=name&dir=desc")
    assert direction_links(page) == []


def test_the_direction_becomes_a_sort_tool_with_the_rest_of_the_state_fixed() -> None:
    url = "http://app.test/%23/runs?view=table&orderBy=created&orderByAsc=false&state=open"
    (tool,) = [c.tool for c in build_candidates([_drawn(url)]) if c.kind == "sort"]  # type: ignore[list-item]
    assert tool.url_template == (
        "http://app.test/#/runs?orderBy=created&state=open&view=table&orderByAsc={orderByAsc}"
    )
    (spec,) = tool.inputs
    assert spec.enum == ("false", "true")
    assert spec.enum_labels == ("descending order", "ascending order")


def test_two_orders_that_reverse_each_other() -> None:
    assert _reverse_orders([["a", "b", "c", "d"], ["d", "c", "b", "a"]])
    # Paged: each order shows the other's end of the list; the shared ones reverse.
    assert _reverse_orders([["e", "d", "c", "b"], ["a", "b", "c", "d"]])
    assert not _reverse_orders([["a", "b", "c", "d"], ["b", "a", "d", "c"]])
    # A row fixed at the end of both (a "Load more" row) does not hide the reversal.
    many = [f"r{i}" for i in range(30)]
    assert _reverse_orders([[*many, "more"], [*many[::-1], "more"]])
    assert not _reverse_orders([[*many, "more"], [*many[15:], *many[:15], "more"]])
    assert not _reverse_orders([["a", "b"], ["b", "a"]])  # too few to tell
    assert not _reverse_orders([["a", "b", "c"], ["c", "b", "a"], ["a", "c", "b"]])


def test_the_twin_keeps_the_scripts_own_encoding_and_leaves_out_the_page() -> None:
    page = _drawn("http://app.test/%23/runs?q=a%20b&tags=x,y&page=3&sort=name&dir=desc")
    first, twin = direction_links(page)  # type: ignore[arg-type]
    assert first.url == "http://app.test/%23/runs?q=a%20b&tags=x,y&sort=name&dir=desc"
    assert twin.url == "http://app.test/%23/runs?q=a%20b&tags=x,y&sort=name&dir=asc"
