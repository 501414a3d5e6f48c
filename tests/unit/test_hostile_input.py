"""Bounded work on hostile input: patterns, tool files, names, URL rendering."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import walt
from walt.core.errors import ToolFormatError, ValidationError
from walt.core.patterns import UnsupportedPatternError, pattern_error, pattern_matches
from walt.core.placeholders import render_url
from walt.core.toolfile import load_tool, load_tools
from walt.core.validate import validate_tool_name


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(\w+\s?)*$", r"(.*a){20}"])
def test_catastrophic_patterns_match_in_linear_time(pattern: str) -> None:
    assert pattern_error(pattern) is None
    assert not pattern_matches(pattern, "a" * 30 + "!")
    tool = walt.Tool(
        name="t", url_template="http://h/?q={q}", inputs=(walt.ToolInput("q", pattern=pattern),)
    )
    with pytest.raises(ValidationError, match="must match"):
        tool.check_inputs({"q": "a" * 5000 + "!"})


def test_patterns_match_the_whole_value_like_the_html_attribute() -> None:
    assert pattern_matches(r"[0-9]{3}", "123")
    assert not pattern_matches(r"[0-9]{3}", "1234")


def test_backreferences_and_lookaround_are_a_tool_file_problem() -> None:
    for pattern in (r"(a)\1", r"a(?=b)"):
        assert pattern_error(pattern) is not None
        with pytest.raises(UnsupportedPatternError):
            pattern_matches(pattern, "ab")
        with pytest.raises(ToolFormatError, match="pattern"):
            load_tool(
                {
                    "name": "t",
                    "url_template": "http://h/?q={q}",
                    "input_schema": [{"name": "q", "type": "string", "pattern": pattern}],
                }
            )


@pytest.mark.parametrize("name", ["good_name\n", "tool\r\n", "a" * 65, "", "../x", "café"])
def test_tool_names_are_checked_to_the_last_character(name: str) -> None:
    with pytest.raises(ValidationError):
        validate_tool_name(name)


def test_tool_files_are_read_only_when_regular_and_within_the_limit(tmp_path: Path) -> None:
    good = tmp_path / "good.tool.json"
    good.write_text('{"name": "good", "url_template": "http://h/"}')
    (tmp_path / "zero.tool.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.tool.json")
    (tmp_path / "big.tool.json").write_bytes(b" " * (6 * 1024 * 1024))
    for bad in ("zero", "pipe", "big"):
        started = time.monotonic()
        with pytest.raises(ToolFormatError) as caught:
            load_tool(tmp_path / f"{bad}.tool.json")
        assert time.monotonic() - started < 5
        assert "regular file" in str(caught.value) or "larger than" in str(caught.value)
    assert load_tool(good).name == "good"
    with pytest.raises(ToolFormatError):
        load_tools(tmp_path)


def test_url_rendering_is_linear_in_the_placeholders() -> None:
    # Doubling the placeholders roughly doubles the work: counted, not timed.
    template = "http://h/p?" + "&".join(f"k{i}={{q}}" for i in range(80_000))
    rendered = render_url(template, {"q": "x y"})
    assert rendered.count("x%20y") + rendered.count("x+y") == 80_000
