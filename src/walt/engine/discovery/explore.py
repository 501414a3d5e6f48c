"""Trying a page's script-driven controls in the crawl's read-only browser.

A search box on a page a script builds, and a "Load more" button on any page, do
nothing an HTTP client can see (:mod:`walt.engine.discovery.controls`). The crawl
opens such a page, uses the control once as a person would, waits for the effect
(:class:`walt.engine.effects.PageWatch`) and records what happened:

* for a search box: the word typed, the page's URL afterwards (a route such as
  ``#/search?q=word`` or a query), and the fetch/XHR calls the page made that carry
  the word (the site's own API: method, URL, body, content types);
* for a "Load more" button: how many records the page showed before and after;
* for a list box: its options, and the records shown before and after another option
  is chosen (:mod:`walt.engine.listbox` opens it and clicks the option).

The crawl's browser stays behind the read-only network guard, so a control that
would write is blocked, never sent. :mod:`walt.engine.discovery.scripted` turns the
observations into candidate tools; this module only drives the browser.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import unquote_plus, urldefrag, urlsplit

import attrs

from walt.core.css import css_string
from walt.core.logging import get_logger
from walt.core.routes import flatten
from walt.engine.discovery.controls import Control
from walt.engine.discovery.routepages import close_page
from walt.engine.dom import parse_html
from walt.engine.effects import PageWatch, close_covering
from walt.engine.extract import page_records
from walt.engine.listbox import Option, choose_in_list_box, close_list_box, read_options
from walt.engine.shadow import document_html
from walt.engine.steps import wheel_to_end

if TYPE_CHECKING:
    from playwright.async_api import Page, Request

__all__ = ["Exploration", "ObservedCall", "explore_control", "page_storage"]

log = get_logger(__name__)

SETTLE: Final = 4.0
"""Seconds at most to wait for a control's effect."""
MAX_CALLS: Final = 8
CLICK_TIME: Final = 2.0
"""Seconds a try's click may take, a covering banner closed on the way included."""
FIRST_CLICK: Final = 1.0
"""Seconds a click is given before what covers its target is looked at."""
_CALL_TYPES: Final = frozenset({"fetch", "xhr"})
_MAX_BODY: Final = 20_000
_REFUSED: Final = frozenset({400, 422})


@attrs.frozen
class ObservedCall:
    """A fetch/XHR call a page made in answer to a control: ``content_type`` is the
    response's media type (``application/json``), ``request_type`` the body's."""

    method: str
    url: str
    body: str | None = None
    request_type: str = ""
    content_type: str = ""
    status: int | None = None


@attrs.frozen
class Exploration:
    """What using one control did (see the module docstring). ``records_before`` and
    ``records_after`` count the records read from the page before and after it."""

    page_url: str
    control: Control
    term: str = ""
    url_after: str = ""
    calls: tuple[ObservedCall, ...] = ()
    records_before: int = 0
    records_after: int = 0
    records_replaced: bool = False  # none of the records after were there before
    options: tuple[str, ...] = ()  # a list box's options (visible labels), in order
    selected: str = ""  # the option chosen when the page was opened (``term``: the crawl's)
    records_changed: bool = False  # the records after are not those before
    url_before: str = ""  # the page's URL right before the control was used

    @property
    def role(self) -> Literal["search", "more", "scroll", "next", "choose"]:
        return self.control.role

    @property
    def refused(self) -> bool:
        """The site's API answered every call that carried the word as a request it could
        not process (400 Bad Request, 422 Unprocessable Content): the box takes a query
        language, not plain words. A login, a missing resource or a rate limit is no
        verdict on the word."""
        return bool(self.calls) and all(c.status in _REFUSED for c in self.calls)


async def explore_control(
    context: Any,
    url: str,
    control: Control,
    *,
    term: str,
    timeout: float,
    watch_page: Any = None,
    page: Page | None = None,
    close: bool = True,
) -> Exploration | None:
    """Open ``url`` in the browser context ``context`` and use ``control`` once (a search
    box gets ``term`` and Enter; a button is clicked; a list box gets another option).
    ``timeout`` (seconds) bounds the whole try; ``watch_page`` is the network guard's
    per-page hook; ``page``, a page of that context already showing ``url``'s document (a
    fragment route is then shown in place), is used instead of a new one. The page is
    closed afterwards unless ``close`` is false (the caller tries the page's next control
    in it). None when the control cannot be found or used."""
    started = time.monotonic()
    if page is None:
        page = await context.new_page()
        if watch_page is not None:
            watch_page(page)
        close = True
    calls: list[Request] = []
    listening = False

    def on_request(request: Request) -> None:
        if listening and len(calls) < MAX_CALLS * 4 and request.resource_type in _CALL_TYPES:
            calls.append(request)

    page.on("request", on_request)
    watch = PageWatch(page)
    try:
        # A tab that tried a control of this view before shows it already.
        shown = urlsplit(flatten(page.url)).path == urlsplit(flatten(url)).path
        await watch.goto(url, timeout, redraw=not shown)
        element = None if control.role == "scroll" else _element(page, control)
        if element is not None:
            # The script builds the control after the load event: wait for it.
            await element.wait_for(state="attached", timeout=_left(started, timeout) * 1000)
        # Then for the page's own data requests and renders.
        await watch.settle_loaded(min(SETTLE, _left(started, timeout)), grace=0.0)
        if element is not None:
            if control.role != "search" and not await element.is_visible():
                return None  # a style sheet hides it (a pager the page does not use)
            # A button at the end of a long list is below the fold: bring it into view.
            with contextlib.suppress(Exception):
                await element.scroll_into_view_if_needed(timeout=1000)
        before = await _records(page)
        options: list[Option] = []
        storage: Any = None
        state: Any = None
        if control.role == "choose" and element is not None:
            options = await read_options(element, _click, min(2.0, _left(started, timeout)))
            term = next((o.label for o in options if not o.selected), "")
            if len(options) < 2 or not term:
                await close_list_box(page, element)
                return None
            # Apps keep a list box's choice in the browser's storage: it is put back
            # afterwards, so the crawl's next pages show what the site shows a newcomer.
            state = await _state(page)
            storage = state[0]  # what _put_back restores
        url_before = page.url
        watch.before_action()
        listening = True
        if element is None:
            await wheel_to_end(page)
        elif control.role == "search":
            await element.fill(term, timeout=2000)
            await element.press("Enter", timeout=2000)
        elif control.role == "choose":
            await choose_in_list_box(page, element, [term], _click, 2.0, 0)
        else:
            await _click(element)
        await watch.settle(min(SETTLE, _left(started, timeout)), grace=0.3)
        listening = False
        after = await _records(page)
        url_after = page.url
        selected = next((o.label for o in options if o.selected), "")
        if storage is not None:
            left = _left(started, timeout)
            await _undo_choice(page, element, storage, (selected, url_before, state), watch, left)
        observed = [await _observed(r) for r in calls]
        if control.role == "search":
            observed = [c for c in observed if _carries(c, term)]
        return Exploration(
            page_url=url,
            control=control,
            term=term,
            url_before=url_before,
            url_after=url_after,
            calls=tuple(observed[:MAX_CALLS]),
            records_before=len(before),
            records_after=len(after),
            # A row pinned on every page (a sponsored one) may stay.
            records_replaced=bool(after) and len(set(before) & set(after)) <= 0.2 * len(after),
            options=tuple(o.label for o in options),
            selected=selected,
            records_changed=sorted(before) != sorted(after),
        )
    except Exception as exc:  # a control that cannot be used is simply not a tool
        log.debug(
            "exploring a %s control failed: %s",
            control.role,
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        return None
    finally:
        page.remove_listener("request", on_request)
        with contextlib.suppress(Exception):
            await watch.close_popups()  # a tab the control opened: the next one is tried here
        watch.detach()
        if close:
            await close_page(page)


def _element(page: Page, control: Control) -> Any:
    """The control by its most stable locator: a test id, an id, a placeholder, else its
    CSS path (a script that re-renders replaces the nodes a long path went through)."""
    for locator in control.locators:
        if locator.by == "test_id":
            return page.get_by_test_id(locator.value).first
        if locator.by == "id":
            return page.locator(f"[id={css_string(locator.value)}]").first
        if locator.by == "placeholder":
            return page.get_by_placeholder(locator.value, exact=True).first
    return page.locator(control.css).first


async def _click(element: Any) -> None:
    """Click ``element`` (``CLICK_TIME`` seconds, plus the closing of what covers it); a
    layer covering it that has its own accept or close button (a consent banner) is
    closed first, as a run's click does."""
    started = time.monotonic()
    try:
        await element.click(timeout=FIRST_CLICK * 1000)
        return
    except Exception as exc:
        page = getattr(element, "page", None)
        if "intercepts pointer events" in str(exc) and page is not None:
            covering = await close_covering(page, element, CLICK_TIME)
            if covering is not None and not covering.get("closed"):
                raise
        # Otherwise the element may still be on its way (an option animating in): the
        # rest of the time is its.
    await element.click(timeout=max(0.5, CLICK_TIME - (time.monotonic() - started)) * 1000)


# The page's storage, as strings, to be put back after a list box was tried.
_SAVE_STORAGE: Final = """() => {
  const dump = s => { try { return Object.fromEntries(Object.entries(s)); }
    catch (e) { return null; } };
  return [dump(localStorage), dump(sessionStorage)];
}"""
_RESTORE_STORAGE: Final = """([local, session]) => {
  const load = (s, saved) => { if (!saved) return;
    try { s.clear(); for (const [k, v] of Object.entries(saved)) s.setItem(k, v); }
    catch (e) {} };
  load(localStorage, local); load(sessionStorage, session);
}"""


async def page_storage(page: Page) -> Any:
    """What the page's site keeps in the browser: its ``localStorage`` and
    ``sessionStorage`` as strings, and the context's cookies (comparable with ``==``);
    None when the page cannot be read (closed, or gone to another document)."""
    try:
        return await _state(page)
    except Exception:
        return None


async def _state(page: Page) -> tuple[Any, list[tuple[str, str, str, str]]]:
    cookies = await page.context.cookies()
    jar = sorted((c["name"], c["value"], c["domain"], c["path"]) for c in cookies)
    return await page.evaluate(_SAVE_STORAGE), jar


async def _undo_choice(
    page: Page,
    element: Any,
    storage: Any,
    before: tuple[str, Any, Any],
    watch: PageWatch,
    left: float,
) -> None:
    """Undo a list box's choice. A choice kept in the route of the page's address alone
    (only the fragment changed; storage and cookies did not) is undone by showing the
    route before it in place, one redraw instead of choosing again; any other is put
    back (:func:`_put_back`). ``before``: the option shown, the URL and what the site
    kept in the browser (:func:`page_storage`) before the choice."""
    selected, url_before, state = before
    in_place = urldefrag(page.url).url == urldefrag(url_before).url
    with contextlib.suppress(Exception):
        if in_place and page.url != url_before and await _state(page) == state:
            await close_list_box(page, element)
            await watch.goto(url_before, left)
            return
    await _put_back(page, element, storage, selected, watch, left)


async def _put_back(
    page: Page, element: Any, storage: Any, selected: str, watch: PageWatch, left: float
) -> None:
    """Undo a list box's choice: the option shown before chosen again (when one was), the
    popup closed, and the page's storage as it was before."""
    with contextlib.suppress(Exception):
        if selected:
            await choose_in_list_box(page, element, [selected], _click, 2.0, 0)
            await watch.settle(min(SETTLE, left), grace=0.1)
        await close_list_box(page, element)
        await page.evaluate(_RESTORE_STORAGE, storage)


def _left(started: float, timeout: float) -> float:
    return max(0.2, timeout - (time.monotonic() - started))


async def _records(page: Page) -> list[str]:
    """The page's records (its items, or its tables' rows when they are more), as text."""
    doc = parse_html(await document_html(page), page.url)
    return [repr(sorted(r.items())) for r in page_records(doc)]


async def _observed(request: Request) -> ObservedCall:
    try:
        body = request.post_data
    except Exception:  # a binary body is nothing a template can carry
        body = None
    if body is not None and len(body) > _MAX_BODY:
        body = None
    response = None
    with contextlib.suppress(Exception):
        response = await request.response()
    headers = request.headers
    return ObservedCall(
        method=request.method.upper(),
        url=request.url,
        body=body,
        request_type=headers.get("content-type", "").split(";")[0].strip().lower(),
        content_type=(
            (response.headers.get("content-type", "") if response else "")
            .split(";")[0]
            .strip()
            .lower()
        ),
        status=response.status if response else None,
    )


def _carries(call: ObservedCall, term: str) -> bool:
    needle = term.lower()
    return needle in unquote_plus(call.url).lower() or needle in (call.body or "").lower()
