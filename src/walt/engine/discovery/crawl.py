"""The crawl: breadth first over one origin, one page per URL pattern.

Pages are fetched over HTTP and rendered in the browser only when they run
scripts (what a script builds is then seen). Every URL passes the URL policy
(the browser sits behind the job's guard proxy); pages that differ only by
parameter values count once; links that look destructive or session-ending
are never followed; GET forms are submitted with their default values (a read)
so result pages are seen too; robots.txt is respected unless the caller opts
out; the caller's auth state is used for every page.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import urllib.robotparser
from collections import deque
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlencode, urlsplit, urlunsplit

import attrs

from walt.core.costs import CostMeter
from walt.core.errors import UrlBlockedError, WaltError
from walt.core.logging import get_logger
from walt.core.messages import DiscoverRequest, PageVisit
from walt.core.urls import redact_url
from walt.engine.discovery.analyze import FormInfo, PageAnalysis, analyze, url_pattern
from walt.engine.executor import Executor
from walt.engine.guard import NetworkGuard
from walt.engine.http import cookie_jar

__all__ = ["CrawlResult", "crawl"]

log = get_logger(__name__)

CONCURRENCY: Final = 4
_SCRIPT: Final = re.compile(r"<script\b", re.IGNORECASE)
PAGE_TIMEOUT: Final = 6.0
ROBOTS_AGENT: Final = "walt"


@attrs.define
class CrawlResult:
    pages: list[PageAnalysis] = attrs.field(factory=list)
    visits: list[PageVisit] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)
    loaded: list[str] = attrs.field(factory=list)  # every URL the browser loaded, in order


def _default_submission(form: FormInfo) -> str | None:
    """The URL a GET form goes to with its default values (what pressing submit does)."""
    if form.method != "get":
        return None
    pairs: list[tuple[str, str]] = []
    for field in form.fields:
        if field.kind in ("checkbox", "radio", "password"):
            if field.default is not None and field.kind == "radio":
                pairs.append((field.name, field.default))
            continue
        pairs.append((field.name, field.default or ""))
    parts = urlsplit(form.action)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


async def _robots(
    executor: Executor, origin: str, meter: CostMeter
) -> urllib.robotparser.RobotFileParser | None:
    parser = urllib.robotparser.RobotFileParser()
    try:
        fetched = await executor.fetcher.fetch(f"{origin}/robots.txt", meter=meter, timeout=5)
    except WaltError:
        return None
    if fetched.status >= 400 or "html" in fetched.content_type:
        return None
    parser.parse(fetched.text.splitlines())
    return parser


async def crawl(
    executor: Executor,
    request: DiscoverRequest,
    meter: CostMeter,
    *,
    deadline: float,
    on_page: Callable[[PageVisit, int, int], Any] | None = None,
) -> CrawlResult:
    """Visit up to ``request.max_pages`` pages of the site at ``request.url``."""
    result = CrawlResult()
    start = urlsplit(request.url)
    origin = f"{start.scheme}://{start.netloc}"
    robots = await _robots(executor, origin, meter) if request.respect_robots else None
    queue: deque[tuple[str, int]] = deque([(request.url, 0)])
    queued_patterns: set[str] = {url_pattern(request.url)}
    done_patterns: set[str] = set()
    in_flight = 0
    lock = asyncio.Lock()
    wake = asyncio.Event()

    def allowed(url: str) -> bool:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            return False
        if robots is not None and not robots.can_fetch(ROBOTS_AGENT, url):
            result.warnings.append(f"robots.txt disallows {redact_url(url)}")
            return False
        return True

    def enqueue(url: str, depth: int) -> None:
        pattern = url_pattern(url)
        if depth > request.max_depth or pattern in queued_patterns or not allowed(url):
            return
        queued_patterns.add(pattern)
        queue.append((url, depth))

    guard = NetworkGuard(executor.policy, dialogs="dismiss", popups="close")
    jar = cookie_jar(request.auth)
    browser: dict[str, Any] = {}
    browser_lock = asyncio.Lock()
    opened: float | None = None

    async def rendered(url: str) -> tuple[str, str, int | None]:
        """Load ``url`` in the browser (for pages with scripts): final URL, HTML, status."""
        nonlocal opened
        async with browser_lock:
            if "context" not in browser:
                opened = time.perf_counter()
                await guard.__aenter__()
                manager = executor.pool.context(
                    proxy_server=guard.proxy.server_url,
                    storage_state=request.auth,
                    timeout=PAGE_TIMEOUT,
                    on_context=guard.attach,
                )
                browser["manager"] = manager
                browser["context"] = await manager.__aenter__()
        page = await browser["context"].new_page()
        guard.watch_page(page)
        try:
            remaining = max(0.5, deadline - time.monotonic())
            response = await page.goto(
                url, wait_until="load", timeout=min(PAGE_TIMEOUT, remaining) * 1000
            )
            result.loaded.append(url)
            return page.url, await page.content(), response.status if response else None
        finally:
            with contextlib.suppress(Exception):
                await page.close()

    async def visit(url: str, depth: int) -> None:
        started = time.perf_counter()
        status: int | None = None
        note: str | None = None
        analysis: PageAnalysis | None = None
        try:
            # Plain HTTP first; the browser renders only pages that run scripts.
            remaining = max(0.5, deadline - time.monotonic())
            fetched = await executor.fetcher.fetch(
                url, jar=jar, meter=meter, timeout=min(PAGE_TIMEOUT, remaining)
            )
            status, final, html = fetched.status, fetched.url, fetched.text
            if urlsplit(final).netloc != start.netloc:
                note = "left the site"
            elif status >= 400:
                note = f"HTTP {status}"
            elif fetched.content_type not in ("text/html", "application/xhtml+xml", ""):
                note = f"not a page ({fetched.content_type})"
            elif (
                "content-disposition" in fetched.headers
                and "attachment" in fetched.headers["content-disposition"].lower()
            ):
                note = "a download, not a page"
            else:
                if _SCRIPT.search(html):
                    final, html, status = await rendered(final)
                if len(html) > 200_000:
                    analysis = await asyncio.to_thread(analyze, html, final)
                else:
                    analysis = analyze(html, final)
        except UrlBlockedError as exc:
            note = f"refused: {exc.reason}"
        except WaltError as exc:
            note = exc.message[:200]
        except Exception as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            note = text[:200]
        visit_record = PageVisit(
            url=redact_url(url),
            depth=depth,
            status=status,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            candidates=len(analysis.forms) + len(analysis.families) if analysis else 0,
            note=note,
        )
        async with lock:
            result.visits.append(visit_record)
            if analysis is not None:
                done_patterns.add(analysis.pattern)
                result.pages.append(analysis)
                for link, _text in analysis.links:
                    enqueue(link, depth + 1)
                for form in analysis.forms:
                    submission = _default_submission(form)
                    if submission:
                        enqueue(submission, depth + 1)
        if on_page is not None:
            outcome = on_page(visit_record, len(result.visits), len(queued_patterns))
            if asyncio.iscoroutine(outcome):
                await outcome

    async def worker() -> None:
        nonlocal in_flight
        while True:
            async with lock:
                stop = (
                    len(result.visits) + in_flight >= request.max_pages
                    or time.monotonic() >= deadline
                )
                if stop or (not queue and in_flight == 0):
                    wake.set()
                    return
                item = queue.popleft() if queue else None
                if item is not None:
                    in_flight += 1
                else:
                    wake.clear()
            if item is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), 0.2)
                continue
            try:
                await visit(*item)
            finally:
                async with lock:
                    in_flight -= 1
                wake.set()

    try:
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    finally:
        if "manager" in browser:
            with contextlib.suppress(Exception):
                await browser["manager"].__aexit__(None, None, None)
            await guard.__aexit__(None, None, None)
    if opened is not None:
        meter.charge_browser(time.perf_counter() - opened)
    if queue:
        result.warnings.append(
            f"{len(queue)} more pages were not visited (max_pages={request.max_pages} "
            "or the time budget was reached)"
        )
    blocked = {b.url for b in guard.blocked}
    if blocked:
        result.warnings.append(f"the URL policy blocked {len(blocked)} requests pages made")
    return result
