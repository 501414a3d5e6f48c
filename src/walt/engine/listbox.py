"""Choosing in a list box a script draws: the WAI-ARIA combobox and listbox patterns.

Script-built apps replace ``<select>`` with a "select-only combobox": a button (or
an element with ``role=combobox``) that shows the current choice and, when pressed,
opens a popup (``aria-controls`` names it; it is often drawn at the end of the body)
listing ``role=option`` elements (or ``menuitemradio``/``menuitemcheckbox`` in a menu
button). A person presses the button, then the option. walt does the same with real
clicks, so the page's own handlers run as they do for a person:

* the popup is the element the button's ``aria-controls`` names; without one, a
  listbox or menu that was not shown before the button was pressed (a list always on
  the page, a sidebar's, is never taken for it);
* the button is pressed only when its popup shows no option (a button that toggles its
  popup is not closed again);
* an option is matched by its visible label (case-insensitive, spaces collapsed, a
  trailing count such as "Open (12)" left out), else by its ``data-value``/``value``;
  a disabled option (``aria-disabled``) is not chosen, a chosen one not clicked again;
* several values (a multi-select list box) leave exactly those chosen, as the HTML
  standard's ``select multiple`` does: the others chosen before are clicked off; the
  popup is opened again when a click closed it, and closed with Escape at the end.

:func:`read_options` serves discovery: the options a list box offers once opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, NamedTuple

from walt.core.errors import ExecutionError

__all__ = [
    "OPTION_ROLES",
    "Option",
    "choose_in_list_box",
    "close_list_box",
    "missing_option",
    "read_options",
]

OPTION_ROLES: Final = ("option", "menuitemradio", "menuitemcheckbox")
POLL: Final = 0.1
"""Seconds between looks for the popup's options (a popup may fetch them first)."""
LOOK_TIMEOUT: Final = 2000
"""Milliseconds one look at the popup may take (the trigger must still be there)."""

# Popups shown before the button is pressed: not the button's (a WeakSet on the window,
# so the page's DOM is not touched).
_REMEMBER_SCRIPT: Final = """() => {
  window.__waltShownPopups = new WeakSet(
    document.querySelectorAll('[role="listbox"],[role="menu"]'));
}"""

# The popup's shown options, in order, and the elements to click: the one ``wanted``
# names (by label, else value) and, with ``exact``, the chosen ones it does not name.
_OPTIONS_SCRIPT: Final = """(trigger, args) => {
  const [roles, wanted, exact] = args;
  const count = /\\s*\\(\\s*\\d[\\d,.\\s]*\\)\\s*$/;
  const plain = s => String(s || "").replace(/\\s+/g, " ").trim().replace(count, "");
  const fold = s => plain(s).toUpperCase().toLowerCase();
  const selector = roles.map(r => `[role="${r}"]`).join(",");
  const shown = el => el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== "hidden";
  const id = trigger.getAttribute("aria-controls");
  const named = id ? document.getElementById(id) : null;
  let popups = [];
  if (named) {
    popups = [named];
  } else if (!id && window.__waltShownPopups) {
    const before = window.__waltShownPopups;
    popups = Array.from(document.querySelectorAll('[role="listbox"],[role="menu"]'))
      .filter(p => shown(p) && !before.has(p) && !p.contains(trigger));
  }
  const options = popups.flatMap(p => Array.from(p.querySelectorAll(selector)))
    .filter(shown).map(el => ({
      el,
      label: plain(el.getAttribute("aria-label") || el.innerText || el.textContent),
      value: el.getAttribute("data-value") ?? el.getAttribute("value") ?? "",
      selected: el.getAttribute("aria-selected") === "true" ||
        el.getAttribute("aria-checked") === "true",
      disabled: el.getAttribute("aria-disabled") === "true",
    }));
  const byLabel = (o, w) => fold(o.label) === fold(w);
  const byValue = (o, w) => o.value !== "" && o.value === String(w);
  const want = wanted.length ? wanted[0] : null;
  const usable = options.filter(o => !o.disabled);
  const match = want === null ? null :
    usable.find(o => byLabel(o, want)) || usable.find(o => byValue(o, want)) || null;
  const extra = exact ? usable.filter(o => o.selected &&
    !wanted.some(w => byLabel(o, w) || byValue(o, w))) : [];
  return {
    match: match && !match.selected ? match.el : null,
    found: Boolean(match),
    extra: extra.length ? extra[0].el : null,
    options: options.map(o => ({label: o.label, value: o.value, selected: o.selected,
      disabled: o.disabled})),
  };
}"""


def missing_option(
    error: type[ExecutionError], index: int, wanted: str, shown: Sequence[str]
) -> ExecutionError:
    """The step's error for an option that is not there, naming those that are (``shown``:
    "label (value)" each), for a ``<select>`` and a list box alike."""
    return error(
        f"step {index} (select_change): no option valued or labelled {wanted!r}; "
        f"options: {', '.join(shown[:30]) or 'none showed'}",
        step=index,
        step_type="select_change",
        details={"wanted": wanted, "options": list(shown[:50])},
    )


class Option(NamedTuple):
    """One option of an open list box: its visible label (a trailing count left out),
    its ``data-value``/``value`` (empty without one), and its state."""

    label: str
    value: str
    selected: bool
    disabled: bool


class _Look(NamedTuple):
    match: Any  # the wanted option to click (None: missing, or chosen already)
    found: bool  # the wanted option is there (chosen or not)
    extra: Any  # a chosen option to click off (a multi-select set exactly)
    options: list[Option]


Clicker = Callable[[Any], Awaitable[None]]
"""Clicks an element (a Playwright locator or element handle) as a step does."""


async def _look(trigger: Any, wanted: Sequence[str], exact: bool = False) -> _Look:
    handle = await trigger.evaluate_handle(
        _OPTIONS_SCRIPT, [list(OPTION_ROLES), list(wanted), exact], timeout=LOOK_TIMEOUT
    )
    try:
        match = (await handle.get_property("match")).as_element()
        found = bool(await (await handle.get_property("found")).json_value())
        extra = (await handle.get_property("extra")).as_element()
        raw = await (await handle.get_property("options")).json_value()
    finally:
        await handle.dispose()
    options = [Option(str(o["label"]), str(o["value"]), o["selected"], o["disabled"]) for o in raw]
    return _Look(match, found, extra, options)


async def _open(
    trigger: Any, wanted: Sequence[str], click: Clicker, deadline: float, exact: bool = False
) -> _Look:
    """The popup's options, the trigger pressed first unless its popup shows some."""
    seen = await _look(trigger, wanted, exact)
    if seen.options:
        return seen
    await trigger.evaluate(_REMEMBER_SCRIPT, timeout=LOOK_TIMEOUT)
    await click(trigger)
    while True:
        seen = await _look(trigger, wanted, exact)
        if seen.options or time.monotonic() >= deadline:
            return seen
        await asyncio.sleep(POLL)


async def read_options(trigger: Any, click: Clicker, timeout: float) -> list[Option]:
    """Open the list box ``trigger`` (a Playwright locator) and return its options that
    are not disabled, in order. Empty when no popup with options showed within
    ``timeout`` seconds."""
    seen = await _open(trigger, (), click, time.monotonic() + timeout)
    return [o for o in seen.options if not o.disabled and o.label]


async def close_list_box(page: Any, trigger: Any) -> None:
    """Close the popup of ``trigger`` if it is open (Escape, as a person would)."""
    with contextlib.suppress(Exception):
        if (await _look(trigger, ())).options:
            await page.keyboard.press("Escape")


async def choose_in_list_box(
    page: Any,
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
    several = len(wanted) > 1
    for want in wanted:
        while True:
            seen = await _open(trigger, [want], click, deadline)
            while not seen.found and time.monotonic() < deadline:
                await asyncio.sleep(POLL)  # options a popup fetches, or a list still filling
                seen = await _look(trigger, [want])
            if not seen.found:
                shown = [o.label + (f" ({o.value})" if o.value else "") for o in seen.options]
                await close_list_box(page, trigger)
                raise missing_option(ExecutionError, index, want, shown)
            # Chosen already, or clicked; else the popup was drawn again: look anew.
            if seen.match is None or await _clicked(click, seen.match, deadline):
                break
    if several:
        # Exactly these: the options chosen before and not wanted are clicked off.
        for _ in range(len(wanted) + 50):
            seen = await _open(trigger, list(wanted), click, deadline, exact=True)
            if seen.extra is None:
                break
            await _clicked(click, seen.extra, deadline)
    await close_list_box(page, trigger)


async def _clicked(click: Clicker, option: Any, deadline: float) -> bool:
    """Click ``option``; False when the page drew the popup again meanwhile (the element
    found is no longer in the document: the caller looks for the option again), while
    time is left."""
    try:
        await click(option)
    except Exception:
        if time.monotonic() >= deadline or await _connected(option):
            raise
        return False
    return True


async def _connected(element: Any) -> bool:
    try:
        return bool(
            await asyncio.wait_for(element.evaluate("el => el.isConnected"), LOOK_TIMEOUT / 1000)
        )
    except Exception:  # the page itself is gone: nothing to look for again
        return True
