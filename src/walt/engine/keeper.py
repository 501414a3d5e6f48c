"""Loaded documents kept between discovery's runs, for routes in their fragments.

The HTML standard navigates to a URL that differs from the document's URL only in its
fragment without loading a new document ("navigate to a fragment"): a single-page
application whose routes live in the fragment (``#/runs?order=asc``) draws the new
route in the page already loaded, in a fraction of the seconds of CPU a fresh load of
its code costs. Discovery runs each tool it checks several times (a word, a nonsense
word; each order of a sort), and several tools of one application, so its runs may keep
the page of one run for the next (:data:`kept_documents`, set for discovery's checks; a
job a caller sends never is: each job has a context of its own, new or reset, see
walt.engine.session).

A kept page is used again only when that cannot show a state the route does not say:

* the run's first step opens a route (no wait step waits for a network the kept page
  quieted long ago); the page is kept again afterwards only when the tool is that
  navigation alone (a click or a choice changes what no route says), and every run the
  page showed succeeded;
* the next URL is a fragment route of the document the page still shows (not one a
  redirect left). When it is the page's own URL the page shows that route already, as
  the route drew it (a page is kept only when nothing but routes was shown in it), so
  the run reads it as it is: a page showing the very route is handed first;
* the next route names every query parameter that any route the page showed before
  named, of any view, so each setting an earlier run made is set again by the URL (a
  route that leaves a parameter out, such as an empty search, may leave the app's
  earlier choice in place, and an app may apply one view's setting to another: it gets
  a fresh page). A return address is no setting: a parameter whose value is the address
  of a view shown before (a settings view's ``returnTo=/runs?order=asc``) says where
  that view goes back to, and no other view shows it (:func:`setting_keys`).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Collection
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urldefrag, urlsplit

import attrs

from walt.core.models import ExtractPageContentStep, NavigationStep, Tool, WaitStep
from walt.core.routes import flatten, has_route, view_path

if TYPE_CHECKING:
    from walt.engine.session import BrowserSession

__all__ = [
    "DocumentKeeper",
    "RouteOpening",
    "kept_documents",
    "route_keys",
    "route_opening",
    "setting_keys",
]

MAX_KEPT: Final = 2
"""Pages kept at most by default (each holds an application's whole heap)."""


def route_keys(url: str) -> frozenset[str]:
    """The names of the query parameters of ``url``'s route (its fragment's, else its own)."""
    return frozenset(k for k, _ in parse_qsl(urlsplit(flatten(url)).query, keep_blank_values=True))


def setting_keys(url: str, views: Collection[str]) -> frozenset[str]:
    """The names of the query parameters of ``url``'s route that may set a state a later
    route could inherit: all of :func:`route_keys` but a return address, a parameter
    whose value is an address (a path, or a URL of ``url``'s origin) of one of
    ``views``, the view paths (:func:`walt.core.routes.view_path`) of the fragment
    routes the site's pages showed before (``returnTo=/runs?order=asc`` after
    ``#/runs``): it says where a view goes back to, which no other view shows. A path
    of a view nobody showed (``path=/docs`` of a file browser) may be a setting and
    counts."""
    origin = urlsplit(url).netloc
    keys: set[str] = set()
    for key, value in parse_qsl(urlsplit(flatten(url)).query, keep_blank_values=True):
        # A path of this site, or a URL of this origin (another site's is no view here).
        path = value.startswith("/") and not value.startswith("//")  # "//h/" names a host
        address = path or urlsplit(value).netloc == origin != ""
        if not (address and view_path(value) in views):
            keys.add(key)
    return frozenset(keys)


@attrs.frozen
class RouteOpening:
    """How a tool's run begins, for the keeper: ``template`` is the URL template of the
    route its first step opens; ``keepable``, whether the page shows only that route
    afterwards (the tool is that navigation, then read)."""

    template: str
    keepable: bool


def route_opening(tool: Tool) -> RouteOpening | None:
    """The route a run of ``tool`` opens first, if it opens one (see the module
    docstring); None for a tool that begins otherwise or waits on the network."""
    if tool.steps:
        first, rest = tool.steps[0], tool.steps[1:]
        if not isinstance(first, NavigationStep) or first.url is None:
            return None
        if any(isinstance(s, WaitStep) for s in rest):
            return None
        template = first.url
        keepable = all(isinstance(s, ExtractPageContentStep) for s in rest)
    elif tool.url_template:
        template, keepable = tool.url_template, True
    else:
        return None
    return RouteOpening(template, keepable) if has_route(template) else None


@attrs.define
class _Kept:
    session: BrowserSession
    named: frozenset[str]  # every parameter a route the page showed named


class DocumentKeeper:
    """The pages kept for discovery's next runs (see the module docstring), at most
    ``limit``; the least recently kept goes first. A page is handed to one run at a time.
    Safe to share between the tasks of one event loop (no await inside)."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        self._kept: list[_Kept] = []
        self._lent: dict[int, frozenset[str]] = {}  # id(session) -> what its routes named
        self._limit = max(1, limit)
        self._closed = False
        self.reused = 0  # runs that were shown in a kept page
        # The tasks whose last run was handed a kept page (see served()).
        self._served: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()

    def take(self, url: str) -> BrowserSession | None:
        """A kept session, handed over, whose page may show ``url`` in place; None when
        no kept page may (or ``url`` is not a fragment route)."""
        if not has_route(url):
            return None
        keys = route_keys(url)
        chosen: int | None = None
        for index, kept in enumerate(self._kept):
            if not kept.session.usable():
                continue
            try:
                current = kept.session.page.url
            except Exception:
                continue
            if urldefrag(current).url != urldefrag(url).url or not keys >= kept.named:
                continue  # another document, or a route that leaves a setting out
            if current == url:
                chosen = index  # nothing to draw: the page shows this route already
                break
            if chosen is None:
                chosen = index
        if chosen is not None:
            kept = self._kept.pop(chosen)
            self._lent[id(kept.session)] = kept.named
            self.reused += 1
            task = _current_task()
            if task is not None:
                self._served.add(task)
            return kept.session
        return None

    def served(self) -> bool:
        """Whether the calling task was handed a kept page since it last asked (the answer
        is then forgotten): a run that :meth:`holds` predicted warm may still have found
        the kept page lent to another run, and loaded the application afresh."""
        task = _current_task()
        if task is None or task not in self._served:
            return False
        self._served.discard(task)
        return True

    def holds(self, url: str) -> bool:
        """Whether a page showing ``url``'s document is kept (a run of a route of it may
        then be shown in place; :meth:`take` decides)."""
        wanted = urldefrag(url).url
        for kept in self._kept:
            try:
                if kept.session.usable() and urldefrag(kept.session.page.url).url == wanted:
                    return True
            except Exception:
                continue
        return False

    def keep(self, session: BrowserSession, url: str) -> BrowserSession | None:
        """Keep ``session``, whose run opened ``url`` and succeeded. Returns the session the
        caller should release: ``session`` itself when its page is not worth keeping (not
        a fragment route, or it left the document), the least recently kept one when too
        many are kept, else None."""
        named = self._lent.pop(id(session), frozenset())
        if self._closed:
            return session  # the checks are over: nothing is kept any more
        try:
            current = session.page.url
        except Exception:
            return session
        if not has_route(url) or urldefrag(current).url != urldefrag(url).url:
            return session  # not a route, or the page left the document (a redirect)
        return self._add(_Kept(session, named | route_keys(url)))

    def _add(self, kept: _Kept) -> BrowserSession | None:
        self._kept.append(kept)
        if len(self._kept) > self._limit:
            return self._kept.pop(0).session
        return None

    def adopt(self, session: BrowserSession, named: frozenset[str]) -> BrowserSession | None:
        """Keep ``session``, whose page showed only routes of its document (no click, no
        typing), naming the settings ``named`` between them (the route it shows now among
        them: a return address in it is none, see :func:`setting_keys`). Returns what
        :meth:`keep` returns."""
        try:
            current = session.page.url
        except Exception:
            return session
        if self._closed or not has_route(current):
            return session
        return self._add(_Kept(session, named))

    def forget(self, session: BrowserSession) -> None:
        """A handed-over session that will not be kept again (its run failed)."""
        self._lent.pop(id(session), None)

    def close(self) -> list[BrowserSession]:
        """Keep nothing from now on; returns the sessions kept, for the caller to release."""
        self._closed = True
        kept, self._kept = [k.session for k in self._kept], []
        return kept

    def drop(self) -> BrowserSession | None:
        """The least recently kept session, no longer kept (the caller releases it); None
        when none is kept."""
        return self._kept.pop(0).session if self._kept else None


kept_documents: ContextVar[DocumentKeeper | None] = ContextVar("walt_kept_documents", default=None)
"""The :class:`DocumentKeeper` of discovery's checks; None for every job a caller sends."""


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop runs: called outside any task
        return None
