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
* a tab or window the action opened is followed: the run continues there.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Final

from walt.core.logging import get_logger

if TYPE_CHECKING:
    from playwright.async_api import Page, Request

__all__ = ["COVERING_SCRIPT", "NEW_CONTEXT_SCRIPT", "PageWatch"]

log = get_logger(__name__)

GRACE: Final = 0.05
"""Seconds an action has to start a request before it counts as having started none."""
LOAD_GRACE: Final = 0.02
"""The same after a page's load event: its scripts have run, what they fetch has started."""
QUIET: Final = 0.03
"""Seconds without a new or unfinished request after which the page counts as settled."""
SETTLE_CAP: Final = 5.0
"""Seconds at most that waiting for an effect adds to a step."""
_TRACKED: Final = frozenset({"document", "fetch", "xhr"})


def _key(request: Request) -> str:
    try:
        body = request.post_data or ""
    except Exception:  # a binary body
        body = "<binary>"
    return f"{request.method} {request.url} {body}"


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
        self._attach(page)

    def _attach(self, page: Page) -> None:
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_done)
        page.on("requestfailed", self._on_done)
        page.on("popup", self._on_popup)

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
        self._started.set()
        self._changed.set()

    def _on_done(self, request: Request) -> None:
        key = self._inflight.pop(id(request), None)
        if key is not None:
            self._finished.add(key)
            self._changed.set()

    def before_action(self) -> None:
        """Call right before an action: what finished or opened so far is not its effect."""
        self._before = set(self._finished)
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
        return bool(self._inflight)

    async def settle(self, timeout: float, *, grace: float = GRACE) -> None:
        """Wait for the effect of the last action (see the module docstring)."""
        deadline = time.monotonic() + min(timeout, SETTLE_CAP)
        if not self._inflight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._started.wait(), grace)
            if not self._inflight and not self._started.is_set():
                return
        quiet_since = time.monotonic() if not self._inflight else None
        while time.monotonic() < deadline:
            if not self._inflight:
                if quiet_since is None:
                    quiet_since = time.monotonic()
                if time.monotonic() - quiet_since >= QUIET:
                    break
            else:
                quiet_since = None
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait(), min(QUIET, deadline - time.monotonic())
                )
        if self._inflight:
            log.debug("page still loading %d requests after %.1f s", len(self._inflight), timeout)
        with contextlib.suppress(Exception):
            await self.page.wait_for_load_state(
                "load", timeout=max(0.1, deadline - time.monotonic()) * 1000
            )

    async def follow_popup(self, timeout: float, *, expected: bool = False) -> Page | None:
        """The tab the last action opened (loaded, and watched from now on), if any;
        ``expected``: the action targets a new browsing context, so wait for the tab
        (within ``timeout`` seconds) rather than take its absence for an answer."""
        deadline = time.monotonic() + min(timeout, SETTLE_CAP)
        while expected and not self._popups and time.monotonic() < deadline:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
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
  const box = target.getBoundingClientRect();
  const top = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  if (!top || target.contains(top)) return null;
  let layer = top;
  while (layer.parentElement && layer.parentElement !== document.body &&
         getComputedStyle(layer).position === 'static') layer = layer.parentElement;
  const classes = el => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
  const words = new RegExp('^(accept|accept all|agree|i agree|ok|okay|got it|allow|' +
    'allow all|close|dismiss|continue|no thanks|x|\\u00d7|\\u2715)$', 'i');
  const label = b => (b.innerText || b.value || b.getAttribute('aria-label') || '').trim();
  const buttons = [...layer.querySelectorAll(
    'button, [role=button], a, input[type=button], input[type=submit]')];
  const closer = buttons.find(b => words.test(label(b)));
  if (closer) closer.setAttribute('data-walt-closer', '1');
  return {covering: describe(layer), text: (layer.innerText || '').trim().slice(0, 120),
          closer: Boolean(closer)};
}"""


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
