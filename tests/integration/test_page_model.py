"""walt's page model is the browser's: the tree and the form owners Chromium builds.

Each malformed page is parsed by walt (lexbor) and loaded in headless Chromium;
the element trees (tags, attributes, text, comments), every control's form
owner and the text of every link must agree.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from walt.engine.browser import BrowserPool
from walt.engine.discovery.analyze import analyze
from walt.engine.dom import Document, Node, parse_html, text

pytestmark = pytest.mark.browser

MALFORMED = {
    "misnested_inline": "<p><b>bold <i>both</b> italic</i> plain</p>",
    "form_in_layout_table": (
        "<table><form action='/find' method='get'><tr><td><input name='q'></td>"
        "<td><select name='sort'><option>a<option>b</select></td>"
        "<td><button>Go</button></td></tr></form></table><input name='outside'>"
    ),
    "unclosed_links_in_list": (
        "<ul><li><a href='/1'>Kettle<li><a href='/2'>Toaster<li><a href='/3'>Lamp</ul>"
    ),
    "p_with_div": "<p>one<div>two</div>three</p>",
    "div_in_select": "<select name='s'><div>x</div><option value='1'>One<option>Two</select>",
    "stray_text_in_table": "<table>stray<tr><td>cell</td></tr>more</table>",
    "nested_forms": (
        "<form id='a'><input name='x'><form id='b'><input name='y'></form><input name='z'></form>"
    ),
    "form_attribute_wins": (
        "<form id='f' action='/a'></form><form id='g' action='/b'>"
        "<input name='q' form='f'><input name='r'><input name='s' form='nope'></form>"
    ),
    "implied_table_parts": "<table><tr><td>a<td>b<tr><td>c</table>",
    "adoption_agency": "<a href='/1'>one<p>two</a>three</p><div>four",
    "headings_nest": "<h1>One<h2>Two</h1>three",
    "form_pointer_past_div": "<div><form id='p'></div><input name='late'></form><input name='after'>",
    "character_references": "<p>Fish &amp; chips &notin; &#x41;&#66; &copy</p>",
    "noscript_is_text": "<noscript><a href='/no'>no script</a></noscript><p>after</p>",
    "nested_buttons": "<form><button name='b1'>One<button name='b2'>Two</button></form>",
    "textarea_markup": "<form><textarea name='t'><b>not bold</b></textarea></form>",
    "select_in_select": "<select name='a'><option>1<select name='b'><option>2</select>",
}


def _walt_tree(node: Node) -> list[Any]:
    kids: list[Any] = []
    child = node.child
    while child is not None:
        if child.is_element_node:
            kids.append(_walt_tree(child))
        elif child.is_text_node:
            kids.append(["#text", child.text_content or ""])
        elif child.is_comment_node:
            kids.append(["#comment", child.comment_content or ""])
        child = child.next
    attrs = sorted([k, v if v is not None else ""] for k, v in node.attributes.items())
    return [node.tag, attrs, kids]


def _walt_owners(doc: Document) -> list[int]:
    forms = doc.forms()
    owners = []
    for control in doc.parser.css("input, select, textarea, button"):
        owner = doc.form_owner(control)
        owners.append(forms.index(owner) if owner is not None else -1)
    return owners


_CHROMIUM = """() => {
  function ser(n) {
    if (n.nodeType === 3) return ["#text", n.data];
    if (n.nodeType === 8) return ["#comment", n.data];
    if (n.nodeType !== 1) return null;
    const attrs = [...n.attributes].map(a => [a.name, a.value]).sort();
    return [n.localName, attrs, [...n.childNodes].map(ser).filter(x => x)];
  }
  const forms = [...document.forms];
  return {
    tree: ser(document.documentElement),
    owners: [...document.querySelectorAll("input, select, textarea, button")]
      .map(el => el.form ? forms.indexOf(el.form) : -1),
    links: [...document.querySelectorAll("a")].map(a => a.innerText.trim()),
  };
}"""


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    pool = BrowserPool(max_contexts=1)
    context = await pool.new_context()
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()
        await pool.close()


@pytest.mark.parametrize("name", sorted(MALFORMED))
async def test_tree_and_form_owners_are_chromiums(chromium: Any, name: str) -> None:
    html = "<!doctype html><html><head><title>t</title></head><body>" + MALFORMED[name]
    await chromium.set_content(html)
    browser = await chromium.evaluate(_CHROMIUM)
    doc = parse_html(html, "https://x.example/")
    assert _walt_tree(doc.root) == browser["tree"]
    assert _walt_owners(doc) == browser["owners"]
    assert [text(a) for a in doc.parser.css("a")] == browser["links"]


def test_unclosed_links_read_as_three_records() -> None:
    html = MALFORMED["unclosed_links_in_list"]
    doc = parse_html(html, "https://x.example/")
    assert [text(a) for a in doc.parser.css("a")] == ["Kettle", "Toaster", "Lamp"]


def test_a_form_in_a_layout_table_keeps_its_controls() -> None:
    page = analyze(MALFORMED["form_in_layout_table"], "https://x.example/")
    (form,) = page.forms
    assert [f.name for f in form.fields] == ["q", "sort"]
    assert form.submit_text == "Go"


def test_two_thousand_forms_are_analysed_in_under_a_second() -> None:
    rows = "".join(
        f'<div class="product"><h3><a href="/p/{i}">Kettle {i}</a></h3>'
        f'<span class="price">${i}.00</span><form action="/cart/add" method="post">'
        f'<input type="hidden" name="id" value="{i}"><input name="qty" type="number" value="1">'
        "<button>Add to cart</button></form></div>"
        for i in range(2000)
    )
    html = f"<html><body><main>{rows}</main></body></html>"
    assert len(html) > 500_000
    started = time.perf_counter()
    page = analyze(html, "https://shop.example/")
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    (form,) = page.forms  # one form per row: analysed once, counted
    assert form.repeats == 2000
    assert dict(form.varying)["id"][:3] == ("0", "1", "2")


ESCAPES = ["café", 'say "hi"', "back\\slash", "line\nbreak", "1a", "-1a", "-", "a b", "a.b#c"]


async def test_css_escaping_matches_the_browser(chromium: Any) -> None:
    from walt.core.css import css_ident, css_string

    await chromium.set_content("<p>x</p>")
    for value in ESCAPES:
        assert await chromium.evaluate("v => CSS.escape(v)", value) == css_ident(value), value
        # The quoted string selects the element whose attribute holds the value.
        found = await chromium.evaluate(
            """([v, sel]) => {
                const el = document.createElement("i");
                el.setAttribute("data-v", v);
                document.body.appendChild(el);
                const hit = document.querySelector(sel) === el;
                el.remove();
                return hit;
            }""",
            [value, f"[data-v={css_string(value)}]"],
        )
        assert found, value
