"""CSS escaping as the browser does it (CSSOM's serialize a string / CSS.escape)."""

from __future__ import annotations

import pytest

from walt.core.css import css_ident, css_string


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("plain", '"plain"'),
        ("café", '"café"'),  # non-ASCII stays as it is
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("line\nbreak", '"line\\a break"'),
        ("nul\x00", '"nul\ufffd"'),
        ("tab\t", '"tab\\9 "'),
    ],
)
def test_css_string(value: str, escaped: str) -> None:
    assert css_string(value) == escaped


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("abc", "abc"),
        ("1a", "\\31 a"),
        ("-1a", "-\\31 a"),
        ("-", "\\-"),
        ("a b", "a\\ b"),
        ("a.b#c", "a\\.b\\#c"),
        ("café", "café"),
        ("_x-y", "_x-y"),
        ("\x7f", "\\7f "),
    ],
)
def test_css_ident(value: str, escaped: str) -> None:
    assert css_ident(value) == escaped
