"""Forms submitted as a browser submits them: the entry list (HTML standard), pure.

Controls by form owner, disabled controls left out, the submitter's pair, a
checkbox group as one input of several values, radio groups as one enum, and
the inputs a caller may give (values or labels).
"""

from __future__ import annotations

import pytest

from walt.core.errors import ValidationError
from walt.core.models import Tool, ToolInput
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
