"""The service's request bodies: a JSON object, never deeper than the limit."""

from __future__ import annotations

import pytest

from walt.core.errors import ValidationError
from walt.server.handlers import MAX_JSON_DEPTH, parse_body


def test_an_object_is_a_body() -> None:
    assert parse_body(b'{"tool": {"name": "x"}}') == {"tool": {"name": "x"}}
    assert parse_body(b"") == {}


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"null", "must be a JSON object"),  # not mistaken for a body too deep to parse
        (b"[1]", "must be a JSON object"),
        (b"{", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1), "nested deeper"),
    ],
)
def test_other_bodies_are_refused_with_their_reason(raw: bytes, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        parse_body(raw)
