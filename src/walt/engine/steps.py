"""A tool's steps in the browser: each one done, its effect waited for, its outcome true.

* Every action (a click, a fill, a selection, a key) is followed by its effect:
  a navigation, the page's own data requests, a new tab (the run continues
  there), see :mod:`walt.engine.effects`; nothing is read from the page before.
* A dialog the step expects (``dialog="accept"``: a ``confirm()`` that guards a
  delete) is answered and reported in the step's record; one it does not expect
  is dismissed and fails the step with a :class:`~walt.core.errors.DialogError`.
* An element covered by another (a consent banner) is uncovered through the
  covering layer's own accept or close button; without one the step fails with a
  :class:`~walt.core.errors.ClickInterceptedError` naming the layer.
* A step may address an ``<iframe>`` (``frame``), repeat a click (``repeat``: a
  "Load more" button) or take a list (one click per row to tick).
* A select takes a value or a label: the options are read once, no waiting. A list
  box a script draws in its place (an ARIA combobox) is opened and its option
  clicked, as a person does (:mod:`walt.engine.listbox`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urldefrag

from walt.core.errors import (
    ClickInterceptedError,
    DialogError,
    ExecutionError,
    UrlBlockedError,
    WaltError,
    translate,
)
from walt.core.logging import get_logger
from walt.core.models import (
    AgentStep,
    ClickStep,
    ElementStep,
    ExtractPageContentStep,
    InputStep,
    KeyPressStep,
    NavigationStep,
    ScrollStep,
    SelectChangeStep,
    Step,
    WaitStep,
)
from walt.core.placeholders import apply_url_operation, find_placeholders, render_text, render_url
from walt.core.urls import UrlPolicy, redact_url
from walt.engine.effects import NEW_CONTEXT_SCRIPT, STEP_GRACE, PageWatch, close_covering
from walt.engine.guard import NetworkGuard
from walt.engine.listbox import choose_in_list_box, missing_option
from walt.engine.locate import locate, not_found, render_locators
from walt.engine.runstate import RunState, check_status, step_skippable

if TYPE_CHECKING:
    from playwright.async_api import FrameLocator, Page

    from walt.core.llm import LLM

Extractor = Callable[["Page", RunState, ExtractPageContentStep], Awaitable[dict[str, Any]]]
"""How the executor reads a page for an extract step (it knows the tool's results region)."""

__all__ = ["BrowserSteps", "wheel_to_end"]

log = get_logger(__name__)

_BOOLEAN_WORDS: Final = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off"})
_TRUE_WORDS: Final = frozenset({"true", "1", "yes", "on"})
SETTLE_IDLE: Final = 2.0
"""The bound on the network-idle wait of a wait step without ``seconds``."""
FIRST_CLICK: Final = 1.5
"""Seconds a click may take before walt looks for what covers its target."""
MAX_REPEAT: Final = 50
SCROLL_TO_END: Final = 1_000_000
"""Pixels the wheel turns for a scroll to the page's end (the browser stops at the end)."""
SCROLL_GRACE: Final = 0.25
"""Seconds a scroll has to start a request: an observer of the list's end (the usual
IntersectionObserver) is told only after the browser has drawn the scrolled page."""
SELECT_POLL: Final = 0.1
"""Seconds before a missing option is looked for again (doubling up to ``SELECT_POLL_MAX``)."""
SELECT_POLL_MAX: Final = 0.5
_REASONS: Final = re.compile(
    r"intercepts pointer events|not visible|not enabled|not editable|detached|"
    r"outside of the viewport|not stable|strict mode violation",
    re.IGNORECASE,
)
# The events these scripts send are not trusted: they tell the page's clock that what the
# page schedules now is the action's work (DOM_CLOCK_SCRIPT's act()).
_ACT: Final = "(window.__waltDomClock || {act() {}}).act();"
_SET_VALUE: Final = """(el, value) => {
  el.value = value;
  ACT
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
}""".replace("ACT", _ACT)
_SET_CHECKED: Final = """(el, checked) => {
  el.checked = checked;
  ACT
  el.dispatchEvent(new Event("change", {bubbles: true}));
}""".replace("ACT", _ACT)
# Case folding as Unicode's full folding mostly does it: upper then lower ("ß" ~ "ss").
_SELECT_SCRIPT: Final = """(select, wanted) => {
  if (!(select instanceof HTMLSelectElement)) return { listBox: true };
  const fold = s => String(s).trim().toUpperCase().toLowerCase();
  const options = Array.from(select.options || []);
  const usable = options.filter(o => !o.disabled);
  const chosen = [];
  for (const want of wanted) {
    let option = usable.find(o => o.value === want);
    if (!option) {
      const folded = fold(want);
      option = usable.find(o => fold(o.label) === folded || fold(o.text) === folded);
    }
    if (!option) return { missing: want, options: usable.map(o => [o.value, o.label]) };
    chosen.push(option);
  }
  if (select.matches && select.matches(":disabled")) return { disabled: true };
  if (select.multiple) {
    for (const option of options) option.selected = chosen.includes(option);
  } else if (chosen.length) {
    chosen[0].selected = true;
  }
  ACT
  select.dispatchEvent(new Event("input", { bubbles: true, composed: true }));
  select.dispatchEvent(new Event("change", { bubbles: true }));
  // A handler in the markup (often a form submitted on change) may navigate.
  const form = select.form;
  return { handled: select.hasAttribute("onchange") || select.hasAttribute("oninput") ||
    Boolean(form && (form.hasAttribute("onchange") || form.hasAttribute("oninput"))) };
}""".replace("ACT", _ACT)


class BrowserSteps:
    """Runs one tool's steps on one page (see the module docstring)."""

    def __init__(
        self,
        run: RunState,
        watch: PageWatch,
        guard: NetworkGuard,
        policy: UrlPolicy,
        llm: LLM | None,
        extract: Extractor,
    ) -> None:
        self.run = run
        self.watch = watch
        self.guard = guard
        self.policy = policy
        self.llm = llm
        self.extract = extract
        # Whether a step acted on the page (a click, a key, a scroll...): until one does,
        # the page shows what its navigation loaded and nothing else.
        self.acted = False

    @property
    def page(self) -> Page:
        return self.watch.page

    # ------------------------------------------------------------------ the steps

    async def run_all(self) -> None:
        run = self.run
        tool = run.tool
        steps = tool.steps
        first = steps[0] if steps else None
        if first is None and tool.url_template:
            url = render_url(tool.url_template, run.values, run.system, encoding=tool.encoding)
            await self.goto(url, 0, NavigationStep(url=tool.url_template))
        elif not (isinstance(first, NavigationStep) and first.url is not None):
            if not run.current_url:
                raise ExecutionError(
                    "the tool does not start with a navigation and has no start_url: "
                    "run it with start_url=... (the page it works on)",
                    step=0,
                    step_type=first.type if first else "navigation",
                )
            await self.goto(
                run.current_url,
                0,
                first or NavigationStep(url=""),
                element_next=isinstance(first, ElementStep),
            )
        for index, step in enumerate(steps):
            await self._one(index, step)

    async def _one(self, index: int, step: Step) -> None:
        run = self.run
        started = time.perf_counter()
        if step_skippable(step, run):
            run.record(index, step, "skipped", started, detail="optional inputs left empty")
            return
        timeout = step.timeout or run.step_timeout
        status_before = run.status
        seen_dialogs = len(self.guard.dialogs)
        seen_unexpected = len(self.guard.unexpected)
        self.guard.expect_dialog = step.dialog if isinstance(step, ElementStep) else None
        locator: str | None = None
        try:
            run.meter.ensure_affordable(timeout * run.meter.prices.browser_second, "a step")
            locator = await self._step(index, step, timeout)
            self._check_dialogs(index, step, seen_unexpected)
            if run.status != status_before:
                check_status(index, step, self.page.url, run.status)
        except WaltError as exc:
            run.record(
                index,
                step,
                "failed",
                started,
                detail=exc.message[:300],
                url=redact_url(self.page.url),
                dialog=_dialogs(self.guard, seen_dialogs),
            )
            exc.details.setdefault("elapsed_ms", round((time.perf_counter() - started) * 1000))
            raise
        except Exception as exc:
            error = _step_error(index, step, exc, started)
            run.record(
                index,
                step,
                "failed",
                started,
                detail=error.message[:300],
                url=redact_url(self.page.url),
                dialog=_dialogs(self.guard, seen_dialogs),
            )
            raise error from exc
        finally:
            self.guard.expect_dialog = None
        run.current_url = self.page.url
        run.record(
            index,
            step,
            "ok",
            started,
            locator=locator,
            url=redact_url(self.page.url),
            dialog=_dialogs(self.guard, seen_dialogs),
        )

    def _check_dialogs(self, index: int, step: Step, seen: int) -> None:
        unexpected = self.guard.unexpected[seen:]
        if not unexpected:
            return
        dialog = unexpected[0]
        article = "an" if dialog["type"][:1] in ("a", "e", "i", "o", "u") else "a"
        raise DialogError(
            f"step {index} ({step.type}) opened {article} {dialog['type']} dialog the tool "
            f"does not expect ({dialog['message'][:120]!r}); it was dismissed",
            step=index,
            step_type=step.type,
            details={"dialog": dialog},
        )

    async def goto(self, url: str, index: int, step: Step, *, element_next: bool = False) -> None:
        """Load ``url``, then wait for the page's own data requests. ``element_next``: the
        next step aims at an element, and locating it waits for it to appear, so requests
        a script has not started by the load event are not waited for here."""
        run = self.run
        checked = await self.policy.acheck(url)
        timeout = step.timeout or run.step_timeout
        self.watch.before_action()
        response = await self.watch.goto(checked, timeout)
        status = response.status if response is not None else None
        # The document has loaded; a page that builds its content by script still has its
        # own data requests in flight: wait for those (and only those) before the rows.
        await self.watch.close_popups()
        if element_next:
            # Timers of a user's action (PageWatch) need input, a hashchange or a popstate:
            # a route shown in place had one, and so had a new document whose scripts
            # moved it to another fragment as it loaded (a router's "#" to "#/").
            moved = urldefrag(self.page.url).fragment != urldefrag(checked).fragment
            await self.watch.settle_loaded(
                timeout, read=False, grace=0.0, timers=response is None or moved
            )
        else:
            await self.watch.settle_loaded(timeout)
        run.current_url = self.page.url
        if status == 403 and response is not None and response.headers.get("x-walt-blocked") == "1":
            raise UrlBlockedError(
                f"step {index}: the URL policy refused a request while loading {redact_url(url)}",
                details={"url": redact_url(url), "step": index},
            )
        check_status(index, step, self.page.url, status)

    async def _step(self, index: int, step: Step, timeout: float) -> str | None:
        run = self.run
        values, system = run.values, run.system
        if isinstance(step, NavigationStep):
            element_next = self._element_follows(index)
            await self.goto(self._navigation_url(step), index, step, element_next=element_next)
            return None
        if isinstance(step, WaitStep):
            bound = step.seconds if step.seconds else SETTLE_IDLE
            state = step.until or "networkidle"
            with contextlib.suppress(Exception):  # the bound was reached: carry on
                await self.page.wait_for_load_state(state, timeout=min(bound, timeout) * 1000)  # type: ignore[arg-type]
            return None
        if isinstance(step, ScrollStep):
            await self._scroll(index, step, timeout)
            return None
        if isinstance(step, ExtractPageContentStep):
            run.data = await self.extract(self.page, run, step)
            run.extracted = True
            return None
        if isinstance(step, AgentStep):
            self.acted = True
            from walt.engine.agent import run_agent_step

            assert self.llm is not None
            task = render_text(step.task, values, system)
            await run_agent_step(
                self.page, self.llm, run.meter, task, step.max_steps, timeout, index, self.policy
            )
            run.current_url = self.page.url
            return None
        if isinstance(step, KeyPressStep) and not step.candidates():
            self.watch.before_action()
            await self.page.keyboard.press(render_text(step.key, values, system))
            await self.watch.settle(timeout)
            return None
        assert isinstance(step, ElementStep)
        listed = _listed_placeholder(step, values)
        if listed is not None:
            name, items = listed
            used: str | None = None
            for item in items:
                used = await self._element(index, step, timeout, {**values, name: item})
            return used
        return await self._element(index, step, timeout, values)

    def _navigation_url(self, step: NavigationStep) -> str:
        run = self.run
        if step.url is not None:
            return render_url(step.url, run.values, run.system, encoding=run.tool.encoding)
        assert step.url_operation is not None
        if not run.current_url and "{current_url}" in step.url_operation.base:
            raise ExecutionError(
                "a url_operation on {current_url} needs a current page: give the tool a "
                "start_url or run it with start_url=...",
                step_type="navigation",
            )
        return apply_url_operation(step.url_operation, run.values, run.system, run.provided)

    def _scope(self, step: ElementStep) -> Page | FrameLocator:
        if step.frame:
            return self.page.frame_locator(step.frame)
        return self.page

    async def _element(
        self, index: int, step: ElementStep, timeout: float, values: dict[str, Any]
    ) -> str | None:
        system = self.run.system
        candidates = render_locators(step, values, system)
        times = 1
        if isinstance(step, ClickStep) and step.repeat:
            times = _times_after_first(step, step.repeat, values, system, index)
            if times <= 0:
                return None  # page 1 of a "Load more" listing: nothing to press
        self.acted = True
        used: str | None = None
        for attempt in range(times):
            scope = self._scope(step)
            try:
                located = await locate(
                    scope, candidates, timeout=timeout, step_index=index, step_type=step.type
                )
            except ExecutionError:
                if attempt > 0:
                    break  # the button is gone: nothing more to load
                raise
            try:
                await self._act(index, step, located.locator, timeout, values)
            except WaltError:
                raise
            except Exception as exc:
                if len(candidates) == 1 and _is_not_found(exc):
                    raise await not_found(
                        scope, candidates, timeout=timeout, step_index=index, step_type=step.type
                    ) from exc
                raise
            used = located.description
        return used

    async def _act(
        self, index: int, step: ElementStep, target: Any, timeout: float, values: dict[str, Any]
    ) -> None:
        system = self.run.system
        opens_tab = False
        handled: bool | None = True  # a selection's own handlers in the markup (see _select)
        follows = False  # typing that a step acting on an element follows (InputStep only)
        self.watch.before_action()
        if isinstance(step, ClickStep):
            # Sent beside the click rather than before it: whether the target opens
            # another browsing context costs no round trip of its own. (If the click
            # removes the element first, the answer is "no tab", after its timeout.)
            probe = asyncio.ensure_future(target.evaluate(NEW_CONTEXT_SCRIPT, timeout=1000))
            try:
                await self._click(index, step, target, timeout)
            finally:
                with contextlib.suppress(Exception):
                    opens_tab = bool(await probe)
        elif isinstance(step, InputStep):
            # What covers the box is found by the next step that acts on an element: a
            # click (the browser's own hit test), a key press or a suggestion's click. Typing
            # that ends the steps (a live filter) looks for itself.
            follows = self._element_follows(index)
            await _fill(
                target,
                render_text(step.value, values, system),
                timeout,
                _nothing if follows else lambda: self._uncover(index, step, target, timeout),
            )
        elif isinstance(step, SelectChangeStep):
            chosen = values.get(_single_placeholder(step.selected_text) or "")
            wanted: str | list[str] = (
                [str(v) for v in chosen]
                if isinstance(chosen, list)
                else render_text(step.selected_text, values, system)
            )
            handled = await self._choose(target, wanted, timeout, index)
            if handled is None:  # a list box a script draws, not a <select>
                await choose_in_list_box(
                    self.page,
                    target,
                    [wanted] if isinstance(wanted, str) else wanted,
                    lambda element: self._click(index, step, element, timeout),
                    timeout,
                    index,
                )
                handled = False
        elif isinstance(step, KeyPressStep):
            await self._uncover(index, step, target, timeout)
            await target.press(render_text(step.key, values, system), timeout=timeout * 1000)
        if isinstance(step, InputStep) and follows:
            # Typing starts suggestion requests at most; the next step does not depend on
            # their end (choosing a suggestion is a click that waits for its element).
            # Typing that ends the steps is read next: a live filter's effect (a debounce,
            # its request, its redraw) is waited for below.
            return
        if isinstance(step, SelectChangeStep) and not handled and self._element_follows(index):
            await self.watch.settle(timeout, grace=STEP_GRACE)
        else:
            await self.watch.settle(timeout)
        popup = await self.watch.follow_popup(timeout, expected=opens_tab)
        if popup is not None:
            popup.on("response", self.on_response)
            self.run.current_url = popup.url

    async def _choose(
        self, target: Any, wanted: str | list[str], timeout: float, index: int
    ) -> bool | None:
        """:func:`_select`, waited for until the step's ``timeout`` (seconds) when the option
        is missing or the control disabled, as Playwright's own ``select_option`` waits: a
        list a script fills in or enables after an earlier choice (a dependent list) may
        need that choice's requests, or only a timer. What the earlier choice started is
        waited for first, then the control is asked again at growing intervals."""
        deadline = time.monotonic() + timeout
        try:
            return await _select(target, wanted, timeout, index)
        except _NotChoosableYet:
            await self.watch.settle(timeout)
        pause = SELECT_POLL
        while True:
            left = deadline - time.monotonic()
            try:
                return await _select(target, wanted, max(left, 0.5), index, last_try=left <= 0)
            except _NotChoosableYet:
                await asyncio.sleep(min(pause, max(left, 0.0)))
                pause = min(pause * 2, SELECT_POLL_MAX)

    async def _scroll(self, index: int, step: ScrollStep, timeout: float) -> None:
        """Turn the mouse wheel (to the page's end with ``to_end``), once or ``repeat`` less
        one times, each time waiting for what the scroll started (an infinite list fetches
        and draws its next batch)."""
        times = 1
        if step.repeat:
            times = _times_after_first(step, step.repeat, self.run.values, self.run.system, index)
        for _ in range(times):
            self.acted = True
            self.watch.before_action()
            if step.to_end:
                await wheel_to_end(self.page)
            else:
                await self.page.mouse.wheel(step.scroll_x, step.scroll_y)
            await self.watch.settle(timeout, grace=SCROLL_GRACE)

    def _element_follows(self, index: int) -> bool:
        """Whether the next step acts on an element (and so waits for it to appear): not
        when it is skipped, nor a click repeated ``page - 1`` times for page 1."""
        following = self.run.tool.steps[index + 1 : index + 2]
        if not following or not isinstance(following[0], ElementStep):
            return False
        step = following[0]
        if step_skippable(step, self.run):
            return False
        if isinstance(step, ClickStep) and step.repeat:
            run = self.run
            try:
                return _times_after_first(step, step.repeat, run.values, run.system, index + 1) > 0
            except ExecutionError:
                return True  # the step itself reports it
        return True

    def on_response(self, response: Any) -> None:
        """Keeps the status of the page's own navigations (the step checks it)."""
        try:
            if response.frame == self.page.main_frame and response.request.is_navigation_request():
                self.run.status = response.status
        except Exception:  # the frame may be gone already
            pass

    async def _click(self, index: int, step: Step, target: Any, timeout: float) -> None:
        """Click; if another element covers the target, close it with its own button."""
        started = time.monotonic()
        try:
            await target.click(timeout=min(timeout, FIRST_CLICK) * 1000)
            return
        except Exception as exc:
            if time.monotonic() - started >= timeout:
                raise
            first = exc
        covering = None
        if "intercepts pointer events" in str(first):
            covering = await close_covering(self.page, target, timeout)
        if covering is not None and covering.get("detached"):
            # The page drew the element again (what lies on top is its new copy): the
            # caller holding an element rather than a locator finds it anew.
            raise first
        if covering is not None:
            if not covering.get("closed"):
                raise _covered(index, step, covering) from first
            await self.watch.settle(timeout)
        remaining = max(0.5, timeout - (time.monotonic() - started))
        await target.click(timeout=remaining * 1000)

    async def _uncover(self, index: int, step: Step, target: Any, timeout: float) -> None:
        """Before typing or a key press: a layer over the element (a consent wall) is
        closed with its own accept or close button, as for a click. One without such a
        button fails the step when it takes the page (a dialog, a wall: a person could
        neither focus the element nor see what it does); a badge over part of it (a
        transparent backdrop, a chat button) does not stop the keyboard."""
        covering = await close_covering(self.page, target, timeout)
        if covering is None or covering.get("detached"):
            return  # nothing covers it; a box drawn again is found by the fill itself
        if covering.get("closed"):
            await self.watch.settle(timeout)
        elif covering.get("modal"):
            raise _covered(index, step, covering)
        else:
            log.debug("step %d: typing past %s", index, covering["covering"])


async def _nothing() -> None:
    return None


def _covered(index: int, step: Step, covering: dict[str, Any]) -> ClickInterceptedError:
    """The step's error when ``covering`` (what :func:`close_covering` found) lies over its
    target and has no accept or close button."""
    return ClickInterceptedError(
        f"step {index} ({step.type}): {covering['covering']} covers the target "
        f"and has no accept or close button ({covering['text'][:80]!r})",
        step=index,
        step_type=step.type,
        details={"covering": covering["covering"], "text": covering["text"]},
    )


def _dialogs(guard: NetworkGuard, seen: int) -> str | None:
    entries = guard.dialogs[seen:]
    if not entries:
        return None
    return "; ".join(f"{d['type']} {d.get('action', '')}: {d['message'][:100]}" for d in entries)


def _single_placeholder(template: str) -> str | None:
    names = find_placeholders(template)
    return names[0] if len(names) == 1 and template == "{" + names[0] + "}" else None


def _listed_placeholder(step: ElementStep, values: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """A click whose locator takes a list (rows to tick): one click per item."""
    if not isinstance(step, ClickStep):
        return None
    for candidate in step.candidates():
        for name in find_placeholders(candidate.value):
            if isinstance(values.get(name), list):
                return name, list(values[name])
    return None


async def wheel_to_end(page: Page) -> None:
    """Turn the mouse wheel over the middle of the viewport until the end of what scrolls
    there (a feed in a scrolling box of its own, or else the page)."""
    size = page.viewport_size or {"width": 800, "height": 600}
    await page.mouse.move(size["width"] / 2, size["height"] / 2)
    await page.mouse.wheel(0, SCROLL_TO_END)


def _times_after_first(
    step: Step, repeat: str, values: dict[str, Any], system: dict[str, Any], index: int
) -> int:
    """How many times step ``index`` acts when it repeats ``page - 1`` times: its
    ``repeat`` template (a page number) rendered, less one. Raises ExecutionError when
    that is not a number."""
    return _repeat_count(render_text(repeat, values, system), index, step.type) - 1


def _repeat_count(text: str, index: int, step_type: str = "click") -> int:
    try:
        count = int(float(text.strip()))
    except ValueError:
        raise ExecutionError(
            f"step {index} ({step_type}): repeat must be a number, got {text!r}", step=index
        ) from None
    return max(0, min(count, MAX_REPEAT))


async def _fill(
    target: Any, text: str, timeout: float, uncover: Callable[[], Awaitable[None]]
) -> None:
    """Type ``text`` into ``target`` (``uncover`` first clears what covers a shown box),
    or tick a checkbox for a boolean word, or set an unseen field's value as a script
    would."""
    # Only a boolean-looking value can be meant for a checkbox: ask the type then only.
    if text.strip().lower() in _BOOLEAN_WORDS:
        kind = (await target.get_attribute("type", timeout=timeout * 1000) or "").lower()
        if kind in ("checkbox", "radio"):
            checked = text.strip().lower() in _TRUE_WORDS
            if not await target.is_visible():
                await target.evaluate(_SET_CHECKED, checked)
                return
            await target.set_checked(checked, timeout=timeout * 1000)
            return
    if not await target.is_visible():
        # A field the page keeps out of sight (a closed tab, a row's hidden id): what the
        # form submits is its value, so set it as a script would.
        await target.evaluate(_SET_VALUE, text)
        return
    await uncover()
    await target.fill(text, timeout=timeout * 1000)


class _NotChoosableYet(ExecutionError):
    """No option is valued or labelled as wanted, or the control is disabled (yet: a
    script may still add the option or enable the control)."""


async def _select(
    target: Any, wanted: str | list[str], timeout: float, index: int, *, last_try: bool = False
) -> bool | None:
    """Choose by value, else by visible label (case-insensitive), among the options that
    are not disabled, in one round trip: the options are matched and chosen in the page,
    which then gets the ``input`` and ``change`` events a user's choice fires (the HTML
    standard's select element; Playwright's ``select_option`` does the same). Returns
    whether the control or its form has a change handler in its markup (such a handler
    often submits the form), or None when the control is not a ``<select>`` (a list box
    a script draws: :mod:`walt.engine.listbox`). Raises :class:`_NotChoosableYet` for a
    missing option or a disabled control, or on ``last_try`` the plain
    :class:`ExecutionError` (listing the options for a missing one)."""
    wants = [wanted] if isinstance(wanted, str) else list(wanted)
    outcome: dict[str, Any] = await target.evaluate(_SELECT_SCRIPT, wants, timeout=timeout * 1000)
    if outcome.get("listBox"):
        return None
    error = ExecutionError if last_try else _NotChoosableYet
    if outcome.get("disabled"):
        raise error(
            f"step {index} (select_change): the control is disabled",
            step=index,
            step_type="select_change",
        )
    missing = outcome.get("missing")
    if missing is not None:
        shown = [f"{label} ({value})" for value, label in outcome.get("options", [])]
        raise missing_option(error, index, missing, shown)
    return bool(outcome.get("handled"))


def _is_not_found(exc: Exception) -> bool:
    """A Playwright timeout or strictness violation: the target was not exactly one element."""
    text = str(exc)
    return (
        "strict mode violation" in text
        or "Timeout" in type(exc).__name__
        or ("Timeout" in text and "waiting for" in text)
    )


def _step_error(index: int, step: Step, exc: Exception, started: float) -> WaltError:
    """The step's error: its number, how long it ran, and the browser's own reason."""
    mapped = translate(exc, ExecutionError)
    lines = [line.strip(" -") for line in str(exc).strip().splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    reason = next((line for line in reversed(lines[1:]) if _REASONS.search(line)), None)
    message = f"step {index} ({step.type}) failed: {first}" + (f" ({reason})" if reason else "")
    elapsed = round((time.perf_counter() - started) * 1000)
    err = type(mapped)(
        message, details={"step": index, "step_type": step.type, "elapsed_ms": elapsed}
    )
    err.__cause__ = exc
    return err
