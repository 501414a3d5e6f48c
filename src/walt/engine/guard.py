"""The network guard of one job: its proxy, and the policies for dialogs, popups and downloads.

* every request goes through the job's :class:`~walt.engine.proxy.GuardProxy`;
  what the URL policy refuses is recorded in :attr:`NetworkGuard.blocked`;
* downloads are refused (the context does not accept them) and recorded;
* dialogs (alert, confirm, prompt, beforeunload) are answered by
  ``dialogs="dismiss"`` (default) or ``"accept"`` and recorded;
* popups are recorded and closed (``popups="close"``) or kept (``"keep"``);
* with ``read_only=True`` (a discovery's crawl), requests other than GET, HEAD and
  OPTIONS are refused and recorded: nothing the crawl clicks can change data. A
  script's POST to an endpoint that names a read (``…/search``, ``…/query``, a GraphQL
  ``query``) passes unless :attr:`NetworkGuard.allow_read_posts` is cleared: single-page
  apps load their data that way.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit

from walt.core.httpcache import answered_anyone, held_for_one_user
from walt.core.logging import get_logger
from walt.core.messages import BlockedRequest
from walt.core.urls import UrlPolicy, redact_url
from walt.engine.proxy import GuardProxy

if TYPE_CHECKING:
    from playwright.async_api import (
        BrowserContext,
        Dialog,
        Download,
        Page,
        Request,
        Response,
        Route,
    )

__all__ = ["NetworkGuard", "is_read_call"]

log = get_logger(__name__)

DialogPolicy = Literal["dismiss", "accept"]
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOT_READ = frozenset({"image", "media", "font"})
PopupPolicy = Literal["close", "keep"]
_READ_ENDPOINT: Final = re.compile(
    r"/(?:search|query|list|find|filter|lookup|get|fetch|count|suggest|autocomplete|graphql)"
    r"(?:[-_][a-z]+)*/?$",
    re.IGNORECASE,
)
# Conservative: any mention of a mutation (even inside a variable) keeps the call out.
_MUTATION: Final = re.compile(r"\bmutation\b", re.IGNORECASE)


def is_read_call(request: Request) -> bool:
    """A script's POST that asks for data rather than changing it: a fetch or XHR to an
    endpoint whose last path segment names a read (the RPC-style naming of REST and
    JSON APIs: ``runs/search``, ``items/query``), or a GraphQL request with no mutation."""
    if request.resource_type not in ("fetch", "xhr"):
        return False
    path = urlsplit(request.url).path
    if not _READ_ENDPOINT.search(path):
        return False
    if path.rstrip("/").lower().endswith("graphql"):
        body = request.post_data or ""
        return not _MUTATION.search(body)
    return True


class NetworkGuard:
    def __init__(
        self,
        policy: UrlPolicy,
        *,
        dialogs: DialogPolicy = "dismiss",
        popups: PopupPolicy = "close",
        read_only: bool = False,
    ) -> None:
        self.policy = policy
        self.read_only = read_only
        # A single-page app may load its data by POSTing a query to its API (``/runs/search``).
        self.allow_read_posts = read_only
        self.dialog_policy = dialogs
        self.popup_policy = popups
        self.blocked: list[BlockedRequest] = []
        self.dialogs: list[dict[str, str]] = []
        # What the running step expects of a dialog ("accept", "dismiss"), or None: a
        # dialog then is unexpected, dismissed, and kept in ``unexpected`` for the step.
        self.expect_dialog: str | None = None
        self.unexpected: list[dict[str, str]] = []
        self.follow_popups = False  # the executor follows a tab a step opens
        self.popups: list[str] = []
        self.downloads: list[str] = []
        # Origins whose responses reached the context: the sites that may have stored data
        # in it (walt.engine.session clears theirs before the context serves another job).
        self.origins: set[str] = set()
        # Whether the context's HTTP cache may now give again a response meant for this
        # job's user alone (walt.core.httpcache: held for one user, and not what any
        # newcomer gets): a session clears the cache then. Read it through cache_checked().
        self.cached_for_one_user = False
        # The browser sent HTTP credentials (from an address's user info, or a script's
        # XMLHttpRequest), or a server asked for them: it keeps them for the rest of the
        # context's life, and no reset clears them.
        self.asked_to_authenticate = False
        self.proxy = GuardProxy(policy, self._record_block, on_authorization=self._authenticated)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cache_checks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> NetworkGuard:
        await self.proxy.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.end_tasks()
        await self.proxy.close()

    def clear_records(self) -> None:
        """Start the records a run reports (blocked requests, dialogs, tabs, downloads)
        empty again; what the context holds (:attr:`origins`, the cache) is still known."""
        self.blocked = []
        self.dialogs = []
        self.unexpected = []
        self.popups = []
        self.downloads = []
        self.expect_dialog = None
        self.follow_popups = False

    def start_job(self) -> None:
        """Forget what the last job's pages did, in a context cleared of it."""
        self.clear_records()
        self.origins = set()
        self.cached_for_one_user = False

    def _authenticated(self) -> None:
        self.asked_to_authenticate = True

    def _record_block(self, url: str, reason: str) -> None:
        if len(self.blocked) < 200:
            self.blocked.append(BlockedRequest(url=url, reason=reason))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ wiring

    async def attach(self, context: BrowserContext) -> None:
        context.on("page", self._on_page)
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        if self.read_only:
            await context.route("**/*", self._refuse_writes)

    async def allow_writes(self, context: BrowserContext) -> None:
        """Stop refusing the requests a read-only guard refuses in ``context`` (a crawl's
        context handed to discovery's checks, which run as any job does)."""
        if self.read_only:
            self.read_only = self.allow_read_posts = False
            await context.unroute("**/*", self._refuse_writes)

    async def _refuse_writes(self, route: Route) -> None:
        """Read-only jobs (a discovery's crawl) send no request that may change data, and
        load no images, media or fonts (they say nothing about what a page offers)."""
        request = route.request
        if request.resource_type in _NOT_READ:
            await route.abort("blockedbyclient")
            return
        if request.method in _SAFE_METHODS or (self.allow_read_posts and is_read_call(request)):
            await route.fallback()
            return
        self._record_block(redact_url(request.url), f"a {request.method} while only reading")
        await route.abort("blockedbyclient")

    def watch_page(self, page: Page) -> None:
        """A page the job opened itself: dialogs and downloads handled, never closed as a popup."""
        page.on("dialog", self._on_dialog)
        page.on("download", self._on_download)

    def _on_page(self, page: Page) -> None:
        self._spawn(self._maybe_popup(page))

    async def _maybe_popup(self, page: Page) -> None:
        try:
            opener = await page.opener()
        except Exception:
            return
        if opener is None:
            return  # opened by the job (context.new_page), not by a page
        self.watch_page(page)
        with contextlib.suppress(Exception):
            await page.wait_for_load_state("domcontentloaded", timeout=5000)
        self.popups.append(redact_url(page.url))
        if self.popup_policy == "close" and not self.follow_popups:
            with contextlib.suppress(Exception):
                await page.close()

    def _on_dialog(self, dialog: Dialog) -> None:
        entry = {"type": dialog.type, "message": dialog.message[:300]}
        if dialog.type == "beforeunload":
            choice = "accept"  # leaving a page is what the step asked for
        elif self.expect_dialog in ("accept", "dismiss"):
            choice = self.expect_dialog
        else:
            choice = self.dialog_policy
            if choice != "accept":
                self.unexpected.append(entry)
        entry["action"] = choice
        self.dialogs.append(entry)
        self._spawn(dialog.accept() if choice == "accept" else dialog.dismiss())

    def _on_download(self, download: Download) -> None:
        url = redact_url(download.url)
        self.downloads.append(url)
        self._record_block(url, "downloads are refused")
        self._spawn(download.cancel())

    async def _answered_someone(self, response: Response) -> None:
        try:
            sent, got = await asyncio.gather(response.request.all_headers(), response.all_headers())
        except Exception:  # its page is gone: it may have been anyone's
            self.cached_for_one_user = True
            return
        if not answered_anyone(response.status, got, sent):
            self.cached_for_one_user = True

    async def cache_checked(self) -> bool:
        """Whether the context's HTTP cache may hold a response meant for one user, once
        every response's check has ended (see :attr:`cached_for_one_user`)."""
        while self._cache_checks:
            await asyncio.gather(*list(self._cache_checks), return_exceptions=True)
        return self.cached_for_one_user

    async def end_tasks(self) -> None:
        """Cancel what the guard still does for the last job (a tab it waits for)."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _on_request(self, request: Request) -> None:
        # An address with user info: the browser answers the server's challenge with it
        # inside its network stack (the proxy sees nothing of HTTPS, no event tells).
        if "@" in urlsplit(request.url).netloc:
            self.asked_to_authenticate = True

    def _on_response(self, response: Response) -> None:
        parts = urlsplit(response.url)
        if parts.scheme in ("http", "https"):
            self.origins.add(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}")
        if not self.cached_for_one_user and held_for_one_user(response.status, response.headers):
            # One user's only if it answered someone: a request with nothing but what the
            # browser sends by itself gets what any newcomer gets (an app's page shell).
            check = asyncio.ensure_future(self._answered_someone(response))
            self._cache_checks.add(check)
            check.add_done_callback(self._cache_checks.discard)
        if response.status in (401, 407):
            self.asked_to_authenticate = True
        if response.status != 403 or response.headers.get("x-walt-blocked") != "1":
            return
        url = redact_url(response.url)
        for index, entry in enumerate(self.blocked):
            if entry.url == url and entry.resource_type is None:
                self.blocked[index] = BlockedRequest(
                    url=entry.url, reason=entry.reason, resource_type=response.request.resource_type
                )
                break
