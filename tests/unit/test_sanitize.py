"""The HTML standard's value sanitization algorithms, per input type, pure."""

from __future__ import annotations

import pytest

from walt.engine.discovery.sanitize import sanitized_value


@pytest.mark.parametrize(
    ("kind", "value", "bounds", "expected"),
    [
        ("text", "a\r\nb", (), "ab"),
        ("search", None, (), None),
        ("hidden", "a\nb", (), "a\nb"),
        ("url", "  https://x.test/\n ", (), "https://x.test/"),
        ("email", " a@b.test ", (), "a@b.test"),
        ("number", "1.5e3", (), "1.5e3"),
        ("number", "-.5", (), "-.5"),
        ("number", "1.", (), ""),
        ("number", "+1", (), ""),
        ("number", " 1", (), ""),
        ("number", "1e999", (), ""),
        ("range", None, (), "50"),
        ("range", None, ("0", "5"), "3"),
        ("range", "7", ("0", "5"), "5"),
        ("range", None, ("10", "0"), "10"),
        ("range", "0.25", ("0", "1", "0.1"), "0.3"),
        ("range", "2.5", ("0", "10", "any"), "2.5"),
        ("color", "#ABCDEF", (), "#abcdef"),
        ("color", "red", (), "#000000"),
        ("color", None, (), "#000000"),
        ("date", "2024-02-29", (), "2024-02-29"),
        ("date", "2023-02-29", (), ""),
        ("date", "0000-01-01", (), ""),
        ("month", "2024-13", (), ""),
        ("month", "2024-12", (), "2024-12"),
        ("week", "2020-W53", (), "2020-W53"),
        ("week", "2021-W53", (), ""),
        ("time", "23:59:59.999", (), "23:59:59.999"),
        ("time", "24:00", (), ""),
        ("datetime-local", "2024-01-01 10:00:00", (), "2024-01-01T10:00"),
        ("datetime-local", "2024-01-01T25:00", (), ""),
        ("range", "2.5", (), "2.5"),
        ("range", None, ("0", "5", "0"), "3"),
        ("range", None, ("0", "5", "-1"), "3"),
        ("number", "\u0661\u0662", (), ""),
        ("date", "10000-02-29", (), "10000-02-29"),
        ("date", "10100-02-29", (), ""),
        ("week", "10020-W53", (), "10020-W53"),
        ("unknown-type", "kept", (), "kept"),
    ],
)
def test_sanitized_value(
    kind: str, value: str | None, bounds: tuple[str, ...], expected: str | None
) -> None:
    assert sanitized_value(kind, value, *bounds) == expected


def test_an_email_field_of_several_addresses_is_normalized() -> None:
    assert sanitized_value("email", " a@b.test , c@d.test ", multiple=True) == "a@b.test,c@d.test"
