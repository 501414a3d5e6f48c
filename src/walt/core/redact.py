"""URLs fit for a log line: no userinfo, and the values of secret-looking query
parameters masked. A module of its own so that logging needs no URL policy."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, urlencode

__all__ = ["redact_url"]

# RFC 3986's scheme, then the authority's "//".
_SCHEME_RE: Final = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")

_SECRET_WORDS: Final = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "token",
        "apikey",
        "key",
        "auth",
        "authorization",
        "session",
        "sessionid",
        "sid",
        "sig",
        "signature",
        "credential",
        "credentials",
        "jwt",
        "csrf",
        "code",
        "otp",
        "bearer",
        "cookie",
    }
)


def _is_secret_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_WORDS or any(
        part in _SECRET_WORDS for part in re.split(r"[_\-.\[\]]+", lowered) if part
    )


def redact_url(url: object) -> str:
    """``url`` fit for a log line: no userinfo, secret-looking query values masked.

    Never raises: input that does not even parse is cut short and returned.
    """
    if not isinstance(url, str):
        return "<not a string>"
    try:
        scheme_match = _SCHEME_RE.match(url)
        if not scheme_match or not url[scheme_match.end() :].startswith("//"):
            return url[:200]
        head = url[: scheme_match.end() + 2]
        rest = url[scheme_match.end() + 2 :]
        end = len(rest)
        for sep in "/?#":
            pos = rest.find(sep)
            if 0 <= pos < end:
                end = pos
        authority, tail = rest[:end], rest[end:]
        if "@" in authority:
            authority = "***@" + authority.rsplit("@", 1)[1]
        path, qmark, query = tail.partition("?")
        if qmark:
            query, hashmark, fragment = query.partition("#")
            pairs = parse_qsl(query, keep_blank_values=True)
            masked = [(k, "***" if _is_secret_param(k) else v) for k, v in pairs]
            tail = path + "?" + urlencode(masked, safe="*") + (hashmark + fragment)
        return head + authority + tail
    except Exception:
        return url[:200]
