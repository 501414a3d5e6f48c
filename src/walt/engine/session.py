"""Browser sessions: a context behind its own guard proxy, with a page, for one job at a time.

Opening a session costs a context, a proxy and a page (tens of milliseconds), and its
first document a cold renderer: the page's scripts and style sheets are fetched,
parsed and compiled again (on a wiki page with 600 kB of them, about 70 ms more than
the same page shown again in a used tab). So :class:`SessionPool` keeps sessions
ready for the next job that brings no auth state:

* a used session that started without auth state is **reset** (:meth:`BrowserSession.reset`)
  to what a new context holds: no cookie, no stored data of any origin its pages
  reached, a tab at ``about:blank`` with no history and no name, no other tab, no
  permission, empty job records, and an HTTP cache that holds no response meant for
  one user (one its origin did not mark ``Cache-Control: public`` and which is not what
  any newcomer asking the same gets, :func:`walt.core.httpcache.answered_anyone`),
  else an empty one. The renderer's warmth and
  the shared responses are kept, and what Chromium keeps beyond its protocol's reach
  (HSTS, TLS session tickets, the CORS preflight cache);
* else (its job signed in or sent HTTP credentials, which no reset clears; or the reset
  failed) it is closed, and a new spare is opened in the background after each job.

``reuse=False`` keeps the strictest form: a new context for every job.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Final

import attrs

from walt.core.logging import get_logger
from walt.core.urls import UrlPolicy
from walt.engine.browser import BrowserPool
from walt.engine.guard import DialogPolicy, NetworkGuard, PopupPolicy

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Page

__all__ = ["BrowserSession", "SessionPool"]

log = get_logger(__name__)

MAX_JOBS: Final = 100
"""Jobs one session serves before it is closed: a renderer's heap grows with use."""
MAX_ORIGINS: Final = 64
"""Origins a job's pages may reach for its session to be reset rather than closed (each
origin's data is cleared by a call of its own)."""
RESET_TIMEOUT: Final = 5.0
"""Seconds a reset may take; a session that does not reset in time is closed."""
MAX_TAB_ROUNDS: Final = 5
"""Times the other tabs are closed before a reset gives up (tabs that open tabs)."""
MAX_READY: Final = 2
"""Sessions kept ready for the next jobs (reset ones, or a new spare)."""
READY_WAIT: Final = 1.0
"""Seconds a job waits for a session being reset or opened before it opens one itself."""
_CLEAR_NAME: Final = "() => { window.name = ''; }"


@attrs.define
class BrowserSession:
    guard: NetworkGuard
    context: BrowserContext
    page: Page
    anonymous: bool = True
    """Opened without a caller's auth state: once reset, it may serve any job without one."""
    jobs: int = 0
    spent: bool = False
    """Its job signed in (a login tool's run): closed after it, never reset."""
    _cdp: CDPSession | None = None

    def usable(self) -> bool:
        try:
            return (
                not self.page.is_closed()
                and self.context.browser is not None
                and (self.context.browser.is_connected())
            )
        except Exception:
            return False

    def resettable(self) -> bool:
        """Whether :meth:`reset` may bring this session back for another job: not when it
        started with auth state or its job signed in (``spent``), nor when a server asked
        for HTTP authentication (the browser keeps credentials it sent, and no reset
        clears them)."""
        return (
            self.anonymous
            and not self.spent
            and not self.guard.asked_to_authenticate
            and self.jobs < MAX_JOBS
            and len(self.guard.origins) <= MAX_ORIGINS
            and self.usable()
        )

    async def reset(self) -> None:
        """Bring the session back to what a new context holds (see the module docstring).

        In this order: the guard proxy refuses every request and cuts the open ones (a
        beacon or ``keepalive`` fetch the last page sends as it leaves must not set a
        cookie once they are cleared); the tab leaves its document for ``about:blank``
        (its scripts and timers end, so it opens no more tabs) and every other tab is
        closed; then, with the Chrome DevTools Protocol, ``Page.resetNavigationHistory``,
        the cookies, the permissions, ``Storage.clearDataForOrigin`` with every storage
        type for each origin in :attr:`NetworkGuard.origins`, and
        ``Network.clearBrowserCache`` when a response may have been kept for one user
        (:mod:`walt.core.httpcache`, and it is not what any newcomer gets:
        :meth:`NetworkGuard.cache_checked`); a session whose browser sent credentials
        meanwhile raises instead. Raises what the browser raises, or
        :class:`RuntimeError` when a tab is still open; the caller then closes the
        session instead.
        """
        guard = self.guard
        guard.follow_popups = False  # the guard closes a tab that opens from now on
        await guard.proxy.pause()
        await self.page.goto("about:blank")
        await self._close_other_tabs()
        if len(self.context.pages) != 1:
            raise RuntimeError("tabs kept opening while the context was reset")
        # Nothing can reach the context now: what the job left is known in full.
        await guard.end_tasks()
        # A tab a closing tab opened may be reported only now: closed before the storage
        # is cleared (one reported later still fails the reset, below).
        await self._close_other_tabs()
        private_cache = await guard.cache_checked()
        if not self.resettable():  # seen late: credentials sent, or too many origins
            raise RuntimeError("the context can no longer be reset")
        origins = sorted(guard.origins)
        guard.start_job()
        # A browsing context's name is the one thing it carries across documents.
        await self.page.evaluate(_CLEAR_NAME)
        if self._cdp is None:
            self._cdp = await self.context.new_cdp_session(self.page)
        cdp = self._cdp
        await cdp.send("Page.resetNavigationHistory")
        await self.context.clear_cookies()
        await self.context.clear_permissions()
        await asyncio.gather(
            *(
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
                for origin in origins
            )
        )
        if private_cache:
            await cdp.send("Network.clearBrowserCache")
        if len(self.context.pages) != 1:
            # A tab reported after the storage was cleared may have written to it.
            raise RuntimeError("a tab opened while the context was reset")
        guard.proxy.resume()

    async def _close_other_tabs(self) -> None:
        """Close every tab of the context but the session's own, in rounds (a tab may open
        another as it closes), :data:`MAX_TAB_ROUNDS` at most."""
        for _ in range(MAX_TAB_ROUNDS):
            others = [page for page in self.context.pages if page is not self.page]
            if not others:
                return
            for other in others:
                await other.close()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.context.close(), 10)
        await self.guard.__aexit__(None, None, None)


class SessionPool:
    """Opens sessions for jobs, keeping up to ``MAX_READY`` ready for jobs without auth
    state (reset ones first; see the module docstring). ``reuse=False``: never reset a
    session, close it after its job."""

    def __init__(
        self,
        pool: BrowserPool,
        policy: UrlPolicy,
        *,
        dialogs: DialogPolicy = "dismiss",
        popups: PopupPolicy = "close",
        reuse: bool = True,
    ) -> None:
        self.pool = pool
        self.policy = policy
        self.dialogs = dialogs
        self.popups = popups
        self.reuse = reuse
        self._ready: collections.deque[asyncio.Task[BrowserSession | None]] = collections.deque()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._waiting = 0  # jobs waiting for a coming session
        self._closed = False

    async def open(self, storage_state: dict[str, Any] | None = None) -> BrowserSession:
        guard = NetworkGuard(self.policy, dialogs=self.dialogs, popups=self.popups)
        await guard.__aenter__()
        try:
            context = await self.pool.new_context(
                proxy_server=guard.proxy.server_url, storage_state=storage_state
            )
            await guard.attach(context)
            page = await context.new_page()
            guard.watch_page(page)
        except BaseException:
            await guard.__aexit__(None, None, None)
            raise
        return BrowserSession(guard, context, page, anonymous=storage_state is None)

    async def take(self, storage_state: dict[str, Any] | None, timeout: float) -> BrowserSession:
        """A session for one job (``timeout``: its default for every action, in seconds):
        a ready one when the job brings no ``storage_state``, else a new one. Give it
        back with :meth:`release`."""
        session = await self._ready_session() if storage_state is None else None
        if session is None:
            session = await self.open(storage_state)
        session.jobs += 1
        session.context.set_default_timeout(timeout * 1000)
        session.context.set_default_navigation_timeout(timeout * 1000)
        return session

    async def _ready_session(self) -> BrowserSession | None:
        """A ready session, waiting ``READY_WAIT`` seconds at most for one being opened or
        reset (a page that hangs holds its reset up to ``RESET_TIMEOUT``: the job opens
        a new session instead). A job cancelled meanwhile leaves them ready for the next."""
        waited_until = time.monotonic() + READY_WAIT
        while self._ready:
            done = next((task for task in self._ready if task.done()), None)
            if done is None:
                left = waited_until - time.monotonic()
                # One coming session per waiting job: the others open their own at once.
                if left <= 0 or self._waiting >= len(self._ready):
                    return None
                self._waiting += 1
                try:
                    await asyncio.wait(
                        list(self._ready), timeout=left, return_when="FIRST_COMPLETED"
                    )
                finally:
                    self._waiting -= 1
                continue
            self._ready.remove(done)
            if done.cancelled() or done.exception() is not None:
                continue  # a spare that failed to open
            session = done.result()
            if session is None:
                continue  # a session that did not reset (it is closed)
            if session.usable():
                return session
            self._close_later(session)
        return None

    def refill(self) -> None:
        """Start opening a spare session in the background, unless one is ready or coming."""
        if self._closed or self._ready:
            return
        self._add_ready(self._spawn(self.open(None)))

    def release(self, session: BrowserSession) -> None:
        """Take a used session back: reset it for the next job in the background, or close
        it there (the job's result waits for neither)."""
        if (
            self.reuse
            and not self._closed
            and len(self._ready) < MAX_READY
            and session.resettable()
        ):
            self._add_ready(self._spawn(self._reset(session)))
        else:
            self._close_later(session)

    def _add_ready(self, coming: asyncio.Task[BrowserSession | None]) -> None:
        self._ready.append(coming)
        coming.add_done_callback(self._drop_if_failed)

    def _drop_if_failed(self, coming: asyncio.Task[BrowserSession | None]) -> None:
        """A spare that did not open, or a session that did not reset, leaves the ready
        ones at once (it would hold a place of ``MAX_READY`` and stop :meth:`refill`)."""
        if coming.cancelled() or coming.exception() is not None or coming.result() is None:
            with contextlib.suppress(ValueError):
                self._ready.remove(coming)
            self.refill()

    async def _reset(self, session: BrowserSession) -> BrowserSession | None:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(session.reset(), RESET_TIMEOUT)
        except asyncio.CancelledError:
            self._close_later(session)  # the loop is ending: neither reused nor left open
            raise
        except Exception as exc:
            log.debug("closing a session that did not reset: %s", type(exc).__name__)
            await session.close()
            return None
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("reset a session for the next job in %.0f ms", elapsed_ms)
        return session

    def _close_later(self, session: BrowserSession) -> None:
        self._spawn(session.close())

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self) -> None:
        """Close the ready sessions and wait for the ones closing."""
        self._closed = True
        while self._ready:
            (session,) = await asyncio.gather(self._ready.popleft(), return_exceptions=True)
            if session is not None and not isinstance(session, BaseException):
                await session.close()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
