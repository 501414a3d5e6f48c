"""Controls that only a script gives meaning to: search boxes outside any submitted form,
"Load more" buttons, lists that load more as they are scrolled, and list boxes.

On a page a script builds, a search box's Enter is handled by the script (it changes
the route, calls the site's API and renders rows), and a "Load more" button appends
the next batch of records; neither is a form submission or a link an HTTP client can
follow. Discovery finds them here, from the page model, and tries them in the
browser (:mod:`walt.engine.discovery.explore`).

A search box is a text input whose type (``search``), role (``searchbox``) or words
(name, id, placeholder, accessible label, test id) say so, or any text input of a
``role=search`` landmark; inputs of POST forms and of forms with a password are never
search boxes. A "Load more" button is a button (or an element with the button role)
outside any form whose text asks for more of the same list ("Load more", "Show more
results"), the wording sites of every kind use for an appended page; a "Next page" button
(its words, or the label of an arrow) pages a list a script draws. An infinite list is
a list of records on a page with scripts, followed by what infinite-scroll widgets put
after their list: a "Loading more" loader or a sentinel named for it; discovery scrolls
the page to its end and sees whether the list grows. A list box a script draws in place
of a ``<select>`` (WAI-ARIA's select-only combobox) is opened, its options read and
another one chosen: a list it filters is a filter tool.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final, Literal

import attrs

from walt.core.models import Locator
from walt.engine.dom import (
    Document,
    Node,
    ancestors,
    attr,
    closest,
    elements,
    find_first,
    hidden_by_markup,
    text,
)
from walt.engine.extract import css_path, is_generated_id, record_groups

__all__ = ["Control", "script_controls"]

MAX_CONTROLS: Final = 6
_TEXT_TYPES: Final = frozenset({"", "text", "search"})
_SEARCH_WORDS: Final = re.compile(r"search|query|filter|find|keyword|lookup", re.IGNORECASE)
_MORE: Final = re.compile(
    r"^\W*(?:load|show|view|see|display|get)\s+(?:\d+\s+)?more\b|^\W*more\s+(?:results|items|rows)\b",
    re.IGNORECASE,
)
# "Show more columns", "Show more filters": more of the page's controls, not of its list.
_NOT_MORE_RECORDS: Final = re.compile(
    r"\bmore\s+(?:columns?|filters?|options?|settings|details|info|actions|fields|tools)\b",
    re.IGNORECASE,
)


@attrs.frozen
class Control:
    """A control discovery tries in the browser: ``role`` says what it is for,
    ``css`` finds it on the page it was seen on, ``locators`` (most stable first) are
    what a tool's steps use, ``label`` is its visible words."""

    role: Literal["search", "more", "scroll", "next", "choose"]
    css: str
    label: str
    locators: tuple[Locator, ...]
    name: str = ""  # the control's name attribute, when it has one
    placeholder: str = ""  # a search box's hint (an example query, often)


def script_controls(doc: Document) -> tuple[Control, ...]:
    """The page's search boxes, "Load more" and script "Next page" buttons, and infinite
    list (see the module docstring)."""
    more = _more_buttons(doc)
    lists = _Lists(doc)
    found = [*_search_boxes(doc), *more, *_next_buttons(doc, lists), *_list_boxes(doc)]
    if not more:  # a list with its own "Load more" button is not an infinite one
        found += _infinite_list(doc, lists)
    return tuple(found[:MAX_CONTROLS])


class _Lists:
    """The page's record lists and its elements' tree order, worked out once (a page's
    pager and its infinite list are both judged by where they stand after a list)."""

    def __init__(self, doc: Document) -> None:
        self.groups = record_groups(doc.body)
        root = doc.parser.root
        self._positions = (
            {n.mem_id: i for i, n in enumerate(root.traverse())}
            if root is not None and self.groups
            else {}
        )

    def follows(self, node: Node, least: int) -> bool:
        """``node`` comes after a list of at least ``least`` records, not inside it."""
        at = self._positions.get(node.mem_id, -1)
        inside = {a.mem_id for a in ancestors(node)}
        return any(
            len(g.members) >= least
            and g.container.mem_id not in inside
            and self._positions.get(g.container.mem_id, at) < at
            for g in self.groups
        )


MAX_SEARCH_BOXES: Final = 2
"""A page's search boxes tried (the first in document order: the header's, the page's)."""


def _search_boxes(doc: Document) -> list[Control]:
    """The page's search boxes, at most ``MAX_SEARCH_BOXES``. A read-only field (the HTML
    standard's ``readonly``, or ``aria-readonly``) takes no typing: a script-drawn list
    box keeps one as its focus target. It counts only on a page without an editable box
    (a page may lift ``readonly`` on focus, to keep the browser's autofill away)."""
    out: list[Control] = []
    read_only: list[Control] = []
    searchable: dict[int, bool] = {}  # per form: a page may hang every input on one form
    for node in doc.parser.css("input"):
        kind = (attr(node, "type") or "").strip().lower()
        if kind not in _TEXT_TYPES or attr(node, "disabled") is not None:
            continue
        form = doc.form_owner(node)
        if form is not None:
            if form.mem_id not in searchable:
                searchable[form.mem_id] = _searchable_form(doc, form)
            if not searchable[form.mem_id]:
                continue
        label = doc.label_for(node)
        words = " ".join(
            v
            for v in (
                attr(node, "name"),
                attr(node, "id"),
                attr(node, "placeholder"),
                attr(node, "aria-label"),
                attr(node, "data-testid"),
                label,
            )
            if v
        )
        landmark = closest(node, ("form", "div", "section", "header", "nav"))
        in_landmark = (form is not None and attr(form, "role") == "search") or (
            landmark is not None and attr(landmark, "role") == "search"
        )
        if not (
            kind == "search"
            or attr(node, "role") == "searchbox"
            or in_landmark
            or _SEARCH_WORDS.search(words)
        ):
            continue
        (out if _editable(node) else read_only).append(
            Control(
                role="search",
                css=css_path(node),
                label=attr(node, "placeholder") or label or attr(node, "aria-label") or "",
                locators=_input_locators(node, label),
                name=attr(node, "name") or "",
                placeholder=" ".join((attr(node, "placeholder") or "").split()),
            )
        )
        if len(out) == MAX_SEARCH_BOXES:
            break
    return out or read_only[:MAX_SEARCH_BOXES]


def _editable(node: Node) -> bool:
    return (
        attr(node, "readonly") is None
        and (attr(node, "aria-readonly") or "").strip().lower() != "true"
    )


def _searchable_form(doc: Document, form: Node) -> bool:
    if (attr(form, "method") or "get").strip().lower() != "get":
        return False
    return not any((attr(c, "type") or "").lower() == "password" for c in doc.controls(form))


def _input_locators(node: Node, label: str) -> tuple[Locator, ...]:
    out: list[Locator] = []
    ident = attr(node, "id")
    if ident and not is_generated_id(ident):
        out.append(Locator("id", ident))
    test_id = attr(node, "data-testid")
    if test_id:
        out.append(Locator("test_id", test_id))
    placeholder = attr(node, "placeholder")
    if placeholder:
        out.append(Locator("placeholder", placeholder))
    if label:
        out.append(Locator("label", label))
    name = attr(node, "name")
    if name:
        out.append(Locator("name", name))
    out.append(Locator("css", css_path(node)))
    return tuple(out)


def _script_buttons(doc: Document) -> Iterator[tuple[Node, str]]:
    """Buttons a script handles (not a form's submit button, not disabled), with their
    words: the visible text, else the accessible label or title."""
    for node in doc.parser.css("button, [role=button], input[type=button]"):
        submit = node.tag == "button" and (attr(node, "type") or "submit").lower() == "submit"
        if submit and doc.form_owner(node) is not None:
            continue  # a form's submit button sends the form
        if attr(node, "disabled") is not None or attr(node, "aria-disabled") == "true":
            continue
        shown = attr(node, "value") if node.tag == "input" else text(node, 80)
        yield node, (shown or "").strip()


def _button_control(node: Node, role: Literal["more", "next"], label: str) -> Control:
    # By its accessible name (what a person reads, or hears), then test id and CSS path.
    name = (attr(node, "aria-label") or label).strip()
    locators = [Locator("role", "button", role_name=name, exact=True)]
    test_id = attr(node, "data-testid")
    if test_id:
        locators.insert(0, Locator("test_id", test_id))
    css = css_path(node)
    locators.append(Locator("css", css))
    return Control(role=role, css=css, label=label or name, locators=tuple(locators))


def _more_buttons(doc: Document) -> list[Control]:
    for node, shown in _script_buttons(doc):
        label = shown or (attr(node, "aria-label") or "").strip()
        if not label or not _MORE.search(label) or _NOT_MORE_RECORDS.search(label):
            continue
        # The first one only: another "more" button is another list's, or the same one.
        return [_button_control(node, "more", label)]
    return []


# A pager's forward button: its words, or its label when it shows only an arrow.
_NEXT: Final = re.compile(r"^\W*(?:go\s+to\s+(?:the\s+)?)?next(?:\s+page)?\W*$", re.IGNORECASE)
_ARROWS: Final = re.compile("^[\\s\u203a\u00bb\u2192>]+$")  # angle quotes, an arrow
# Widgets whose "Next" shows another slide or step, not another page of records.
_NOT_PAGER: Final = re.compile(r"carousel|slider|slide|swiper|slick|glide|splide|wizard|step", re.I)
MAX_NEXT: Final = 2
"""Next-page buttons tried at most on one page (the first ones after the records)."""


def _next_buttons(doc: Document, lists: _Lists) -> list[Control]:
    """A pager's "Next page" button that a script handles (a link is a link family): its
    words, or, on a button that shows an arrow or nothing, one of its labels. Only a
    shown button after a list of records; not a form's (a wizard's), nor a carousel's or
    a slider's."""
    found: list[Control] = []
    for node, shown in _script_buttons(doc):
        if node.tag == "a" and attr(node, "href") is not None:
            continue
        labels = [v.strip() for v in (attr(node, "aria-label"), attr(node, "title")) if v]
        if _NEXT.match(shown):
            label = shown
        elif not shown or _ARROWS.match(shown):
            label = next((v for v in labels if _NEXT.match(v)), "")
        else:
            label = ""
        if not label or doc.form_owner(node) is not None or _in_widget(node):
            continue
        # A pager follows the list it pages; a "Next" elsewhere (a tour's, a header's) is
        # not worth the page load a try costs.
        if hidden_by_markup(node) or not lists.follows(node, 2):
            continue
        found.append(_button_control(node, "next", label))
    return found[:MAX_NEXT]


def _in_widget(node: Node) -> bool:
    """Inside a carousel, slider or wizard (by its classes, id or role description)."""
    for ancestor in (node, *ancestors(node)):
        described = " ".join(
            v
            for v in (
                attr(ancestor, "class"),
                attr(ancestor, "id"),
                attr(ancestor, "aria-roledescription"),
            )
            if v
        )
        if described and _NOT_PAGER.search(described):
            return True
    return False


# What infinite-scroll widgets put after their list: a loader that says so, or a marker
# named for it (the sentinel an IntersectionObserver watches, the widgets' own classes).
_LOADER_TEXT: Final = re.compile(
    r"^\W*(?:loading|fetching)(?:\s+more)?\b|^\W*load(?:ing)?\s+more\b", re.IGNORECASE
)
_LOADER_NAME: Final = re.compile(
    r"infinite[-_]?(?:scroll|list|loader|feed)|sentinel|scroll[-_]?(?:trigger|loader|end)",
    re.IGNORECASE,
)
_SCRIPT_TYPES: Final = frozenset(
    {"", "text/javascript", "application/javascript", "module", "text/ecmascript"}
)
MIN_LIST: Final = 3
"""Records a list needs before scrolling it is worth a try."""


def _infinite_list(doc: Document, lists: _Lists) -> list[Control]:
    """The page's list that loads more as it is scrolled to its end: a page with scripts
    (JavaScript, not data), a list of records, and after it a loader that says so or a
    sentinel named for it. Scrolling is tried in the browser (a list that grows is a
    paginate tool); a page without the signs is not scrolled (every try costs a page
    load)."""
    scripts = doc.parser.css("script")
    if not any((attr(s, "type") or "").strip().lower() in _SCRIPT_TYPES for s in scripts):
        return []
    if not any(len(g.members) >= MIN_LIST for g in lists.groups):
        return []
    for node in doc.parser.css("body *"):
        if node.tag in ("script", "style", "template", "img", "svg", "i", "a", "use"):
            continue
        names = " ".join(
            v for v in (attr(node, "id"), attr(node, "class"), attr(node, "data-testid")) if v
        )
        marker = _LOADER_NAME.search(names) or (
            next(elements(node), None) is None and _LOADER_TEXT.search(text(node, 60))
        )
        if marker and lists.follows(node, MIN_LIST):
            return [Control(role="scroll", css="html", label="the end of the list", locators=())]
    return []


# WAI-ARIA's select-only combobox: an element that is not a text box, with the combobox
# role or a button that pops up a listbox. A menu button's items are commands (New,
# Delete), not choices of a value: not tried.
_LIST_BOX_TRIGGERS: Final = '[role="combobox"], [aria-haspopup="listbox"]'
MAX_LIST_BOXES: Final = 2
"""List boxes tried at most on one page (the first ones in document order)."""


def _list_boxes(doc: Document) -> list[Control]:
    """The page's list boxes a script draws in place of a ``<select>`` (outside forms: a
    form's fields are submitted with it), each by its most stable locator: a test id, an
    id, else its CSS path. The accessible name often carries the current choice ("State,
    selected option: Active"), so it is not a locator."""
    found: list[Control] = []
    for node in doc.parser.css(_LIST_BOX_TRIGGERS):
        editable = attr(node, "contenteditable")
        if (
            node.tag in ("input", "textarea", "select")
            or (editable is not None and editable.strip().lower() != "false")
            or attr(node, "aria-autocomplete") is not None
            or find_first(node, ("input", "textarea")) is not None
        ):
            # A text box with suggestions (ARIA 1.1 wraps the box in the combobox) is a
            # search box; a <select> is a form's field.
            continue
        if attr(node, "disabled") is not None or attr(node, "aria-disabled") == "true":
            continue
        if closest(node, ("form",)) is not None or hidden_by_markup(node):
            continue
        label = " ".join((attr(node, "aria-label") or text(node, 80) or "").split())
        locators: list[Locator] = []
        test_id = attr(node, "data-testid")
        if test_id:
            locators.append(Locator("test_id", test_id))
        ident = attr(node, "id")
        if ident and not is_generated_id(ident):
            locators.append(Locator("id", ident))
        css = css_path(node)
        locators.append(Locator("css", css))
        if any(c.locators[0] == locators[0] for c in found):
            continue  # one list box drawn twice (a layout for each screen size)
        found.append(Control(role="choose", css=css, label=label, locators=tuple(locators)))
        if len(found) == MAX_LIST_BOXES:
            break
    return found
