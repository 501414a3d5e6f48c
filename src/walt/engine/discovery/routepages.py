"""Loaded documents kept open so that their fragment routes are shown in place.

The HTML standard navigates to a URL that differs from the document's URL only in its
fragment without loading a new document ("navigate to a fragment"): the page's own
script reacts and draws the route. A single-page application whose routes live in the
fragment (``#/runs?q=x``) is therefore shown route after route by one loaded document,
as a user's tab does, instead of downloading, compiling and starting its code again for
every route (seconds of CPU per route for a large application).

:class:`RoutePages` keeps the crawl's pages that show such a document, idle between two
renders. A page is handed out to one user at a time; a page an action may have changed
(a click, a search typed) is closed rather than given back.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final
from urllib.parse import urldefrag

import attrs

from walt.core.routes import has_route, unflatten, view_path
from walt.engine.keeper import route_keys, setting_keys

if TYPE_CHECKING:
    from playwright.async_api import Page

    from walt.engine.effects import PageWatch

__all__ = ["LoadedPage", "RoutePages"]

MAX_IDLE: Final = 4
"""Idle pages kept at most (each holds an application's whole heap)."""


@attrs.define
class LoadedPage:
    """A browser page with the watch that follows its requests, and the HTTP status of
    the document it loaded (a fragment navigation has no response of its own)."""

    page: Page
    watch: PageWatch
    status: int | None
    # Every query parameter a route it showed named, but return addresses (setting_keys).
    named: frozenset[str] = frozenset()


def _document(url: str) -> str:
    return urldefrag(url).url


class RoutePages:
    """Idle pages by the document they show (see the module docstring)."""

    def __init__(self, limit: int = MAX_IDLE) -> None:
        self._idle: list[LoadedPage] = []
        self._limit = limit
        self._views: set[str] = set()  # the view paths of the routes any page showed

    def showed(self, loaded: LoadedPage, url: str) -> None:
        """Note that ``loaded`` was sent to ``url``: what its route may set, which a route
        that leaves it out could inherit (not a return address to a view a page of the
        site showed: walt.engine.keeper.setting_keys)."""
        loaded.named |= setting_keys(url, self._views)
        if has_route(unflatten(url)):  # a document's own path is no view of its routes
            self._views.add(view_path(url))

    def take(self, url: str, *, showing: bool = False) -> LoadedPage | None:
        """An idle page whose document shows ``url``'s route in place, if one is kept,
        preferably one whose routes named no parameter ``url`` leaves out (an app may
        keep a setting a route gave it); None for a URL without a route in its fragment.
        ``showing``: before those, one that shows ``url``'s view now (the same route path,
        whatever its query): the page to hand to the checks, whose first runs are routes of
        that view (another view's page may have been given settings those routes leave
        out)."""
        if not has_route(url):
            return None
        wanted, keys = _document(url), route_keys(url)
        same = [i for i, loaded in enumerate(self._idle) if _document(loaded.page.url) == wanted]
        if showing:
            for index in same:
                if view_path(self._idle[index].page.url) == view_path(url):
                    return self._idle.pop(index)
        for index in same:
            if self._idle[index].named <= keys:
                return self._idle.pop(index)
        return self._idle.pop(same[0]) if same else None

    async def give_back(self, loaded: LoadedPage) -> None:
        """Keep ``loaded`` for the next route of its document (the least recently used
        kept page is closed when enough are kept)."""
        if not loaded.page.is_closed():
            self._idle.append(loaded)
            if len(self._idle) <= self._limit:
                return
            loaded = self._idle.pop(0)  # the least recently used goes
        await close_page(loaded.page)

    async def close(self) -> None:
        """Close every idle page."""
        idle, self._idle = self._idle, []
        for loaded in idle:
            await close_page(loaded.page)


async def close_page(page: Page) -> None:
    """Close ``page``; a page whose browser went away counts as closed."""
    with contextlib.suppress(Exception):
        await page.close()
