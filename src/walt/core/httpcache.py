"""Whether a response kept in a browser's HTTP cache may belong to one user (RFC 9111).

A browser session that serves one job after another keeps its HTTP cache only while
every response in it is one the origin would give anyone (walt.engine.session). From a
response's status and header fields alone:

* **Would the browser answer a later request with it without asking the origin?**
  (RFC 9111 section 4.2; a browser is a private cache, so ``s-maxage`` does not apply.)
  Yes when it is fresh: ``max-age`` above zero, an ``Expires`` date in the future,
  ``stale-while-revalidate`` (served stale while checked), or, with no explicit
  lifetime, a ``Last-Modified`` date (a heuristic lifetime, section 4.2.2) or a status
  browsers keep by default (300, 301, 308, 410). No with ``no-store`` or a bare
  ``no-cache`` (a ``no-cache`` that names fields only drops those fields).
* **Would it give it again after asking?** When it carries a validator (``ETag``,
  ``Last-Modified``), the origin may answer "304 Not Modified" to someone else's
  request, because the record did not change, and the browser shows the stored body.
* **Did the origin say any user may get it?** Only ``public``, or an ``s-maxage`` above
  zero, say so. RFC 9111 also lets a shared cache keep a response with a lifetime
  alone, but that rule does not know about cookies: a page answered to a cookie may be
  one person's. ``private`` always means one user's.

A response is *held for one user* when it may be stored (no ``no-store``), the origin
did not say it is for everyone, and the browser may give it again (fresh, or by a
validator). Headers are a mapping of lower-case field names to values; a field sent
several times is one value with its lines joined by commas or newlines (as Playwright
gives them).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Final

__all__ = [
    "answered_anyone",
    "cache_directives",
    "held_for_one_user",
    "reusable_without_origin",
]

_FRESH_BY_DEFAULT: Final = frozenset({300, 301, 308, 410})
# The fields a browser puts on a request by itself (Fetch standard, Chromium): any other
# one (a cookie, credentials, a script's X-Auth-Token) may make the answer one user's.
_BROWSER_FIELDS: Final = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "connection",
        "content-length",
        "content-type",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "origin",
        "pragma",
        "priority",
        "proxy-connection",
        "purpose",
        "range",
        "referer",
        "upgrade-insecure-requests",
        "user-agent",
    }
)


def cache_directives(value: str) -> dict[str, str | None]:
    """``Cache-Control`` (RFC 9111 section 5.2) as ``{directive: argument or None}``,
    names lower-cased, quotes taken off arguments; the first of a repeated name wins."""
    directives: dict[str, str | None] = {}
    for part in value.replace("\n", ",").split(","):
        name, equals, argument = part.strip().partition("=")
        name = name.strip().lower()
        if name and name not in directives:
            directives[name] = argument.strip().strip('"') if equals else None
    return directives


def _seconds(argument: str | None) -> int:
    try:
        return int(argument or "")
    except ValueError:
        return 0  # an invalid lifetime counts as none (RFC 9111 section 4.2.1)


def _future(date: str, now: float) -> bool:
    try:
        moment = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return False  # an invalid Expires date means already expired (section 5.3)
    return moment.timestamp() > now


def reusable_without_origin(
    status: int, headers: Mapping[str, str], *, now: float | None = None
) -> bool:
    """Whether a browser may answer a later request with this response without asking
    the origin (see the module docstring); ``now``: seconds since the epoch."""
    directives = cache_directives(headers.get("cache-control", ""))
    if "no-store" in directives or ("no-cache" in directives and directives["no-cache"] is None):
        return False
    if _seconds(directives.get("stale-while-revalidate")) > 0:
        return True
    if "max-age" in directives:
        return _seconds(directives["max-age"]) > 0
    if "expires" in headers:
        return _future(headers["expires"], time.time() if now is None else now)
    return "last-modified" in headers or status in _FRESH_BY_DEFAULT


def held_for_one_user(status: int, headers: Mapping[str, str], *, now: float | None = None) -> bool:
    """Whether a browser's cache may keep this response and give it again (without
    asking the origin, or after a "304 Not Modified"), although the origin did not say
    every user may get it."""
    directives = cache_directives(headers.get("cache-control", ""))
    if "no-store" in directives:
        return False
    for_everyone = "public" in directives or _seconds(directives.get("s-maxage")) > 0
    if for_everyone and "private" not in directives:
        return False
    validated = "etag" in headers or "last-modified" in headers
    return validated or reusable_without_origin(status, headers, now=now)


def answered_anyone(
    status: int, headers: Mapping[str, str], request_headers: Mapping[str, str]
) -> bool:
    """Whether a response is what any newcomer asking the same gets: the request carried
    only the fields a browser sends by itself (no cookie, no credentials, no token a
    script added), and the response is not ``private``, not a redirect (which may lead
    into a session kept in the address) and gives no one a cookie (``Set-Cookie``: a
    session minted on the first visit). ``headers`` must include ``set-cookie``."""
    if "private" in cache_directives(headers.get("cache-control", "")):
        return False
    if 300 <= status < 400 and status != 304:
        return False
    if "set-cookie" in headers:
        return False
    return all(
        name in _BROWSER_FIELDS or name.startswith(("sec-", ":")) for name in request_headers
    )
