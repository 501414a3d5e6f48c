"""A loaded document kept between the runs of one tool, for routes in its fragment.

The HTML standard navigates to a URL that differs from the document's URL only in its
fragment without loading a new document ("navigate to a fragment"): a single-page
application whose routes live in the fragment (``#/runs?order=asc``) draws the new
route in the page already loaded, in a fraction of the seconds of CPU a fresh load of
its code costs. Discovery runs each tool it checks several times (a word, a nonsense
word; each order of a sort), so a check may keep the page of one run for the next
(:data:`kept_documents`, set per check; a job a caller sends never is: each job has
a context of its own, new or reset, see walt.engine.session).

A kept page is used again only when that cannot show a state the route does not say:

* the tool is one navigation (no click changed the page, no wait step waits for a
  network the kept page quieted long ago), and its last run succeeded in that page;
* the next URL is a fragment route of the document the page still shows (not one a
  redirect left), other than the page's own URL (the page's script must see a new
  route);
* the next route names every query parameter the last one named, so each setting the
  last run made is set again by the URL (a route that leaves a parameter out, such as
  an empty search, may leave the app's earlier choice in place: it gets a fresh page).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urldefrag, urlsplit

from walt.core.routes import flatten, has_route

if TYPE_CHECKING:
    from walt.engine.session import BrowserSession

__all__ = ["DocumentKeeper", "kept_documents"]


def _route_keys(url: str) -> frozenset[str]:
    return frozenset(k for k, _ in parse_qsl(urlsplit(flatten(url)).query, keep_blank_values=True))


class DocumentKeeper:
    """One check's kept page (see the module docstring). Not shared between tasks."""

    def __init__(self) -> None:
        self._session: BrowserSession | None = None
        self._url = ""
        self.reused = 0  # runs that were shown in a kept page

    def take(self, url: str) -> BrowserSession | None:
        """The kept session, handed over, when a run that opens ``url`` may use it."""
        session = self._session
        if session is None or not has_route(url) or not session.usable():
            return None
        try:
            current = session.page.url
        except Exception:
            return None
        if (
            urldefrag(url).url != urldefrag(self._url).url
            or urldefrag(current).url != urldefrag(url).url  # the page went elsewhere
            or url == current
            or not _route_keys(url) >= _route_keys(self._url)
        ):
            return None
        self._session = None
        self.reused += 1
        return session

    def keep(self, session: BrowserSession, url: str) -> BrowserSession | None:
        """Keep ``session`` (whose run opened ``url`` and succeeded); returns the session
        kept before, for the caller to close, or ``session`` itself when a page that is not
        a fragment route is not worth keeping."""
        try:
            current = session.page.url
        except Exception:
            return session
        if not has_route(url) or urldefrag(current).url != urldefrag(url).url:
            return session  # not a route, or the page left the document (a redirect)
        stale, self._session, self._url = self._session, session, url
        return stale

    def drop(self) -> BrowserSession | None:
        """The kept session, no longer kept (the caller closes it)."""
        session, self._session = self._session, None
        return session


kept_documents: ContextVar[DocumentKeeper | None] = ContextVar("walt_kept_documents", default=None)
"""The current check's :class:`DocumentKeeper` (discovery sets one per check); None for
every job a caller sends."""
