from __future__ import annotations

import pytest

from walt.core.errors import ValidationError
from walt.core.models import Tool, ToolInput, UrlOperation
from walt.core.placeholders import (
    apply_url_operation,
    coerce_inputs,
    find_placeholders,
    is_blank,
    render_text,
    render_url,
)

TOOL = Tool(
    name="t",
    inputs=(
        ToolInput("q"),
        ToolInput("n", type="integer", required=False, minimum=1, maximum=5),
        ToolInput("price", type="number", required=False),
        ToolInput("flag", type="boolean", required=False),
        ToolInput("sort", required=False, enum=("price", "date"), default="date"),
        ToolInput("code", required=False, pattern=r"[A-Z]{3}"),
    ),
)


def test_find_placeholders() -> None:
    assert find_placeholders("{a}/{b_c}?x={a}") == ["a", "b_c", "a"]
    assert find_placeholders("{Antiques: 2, Bikes: 7}") == []
    assert find_placeholders(None) == []


def test_coerce_inputs_converts_text_and_applies_defaults() -> None:
    values = coerce_inputs(TOOL, {"q": "kettle", "n": "3", "price": "2.5", "flag": "yes"})
    assert values == {"q": "kettle", "n": 3, "price": 2.5, "flag": True, "sort": "date"}
    assert coerce_inputs(TOOL, {"q": 12})["q"] == "12"
    assert coerce_inputs(TOOL, {"q": "x", "n": 2.0})["n"] == 2


def test_coerce_inputs_reports_every_problem_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        coerce_inputs(
            TOOL,
            {
                "n": "three",
                "price": "NaNa",
                "flag": "maybe",
                "sort": "colour",
                "extra": 1,
                "code": "abc",
            },
        )
    problems = info.value.details["problems"]
    text = " ".join(problems)
    assert "missing required input 'q'" in text
    assert "unknown input 'extra'" in text
    assert "'n' must be an integer" in text
    assert "'price' must be a number" in text
    assert "'flag' must be true or false" in text
    assert "'sort' must be one of 'price', 'date'" in text
    assert "'code' must match" in text
    assert len(problems) == 7


def test_coerce_inputs_bounds_and_types() -> None:
    with pytest.raises(ValidationError, match="at most 5"):
        coerce_inputs(TOOL, {"q": "x", "n": 9})
    with pytest.raises(ValidationError, match="must be a string"):
        coerce_inputs(TOOL, {"q": {"a": 1}})
    with pytest.raises(ValidationError, match="boolean"):
        coerce_inputs(TOOL, {"q": "x", "n": True})
    with pytest.raises(ValidationError, match="mapping"):
        coerce_inputs(TOOL, ["q"])  # type: ignore[arg-type]


def test_render_text_is_plain_and_css_is_escaped() -> None:
    assert render_text("{q} & <b>", {"q": "a'b"}) == "a'b & <b>"
    assert render_text("a[href='{p}']", {"p": "x'] , *[y='"}, context="css") == (
        "a[href='x\\'] , *[y=\\'']"
    )
    with pytest.raises(ValidationError):
        render_text("//a[text()='{t}']", {"t": 'it\'s "x"'}, context="xpath")
    assert render_text("{current_url}", {}, {"current_url": "http://a/"}) == "http://a/"
    assert render_text("{missing}", {}) == ""


def test_render_url_escapes_per_part() -> None:
    values = {"base": "https://shop.example", "cat": "a b/c", "q": "tea & cake=1#x", "f": "x y"}
    url = render_url("{base}/c/{cat}/list?q={q}&f={f}#sec-{f}", values)
    assert url == "https://shop.example/c/a%20b/c/list?q=tea%20%26%20cake%3D1%23x&f=x%20y#sec-x%20y"


def test_render_url_drops_empty_optional_query_pairs() -> None:
    assert (
        render_url("https://x/s?q={q}&sort={sort}&fixed=1", {"q": "a"}) == "https://x/s?q=a&fixed=1"
    )
    assert render_url("https://x/s?sort={sort}", {}) == "https://x/s"


def test_render_url_refuses_traversal_and_host_injection() -> None:
    with pytest.raises(ValidationError):
        render_url("https://x/item/{id}/edit", {"id": "../../admin"})
    with pytest.raises(ValidationError):
        render_url("https://{host}/x", {"host": "evil.com/@"})
    assert (
        render_url("https://{host}/x", {"host": "shop.example:8080"})
        == "https://shop.example:8080/x"
    )


def test_is_blank() -> None:
    assert is_blank("{a}{b}", {}, {"a", "b"})
    assert not is_blank("{a}", {"a": "x"}, {"a"})
    assert not is_blank("{a}", {}, set())
    assert not is_blank("literal", {}, {"a"})


def test_url_operation_replace_semantics() -> None:
    op = UrlOperation(
        "{current_url}", {"sOrder": "{sOrder}", "iPage": "{iPage}", "sPattern": "{q}"}
    )
    system = {"current_url": "https://x/index.php?page=search&sPattern=old&iPage=3&keep=1"}
    url = apply_url_operation(op, {"sOrder": "i_price", "q": "new words"}, system)
    # iPage not provided: left alone; sPattern replaced in place; sOrder appended
    assert (
        url == "https://x/index.php?page=search&sPattern=new%20words&iPage=3&keep=1&sOrder=i_price"
    )
    removed = apply_url_operation(op, {"q": ""}, system)
    assert "sPattern" not in removed and "iPage=3" in removed


@pytest.mark.parametrize(
    ("current", "step", "expected"),
    [
        ("p=3", "+1", "p=4"),
        ("p=3", "-1", "p=2"),
        ("p=1", "-1", "p=1"),
        ("", "+1", "p=2"),
        ("p=abc", "+1", "p=%2B1"),
        ("offset=20", "+10", "offset=30"),
        ("", "+10", "p=11"),
    ],
)
def test_url_operation_increments(current: str, step: str, expected: str) -> None:
    key = expected.split("=")[0]
    op = UrlOperation("{current_url}", {key: "{v}"})
    url = apply_url_operation(op, {"v": step}, {"current_url": f"https://x/l?{current}"})
    assert url == f"https://x/l?{expected}"
