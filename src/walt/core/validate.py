"""Small validators the client applies before any work is dispatched.

Goals are data, never instructions: they are length-limited, stripped of
control characters and otherwise passed through untouched.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit

from walt.core.errors import ValidationError

__all__ = [
    "MAX_GOAL_LENGTH",
    "TOOL_NAME_RE",
    "mask_redis_url",
    "validate_goal",
    "validate_max_tools",
    "validate_redis_url",
    "validate_tool_name",
]

MAX_GOAL_LENGTH: Final = 2000
# \A and \Z: "$" would also match before a trailing newline.
TOOL_NAME_RE: Final = re.compile(r"\A[a-zA-Z0-9_-]{1,64}\Z")
_REDIS_SCHEMES: Final = ("redis", "rediss", "unix")


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


_REDIS_SECRET_KEYS: Final = frozenset({"password", "pass", "passwd", "auth", "token", "secret"})


def mask_redis_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` in every spelling redis-py accepts:
    the user information (``redis://user:pw@host``, ``redis://:pw@host``) and the
    query (``?password=pw``, also unix socket URLs). User names are kept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable redis url>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:***@{hostport}" if colon else f"{user}@{hostport}"
        if not colon and not user:
            netloc = hostport
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        masked = [(k, "***" if k.lower() in _REDIS_SECRET_KEYS else v) for k, v in pairs]
        query = urlencode(masked, safe="*")
    # By hand: urlunsplit drops the "//" of a URL with an empty host (unix:///path).
    tail = (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return f"{parts.scheme}://{netloc}{parts.path}{tail}"


def validate_redis_url(url: str) -> str:
    """Accept ``redis://``, ``rediss://`` (TLS) and ``unix://`` URLs; never show passwords."""
    if not isinstance(url, str) or not url.strip():
        raise ValidationError("the Redis URL must be a non-empty string")
    url = url.strip()
    masked = mask_redis_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # The parser's message may quote the password: never chain it.
        raise ValidationError(f"malformed Redis URL {masked}", details={"url": masked}) from None
    if parts.scheme not in _REDIS_SCHEMES:
        raise ValidationError(
            f"unsupported Redis URL scheme in {masked}: use redis://, rediss:// or unix://",
            details={"url": masked},
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ValidationError(f"the Redis URL {masked} has no host", details={"url": masked})
    if port is not None and not 0 < port <= 65535:
        raise ValidationError(f"invalid port in Redis URL {masked}", details={"url": masked})
    db = parts.path.lstrip("/")
    if parts.scheme != "unix" and db and not db.isdigit():
        raise ValidationError(
            f"the Redis database in {masked} must be a number", details={"url": masked}
        )
    return url
