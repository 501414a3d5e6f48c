"""Finding a step's target from its ordered locator candidates.

Candidates are tried in order (id, name, role + accessible name, label,
placeholder, test id, text, CSS, XPath, then sfr-walt's ``cssSelector`` and
``xpath``); the first that matches exactly one element wins, and the result
records which one it was. Waiting is Playwright's: until any candidate matches
(an ``or`` of all of them), bounded by the step's timeout; never a sleep.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from walt.core.css import css_string
from walt.core.errors import ExecutionError
from walt.core.models import ElementStep, Locator
from walt.core.placeholders import render_text

if TYPE_CHECKING:
    from playwright.async_api import FrameLocator, Page
    from playwright.async_api import Locator as PWLocator

__all__ = ["Located", "locate", "render_locators", "to_playwright"]


@attrs.frozen
class Located:
    locator: PWLocator
    candidate: Locator

    @property
    def description(self) -> str:
        return self.candidate.describe()


def render_locators(
    step: ElementStep, values: Mapping[str, Any], system: Mapping[str, str]
) -> list[Locator]:
    """The step's candidates with placeholders rendered (CSS-escaped inside CSS)."""
    rendered: list[Locator] = []
    for candidate in step.candidates():
        context: Literal["text", "css", "xpath"] = (
            "css" if candidate.by == "css" else "xpath" if candidate.by == "xpath" else "text"
        )
        value = render_text(candidate.value, values, system, context=context)
        name = (
            render_text(candidate.role_name, values, system)
            if candidate.role_name is not None
            else None
        )
        rendered.append(attrs.evolve(candidate, value=value, role_name=name))
    return rendered


def to_playwright(page: Page | FrameLocator, candidate: Locator) -> PWLocator:
    by, value = candidate.by, candidate.value
    if by == "id":
        return page.locator(f"[id={css_string(value)}]")
    if by == "name":
        return page.locator(f"[name={css_string(value)}]")
    if by == "role":
        if candidate.role_name:
            return page.get_by_role(value, name=candidate.role_name, exact=candidate.exact)  # type: ignore[arg-type]
        return page.get_by_role(value)  # type: ignore[arg-type]
    if by == "label":
        return page.get_by_label(value, exact=candidate.exact)
    if by == "placeholder":
        return page.get_by_placeholder(value, exact=candidate.exact)
    if by == "test_id":
        return page.get_by_test_id(value)
    if by == "text":
        return page.get_by_text(value, exact=candidate.exact)
    if by == "xpath":
        return page.locator(f"xpath={value}")
    if value.startswith("css=") or " >> " in value:
        return page.locator(value)  # a Playwright selector chain (a row's form: "... >> nth=0")
    return page.locator(f"css={value}")


async def locate(
    page: Page | FrameLocator,
    candidates: list[Locator],
    *,
    timeout: float,
    step_index: int,
    step_type: str,
) -> Located:
    """The first candidate matching exactly one element; waits up to ``timeout`` seconds."""
    if not candidates:
        raise ExecutionError(
            f"step {step_index} ({step_type}) has no locator", step=step_index, step_type=step_type
        )
    locators = [to_playwright(page, c) for c in candidates]
    if len(locators) == 1:
        # One candidate: Playwright's strict mode already demands exactly one match (and its
        # auto-wait waits for it), so counting first would only cost a round trip.
        return Located(locators[0], candidates[0])
    found = await _first_unique(locators, candidates)
    if found is not None:
        return found
    combined = locators[0]
    for other in locators[1:]:
        combined = combined.or_(other)
    try:
        await combined.first.wait_for(state="attached", timeout=timeout * 1000)
    except Exception:
        pass  # reported below with the counts of every candidate
    found = await _first_unique(locators, candidates)
    if found is not None:
        return found
    raise await not_found(
        page, candidates, timeout=timeout, step_index=step_index, step_type=step_type
    )


async def not_found(
    page: Page | FrameLocator,
    candidates: list[Locator],
    *,
    timeout: float,
    step_index: int,
    step_type: str,
) -> ExecutionError:
    """The error for a target no candidate found, with what each candidate matched."""
    counts = []
    for candidate in candidates:
        try:
            counts.append(
                f"{candidate.describe()} matched {await to_playwright(page, candidate).count()}"
            )
        except Exception as exc:  # an invalid selector
            counts.append(f"{candidate.describe()} is invalid ({str(exc).splitlines()[0]})")
    return ExecutionError(
        f"step {step_index} ({step_type}): no candidate matched exactly one element "
        f"within {timeout:g} s: " + "; ".join(counts),
        step=step_index,
        step_type=step_type,
        details={"candidates": counts},
    )


async def _first_unique(locators: list[PWLocator], candidates: list[Locator]) -> Located | None:
    for locator, candidate in zip(locators, candidates, strict=True):
        try:
            if await locator.count() == 1:
                return Located(locator, candidate)
        except Exception:
            continue  # an invalid selector: try the next candidate
    return None
