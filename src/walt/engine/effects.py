"""Waiting for what an action does, and nothing more.

After a click, a submit, a selection or a page load, a page may navigate, start
its own data requests (a search that fetches JSON and renders rows), open a new
tab, or do nothing at all. :class:`PageWatch` follows one page's requests and
popups so the executor waits exactly for the effect:

* requests the page starts (documents, fetch and XHR) are tracked until they
  finish; repeats of a request that already finished before the action (a page
  that polls) are not waited for;
* :meth:`PageWatch.settle` returns at once when the action started nothing
  within a short grace period, and otherwise when the page's requests have
  finished and stayed quiet for a moment, always within a bound;
* then it waits for the DOM to stop changing: a page that builds its content by
  script renders between its requests (a code chunk arrives, the app renders a
  skeleton, then fetches its data), so the document counts as ready when no
  script has changed it for ``DOM_QUIET`` seconds and no request is in flight.
  Only changes after ``DOMContentLoaded`` count (:data:`DOM_CLOCK_SCRIPT`, installed
  in every context), so a page the server rendered costs nothing here;
* a tab or window the action opened is followed: the run continues there.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urldefrag

from walt.core.logging import get_logger

if TYPE_CHECKING:
    from playwright.async_api import Page, Request, Response

__all__ = [
    "COVERING_SCRIPT",
    "DOM_CLOCK_SCRIPT",
    "NEW_CONTEXT_SCRIPT",
    "STEP_GRACE",
    "PageWatch",
    "close_covering",
]

log = get_logger(__name__)

GRACE: Final = 0.05
"""Seconds an action has to start a request before it counts as having started none."""
STEP_GRACE: Final = 0.02
"""The same for a choice (a selection) that another step on the page follows: that step
waits for its own element, so only a request the choice starts at once (a navigation, a
fetch from its change handler, reported within one message from the browser) is looked
for."""
LOAD_GRACE: Final = 0.02
"""The same once a new document is in place (its load event, or parsed and styled when it
has no scripts): what its scripts fetch has started."""
SHEET_WAIT: Final = 1.0
"""Seconds at most that a new document's style sheets are waited for."""
QUIET: Final = 0.03
"""Seconds without a new or unfinished request after which the page counts as settled."""
SETTLE_CAP: Final = 5.0
"""Seconds at most that waiting for an effect adds to a step."""
SCRIPT_WAIT: Final = 0.5
"""Seconds at most that an unfinished code (script) request counts as in flight."""
DOM_QUIET: Final = 0.05
"""Seconds without a script's change to the DOM after which it counts as rendered."""
RENDER_QUIET: Final = 0.15
"""The same before reading a page just loaded: its application may start fetching a
little after the load event, with nothing to show for it yet."""
REDRAW_WAIT: Final = 2.0
"""Seconds at most that a route shown in place is given to start drawing: until its script
changes the DOM, the page still shows the route before."""
REDRAW_POLL: Final = 0.03
TIMER_HORIZON_MS: Final = 1000
"""Timers an action sets that run within this many milliseconds are its pending work (a
debounce; a toast that hides itself later is not)."""
LOAD_TIMER_HORIZON_MS: Final = 600
"""Timers (not intervals) a document sets while it loads that run within this many
milliseconds are its pending work (a list fetched and drawn after a pause; a beacon sent a
second later is not)."""
TIMER_SLACK_MS: Final = 150
"""Milliseconds past its time after which a timer no longer counts as pending."""
TIMER_GENERATIONS: Final = 3
"""How deep timers set by such timers' callbacks still count."""
# Code chunks count: a single-page app loads them before it renders and fetches.
_TRACKED: Final = frozenset({"document", "fetch", "xhr", "script"})

# Installed before any page script runs: the time of the last change a script made to
# the document (changes before DOMContentLoaded are the parser's and do not count), and
# the page's own delayed work a user's action scheduled: timers, intervals (until their
# first tick) and animation frames of up to TIMER_HORIZON_MS set while a trusted input
# event is dispatched (a debounced search, a filter drawn after a pause), and those their
# callbacks set in turn (up to TIMER_GENERATIONS deep, so a self-renewing animation never
# counts for ever); and the timers of up to LOAD_TIMER_HORIZON_MS the document set while
# it loaded (a list fetched and drawn after a pause once the page is in), without their
# callbacks' timers. ``pending`` is how many have not run.
DOM_CLOCK_SCRIPT: Final = (
    """(() => {
  const clock = { last: -1 };
  Object.defineProperty(window, "__waltDomClock", { value: clock });
  const watch = () => new MutationObserver(() => { clock.last = performance.now(); })
    .observe(document, { childList: true, subtree: true, characterData: true });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch, { once: true });
  } else {
    watch();
  }
  // "scroll" is not one: a page that scrolls itself fires trusted scroll events too; a
  // person's scroll arrives as a wheel or key event first.
  const INPUT = new Set(["click", "dblclick", "mousedown", "mouseup", "pointerdown",
    "pointerup", "keydown", "keyup", "keypress", "input", "change", "submit", "wheel"]);
  const setTimer = window.setTimeout, setRepeat = window.setInterval;
  const live = new Map();  // "t<id>" (timers share one pool) or "f<id>" -> when it is due
  let generation = 0, dispatching = false;
  // The document's own loading (until its load event's handlers have run) schedules the
  // first drawing of a page that fills itself after a pause: those timers count too, but
  // not the timers their callbacks set (a poller re-arms itself for ever).
  let loading = document.readyState !== "complete";
  window.addEventListener("load", () => {
    Reflect.apply(setTimer, window, [() => { loading = false; }, 0]);
  }, { capture: true, once: true });
  const act = () => {
    if (dispatching) return;
    dispatching = true;
    Reflect.apply(setTimer, window, [() => { dispatching = false; }, 0]);
  };
  // Seen first (capture, on the window): the page's handlers of a trusted input event run
  // in the same task, before the task queued by act() ends the dispatch (window.event
  // would miss events in shadow trees). walt's own scripted events call act() too.
  // A route shown in place (a navigation to a fragment, history's traversal) is drawn by
  // the page's handlers of hashchange and popstate, as an input's effect is.
  for (const type of [...INPUT, "hashchange", "popstate"]) {
    window.addEventListener(type, event => { if (event.isTrusted) act(); }, { capture: true });
  }
  Object.defineProperty(clock, "act", { value: act });
  // Timers that are overdue by SLACK ms no longer count: one cleared in a way not seen
  // here (an id kept as text, a browser that throttles) never holds a wait for good.
  Object.defineProperty(clock, "pending", { get() {
    const now = performance.now();
    for (const [key, due] of live) if (now > due + SLACK) live.delete(key);
    return live.size;
  } });
  // While loading, only a short timer counts (not an interval: a clock, a poller; nor a
  // beacon or a chat widget a second later).
  const counts = (delay, repeating) => {
    if (generation > 0 || dispatching) {
      return generation < GENERATIONS && Number(delay || 0) <= HORIZON;
    }
    return loading && !repeating && Number(delay || 0) <= LOAD_HORIZON;
  };
  // Proxies keep the functions' own name, length and source text (pages may check them).
  const schedule = (native, prefix, delayAt, repeating) => new Proxy(native, {
    apply(target, self, args) {
      const callback = args[0], delay = delayAt < 0 ? 16 : args[delayAt];
      if (typeof callback !== "function" || !counts(delay, repeating)) {
        return Reflect.apply(target, self, args);
      }
      const mine = generation > 0 || dispatching ? generation + 1 : GENERATIONS;
      let key;
      const run = function () {
        live.delete(key);
        const outer = generation;
        generation = mine;
        try { return Reflect.apply(callback, this, arguments); } finally { generation = outer; }
      };
      const id = Reflect.apply(target, self, [run, ...args.slice(1)]);
      key = prefix + Number(id);
      live.set(key, performance.now() + Number(delay || 0));
      return id;
    },
  });
  const cancel = (native, prefix) => new Proxy(native, {
    apply(target, self, args) {
      live.delete(prefix + Number(args[0]));
      return Reflect.apply(target, self, args);
    },
  });
  // An interval counts until its first tick (a debounce built on one, as RxJS's is).
  window.setTimeout = schedule(setTimer, "t", 1, false);
  window.setInterval = schedule(setRepeat, "t", 1, true);
  window.clearTimeout = cancel(window.clearTimeout, "t");
  window.clearInterval = cancel(window.clearInterval, "t");
  if (window.requestAnimationFrame) {
    window.requestAnimationFrame = schedule(window.requestAnimationFrame, "f", -1, false);
    window.cancelAnimationFrame = cancel(window.cancelAnimationFrame, "f");
  }
})();""".replace("LOAD_HORIZON", str(LOAD_TIMER_HORIZON_MS))
    .replace("HORIZON", str(TIMER_HORIZON_MS))
    .replace("GENERATIONS", str(TIMER_GENERATIONS))
    .replace("SLACK", str(TIMER_SLACK_MS))
)

# A route about to be shown in a page loaded long ago: its quiet is counted from now, as a
# fresh document's is counted from its load event.
RESTART_QUIET_SCRIPT: Final = """() => {
  const clock = window.__waltDomClock;
  if (clock) clock.last = performance.now();
}"""

# Resolves once no script has changed the DOM, and the load event is, `quiet` ms old, and
# no timer an action set is pending (or after `cap` ms); true if it had to wait.
_DOM_QUIET_SCRIPT: Final = """async ([quiet, cap]) => {
  const clock = window.__waltDomClock;
  if (!clock) return false;
  const nav = performance.getEntriesByType("navigation")[0];
  const last = () => Math.max(clock.last, nav ? nav.loadEventEnd : 0);
  const start = performance.now();
  let waited = false;
  while ((performance.now() - last() < quiet || clock.pending > 0) &&
         performance.now() - start < cap) {
    waited = true;
    await new Promise(r => setTimeout(r, Math.max(5, quiet - (performance.now() - last()))));
  }
  return waited;
}"""
_ACTION_TIMERS_SCRIPT: Final = "() => (window.__waltDomClock || {}).pending || 0"
_NOW_SCRIPT: Final = "() => performance.now()"
# When a script last changed the DOM (the page's clock, ms); null without the clock.
_LAST_CHANGE_SCRIPT: Final = "() => { const c = window.__waltDomClock; return c ? c.last : null; }"


# Waits until the document is parsed and its style sheets applied (DOMContentLoaded, then
# each sheet's load or error, within `cap` ms), then tells whether anything in it can still
# start a request by itself: a script, a handler of an event that fires without the user,
# a frame, a refresh.
_READY_SCRIPT: Final = """async (cap) => {
  if (document.readyState === "loading") {
    await new Promise(resolve =>
      document.addEventListener("DOMContentLoaded", resolve, { once: true }));
  }
  // A disabled sheet, or one without an address, is never fetched: nothing to wait for.
  const sheets = [...document.querySelectorAll("link[rel~='stylesheet' i]")]
    .filter(link => !link.sheet && !link.disabled && link.getAttribute("href"));
  if (sheets.length) {
    const arrived = link => new Promise(resolve => {
      link.addEventListener("load", resolve, { once: true });
      link.addEventListener("error", resolve, { once: true });
    });
    await Promise.race([Promise.all(sheets.map(arrived)),
                        new Promise(resolve => setTimeout(resolve, cap))]);
  }
  return document.scripts.length > 0 || Boolean(document.querySelector(
    "[onload], [onpageshow], [onerror], [onreadystatechange], iframe, frame, " +
    "meta[http-equiv='refresh' i]"));
}"""


def _key(request: Request) -> str:
    try:
        body = request.post_data or ""
    except Exception:  # a binary body
        body = "<binary>"
    return f"{request.method} {request.url} {body}"


def _is_navigation(request: Request) -> bool:
    try:
        return request.resource_type == "document" and request.frame.parent_frame is None
    except Exception:  # the frame is gone
        return False


class PageWatch:
    """Follows one page (and the pages it opens) for the executor; see the module docstring."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self._inflight: dict[int, str] = {}
        self._finished: set[str] = set()
        self._before: set[str] = set()
        self._started = asyncio.Event()
        self._changed = asyncio.Event()
        self._popups: list[Page] = []
        self._scripts: dict[int, float] = {}  # in-flight code requests: when they started
        self._scripted = False  # the page's scripts fetched data since the action
        self._documents = 0  # main-frame documents the action loaded (responses arrived)
        self._followed: list[Page] = []
        self._attach(page)

    def _attach(self, page: Page) -> None:
        self._followed.append(page)
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_done)
        page.on("requestfailed", self._on_done)
        page.on("popup", self._on_popup)

    def detach(self) -> None:
        """Stop following the page and the tabs it opened (they live on for other work:
        the listeners go)."""
        for page in self._followed:
            for event, handler in (
                ("request", self._on_request),
                ("requestfinished", self._on_done),
                ("requestfailed", self._on_done),
                ("popup", self._on_popup),
            ):
                with contextlib.suppress(Exception):
                    page.remove_listener(event, handler)
        self._followed.clear()

    def _on_popup(self, popup: Page) -> None:
        self._popups.append(popup)
        self._started.set()
        self._changed.set()

    def _on_request(self, request: Request) -> None:
        try:
            kind = request.resource_type
        except Exception:
            return
        if kind not in _TRACKED:
            return
        key = _key(request)
        if key in self._before:
            return  # the page asked for this before the action: polling, not the effect
        self._inflight[id(request)] = key
        if kind in ("fetch", "xhr"):
            # Data for a script to render. Code alone (a new document's scripts) runs
            # before the load event that is waited for anyway.
            self._scripted = True
        if kind == "script":
            self._scripts[id(request)] = time.monotonic()
        self._started.set()
        self._changed.set()

    def _on_done(self, request: Request) -> None:
        self._scripts.pop(id(request), None)
        key = self._inflight.pop(id(request), None)
        if key is not None:
            self._finished.add(key)
            if _is_navigation(request):
                self._documents += 1
            self._changed.set()

    async def goto(self, url: str, timeout: float, *, redraw: bool = True) -> Response | None:
        """Navigate the page to ``url`` (until its load event, ``timeout`` seconds). A URL
        that differs from the page's only in its fragment is shown in place (the HTML
        standard's "navigate to a fragment": no new document, no response): the page's
        script draws the route when it gets to it, so this waits, at most ``REDRAW_WAIT``
        seconds, for its first change to the DOM; reading before that reads the route
        the page showed before. :meth:`settle` waits for the rest of the drawing.
        ``redraw=False`` skips that wait (the page shows that view already: an app that
        only rewrites its address draws nothing)."""
        page = self.page
        here, there = urldefrag(page.url), urldefrag(url)
        since: float | None = None
        if redraw and here.url == there.url and here.fragment != there.fragment:
            with contextlib.suppress(Exception):
                since = float(await page.evaluate(_NOW_SCRIPT))
        response = await page.goto(url, wait_until="load", timeout=timeout * 1000)
        if since is not None and response is None:
            await self._redrawn(since, time.monotonic() + min(REDRAW_WAIT, timeout))
        return response

    async def _redrawn(self, since: float, deadline: float) -> None:
        while True:
            try:
                last = await self.page.evaluate(_LAST_CHANGE_SCRIPT)
            except Exception:  # a new document replaced it after all
                return
            if last is None or float(last) > since or time.monotonic() >= deadline:
                if last is not None and float(last) <= since:
                    log.debug("a route shown in place changed nothing in %.1f s", REDRAW_WAIT)
                return
            await asyncio.sleep(REDRAW_POLL)

    def forget(self) -> None:
        """Forget the requests seen so far. A kept page shown another route makes again
        requests an earlier route made: they are that route's data, not polling."""
        self._finished.clear()

    def before_action(self) -> None:
        """Call right before an action: what finished or opened so far is not its effect."""
        self._before = set(self._finished)
        self._scripted = False
        self._documents = 0
        self._started.clear()
        self._popups.clear()

    async def close_popups(self) -> None:
        """Close tabs a page opened by itself while loading (not the effect of an action)."""
        popups, self._popups = self._popups, []
        for popup in popups:
            with contextlib.suppress(Exception):
                await popup.close()

    @property
    def busy(self) -> bool:
        return self._pending()

    def _pending(self) -> bool:
        """A request is in flight that the effect may depend on. A code request counts
        for ``SCRIPT_WAIT`` seconds at most: a worker's script never reports its end to
        the page, and a chunk the app needs arrives quickly or not at all."""
        if len(self._inflight) > len(self._scripts):
            return True
        now = time.monotonic()
        return any(now - started < SCRIPT_WAIT for started in self._scripts.values())

    async def settle(
        self, timeout: float, *, grace: float = GRACE, read: bool = False, timers: bool = True
    ) -> None:
        """Wait for the effect of the last action (see the module docstring); ``read``:
        the page is read next, so a page just loaded is given ``RENDER_QUIET`` seconds
        without requests or DOM changes to show it is done. ``timers=False``: no user's
        action ran in the document (one just loaded), so no timer of one is waited for."""
        deadline = time.monotonic() + min(timeout, SETTLE_CAP)
        if not self._pending():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._started.wait(), grace)
            if not self._pending() and not self._started.is_set():
                if read:
                    await self._dom_quiet(deadline, RENDER_QUIET)
                elif timers and await self._timers_pending():
                    # No request, no navigation: the action's effect comes after a pause
                    # (a debounce, a filter drawn by a timer).
                    await self._dom_quiet(deadline, DOM_QUIET)
                return
        quiet_since = time.monotonic() if not self._pending() else None
        quiet, documents = QUIET, 0
        while time.monotonic() < deadline:
            if not self._pending():
                if self._documents > documents:
                    # A new document arrived (each of a chain: a script may redirect).
                    documents = self._documents
                    if await self._document_settled(deadline):
                        break
                    quiet, quiet_since = LOAD_GRACE, time.monotonic()
                    continue
                if quiet_since is None:
                    quiet_since = time.monotonic()
                if time.monotonic() - quiet_since >= quiet:
                    break
            else:
                quiet_since = None
            await self._next_change(deadline, quiet)
        if self._pending():
            log.debug("page still loading %d requests after %.1f s", len(self._inflight), timeout)
        if not documents:
            await self._loaded(deadline)
        if read or self._scripted or (not documents and timers and await self._timers_pending()):
            # Data arrived for a script: it renders it, and may fetch again (or the page
            # draws after a pause the action started).
            await self._dom_quiet(deadline, RENDER_QUIET if read else DOM_QUIET)

    async def _document_settled(self, deadline: float) -> bool:
        """For a new document: True when it is done (parsed and styled, with no script,
        load handler, frame or refresh that could start a request, and none pending);
        else, once its load event has fired (its scripts' load handlers may fetch after
        its images), False: what its scripts start is looked for next."""
        if not await self.ready(deadline):
            return not self._pending()
        await self._loaded(deadline)
        return False

    async def _timers_pending(self) -> bool:
        """Whether timers a user's action, or the document's loading, set in the page
        have yet to run (see :data:`DOM_CLOCK_SCRIPT`)."""
        try:
            return bool(await self.page.evaluate(_ACTION_TIMERS_SCRIPT))
        except Exception:  # a navigation replaced the document: nothing of the old one runs
            return False

    async def _dom_quiet(self, deadline: float, quiet: float) -> None:
        """Wait until the DOM has stopped changing and no request is pending; a render
        that starts new requests (an app that fetches after drawing its skeleton) is
        waited for too, within ``deadline``."""
        while time.monotonic() < deadline:
            left = deadline - time.monotonic()
            try:
                waited = await self.page.evaluate(
                    _DOM_QUIET_SCRIPT, [quiet * 1000, max(0.0, left) * 1000]
                )
            except Exception:  # a navigation replaced the document: wait for it
                waited = True
            if not waited and not self._pending():
                return
            while self._pending() and time.monotonic() < deadline:
                await self._next_change(deadline, QUIET)
            await self.ready(deadline)

    async def _next_change(self, deadline: float, tick: float | None = None) -> None:
        """Until a request starts or ends (or a tab opens), ``tick`` seconds at most, never
        past ``deadline``."""
        left = deadline - time.monotonic()
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), left if tick is None else min(tick, left))

    async def _loaded(
        self, deadline: float, state: Literal["load", "domcontentloaded"] = "load"
    ) -> None:
        """Until the current document's load event (or ``state``), never past ``deadline``."""
        with contextlib.suppress(Exception):
            await self.page.wait_for_load_state(
                state, timeout=max(0.1, deadline - time.monotonic()) * 1000
            )

    async def ready(self, deadline: float) -> bool:
        """Until the current document is parsed and styled, never past ``deadline``
        (monotonic seconds): DOMContentLoaded and its style sheets, which is what locating,
        acting and reading need. Images, media and fonts are not waited for (they change
        no content; the load event waits for every one of them, and a fresh context
        fetches them all again). Returns whether the document may still start requests
        of its own: False when it has no script, no handler of an event that fires by
        itself, no frame and no refresh. Style sheets are given ``SHEET_WAIT`` seconds."""
        left = max(0.1, deadline - time.monotonic())
        try:
            return bool(
                await asyncio.wait_for(
                    self.page.evaluate(_READY_SCRIPT, min(left, SHEET_WAIT) * 1000), left
                )
            )
        except Exception:  # a navigation replaced the document meanwhile, or the bound
            await self._loaded(deadline, "domcontentloaded")
            return True

    async def settle_loaded(
        self, timeout: float, *, read: bool = True, grace: float = LOAD_GRACE, timers: bool = True
    ) -> None:
        """:meth:`settle` for a page that has just loaded (or shown what a step waits
        for): what its load already finished is not an effect to wait for again; the
        requests still in flight, and with ``read`` its renders, are."""
        self.before_action()
        await self.settle(timeout, grace=grace, read=read, timers=timers)

    async def follow_popup(self, timeout: float, *, expected: bool = False) -> Page | None:
        """The tab the last action opened (loaded, and watched from now on), if any;
        ``expected``: the action targets a new browsing context, so wait for the tab
        (within ``timeout`` seconds) rather than take its absence for an answer."""
        deadline = time.monotonic() + min(timeout, SETTLE_CAP)
        while expected and not self._popups and time.monotonic() < deadline:
            await self._next_change(deadline)
        if not self._popups:
            return None
        popup = self._popups.pop()
        self._popups.clear()
        self.page = popup
        self._attach(popup)
        with contextlib.suppress(Exception):
            await popup.wait_for_load_state("load", timeout=timeout * 1000)
        return popup


# Describes the element on top of the target's centre and marks its close button.
COVERING_SCRIPT: Final = """(target) => {
  if (!target.isConnected) return {detached: true};
  let box = target.getBoundingClientRect();
  if (!box.width || !box.height) return null;  // not drawn: nothing is over it
  if (box.bottom <= 0 || box.top >= innerHeight || box.right <= 0 || box.left >= innerWidth) {
    target.scrollIntoView({block: 'center', inline: 'nearest'});
    box = target.getBoundingClientRect();
  }
  // Asked of the target's own tree: a document answers a shadow root's host.
  const root = target.getRootNode();
  const top = (root.elementFromPoint ? root : document)
    .elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  // Whether inner is outer or inside it, across shadow roots.
  const holds = (outer, inner) => {
    for (let n = inner; n; n = n.parentNode || n.host) if (n === outer) return true;
    return false;
  };
  // Its own label (a floating one) or a box around it passes a press on to it.
  const own = top && top.closest('label');
  if (!top || holds(target, top) || holds(top, target) || (own && own.control === target))
    return null;
  let layer = top;
  while (layer.parentElement && layer.parentElement !== document.body &&
         getComputedStyle(layer).position === 'static') layer = layer.parentElement;
  const classes = el => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
  // A consent banner's or a notice's own way out: a verb of consent or of closing, then
  // only words that say what is accepted or closed ("Accept all cookies", "OK, got it",
  // "Agree & close"); "Accept invitation" or "Reject all" are not.
  // (Not "Yes, ...": a site's own "are you sure?" answers so.)
  const words = new RegExp('^(?:(?:i|we) )?(?:accept|agree|allow|ok|okay|got it|' +
    'understood|i understand|close|dismiss|continue|no thanks|x|\\u00d7|\\u2715)' +
    '(?: (?:all|cookies?|and|close|continue|proceed|to|site|the|it|thanks|accept|' +
    'agree|allow|got|ok|okay|everything|banner|notice|message|this))*$');
  const label = b => (b.innerText || b.value || b.getAttribute('aria-label') || '')
    .toLowerCase().replace(/&/g, ' and ').replace(/[.,!?:;'"\u2019\u201c\u201d()]/g, ' ')
    .replace(/\\s+/g, ' ').trim();
  const buttons = [...layer.querySelectorAll(
    'button, [role=button], a, input[type=button], input[type=submit]')];
  const closer = buttons.find(b => words.test(label(b)));
  if (closer) closer.setAttribute('data-walt-closer', '1');
  // A layer that takes the page (a dialog, a wall one sees), not a badge over part of
  // it nor a transparent backdrop an open menu lays out to catch the next click.
  const area = layer.getBoundingClientRect();
  const seen = (layer.innerText || '').trim() !== '' ||
    !/^(transparent|rgba\\(.*,\\s*0\\))$/.test(getComputedStyle(layer).backgroundColor);
  const modal = layer.getAttribute('aria-modal') === 'true' ||
    ['dialog', 'alertdialog'].includes(layer.getAttribute('role')) ||
    (seen && area.width * area.height >= 0.5 * innerWidth * innerHeight);
  return {covering: describe(layer), text: (layer.innerText || '').trim().slice(0, 120),
          closer: Boolean(closer), modal};
}"""


async def close_covering(page: Page, target: Any, timeout: float) -> dict[str, Any] | None:
    """After a click on ``target`` was refused because another element receives the
    pointer events there, or before typing into it (scrolled into view first): what
    covers it (``covering``, tag#id.classes of its layer; ``text``, its first 120
    characters; ``modal``, whether it takes the page: ``aria-modal``, a dialog role, or
    half the viewport or more when it shows text or a background), with ``closed``
    True when that layer had its own accept or close button (:data:`COVERING_SCRIPT`)
    and it was clicked (``timeout`` seconds at most). ``{"detached": True}`` when the
    target left the document; None when nothing covers it (any more), or the page cannot
    tell (it is navigating). Raises what Playwright raises when the button cannot be
    clicked."""
    try:
        covering: dict[str, Any] | None = await target.evaluate(COVERING_SCRIPT)
    except Exception:
        return None
    if covering is not None and covering.get("closer"):
        await page.click("[data-walt-closer]", timeout=timeout * 1000)
        covering["closed"] = True
    return covering


# Does activating the element open its result in another browsing context? The HTML
# standard's rules: a submitter's formtarget, else its form owner's target (or the
# document's <base target>); a hyperlink's own target. "_self", "_parent" and "_top"
# stay in this page (frames aside).
NEW_CONTEXT_SCRIPT: Final = """(el) => {
  const base = (document.querySelector('base[target]') || {}).target || '';
  let target = '';
  if (el.form && ['submit', 'image'].includes((el.type || '').toLowerCase())) {
    target = el.getAttribute('formtarget') || el.form.getAttribute('target') || base;
  } else {
    const link = el.closest('a[href], area[href]');
    if (link) target = link.getAttribute('target') || base;
  }
  target = (target || '').trim().toLowerCase();
  return target !== '' && !['_self', '_parent', '_top'].includes(target);
}"""
