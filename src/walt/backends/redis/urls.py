"""Redis URLs: which ones the queue and the store accept, and how they are shown.

A Redis URL may carry a password (``redis://:pw@host``, ``?password=pw``), so it is
only ever shown masked, in errors and in a worker's ``repr`` alike.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit

from walt.core.errors import ValidationError

__all__ = ["mask_redis_url", "validate_redis_url"]

_REDIS_SCHEMES: Final = ("redis", "rediss", "unix")
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
