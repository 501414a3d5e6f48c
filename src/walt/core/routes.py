"""Routes in the fragment: the URLs of single-page apps that route on ``location.hash``.

A fragment is never sent to a server (RFC 3986 §3.5): ``/#/search?q=x`` and
``/#/item/3`` are one request for ``/``, and only the page's script, reading
``location.hash``, tells them apart. A fragment that starts with ``/`` or ``!/`` (the
"hashbang" convention) is such a route; any other fragment (``#top``, ``#section-2``)
names a place in one document.

Discovery reasons about paths and queries (families of links, URL patterns), so a
route URL is *flattened* for it: the fragment's ``#`` becomes a ``%23`` path segment
marker and the route's query becomes the URL's query, e.g.
``http://h/#/search?q=x`` -> ``http://h/%23/search?q=x``. A literal ``#`` can never be
part of a path, so the marker is unambiguous for URLs a site writes with a raw ``#``.
:func:`unflatten` gives back the URL a browser must load. Tools always carry real URLs.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

__all__ = ["flatten", "has_route", "is_route_fragment", "unflatten", "view_path"]

_MARK: Final = "%23"
_QUERY_MARK: Final = "%3F"


def is_route_fragment(fragment: str) -> bool:
    """True for a fragment a script routes on (``/search?q=``, ``!/item/3``)."""
    return fragment.startswith(("/", "!/"))


def has_route(url: str) -> bool:
    """True when ``url`` (a URL or a URL template) has a route in its fragment."""
    _, hashmark, fragment = url.partition("#")
    return bool(hashmark) and is_route_fragment(fragment)


def flatten(url: str) -> str:
    """``url`` with its route fragment moved into the path and query (see the module
    docstring); any other URL unchanged."""
    document, hashmark, fragment = url.partition("#")
    if not hashmark or not is_route_fragment(fragment):
        return url
    if "?" in document:
        # The document's own query (rare beside a route) stays in the path, escaped.
        base, _, query = document.partition("?")
        document = f"{base}{_QUERY_MARK}{query}"
    if not urlsplit(document).path:
        document += "/"
    return f"{document}{_MARK}{fragment}"


def view_path(address: str) -> str:
    """The path of the view ``address`` shows: its fragment route's path when it has one
    (``/runs`` for ``http://h/#/runs?order=asc``), else its own path (``/runs`` for
    ``/runs?order=asc``, ``/`` for none)."""
    path = urlsplit(flatten(address)).path
    return path.partition(_MARK)[2] or path or "/"


def unflatten(url: str) -> str:
    """The URL a browser loads for a flattened URL or template; others unchanged."""
    parts = urlsplit(url)
    if _MARK not in parts.path:
        return url
    prefix = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    head, _, route = parts.path.partition(_MARK)
    if _QUERY_MARK in head:
        base, _, query = head.partition(_QUERY_MARK)
        head = f"{base}?{query}"
    tail = f"?{parts.query}" if parts.query else ""
    return f"{prefix}{head}#{route}{tail}"
