"""Small validators the client applies before any work is dispatched.

Goals are data, never instructions: they are length-limited, stripped of
control characters and otherwise passed through untouched.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from walt.core.errors import ValidationError

__all__ = [
    "MAX_GOAL_LENGTH",
    "TOOL_NAME_RE",
    "validate_goal",
    "validate_max_tools",
    "validate_tool_name",
]

MAX_GOAL_LENGTH: Final = 2000
# \A and \Z: "$" would also match before a trailing newline.
TOOL_NAME_RE: Final = re.compile(r"\A[a-zA-Z0-9_-]{1,64}\Z")


def validate_goal(goal: str | None, *, max_length: int = MAX_GOAL_LENGTH) -> str | None:
    """Return ``goal`` with control characters removed and whitespace collapsed.

    ``None`` and blank goals give ``None``. A goal longer than ``max_length``
    characters (after cleaning) is a :class:`ValidationError`.
    """
    if goal is None:
        return None
    if not isinstance(goal, str):
        raise ValidationError(f"goal must be a string, got {type(goal).__name__}")
    cleaned = "".join(
        " " if ch in "\t\n\r" else ch
        for ch in goal
        if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > max_length:
        raise ValidationError(
            f"goal is {len(cleaned)} characters long; the limit is {max_length}",
            details={"length": len(cleaned), "limit": max_length},
        )
    return cleaned or None


def validate_max_tools(value: int) -> int:
    """``max_tools`` must be an integer from 1 to 100."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"max_tools must be an integer, got {type(value).__name__}")
    if not 1 <= value <= 100:
        raise ValidationError(
            f"max_tools must be between 1 and 100, got {value}", details={"value": value}
        )
    return value


def validate_tool_name(name: str) -> str:
    """Tool names follow the rule of the OpenAI and Anthropic APIs: ``^[a-zA-Z0-9_-]{1,64}$``.

    The rule also keeps names safe as file and directory names (no ``/``, no ``..``).
    """
    if not isinstance(name, str) or not TOOL_NAME_RE.match(name):
        shown = name if isinstance(name, str) else type(name).__name__
        raise ValidationError(
            f"invalid tool name {shown!r}: use 1 to 64 letters, digits, '_' or '-'",
            details={"name": str(shown)[:100]},
        )
    return name
