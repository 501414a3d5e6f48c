"""Browser sessions: a fresh context behind its own guard proxy, with a page, for one job.

Opening one costs a few tens of milliseconds (a context, a proxy, a page), so
:class:`SessionPool` keeps one spare session ready for the next job that needs
no auth state, opened in the background after each job. A session is never
used twice: isolation between jobs is the point of a fresh context.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import attrs

from walt.core.urls import UrlPolicy
from walt.engine.browser import BrowserPool
from walt.engine.guard import DialogPolicy, NetworkGuard, PopupPolicy

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

__all__ = ["BrowserSession", "SessionPool"]


@attrs.define
class BrowserSession:
    guard: NetworkGuard
    context: BrowserContext
    page: Page

    def usable(self) -> bool:
        try:
            return (
                not self.page.is_closed()
                and self.context.browser is not None
                and (self.context.browser.is_connected())
            )
        except Exception:
            return False

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.context.close(), 10)
        await self.guard.__aexit__(None, None, None)


class SessionPool:
    """Opens sessions for jobs, keeping one spare ready for jobs without auth state."""

    def __init__(
        self,
        pool: BrowserPool,
        policy: UrlPolicy,
        *,
        dialogs: DialogPolicy = "dismiss",
        popups: PopupPolicy = "close",
    ) -> None:
        self.pool = pool
        self.policy = policy
        self.dialogs = dialogs
        self.popups = popups
        self._spare: asyncio.Task[BrowserSession] | None = None
        self._closing: set[asyncio.Task[Any]] = set()
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
        return BrowserSession(guard, context, page)

    async def take(self, storage_state: dict[str, Any] | None, timeout: float) -> BrowserSession:
        session: BrowserSession | None = None
        if storage_state is None and self._spare is not None:
            spare, self._spare = self._spare, None
            try:
                session = await spare
            except Exception:
                session = None
            if session is not None and not session.usable():
                self.release(session)
                session = None
        if session is None:
            session = await self.open(storage_state)
        session.context.set_default_timeout(timeout * 1000)
        session.context.set_default_navigation_timeout(timeout * 1000)
        return session

    def refill(self) -> None:
        """Start opening the next spare session in the background (if none is pending)."""
        if self._closed or self._spare is not None:
            return
        self._spare = asyncio.ensure_future(self.open(None))
        # A spare that fails to open is simply not used; do not log "never retrieved".
        self._spare.add_done_callback(lambda t: t.cancelled() or t.exception())

    def release(self, session: BrowserSession) -> None:
        """Close a used session in the background; the job's result does not wait for it."""
        task = asyncio.ensure_future(session.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        self._closed = True
        if self._spare is not None:
            spare, self._spare = self._spare, None
            try:
                session = await spare
            except BaseException:
                session = None
            if session is not None:
                await session.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
