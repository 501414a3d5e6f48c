"""Bulk actions as tools: tick rows, then choose the action from the page's menu. Pure.

Admin listings often let a person tick rows and pick "Delete" (or "Publish"...)
from a menu; a script then posts the ticked ids with the page's own form. The
tool does what the person does, in the browser: open the listing, tick each
row given, open the menu, choose the entry (confirming when the page asks).
"""

from __future__ import annotations

from collections.abc import Sequence

from walt.core.css import css_string
from walt.core.models import ClickStep, Locator, NavigationStep, Step, Tool, ToolInput
from walt.engine.discovery.analyze import BulkAction, PageAnalysis
from walt.engine.discovery.forms import annotations_for, provenance
from walt.engine.discovery.semantics import verb_kind
from walt.engine.discovery.words import describe, path_noun, singular, snake

__all__ = ["bulk_tools"]


def _tool(action: BulkAction, created_at: str, generator: str, auth: bool) -> Tool | None:
    kind = verb_kind([action.text])
    if kind not in ("delete", "edit"):
        kind = "edit"  # publish, archive, mark...: a change to the chosen rows
    noun = singular(path_noun(action.page_url.split("?", 1)[0]) or "row")
    name = "rows"
    rows = ToolInput(
        name,
        type="array",
        description=f"ids of the {noun} rows to {action.text.lower()} "
        f"(the {action.checkbox} boxes; e.g. {', '.join(action.values[:3])})",
    )
    steps: list[Step] = [NavigationStep(url=action.page_url, description="Open the list")]
    steps.append(
        ClickStep(
            locators=(
                Locator(
                    "css",
                    f'input[type=checkbox][name={css_string(action.checkbox)}][value="{{{name}}}"]',
                ),
            ),
            description="Tick each row given",
        )
    )
    if action.toggle:
        steps.append(
            ClickStep(locators=(Locator("css", action.toggle),), description="Open the menu")
        )
    steps.append(
        ClickStep(
            locators=(
                Locator("css", action.entry),
                Locator("role", "link", role_name=action.text),
            ),
            description=f"Choose: {action.text}",
            dialog="accept",  # the page asks to confirm the action on the rows ticked
        )
    )
    target = action.form_action.split("?", 1)[0]
    tool = Tool(
        name=f"{snake(action.text, 20) or kind}_{noun}_rows",
        description=describe(
            kind,
            f"{noun} rows",
            (rows,),
            auth=auth,
            extra=f" (ticks the rows, then the menu's {action.text!r}; the page posts them "
            f"to {target})",
        ),
        kind=kind,  # type: ignore[arg-type]
        start_url=action.page_url,
        inputs=(rows,),
        steps=tuple(steps),
        annotations=annotations_for(kind),
        provenance=provenance(action.page_url, created_at, generator),
        extra={"bulk_action": {"checkbox": action.checkbox, "posts_to": action.form_action}},
    )
    return tool


def bulk_tools(
    pages: Sequence[PageAnalysis], auth: bool, created_at: str, generator: str
) -> list[tuple[Tool, tuple[str, ...]]]:
    """One tool per listing and action, with the row ids seen on the page."""
    out: list[tuple[Tool, tuple[str, ...]]] = []
    seen: set[tuple[str, str]] = set()
    for page in pages:
        for action in page.bulk_actions:
            key = (action.page_url.split("?", 1)[0], action.text.lower())
            if key in seen:
                continue
            seen.add(key)
            tool = _tool(action, created_at, generator, auth)
            if tool is not None:
                out.append((tool, action.values))
    return out
