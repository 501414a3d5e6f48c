"""The crawl: a frontier ranked by URL pattern, within a time budget.

Every link found goes into one frontier, ranked when a worker is free to take
it:

* the first page of a new URL pattern (path shape and query keys, see
  :func:`~walt.engine.discovery.analyze.url_pattern`) outranks a new variant of
  a known one (``do=recent`` beside ``do=edit``), which outranks another page
  of a known variant; each pattern gets a few variants and each variant a few
  pages (``pages_per_pattern``);
* links that come from records (a listing's items), and GET forms submitted
  with their defaults or with a word taken from the site's records, rank above
  links in the chrome; pages that read as prose (help, about, terms) rank last;
* depth follows novelty: a hop to a new pattern does not count against
  ``max_depth``, so a listing's content page two levels down is reached;
* assets are never fetched (by extension before the request, by Content-Type
  before the body is read); links that end a session or destroy data are never
  followed, judged by their text and target together.

Pages come over HTTP and are rendered in the browser only when their content is
built by scripts. Every URL passes the URL policy (the browser sits behind the
job's guard proxy); robots.txt is respected unless the caller opts out; the
caller's auth state is used for every page. The report keeps every page visited
or skipped with the reason, and the patterns seen but not visited.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import re
import time
import urllib.robotparser
from collections import Counter
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urldefrag, urlencode, urlsplit, urlunsplit

import attrs

from walt.core.costs import CostMeter
from walt.core.errors import UrlBlockedError, WaltError, WaltTimeoutError
from walt.core.logging import get_logger
from walt.core.messages import DiscoverRequest, PageVisit
from walt.core.routes import flatten, has_route, unflatten
from walt.core.urls import redact_url
from walt.engine.browser import render_slots
from walt.engine.discovery.analyze import (
    FormInfo,
    PageAnalysis,
    analyze,
    is_destructive_link,
    url_pattern,
)
from walt.engine.discovery.controls import Control
from walt.engine.discovery.explore import Exploration, explore_control, page_storage
from walt.engine.discovery.routepages import LoadedPage, RoutePages, close_page
from walt.engine.effects import PageWatch
from walt.engine.executor import Executor
from walt.engine.guard import NetworkGuard
from walt.engine.http import PAGE_TYPES, cookie_jar, needs_rendering
from walt.engine.session import BrowserSession
from walt.engine.shadow import document_html
from walt.engine.slots import RankedSlots

__all__ = ["CrawlResult", "Crawler", "crawl", "is_asset_url", "same_site"]

log = get_logger(__name__)

CONCURRENCY: Final = 4
PAGE_TIMEOUT: Final = 6.0
EXPLORE_GRACE: Final = 6.0
"""Seconds past the crawl's deadline that controls already being tried may take, at most
``EXPLORE_GRACE_SHARE`` of the discovery's time budget (the rest is validation's). A
control not yet started at the deadline is not tried."""
EXPLORE_GRACE_SHARE: Final = 0.1
# A try of a control in a page already drawn goes before drawing another page.
_TRY: Final = 0
_VISIT: Final = 1
# Whose controls are tried first, taking turns: the page the caller named and the site's
# sections (what its navigation links to: a section's search box searches the site's
# collection); then other pages; a record's own page last (its box filters what one
# record shows).
_TRY_ORDER: Final = {"start": 0, "chrome": 0, "link": 1, "form": 1, "probe": 1, "frame": 1}
# The order a page's controls are tried in one tab: a list box is put back as it was, a
# pager's "Next" is counted from the first page, a "Load more" or a scroll only adds to
# the list, a search changes the route last.
_EXPLORE_ORDER: Final = {"choose": 0, "next": 1, "more": 2, "scroll": 2, "search": 3}
ROBOTS_AGENT: Final = "walt"
MAX_TRY_TABS: Final = 3
"""Tabs held at most by pages whose controls wait for their turn (see Crawler._explorer),
besides the one each explorer is trying a control in."""
NEW_SECTION: Final = 15
"""Rank added to a page the site's navigation links to that opens a part of the site not
visited yet, or that is the top page of a part (see _section): a flat site's records, each
a part of its own, get nothing."""
VOCABULARY: Final = 12
"""A parameter with at most this many word values across the site chooses a kind of page."""
_WORD_VALUE: Final = re.compile(r"^[a-z][a-z_-]{0,23}$", re.IGNORECASE)
MAX_FRONTIER: Final = 5000
_Held = list[tuple[LoadedPage, bool]]
"""Pages a visit drew, each with whether it may be kept for its document's next route."""
_ASSET_EXTENSIONS: Final = frozenset(
    "png jpg jpeg gif svg webp ico bmp tif tiff avif css js mjs map woff woff2 ttf eot otf "
    "pdf zip gz tgz tar bz2 xz 7z rar zst mp3 mp4 m4a webm ogg ogv wav avi mov mkv flac "
    "doc docx xls xlsx ppt pptx odt ods odp exe dmg iso apk bin msi deb rpm jar wasm "
    "csv tsv json xml rss atom txt ics vcf".split()
)
_PROSE: Final = re.compile(
    r"(?:^|[^a-z])(help|about|faq|faqs|terms|privacy|legal|license|licence|cookies?|"
    r"imprint|impressum|contact|docs?|documentation|manual|guide|tutorial|changelog|"
    r"credits|accessibility|sitemap\.xml)(?:[^a-z]|$)",
    re.IGNORECASE,
)
_CLICK: Final = """selector => {
  const el = document.querySelector(selector);
  if (el) el.click();
  return Boolean(el);
}"""
_ROUTE_LINK: Final = re.compile(r"""href\s*=\s*["']?#!?/""", re.IGNORECASE)
RENDER_SETTLE: Final = 4.0
"""Seconds at most a rendered page is given for its own requests and renders."""
BIG_PAGE: Final = 200_000
"""Pages larger than this (characters) are analysed on a worker thread."""


async def analyze_page(
    html: str, url: str, encoding: str = "utf-8", deadline: float | None = None
) -> PageAnalysis:
    """:func:`~walt.engine.discovery.analyze.analyze`, off the event loop for a big page.

    ``deadline`` (``time.monotonic()`` seconds) bounds the wait: past it a
    :class:`~walt.core.errors.WaltTimeoutError` is raised and the crawl goes on without
    the page (the worker thread finishes on its own; its work is bounded by the parser's
    node limit)."""
    if len(html) <= BIG_PAGE:
        return analyze(html, url, encoding)
    work = asyncio.to_thread(analyze, html, url, encoding)
    if deadline is None:
        return await work
    try:
        return await asyncio.wait_for(work, max(0.1, deadline - time.monotonic()))
    except TimeoutError:
        raise WaltTimeoutError(
            "the page's analysis did not finish within the time budget",
            details={"characters": len(html)},
        ) from None


class _SeenAlready(Exception):
    """A page to draw is the page another visit ended at."""


@attrs.define
class CrawlResult:
    pages: list[PageAnalysis] = attrs.field(factory=list)
    visits: list[PageVisit] = attrs.field(factory=list)
    skipped: list[PageVisit] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)
    loaded: list[str] = attrs.field(factory=list)  # every URL the browser loaded, in order
    unvisited_patterns: list[str] = attrs.field(factory=list)
    downloads: list[tuple[str, str, str]] = attrs.field(factory=list)  # (url, type, page)
    explorations: list[Exploration] = attrs.field(factory=list)  # script-driven controls tried
    # A page of the start page's document kept for discovery's checks, with the parameters
    # the routes it showed named (see Crawler(hand_over=True)).
    handed: tuple[BrowserSession, frozenset[str]] | None = None


@attrs.define(eq=False)
class _PageTries:
    """A page's controls still to be tried, and the tab they are tried in."""

    page: PageAnalysis
    entry: _Entry
    controls: list[tuple[Control, str]]
    shown: tuple[LoadedPage, bool] | None = None  # the page the visit drew, until taken
    tab: Any = None

    @property
    def holds_tab(self) -> bool:
        return self.tab is not None or self.shown is not None


@attrs.define
class _Entry:
    url: str
    depth: int  # hops since the last new pattern
    hops: int  # hops from the start
    source: str  # "start", "record", "link", "chrome", "form", "probe"
    text: str = ""
    referrer: str = ""


def is_asset_url(url: str) -> bool:
    """A URL whose extension names an image, a style sheet, a script, an archive..."""
    last = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    if "." not in last:
        return False
    return last.rsplit(".", 1)[-1] in _ASSET_EXTENSIONS


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower().rstrip("."), port or default


def same_site(a: str, b: str) -> bool:
    """Same origin after normalization (case, trailing dot, default port)."""
    return _origin(a) == _origin(b)


def _submission(form: FormInfo, term_field: str | None = None, term: str = "") -> str | None:
    """The URL a GET form goes to with its default values (and ``term`` in its search box)."""
    if form.method != "get":
        return None
    pairs: list[tuple[str, str]] = []
    for field in form.fields:
        if field.kind == "password" or not field.submitted:
            continue  # a control with no name adds nothing to the entry list
        if field.name == term_field:
            pairs.append((field.name, term))
        elif field.kind in ("checkbox", "radio") or field.multiple:
            pairs.extend((field.name, value) for value in field.defaults)
        else:
            pairs.append((field.name, field.default or ""))
    submitter = form.default_submitter
    if submitter is not None and submitter.name:
        pairs.append((submitter.name, submitter.value))
    parts = urlsplit(form.action)
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(pairs, quote_via=quote), "")
    )


def _search_box(form: FormInfo) -> str | None:
    for field in form.fields:
        words = f"{field.name} {field.label} {field.placeholder}".lower()
        if (
            field.kind == "text"
            and field.submitted
            and (
                form.role_search
                or any(w in words for w in ("search", "query", "keyword", "find"))
                or field.name.lower() in ("q", "s", "query", "search", "term", "keywords")
            )
        ):
            return field.name
    return None


class Crawler:
    """One crawl of one site (see the module docstring); :meth:`run` once."""

    def __init__(
        self,
        executor: Executor,
        request: DiscoverRequest,
        meter: CostMeter,
        *,
        deadline: float,
        on_page: Callable[[PageVisit, int, int], Any] | None = None,
        seeds: tuple[str, ...] = (),
        hand_over: bool = False,
    ) -> None:
        self.executor = executor
        self.hand_over = hand_over
        self._handed = False
        # A list box's choice a try may have left in the context's storage: the context is
        # then not handed over (a new one would not hold it).
        self._storage_changed = False
        self.request = request
        self.meter = meter
        self.deadline = deadline
        self.on_page = on_page
        self.result = CrawlResult()
        self.start = request.url
        self.seeds = (request.url, *[s for s in seeds if same_site(s, request.url)])
        self.frontier: list[_Entry] = []
        self.queued: set[str] = set()
        # Documents seen routing in their fragment, with their routes' prefix (#/ or #!/).
        self.routed_documents: dict[str, str] = {}
        self.arrivals: set[str] = set()  # the addresses visits ended at
        self.sections: set[str] = set()  # the parts of the site visited (see _section)
        self.pattern_pages: Counter[str] = Counter()
        self.variant_pages: Counter[str] = Counter()
        self.pattern_variants: dict[str, set[str]] = {}
        self.path_keys: dict[str, set[frozenset[str]]] = {}
        self.values: dict[tuple[str, str], set[str]] = {}
        self.probed_actions: set[str] = set()
        self.frame_of: dict[str, tuple[str, str]] = {}  # frame URL -> (embedding page, selector)
        self.explored: set[tuple[str, str, str]] = set()  # (role, control css, URL pattern)
        self.exploring: set[asyncio.Task[None]] = set()
        self.samples: list[str] = []
        self.robots: urllib.robotparser.RobotFileParser | None = None
        self.guard = NetworkGuard(
            executor.policy, dialogs="dismiss", popups="close", read_only=True
        )
        self.jar = cookie_jar(request.auth)
        self.in_flight = 0
        self.changed = asyncio.Event()
        self._stack = contextlib.AsyncExitStack()
        self._context: Any = None
        self._context_lock = asyncio.Lock()
        self._opened: float | None = None
        self.route_pages = RoutePages()
        self.explore_grace = min(EXPLORE_GRACE, EXPLORE_GRACE_SHARE * request.time_budget)
        slots = min(CONCURRENCY, render_slots())
        self._renders = RankedSlots(slots)
        # Trying a control takes seconds: with more than one render slot it never holds
        # them all, so the pages of the crawl are still drawn meanwhile.
        self._explorer_limit = max(1, slots - 1)
        self._explorers = 0
        self._waiting: list[tuple[int, int, _PageTries]] = []  # (rank, turn, tries)
        self._turns = itertools.count()

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> CrawlResult:
        if self.request.respect_robots:
            self.robots = await self._fetch_robots()
        for seed in self.seeds:
            self._enqueue(_Entry(seed, 0, 0, "start"))
        async with self._stack:
            async with asyncio.TaskGroup() as group:
                for _ in range(CONCURRENCY):
                    group.create_task(self._worker())
            if self.exploring:
                # Controls still being tried when the crawl's budget ran out: a moment
                # to finish, then they are stopped before the browser closes.
                _, late = await asyncio.wait(set(self.exploring), timeout=self.explore_grace)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            if self.hand_over:
                self.result.handed = await self._hand_over()
        if self._opened is not None:
            self.meter.charge_browser(time.perf_counter() - self._opened)
        self._finish()
        return self.result

    def _finish(self) -> None:
        visited = {v.pattern for v in self.result.visits if v.pattern}
        waiting: dict[str, str] = {}
        for entry in self.frontier:
            pattern = url_pattern(entry.url)
            if pattern not in visited:
                waiting.setdefault(pattern, entry.url)
        self.result.unvisited_patterns = sorted(redact_url(u) for u in waiting.values())
        if self.frontier:
            self.result.warnings.append(
                f"{len(self.frontier)} links in {len(waiting)} unvisited patterns were left "
                "when the crawl's time or page budget ran out"
            )
        blocked = {b.url for b in self.guard.blocked}
        if blocked:
            self.result.warnings.append(
                f"the URL policy blocked {len(blocked)} requests pages made"
            )

    async def _fetch_robots(self) -> urllib.robotparser.RobotFileParser | None:
        parser = urllib.robotparser.RobotFileParser()
        scheme, netloc = urlsplit(self.start)[:2]
        try:
            fetched = await self.executor.fetcher.fetch(
                f"{scheme}://{netloc}/robots.txt", meter=self.meter, timeout=5
            )
        except WaltError:
            return None
        if fetched.status >= 400 or "html" in fetched.content_type:
            return None
        parser.parse(fetched.text.splitlines())
        return parser

    # ------------------------------------------------------------------ the frontier

    def _skip(self, url: str, why: str, depth: int = 0) -> None:
        self.result.skipped.append(
            PageVisit(url=redact_url(url), depth=depth, note=why, pattern=url_pattern(url))
        )

    def _enqueue(self, entry: _Entry) -> None:
        url = self._page_key(entry.url)
        entry.url = url
        if url in self.queued or len(self.queued) >= MAX_FRONTIER:
            return
        self.queued.add(url)
        parts = urlsplit(url)
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            self.values.setdefault((parts.path, key), set()).add(value)
        if not same_site(url, self.start):
            return
        if is_asset_url(url):
            self._skip(url, "an asset (by its extension), not a page", entry.hops)
            return
        if entry.source != "start" and is_destructive_link(url, entry.text):
            self._skip(url, "looks destructive or session-ending: never followed", entry.hops)
            return
        if self.robots is not None and not self.robots.can_fetch(ROBOTS_AGENT, url):
            self.result.warnings.append(f"robots.txt disallows {redact_url(url)}")
            self._skip(url, "disallowed by robots.txt", entry.hops)
            return
        if entry.depth > self.request.max_depth:
            self._skip(url, f"deeper than max_depth={self.request.max_depth}", entry.hops)
            return
        self.frontier.append(entry)
        self.changed.set()

    def _page_key(self, url: str) -> str:
        """The frontier's name for the page at ``url``: a route fragment names a page of a
        single-page app (it is flattened); any other fragment, a place in one page."""
        return flatten(self._routed_document(url)).split("#", 1)[0]

    def _routed_document(self, url: str) -> str:
        """``url``, or its empty route when it is the bare address of a document that
        routes in its fragment (``#/``, or ``#!/`` for a site whose routes are written so):
        a fragment router shows its default route for an empty fragment, so the two are
        one page. A bare address already queued keeps its name."""
        document, fragment = urldefrag(url)
        if has_route(url):
            self.routed_documents.setdefault(document, "#!/" if fragment[:1] == "!" else "#/")
        elif url == document and url not in self.queued and document in self.routed_documents:
            return document + self.routed_documents[document]
        return url

    def _arrived(self, url: str) -> None:
        """Note the address a visit ended at (after redirects, or the route a page's
        script went on to): a page queued at that address is the page just seen."""
        arrived = self._page_key(url)
        self.arrivals.add(arrived)
        if arrived in self.queued:
            self.frontier = [e for e in self.frontier if e.url != arrived]
        else:
            self.queued.add(arrived)

    def _refinements(self, url: str) -> int | None:
        """How many visited patterns refine a visited page of this path the way ``url``
        would (a known page plus more parameters); None when ``url`` refines none."""
        parts = urlsplit(url)
        keys = frozenset(k for k, _ in parse_qsl(parts.query, keep_blank_values=True))
        seen = self.path_keys.get(parts.path, set())
        bases = [k for k in seen if k < keys]
        if not bases:
            return None
        smallest = min(bases, key=len)
        return sum(1 for k in seen if smallest < k)

    def _variant(self, url: str) -> str:
        """The pattern plus the values of its parameters that take a few words across the
        site (``do=recent`` beside ``do=media``): they choose what kind of page is shown."""
        parts = urlsplit(url)
        words = sorted(
            f"{k}={v.lower()}"
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if _WORD_VALUE.match(v) and self._vocabulary(parts.path, k)
        )
        return url_pattern(url) + ("#" + "&".join(words) if words else "")

    def _vocabulary(self, path: str, key: str) -> bool:
        seen = self.values.get((path, key), set())
        return len(seen) <= VOCABULARY and all(_WORD_VALUE.match(v) for v in seen if v)

    def _score(self, entry: _Entry) -> float:
        pattern = url_pattern(entry.url)
        variant = self._variant(entry.url)
        if self.pattern_pages[pattern] == 0:
            # A new page type outranks a new view of a known page (more parameters on it),
            # and a part of the site its navigation links to, not visited yet, or the top
            # page of one (the listing a record of it belongs to), outranks the rest: each
            # part offers functions of its own.
            refined = self._refinements(entry.url)
            score = 100.0 if refined is None else max(10.0, 50.0 - 6 * refined)
            section, top = _section(entry.url)
            if entry.source == "chrome" and section and (section not in self.sections or top):
                score += NEW_SECTION
        elif variant not in self.pattern_variants.get(pattern, set()):
            score = max(10.0, 60.0 - 8 * len(self.pattern_variants.get(pattern, ())))
        else:
            if self.variant_pages[variant] >= self.request.pages_per_pattern:
                return -1.0
            score = 30.0 - 8 * self.variant_pages[variant]
        score += {
            "record": 12,
            "probe": 14,
            "form": 10,
            "frame": 12,
            "start": 50,
            "link": 4,
            "chrome": 0,
        }.get(entry.source, 0)
        if _PROSE.search(urlsplit(entry.url).path) or _PROSE.search(entry.text):
            score -= 45
        return score - 2 * entry.hops

    def _take(self) -> _Entry | None:
        best_index, best_score = -1, -1.0
        for index, entry in enumerate(self.frontier):
            score = self._score(entry)
            if score > best_score:
                best_index, best_score = index, score
        if best_index < 0:
            return None
        return self.frontier.pop(best_index)

    def _budget_left(self) -> bool:
        visits = len(self.result.visits) + self.in_flight
        return visits < self.request.max_pages and time.monotonic() < self.deadline

    async def _worker(self) -> None:
        while True:
            if not self._budget_left():
                return
            entry = self._take()
            if entry is None:
                if self.in_flight == 0:
                    self.changed.set()  # wake the others: nothing more will come
                    return
                self.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self.changed.wait(), max(0.05, self.deadline - time.monotonic())
                    )
                continue
            self.in_flight += 1
            try:
                await self._visit(entry)
            finally:
                self.in_flight -= 1
                self.changed.set()

    # ------------------------------------------------------------------ one page

    async def _browser(self) -> Any:
        async with self._context_lock:
            if self._context is None:
                self._opened = time.perf_counter()
                await self._stack.enter_async_context(self.executor.pool.slot())
                await self.guard.__aenter__()
                self._stack.push_async_callback(self._close_browser)
                self._context = await self.executor.pool.new_context(
                    proxy_server=self.guard.proxy.server_url,
                    storage_state=self.request.auth,
                    timeout=PAGE_TIMEOUT,
                )
                await self.guard.attach(self._context)
                # Kept pages close before their context does.
                self._stack.push_async_callback(self.route_pages.close)
        return self._context

    async def _close_browser(self) -> None:
        """Close the crawl's context and guard, unless they were handed over."""
        if self._handed:
            return
        if self._context is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._context.close(), 10)
        await self.guard.__aexit__(None, None, None)

    async def _hand_over(self) -> tuple[BrowserSession, frozenset[str]] | None:
        """The crawl's idle page of the start page's document, made a session of its own
        for discovery's checks (its routes are then shown in place, without starting the
        application's code again), with the parameters its routes named; None when the
        start page routes in no fragment, no such page is idle, or a control's try may
        have left a choice in the context's storage (it stopped before putting it back).
        Every other page of the context is closed, and the guard stops refusing writes:
        the checks run as any job does. The session is closed, never reset, after the
        checks."""
        start = unflatten(self.start)
        if self._context is None or not has_route(start) or self._storage_changed:
            return None
        loaded = self.route_pages.take(start, showing=True)
        if loaded is None:
            return None
        # The address the page shows now, as its script may have rewritten it.
        self.route_pages.showed(loaded, loaded.page.url)
        try:
            await self.route_pages.close()
            for page in list(self._context.pages):
                if page is not loaded.page:
                    await close_page(page)
            loaded.watch.detach()
            await self.guard.allow_writes(self._context)
            self.guard.start_job()
        except Exception as exc:  # a browser gone away: nothing to hand over
            log.debug("the crawl's page could not be handed over: %s", type(exc).__name__)
            return None
        self._handed = True
        session = BrowserSession(
            self.guard,
            self._context,
            loaded.page,
            anonymous=self.request.auth is None,
            spent=True,
        )
        return session, loaded.named

    async def _render(
        self, url: str, click: str | None = None, held: _Held | None = None
    ) -> tuple[str, str, int | None]:
        """Load ``url`` in the browser (and click the element at CSS path ``click``): final
        URL, HTML, status. The crawl's browser sends no writes (a read-only guard). With
        ``held`` and no click, the page is put there instead of being kept or closed: the
        caller may try its controls in it (see :meth:`_visit`)."""
        async with self._renders.hold(_VISIT):
            if click is None and self._page_key(url) in self.arrivals:
                # Another visit ended at this address while this one waited its turn.
                raise _SeenAlready
            loaded = await self._open(url)
            page, watch = loaded.page, loaded.watch
            reusable = handed = False
            try:
                # The page's own requests and renders, not "network idle": a page that
                # polls or starts a worker is never idle.
                settle = min(RENDER_SETTLE, max(0.1, self.deadline - time.monotonic()))
                await watch.settle_loaded(settle)
                if click is not None:
                    watch.before_action()
                    await page.evaluate(_CLICK, click)
                    await watch.settle(settle, read=True)
                self.result.loaded.append(url)
                html = await document_html(page)
                # Kept only for a document that routes in its fragment: any other would
                # hold a whole page's memory and timers for nothing.
                reusable = click is None and (has_route(url) or bool(_ROUTE_LINK.search(html)))
                if held is not None and click is None:
                    held.append((loaded, reusable))
                    handed = True
                return page.url, html, loaded.status
            finally:
                if handed:
                    pass
                elif reusable:
                    await self.route_pages.give_back(loaded)
                else:
                    await close_page(page)

    async def _release(self, held: _Held) -> None:
        """Keep or close the pages a visit held and no control's try took."""
        while held:
            loaded, reusable = held.pop()
            if reusable:
                await self.route_pages.give_back(loaded)
            else:
                await close_page(loaded.page)

    async def _open(self, url: str) -> LoadedPage:
        """A page showing ``url``: a kept page of the same document navigated to the
        route in place, else a new page loading it."""
        timeout = min(PAGE_TIMEOUT, max(0.5, self.deadline - time.monotonic())) * 1000
        loaded = self.route_pages.take(url)
        if loaded is not None:
            loaded.watch.forget()
            try:
                await loaded.watch.goto(url, timeout / 1000)
            except Exception:
                await close_page(loaded.page)
                raise
            self.route_pages.showed(loaded, url)
            return loaded
        context = await self._browser()
        page = await context.new_page()
        self.guard.watch_page(page)
        watch = PageWatch(page)
        try:
            response = await page.goto(url, wait_until="load", timeout=timeout)
        except Exception:
            await close_page(page)
            raise
        loaded = LoadedPage(page, watch, response.status if response else None)
        self.route_pages.showed(loaded, url)
        return loaded

    async def _reveal(self, page: PageAnalysis) -> PageAnalysis:
        """Forms a script builds when a menu entry is clicked, one click at a time."""
        known = {(f.form_id, f.action) for f in page.forms}
        found: list[FormInfo] = []
        for selector, label in page.revealers:
            if time.monotonic() >= self.deadline:
                break
            try:
                final, html, _ = await self._render(page.url, click=selector)
            except Exception as exc:  # a click that fails reveals nothing
                log.debug("revealing %r failed: %s", label, exc)
                continue
            try:
                clicked = await analyze_page(
                    html, final, page.forms[0].charset if page.forms else "utf-8", self.deadline
                )
            except WaltTimeoutError:
                break  # the budget is spent: keep what was revealed so far
            for form in clicked.forms:
                if (form.form_id, form.action) in known and form.visible_fields:
                    found.append(attrs.evolve(form, revealed_by=label, page_url=page.url))
        if not found:
            return page
        return attrs.evolve(page, forms=(*page.forms, *found), revealers=())

    async def _visit(self, entry: _Entry) -> None:
        started = time.perf_counter()
        url = entry.url
        pattern, variant = url_pattern(url), self._variant(url)
        self.pattern_pages[pattern] += 1
        self.sections.add(_section(url)[0])
        self.variant_pages[variant] += 1
        self.pattern_variants.setdefault(pattern, set()).add(variant)
        parts = urlsplit(url)
        self.path_keys.setdefault(parts.path, set()).add(
            frozenset(k for k, _ in parse_qsl(parts.query, keep_blank_values=True))
        )
        status: int | None = None
        note: str | None = None
        analysis: PageAnalysis | None = None
        # The page a browser drew, held for its controls' tries: they start in it.
        held: _Held = []
        try:
            if has_route(unflatten(url)):
                # The server sees no route: only the page's script can show it.
                analysis, status = await self._visit_rendered(unflatten(url), held=held)
            else:
                analysis, status, note = await self._visit_fetched(entry, held)
        except _SeenAlready:
            note = "the page another visit ended at (a redirect or a script's route)"
        except UrlBlockedError as exc:
            note = f"refused: {exc.reason}"
        except WaltError as exc:
            note = exc.message[:200]
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            note = first[:200]
        visit = PageVisit(
            url=redact_url(url),
            depth=entry.hops,
            status=status,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            candidates=len(analysis.forms) + len(analysis.families) if analysis else 0,
            note=note,
            pattern=pattern,
        )
        self.result.visits.append(visit)
        if analysis is not None and url in self.frame_of:
            analysis = _framed(analysis, *self.frame_of[url])
        try:
            if analysis is not None:
                self.result.pages.append(analysis)
                scripted = self._explore(analysis, entry, held)
                self._follow(analysis, entry, scripted)
        finally:
            await self._release(held)
        if self.on_page is not None:
            outcome = self.on_page(visit, len(self.result.visits), len(self.pattern_pages))
            if asyncio.iscoroutine(outcome):
                await outcome

    async def _visit_fetched(
        self, entry: _Entry, held: _Held
    ) -> tuple[PageAnalysis | None, int | None, str | None]:
        """A page fetched over HTTP, rendered in the browser when a script builds it."""
        remaining = max(0.5, self.deadline - time.monotonic())
        fetched = await self.executor.fetcher.fetch(
            entry.url,
            jar=self.jar,
            meter=self.meter,
            timeout=min(PAGE_TIMEOUT, remaining),
            page_only=True,
        )
        status, final, html = fetched.status, fetched.url, fetched.text
        if not same_site(final, self.start):
            return None, status, "left the site"
        if status >= 400:
            return None, status, f"HTTP {status}"
        if fetched.content_type not in PAGE_TYPES or fetched.body_skipped:
            self.result.downloads.append((final, fetched.content_type, entry.referrer))
            return (
                None,
                status,
                f"not a page ({fetched.content_type or 'unknown type'}): body not read",
            )
        if "attachment" in fetched.headers.get("content-disposition", "").lower():
            self.result.downloads.append((final, fetched.content_type, entry.referrer))
            return None, status, "a download, not a page"
        if needs_rendering(html):
            analysis, rendered_status = await self._visit_rendered(final, fetched.encoding, held)
            return analysis, rendered_status, None
        self._arrived(final)
        analysis = await analyze_page(html, final, fetched.encoding, self.deadline)
        if analysis.revealers:
            analysis = await self._reveal(analysis)
        return analysis, status, None

    async def _visit_rendered(
        self, url: str, encoding: str = "utf-8", held: _Held | None = None
    ) -> tuple[PageAnalysis, int | None]:
        """A page only a browser can show: rendered, analysed, then explored (its search
        boxes, menus and "Load more" buttons tried in the read-only browser). The page
        drawn is put in ``held``."""
        final, html, status = await self._render(url, held=held)
        self._arrived(final)
        analysis = attrs.evolve(
            await analyze_page(html, final, encoding, self.deadline), rendered=True
        )
        if analysis.revealers:
            analysis = await self._reveal(analysis)
        return analysis, status

    def _explore(self, page: PageAnalysis, entry: _Entry, held: _Held) -> set[str]:
        """Start using the page's script-driven controls, once each, beside the crawl (a
        search box only where a script builds the page: elsewhere its form is submitted
        over HTTP), in the page the visit drew (taken from ``held``) when there is one.
        Returns the names of the search boxes a script answers (their forms' HTTP
        submissions only reload the page's shell)."""
        handled: set[str] = set()
        batch: list[tuple[Control, str]] = []
        if page.forms and any(f.frame for f in page.forms):
            return handled  # a frame's controls are tried from the page that embeds it
        for control in page.controls:
            if control.role == "search" and not page.rendered:
                continue
            if control.role == "search" and control.name:
                handled.add(control.name)
            # A search box in the site's header is one box on every page; a "Load more"
            # button or an infinite list belongs to its listing.
            where = url_pattern(flatten(page.url)) if control.role != "search" else ""
            key = (control.role, control.css, where)
            if key in self.explored or time.monotonic() >= self.deadline - 1:
                continue
            # The records a page shows are what its own search box searches first.
            term = (
                _probe_word(list(page.samples)) or _probe_word(self.samples)
                if control.role == "search"
                else ""
            )
            if term is None:
                continue
            self.explored.add(key)
            batch.append((control, term))
        if batch:
            batch.sort(key=lambda item: _EXPLORE_ORDER[item[0].role])
            # The drawn page is kept for the tries only when its document routes in its
            # fragment (another route is shown in place; any other page is loaded again
            # anyway) and few tabs are held for tries: each holds a whole application.
            shown = held.pop() if held and held[-1][1] and self._try_tabs() < MAX_TRY_TABS else None
            self._queue_tries(_PageTries(page, entry, batch, shown))
        return handled

    def _queue_tries(self, tries: _PageTries) -> None:
        """Queue a page's controls for the explorers, starting one if fewer run than
        ``_explorer_limit`` (one fewer than the render slots, at least one)."""
        self.in_flight += 1
        self._wait_turn(tries)
        if self._explorers < self._explorer_limit:
            self._explorers += 1
            task = asyncio.create_task(self._explorer())
            self.exploring.add(task)
            task.add_done_callback(self._explored)

    def _wait_turn(self, tries: _PageTries) -> None:
        rank = _TRY_ORDER.get(tries.entry.source, len(_TRY_ORDER))
        heapq.heappush(self._waiting, (rank, next(self._turns), tries))

    def _try_tabs(self) -> int:
        """Tabs held by pages whose controls wait for their turn."""
        return sum(1 for *_, tries in self._waiting if tries.holds_tab)

    def _next_turn(self) -> _PageTries:
        """The waiting page whose turn it is; with ``MAX_TRY_TABS`` tabs held already, the
        first of those that hold one (a page without a tab would open another)."""
        if self._try_tabs() >= MAX_TRY_TABS:
            for entry in sorted(self._waiting, key=lambda e: e[:2]):
                if entry[2].holds_tab:
                    self._waiting.remove(entry)
                    heapq.heapify(self._waiting)
                    return entry[2]
        return heapq.heappop(self._waiting)[2]

    def _explored(self, task: asyncio.Task[None]) -> None:
        self.exploring.discard(task)
        self.changed.set()
        if not task.cancelled() and task.exception() is not None:
            log.debug("trying the pages' controls stopped: %r", task.exception())

    async def _explorer(self) -> None:
        """Try the waiting pages' controls, one control per turn, while any wait and the
        crawl has time, holding one render slot throughout (drawing pages would take it
        between two tries otherwise).

        A page's controls are tried one after another in one tab (loading a script's
        page again for each would cost most of the time), and each control takes its
        turn behind the pages already waiting, those of the start page and the site's
        sections first (:data:`_TRY_ORDER`): the controls of pages of the same rank found
        later are tried between a page's, not after all of them."""
        try:
            async with self._renders.hold(_TRY):
                # The grace is for a control being tried when the crawl's time ran out,
                # not for one that has yet to start.
                while self._waiting and time.monotonic() < self.deadline:
                    tries = self._next_turn()
                    try:
                        await self._try_next(tries)
                    except BaseException:
                        await self._end_tries(tries)  # stopped, or failed: its tab closes
                        raise
                    if tries.controls:
                        self._wait_turn(tries)
                    else:
                        await self._end_tries(tries)
        finally:
            self._explorers -= 1
            if not self._explorers:
                # Out of time, or stopped: the pages still waiting are not tried.
                while self._waiting:
                    await self._end_tries(heapq.heappop(self._waiting)[2])

    async def _try_next(self, tries: _PageTries) -> None:
        """Try the page's next control in its tab (the page the visit drew, else a kept
        page of the same document, else a new one)."""
        control, term = tries.controls.pop(0)
        url = unflatten(tries.page.url)
        if tries.tab is None:
            shown, tries.shown = tries.shown, None
            tries.tab = await self._explore_tab(url, shown[0] if shown else None)
            if tries.tab is None:
                tries.controls.clear()
                return
        left = self.deadline + self.explore_grace - time.monotonic()
        saved = await page_storage(tries.tab) if control.role == "choose" else None
        try:
            seen = await explore_control(
                self._context,
                url,
                control,
                term=term,
                timeout=min(PAGE_TIMEOUT * 1.5, left),
                page=tries.tab,
                close=False,
            )
        except BaseException:
            self._storage_changed = True  # stopped midway: nothing was put back
            raise
        if seen is not None:
            self._explored_control(seen, url, tries.page, tries.entry)
        elif control.role == "choose" and (saved is None or await page_storage(tries.tab) != saved):
            self._storage_changed = True  # a choice that was not put back

    async def _end_tries(self, tries: _PageTries) -> None:
        """A page's tries are over: its tab is closed (the controls' use changed it); a
        page no control was tried in is kept or closed as the visit would have."""
        self.in_flight -= 1
        self.changed.set()
        tries.controls.clear()
        if tries.shown is not None:
            await self._release([tries.shown])
            tries.shown = None
        if tries.tab is not None:
            await close_page(tries.tab)
            tries.tab = None

    async def _explore_tab(self, url: str, shown: LoadedPage | None = None) -> Any:
        """A tab for trying a page's controls: ``shown`` (the page the visit drew), else a
        kept page of the same document (the route is shown in place; the controls' use
        changes it, so it is not kept afterwards), else a new page. None when the browser
        went away."""
        kept = shown or self.route_pages.take(url)
        if kept is not None:
            kept.watch.detach()  # the tries watch the page themselves
            return kept.page
        try:
            context = await self._browser()
            tab = await context.new_page()
            self.guard.watch_page(tab)
        except Exception as exc:
            log.debug("no tab to try the page's controls in: %s", type(exc).__name__)
            return None
        return tab

    def _explored_control(
        self, seen: Exploration, url: str, page: PageAnalysis, entry: _Entry
    ) -> None:
        self.result.explorations.append(seen)
        self.result.loaded.append(url)
        if seen.role == "search" and seen.url_after:
            # The results page carries sorting, refinement and paging of its own.
            self._enqueue(_Entry(seen.url_after, 0, entry.hops + 1, "probe", "", page.url))

    def _follow(
        self, page: PageAnalysis, entry: _Entry, scripted: set[str] | frozenset[str] = frozenset()
    ) -> None:
        self.samples.extend(page.samples[:30])
        record_urls = {str(i.get("url")) for i in page.items if i.get("url")}
        for link in page.page_links:
            new = url_pattern(link.url) not in self.pattern_pages
            source = (
                "record" if link.url in record_urls else ("chrome" if link.in_chrome else "link")
            )
            self._enqueue(
                _Entry(
                    link.url,
                    0 if new else entry.depth + 1,
                    entry.hops + 1,
                    source,
                    link.text,
                    page.url,
                )
            )
        for url, selector in page.frames:
            self.frame_of.setdefault(flatten(url), (page.url, selector))
            self._enqueue(_Entry(url, entry.depth, entry.hops + 1, "frame", "", page.url))
        for url in page.skipped_links:
            self._skip(url, "looks destructive or session-ending: never followed", entry.hops + 1)
        for form in page.forms:
            if form.method == "get" and any(f.name in scripted for f in form.fields):
                continue  # the page's script answers this form; it was tried in the browser
            submission = _submission(form)
            if submission:
                # The button's words, for the check a link's text gets ("Empty cart").
                text = form.submit_text
                self._enqueue(_Entry(submission, 0, entry.hops + 1, "form", text, page.url))
            self._probe(form, entry, page.url)

    def _probe(self, form: FormInfo, entry: _Entry, page_url: str) -> None:
        """Submit a search box once with a word from the site's records: its results page
        carries the sorting, refinement and paging links a default submission does not."""
        box = _search_box(form)
        if box is None or form.method != "get" or form.action in self.probed_actions:
            return
        term = _probe_word(self.samples)
        if term is None:
            return
        self.probed_actions.add(form.action)
        submission = _submission(form, box, term)
        if submission:
            self._enqueue(_Entry(submission, 0, entry.hops + 1, "probe", "", page_url))


def _section(url: str) -> tuple[str, bool]:
    """The part of a site a (flattened) URL belongs to, the first segment of its route or
    of its path when it has none (``/%23/models/3`` and ``/blog/post`` give ``models`` and
    ``blog``; "" for the root), and whether the URL is that part's top page (``/blog/``)."""
    head, marker, route = urlsplit(url).path.partition("%23")
    segments = [s for s in (route if marker else head).split("/") if s]
    return (segments[0].lower(), len(segments) == 1) if segments else ("", False)


def _framed(page: PageAnalysis, parent: str, selector: str) -> PageAnalysis:
    """A frame's forms as seen from the page that embeds it: their steps open that page
    and address the frame."""
    forms = tuple(attrs.evolve(f, page_url=parent, frame=selector) for f in page.forms)
    return attrs.evolve(page, forms=forms)


_WORD: Final = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


def _probe_word(samples: list[str]) -> str | None:
    """A word that several record titles share, but not all of them."""
    counts: Counter[str] = Counter()
    for title in samples[-300:]:
        counts.update({w.lower() for w in _WORD.findall(title)})
    if not counts:
        return None
    ceiling = max(2, len(samples) // 2)
    ranked = [w for w, c in counts.most_common() if 2 <= c < ceiling]
    return ranked[0] if ranked else counts.most_common(1)[0][0]


async def crawl(
    executor: Executor,
    request: DiscoverRequest,
    meter: CostMeter,
    *,
    deadline: float,
    on_page: Callable[[PageVisit, int, int], Any] | None = None,
    seeds: tuple[str, ...] = (),
    hand_over: bool = False,
) -> CrawlResult:
    """Crawl the site at ``request.url`` (see the module docstring). With ``hand_over``,
    :attr:`CrawlResult.handed` may hold a page of the start page's document as a session
    for the caller to release (:meth:`Crawler._hand_over`)."""
    return await Crawler(
        executor,
        request,
        meter,
        deadline=deadline,
        on_page=on_page,
        seeds=seeds,
        hand_over=hand_over,
    ).run()
