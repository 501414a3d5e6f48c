"""Input patterns matched in linear time.

A tool input's ``pattern`` comes from a tool file or a page (an ``<input pattern>``),
so it is untrusted: a backtracking engine can spend seconds on ``(a+)+$`` and a
27-character input. Patterns run on RE2 (``google-re2``), whose matching time is linear
in the input whatever the pattern. RE2 has no backreferences or lookaround; a pattern
that needs them is reported as unsupported (a tool file problem), never run on a
backtracking engine. Matching is whole-value, like the HTML ``pattern`` attribute.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["UnsupportedPatternError", "pattern_error", "pattern_matches"]


class UnsupportedPatternError(ValueError):
    """The pattern is not valid RE2 syntax (or uses backreferences or lookaround)."""


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        raise UnsupportedPatternError(str(exc)) from None


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (None when it can)."""
    try:
        _compiled(pattern)
    except UnsupportedPatternError as exc:
        return f"not a pattern walt can match in linear time (RE2 syntax): {exc}"
    return None


def pattern_matches(pattern: str, value: str) -> bool:
    """``value`` matches ``pattern`` as a whole; raises :class:`UnsupportedPatternError`."""
    return _compiled(pattern).fullmatch(value) is not None
