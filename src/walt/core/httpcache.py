"""Whether a response kept in a browser's HTTP cache belongs to one user (RFC 9111).

A browser session that serves one job after another keeps its HTTP cache only while
every response in it is one the origin would give anyone (walt.engine.session). Two
questions decide that for a response, from its header fields alone:

* **Can the cache answer with it without asking the origin?** (RFC 9111 section 4.2)
  Yes when it is fresh: ``max-age`` or ``s-maxage`` above zero, an ``Expires`` date in
  the future, ``stale-while-revalidate`` (served stale while checked), or, with no
  explicit lifetime, a ``Last-Modified`` date or a permanent redirect (301, 308), which
  browsers give a heuristic lifetime (section 4.2.2). No, with ``no-store`` or
  ``no-cache``: the origin sees the next request and answers it for its sender.
* **Did the origin say any user may get it?** Only ``public`` or ``s-maxage`` say so.
  RFC 9111 also lets a shared cache keep a response with a lifetime alone, but that
  rule does not know about cookies: a page answered to a cookie may be one person's.
  ``private`` always means one user's.

Headers are a mapping of lower-case field names to values; a field sent several times
is one value with its lines joined by commas or newlines (as Playwright gives them).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Final

__all__ = ["cache_directives", "held_for_one_user", "reusable_without_origin"]

_PERMANENT_REDIRECTS: Final = frozenset({301, 308})


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
    """Whether a cache may answer a later request with this response without asking the
    origin (see the module docstring); ``now``: seconds since the epoch."""
    directives = cache_directives(headers.get("cache-control", ""))
    if "no-store" in directives or "no-cache" in directives:
        return False
    if _seconds(directives.get("stale-while-revalidate")) > 0:
        return True
    for lifetime in ("s-maxage", "max-age"):
        if lifetime in directives:
            return _seconds(directives[lifetime]) > 0
    if "expires" in headers:
        return _future(headers["expires"], time.time() if now is None else now)
    return "last-modified" in headers or status in _PERMANENT_REDIRECTS


def held_for_one_user(status: int, headers: Mapping[str, str], *, now: float | None = None) -> bool:
    """Whether a browser's cache may hold this response and answer with it later without
    asking the origin, although the origin did not say every user may get it."""
    directives = cache_directives(headers.get("cache-control", ""))
    shared = ("public" in directives or "s-maxage" in directives) and "private" not in directives
    return not shared and reusable_without_origin(status, headers, now=now)
