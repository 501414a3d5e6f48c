"""Forms submitted as a browser submits them: the entry list (HTML standard), pure.

Controls by form owner, disabled controls left out, the submitter's pair, a
checkbox group as one input of several values, radio groups as one enum, and
the inputs a caller may give (values or labels).
"""

from __future__ import annotations

import pytest

from walt.core.errors import ValidationError
from walt.core.models import ClickStep, Tool, ToolInput
from walt.core.placeholders import render_url
from walt.engine.discovery.analyze import analyze
from walt.engine.discovery.candidates import build_candidates

URL = "https://shop.example/"


def tool_of(html: str, kind: str | None = None, path: str = "") -> Tool:
    candidates = build_candidates([analyze(html, URL)])
    if kind is not None:
        candidates = [c for c in candidates if c.kind == kind]
    if path:
        candidates = [c for c in candidates if (c.tool.url_template or "").startswith(URL + path)]
    return candidates[0].tool


def test_several_submit_buttons_are_a_choice_defaulting_to_the_first() -> None:
    tool = tool_of(
        """<form action="/issues"><input name="q">
        <button name="scope" value="open">Search open issues</button>
        <button name="scope" value="all">Search all issues</button></form>""",
        "search",
    )
    scope = tool.input("scope")
    assert scope.enum == ("open", "all") and scope.default == "open"
    assert scope.enum_labels == ("Search open issues", "Search all issues")
    values = tool.check_inputs({"q": "crash"})
    assert render_url(tool.url_template or "", values) == URL + "issues?q=crash&scope=open"
    values = tool.check_inputs({"q": "crash", "scope": "Search all issues"})
    assert render_url(tool.url_template or "", values) == URL + "issues?q=crash&scope=all"


def test_one_named_button_sends_its_pair() -> None:
    tool = tool_of(
        '<form action="/s"><input name="q"><button name="go" value="1">Go</button></form>'
    )
    assert tool.url_template == URL + "s?q={q}&go=1"


def test_a_checkbox_group_is_one_input_of_several_values() -> None:
    tool = tool_of(
        """<form action="/shoes">
        <label><input type="checkbox" name="color" value="red"> Red</label>
        <label><input type="checkbox" name="color" value="blue"> Blue</label>
        <label><input type="checkbox" name="color" value="black"> Black</label>
        <label><input type="checkbox" name="size" value="38"> EU 38</label>
        <label><input type="checkbox" name="size" value="40"> EU 40</label>
        <button>Filter</button></form>"""
    )
    color = tool.input("color")
    assert color.type == "array" and color.enum == ("red", "blue", "black")
    assert color.enum_labels == ("Red", "Blue", "Black")
    assert tool.input("size").type == "array"
    values = tool.check_inputs({"color": ["red", "Blue"]})
    assert render_url(tool.url_template or "", values) == URL + "shoes?color=red&color=blue"
    values = tool.check_inputs({"color": "red"})
    assert render_url(tool.url_template or "", values) == URL + "shoes?color=red"


def test_controls_belong_to_their_form_owner_and_disabled_ones_are_left_out() -> None:
    tool = tool_of(
        """<form id="f" action="/find"><input name="q"></form>
        <form action="/other"><input name="stray" form="f"><input name="mine"></form>
        <form action="/x"><input name="in_x_but_f" form="f"></form>
        <fieldset disabled><input name="off" form="f"></fieldset>
        <input name="off2" form="f" disabled>""",
        "search",
        "find",
    )
    assert tool.url_template == URL + "find?q={q}&stray={stray}&in_x_but_f={in_x_but_f}"


def test_a_radio_group_is_one_enum() -> None:
    tool = tool_of(
        """<form action="/list"><label><input type="radio" name="st" value="o" checked>Open</label>
        <label><input type="radio" name="st" value="c">Closed</label></form>"""
    )
    status = tool.input("st")
    assert status.enum == ("o", "c") and status.enum_labels == ("Open", "Closed")


def test_required_only_when_the_form_says_so() -> None:
    tool = tool_of(
        """<form action="/catalog"><input name="q"><select name="maker">
        <option value="m-0255">Bucker Works</option><option value="m-0479">Crane Ltd</option>
        </select></form>""",
        "search",
    )
    assert not tool.input("q").required
    assert tool.check_inputs({"maker": "m-0479"})["maker"] == "m-0479"


def test_an_enum_takes_a_value_or_its_label_and_says_both_when_wrong() -> None:
    tool = Tool(
        name="t",
        inputs=(
            ToolInput(
                "maker",
                enum=("m-0255", "m-0479"),
                enum_labels=("Bucker Works", "Crane Ltd"),
            ),
        ),
    )
    assert tool.check_inputs({"maker": "crane ltd"})["maker"] == "m-0479"
    with pytest.raises(ValidationError) as info:
        tool.check_inputs({"maker": "Alder"})
    assert "'m-0479' (Crane Ltd)" in str(info.value) and "or its label" in str(info.value)


def test_array_items_are_checked_one_by_one() -> None:
    tool = Tool(name="t", inputs=(ToolInput("c", type="array", enum=("a", "b")),))
    with pytest.raises(ValidationError, match="'c'"):
        tool.check_inputs({"c": ["a", "z"]})
    assert tool.check_inputs({"c": ("a", "b")})["c"] == ["a", "b"]
    assert tool.input_schema()["properties"]["c"] == {
        "type": "array",
        "items": {"type": "string", "enum": ["a", "b"]},
    }


def _sent(tool: Tool, inputs: dict[str, object] | None = None) -> str:
    values = tool.check_inputs(inputs or {})
    return render_url(tool.url_template or "", values, encoding=tool.encoding)


def test_the_default_buttons_formaction_and_formmethod_decide_where_it_submits() -> None:
    tool = tool_of(
        """<form action="/old" method="post"><input name="q">
        <button formaction="/find" formmethod="get" name="b" value="v">Find</button></form>"""
    )
    assert _sent(tool, {"q": "x"}) == URL + "find?q=x&b=v"


def test_a_choice_holds_only_buttons_that_send_the_same_pair_to_the_same_place() -> None:
    tool = tool_of(
        """<form action="/s"><input name="q">
        <button name="scope" value="open">Open</button>
        <button name="scope" value="all">All</button>
        <button name="export" value="csv">Export</button>
        <button name="scope" value="mine" formaction="/mine">Mine</button></form>""",
        "search",
        path="s?",
    )
    assert tool.input("scope").enum == ("open", "all")
    assert _sent(tool, {"q": "x", "scope": "all"}) == URL + "s?q=x&scope=all"


def test_a_button_that_sends_the_form_elsewhere_is_a_tool_of_its_own() -> None:
    # HTML standard: the submitter's formaction and formmethod override the form's.
    html = """<form action="/s"><input name="q">
        <button name="scope" value="open">Open</button>
        <button name="scope" value="mine" formaction="/mine">Mine</button>
        <button formaction="/s" formmethod="post" name="save" value="1">Save search</button>
        </form>"""
    mine = tool_of(html, "search", path="mine")
    assert _sent(mine, {"q": "x"}) == URL + "mine?q=x&scope=mine"
    assert _sent(tool_of(html, "search", path="s?"), {"q": "x"}) == URL + "s?q=x&scope=open"
    [posted] = [f for f in analyze(html, URL).forms if f.method == "post"]
    assert posted.action == URL + "s" and posted.submit_text == "Save search"
    # Its steps press that button: found by its name, or by its own attributes inside the
    # form, never as "the form's submit button" (the first one, the form's default).
    [steps] = [c.tool for c in build_candidates([analyze(html, URL)]) if not c.tool.url_template]
    click = steps.steps[-1]
    assert isinstance(click, ClickStep)
    assert [(loc.by, loc.value) for loc in click.locators] == [
        ("role", "button"),
        (
            "css",
            'form:has([name="q"]) [formaction="/s"][formmethod][name="save"][value="1"]',
        ),
    ]


def test_a_first_button_without_a_name_sends_no_pair_and_offers_no_choice() -> None:
    tool = tool_of(
        """<form action="/s"><input name="q"><button>Search</button>
        <button name="lucky" value="1">Lucky</button></form>""",
        "search",
    )
    assert [i.name for i in tool.inputs] == ["q"]
    assert _sent(tool, {"q": "x"}) == URL + "s?q=x"


def test_an_image_button_sends_the_coordinates_of_a_click() -> None:
    tool = tool_of(
        '<form action="/s"><input name="q"><input type="image" name="go" alt="Go" src="g.png">'
        "</form>"
    )
    assert _sent(tool, {"q": "x"}) == URL + "s?q=x&go.x=0&go.y=0"


def test_a_charset_field_sends_the_forms_encoding() -> None:
    html = """<form action="/s" accept-charset="windows-1252"><input name="q">
    <input type="hidden" name="_charset_"></form>"""
    tool = tool_of(html)
    assert _sent(tool, {"q": "Müller"}) == URL + "s?q=M%FCller&_charset_=windows-1252"
    assert _sent(tool_of(html.replace("windows-1252", "utf-8")), {"q": "a"}).endswith(
        "_charset_=UTF-8"
    )


def test_controls_send_their_sanitized_values() -> None:
    tool = tool_of(
        """<form action="/f"><select name="kind"><option>a</option><option>b</option></select>
        <input type="range" name="level" min="0" max="5">
        <input type="number" name="count" value="abc">
        <input type="color" name="tint" value="#ABCDEF">
        <select name="many" size="3"><option>x</option><option>y</option></select></form>""",
        "filter",
    )
    # The range sits in its middle on a step, the colour is lower case, the bad number
    # is empty (left out), and a list box with nothing selected sends nothing.
    assert _sent(tool) == URL + "f?kind=a&level=3&tint=%23abcdef"
    assert tool.input("count").default is None


def test_a_ticked_checkbox_is_sent_until_the_caller_unticks_it() -> None:
    tool = tool_of(
        """<form action="/f"><select name="kind"><option>a</option><option>b</option></select>
        <label><input type="checkbox" name="stock" checked> In stock</label>
        <label><input type="checkbox" name="sale" value="1"> On sale</label></form>""",
        "filter",
    )
    assert _sent(tool) == URL + "f?kind=a&stock=on"
    assert _sent(tool, {"stock": "", "sale": "1"}) == URL + "f?kind=a&sale=1"


def test_the_charset_field_is_replaced_by_the_standards_encoding_name() -> None:
    tool = tool_of(
        """<form action="/s" accept-charset="latin2"><input name="q">
        <input type="hidden" name="_charset_" value="whatever"></form>"""
    )
    assert _sent(tool, {"q": "a"}) == URL + "s?q=a&_charset_=ISO-8859-2"


def test_an_image_button_without_a_name_sends_x_and_y() -> None:
    tool = tool_of('<form action="/s"><input name="q"><input type="image" alt="Go"></form>')
    assert _sent(tool, {"q": "a"}) == URL + "s?q=a&x=0&y=0"


def test_an_invalid_formmethod_is_get_and_the_last_selected_option_wins() -> None:
    tool = tool_of(
        """<form action="/s" method="post"><input name="q"><select name="s">
        <option selected>a</option><option selected>b</option></select>
        <select name="box" size="3px"><option>x</option></select>
        <button formmethod="fetch">Go</button></form>"""
    )
    assert _sent(tool, {"q": "a"}) == URL + "s?q=a&s=b"


def test_a_range_stepping_off_whole_numbers_is_a_number_input() -> None:
    tool = tool_of(
        """<form action="/f"><select name="k"><option>a</option><option>b</option></select>
        <input type="range" name="level" value="2.5"></form>""",
        "filter",
    )
    assert tool.input("level").type == "number" and tool.input("level").default == 2.5


def test_a_rows_button_that_sends_its_form_elsewhere_is_not_offered_alone() -> None:
    # One form per row: its second button would need the row chosen first. Offering it
    # from the first row's copy would act on that row.
    rows = "".join(
        f"""<form action="/items/{n}"><input type="hidden" name="id" value="{n}">
        <button>View</button><button formaction="/items/delete" formmethod="post">Delete
        </button></form>"""
        for n in range(1, 5)
    )
    forms = analyze(f"<html><body>{rows}</body></html>", URL).forms
    assert [f.method for f in forms] == ["get"]
    assert not any(f.by_button for f in forms)
