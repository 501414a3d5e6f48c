"""Choosing in a list box a script draws: the WAI-ARIA combobox and listbox patterns.

Script-built apps replace ``<select>`` with a "select-only combobox": a button (or
an element with ``role=combobox``) that shows the current choice and, when pressed,
opens a popup (``aria-controls`` names it; it is often drawn at the end of the body)
listing ``role=option`` elements (or ``menuitemradio``/``menuitemcheckbox`` in a menu
button). A person presses the button, then the option. walt does the same with real
clicks, so the page's own handlers run as they do for a person:

* the popup is the element the button's ``aria-controls`` names once it is open, else
  every listbox or menu shown on the page;
* an option is matched by its visible label (case-insensitive, spaces collapsed), else
  by its ``data-value``/``value``; a disabled option (``aria-disabled``) is not chosen;
* several values (a multi-select list box) are clicked in turn, the popup opened again
  when a click closed it, and closed with Escape at the end when it stays open.

:func:`read_options` serves discovery: the options a list box offers once opened.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from walt.core.errors import ExecutionError

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

__all__ = ["OPTION_ROLES", "choose_in_list_box", "read_options"]

OPTION_ROLES: Final = ("option", "menuitemradio", "menuitemcheckbox")
POLL: Final = 0.1
"""Seconds between looks for the popup's options (a popup may fetch them first)."""

# The popup's shown options: {label, value, selected, disabled} each, in order, and the
# element of the one ``wanted`` names (by label, else value) when there is one.
_OPTIONS_SCRIPT: Final = """(trigger, args) => {
  const [roles, wanted] = args;
  const fold = s => String(s || "").replace(/\\s+/g, " ").trim().toUpperCase().toLowerCase();
  const selector = roles.map(r => `[role="${r}"]`).join(",");
  const shown = el => el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== "hidden";
  const id = trigger.getAttribute("aria-controls");
  const popup = id ? document.getElementById(id) : null;
  let found = popup ? Array.from(popup.querySelectorAll(selector)) : [];
  if (!found.length) {
    const pops = Array.from(document.querySelectorAll('[role="listbox"],[role="menu"]'))
      .filter(p => shown(p) && !p.contains(trigger));
    found = pops.flatMap(p => Array.from(p.querySelectorAll(selector)));
  }
  const options = found.filter(shown).map(el => ({
    el,
    label: fold(el.getAttribute("aria-label") || el.innerText || el.textContent),
    shownLabel: String(el.innerText || el.textContent || "").replace(/\\s+/g, " ").trim(),
    value: el.getAttribute("data-value") ?? el.getAttribute("value") ?? "",
    selected: el.getAttribute("aria-selected") === "true" ||
      el.getAttribute("aria-checked") === "true",
    disabled: el.getAttribute("aria-disabled") === "true",
  }));
  let match = null;
  if (wanted !== null) {
    const want = fold(wanted);
    match = options.find(o => !o.disabled && o.label === want) ||
      options.find(o => !o.disabled && o.value !== "" && o.value === String(wanted));
  }
  return {
    match: match ? match.el : null,
    options: options.map(o => [o.shownLabel, o.value, o.selected, o.disabled]),
  };
}"""

Clicker = Callable[["Locator | Any"], Awaitable[None]]


async def _look(trigger: Any, wanted: str | None) -> tuple[Any, list[list[Any]]]:
    handle = await trigger.evaluate_handle(_OPTIONS_SCRIPT, [list(OPTION_ROLES), wanted])
    try:
        match = await handle.get_property("match")
        options = await (await handle.get_property("options")).json_value()
    finally:
        await handle.dispose()
    return match.as_element(), options


async def _open_options(
    trigger: Any, wanted: str | None, click: Clicker, deadline: float
) -> tuple[Any, list[list[Any]]]:
    """Press the trigger unless its popup is open, then wait for options to show."""
    if await trigger.get_attribute("aria-expanded") != "true":
        await click(trigger)
    while True:
        match, options = await _look(trigger, wanted)
        if options or time.monotonic() >= deadline:
            return match, options
        await asyncio.sleep(POLL)


async def read_options(trigger: Any, click: Clicker, timeout: float) -> list[tuple[str, bool]]:
    """Open the list box ``trigger`` (a Playwright locator) and return its options as
    (visible label, selected), in order; disabled options are left out. Empty when no
    popup with options showed within ``timeout`` seconds."""
    _, options = await _open_options(trigger, None, click, time.monotonic() + timeout)
    return [(str(o[0]), bool(o[2])) for o in options if not o[3] and str(o[0])]


async def choose_in_list_box(
    page: Page,
    trigger: Any,
    wanted: Sequence[str],
    click: Clicker,
    timeout: float,
    index: int,
) -> None:
    """Choose ``wanted`` (labels or values) in the list box ``trigger`` by clicking it and
    each option (see the module docstring). ``click`` clicks an element as the step does
    (uncovering it first). Raises :class:`ExecutionError` naming the options when one is
    missing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    for want in wanted:
        match, options = await _open_options(trigger, want, click, deadline)
        while match is None and time.monotonic() < deadline:
            await asyncio.sleep(POLL)  # options a popup fetches, or a list still filling
            match, options = await _look(trigger, want)
        if match is None:
            shown = [str(o[0]) + (f" ({o[1]})" if o[1] else "") for o in options if not o[3]]
            await page.keyboard.press("Escape")
            raise ExecutionError(
                f"step {index} (select_change): no option valued or labelled {want!r}; "
                f"options: {', '.join(shown[:30]) or 'none showed'}",
                step=index,
                step_type="select_change",
                details={"wanted": want, "options": shown[:50]},
            )
        await click(match)
    _, still = await _look(trigger, None)
    if still:
        await page.keyboard.press("Escape")  # a multi-select popup stays open
