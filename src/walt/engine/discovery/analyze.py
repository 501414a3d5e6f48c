"""Page analysis: rendered HTML and its URL in, what the page offers out. Pure, no browser.

For one page it finds:

* forms, each with its controls by form owner (HTML standard), every field's
  schema (name, label, type, constraints, options, defaults, required,
  several values for a checkbox group or a ``select multiple``), the form's
  submitters (each submit button's name, value and text), method, enctype and
  ``accept-charset``, and the words that name it (legend, heading, title);
* link families: links that differ in one query parameter (sort orders,
  facets, pages) or one path segment (categories, detail pages), including an
  id glued to a word (``/issue12``);
* the links to crawl, with whether each sits in the page's chrome, and the
  links never to follow (logout, delete: judged by text and target together);
* the page's record groups (repeated structures outside the chrome), their
  titles and a fingerprint of every repeated block, so the crawl can tell a
  site's navigation (the same block on every page) from its records.

Combining pages into tools is :mod:`walt.engine.discovery.candidates`' job.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import attrs

from walt.core.css import css_string
from walt.core.routes import flatten
from walt.engine.charset import encoding_label, encoding_name
from walt.engine.discovery.controls import Control, script_controls
from walt.engine.discovery.families import LinkFamily, PageLink, link_families, segment_shape
from walt.engine.discovery.sanitize import sanitized_value
from walt.engine.dom import (
    Document,
    Node,
    ancestors,
    attr,
    classes,
    closest,
    descendants,
    hidden_by_markup,
    parse_html,
    text,
)
from walt.engine.extract import (
    css_path,
    extract_document,
    group_records,
    in_chrome,
    is_generated_id,
    main_element,
    record_groups,
)

__all__ = [
    "BulkAction",
    "Field",
    "FormInfo",
    "LinkFamily",
    "PageAnalysis",
    "PageLink",
    "Submitter",
    "analyze",
    "analyze_document",
    "is_destructive_link",
    "is_generated_id",
    "site_query_values",
    "url_pattern",
]

DISCOVERY_MAX_NODES: Final = 30_000
MAX_FORMS: Final = 200
"""Forms analysed per page; the rest are counted (2,000 "add to cart" forms are one tool)."""
# Verbs that end a session or destroy data whatever the link says around them.
_STRONG_DESTRUCTIVE: Final = re.compile(
    r"(?:^|[^a-z])(log[\s_-]?out|sign[\s_-]?out|log[\s_-]?off|delete|remove|destroy|erase|"
    r"purge|wipe)(?:[^a-z]|$)",
    re.IGNORECASE,
)
# Verbs that destroy or change state only when the link's text and its target agree
# ("Close account" to /account/close; not "Closed issues" to ?status=closed).
_WEAK_DESTRUCTIVE: Final = frozenset(
    """close cancel deactivate disable revoke reset clear empty unsubscribe ban block
    terminate kill drop trash archive unpublish lock unlock leave""".split()
)
_DESTRUCTIVE_QUERY: Final = re.compile(
    r"(?:^|&)[a-z_]*(?:action|do|op|cmd|task|method|mode)=[a-z_]*"
    r"(?:delete|remove|destroy|logout|signout|purge)",
    re.IGNORECASE,
)
SORT_PARAMS: Final = frozenset(
    {
        "sort",
        "_sort",
        "o",
        "order",
        "orderby",
        "order_by",
        "sort_by",
        "sortby",
        "ordering",
        "sorting",
        "sorder",
        "srt",
        "dir",
        "direction",
        "sort_order",
        "sortorder",
        "sortfield",
        "sort_field",
        "sortkey",
        "sort_key",
    }
)
PAGE_PARAMS: Final = frozenset(
    {
        "page",
        "p",
        "pg",
        "ipage",
        "page_number",
        "pagenumber",
        "pagenum",
        "offset",
        "start",
        "skip",
        "paged",
        "first",
        "from",
        "cursor",
        "after",
        "before",
        "page_token",
        "pagetoken",
        "next",
        "marker",
    }
)
_INPUT_TYPES: Final = {
    "text": "text",
    "search": "text",
    "email": "email",
    "url": "url",
    "tel": "text",
    "number": "number",
    "range": "number",
    "date": "date",
    "datetime-local": "datetime",
    "time": "time",
    "month": "text",
    "week": "text",
    "color": "text",
    "password": "password",
    "checkbox": "checkbox",
    "radio": "radio",
    "hidden": "hidden",
    "file": "file",
}
_SUBMIT_TYPES: Final = frozenset({"submit", "image"})


@attrs.frozen
class Field:
    """One form control (or radio/checkbox group) as a tool input, or a constant (hidden)."""

    name: str
    kind: str  # text, textarea, select, checkbox, radio, number, email, date, hidden, password...
    label: str = ""
    placeholder: str = ""
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, visible label)
    default: str | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    element_id: str | None = None
    hidden_by_style: bool = False  # not shown until a script or a tab shows it
    checkbox_value: str = "on"
    multiple: bool = False  # a checkbox group or a select multiple: several values at once
    defaults: tuple[str, ...] = ()  # every value submitted by default (checked, selected)
    readonly: bool = False
    autocomplete: str | None = None
    maxlength: int | None = None
    # A suggestion widget (WAI-ARIA's editable combobox): a word is typed, then one of the
    # suggestions its script draws is chosen, as a person does.
    suggests: bool = False
    # False for a control with no name: it adds nothing to the entry list (HTML standard),
    # so only a browser, whose script reads it, can give it a value. ``name`` is then
    # what the control is called (its label, else its id), not a submitted name.
    submitted: bool = True


@attrs.frozen
class Submitter:
    """A submit button: what it adds to the entry list (``name=value``) and what it says."""

    text: str
    name: str | None = None
    value: str = ""
    element_id: str | None = None
    formaction: str | None = None
    formmethod: str | None = None
    outside: bool = False  # associated by form= from outside the form element
    image: bool = False  # an image button: it submits name.x and name.y, not name=value

    @property
    def entries(self) -> tuple[tuple[str, str], ...]:
        """What it adds to the entry list (HTML standard): ``name=value`` (nothing without
        a name), or for an image button the coordinates of the click as ``name.x`` and
        ``name.y`` (``x`` and ``y`` without a name), (0, 0) when the form is submitted
        without one (pressing Enter)."""
        if self.image:
            prefix = f"{self.name}." if self.name else ""
            return ((f"{prefix}x", "0"), (f"{prefix}y", "0"))
        if not self.name:
            return ()
        return ((self.name, self.value),)


@attrs.frozen
class FormInfo:
    page_url: str
    action: str
    method: str
    fields: tuple[Field, ...]
    submitters: tuple[Submitter, ...] = ()
    form_id: str | None = None
    form_index: int = 0
    heading: str = ""
    legend: str = ""
    page_title: str = ""
    role_search: bool = False
    in_chrome: bool = False
    enctype: str = "application/x-www-form-urlencoded"
    accept_charset: str | None = None
    name: str | None = None
    charset: str = "utf-8"  # what the form submits in: accept-charset, else the page's
    repeats: int = 1  # identical forms on the page (one per row of a listing)
    varying: tuple[tuple[str, tuple[str, ...]], ...] = ()  # hidden fields that differ per row
    # The action as written, with the one path segment that differs from row to row (the
    # record's id, as in /item/3/delete) written "{}"; None unless rows' actions differ so.
    row_action: str | None = None
    row_ids: tuple[str, ...] = ()  # that segment's values, one per row seen (at most 50)
    action_written: str = ""  # the action attribute as written ("" when a button overrides it)
    revealed_by: str = ""  # the menu entry whose click built these controls (a script's form)
    frame: str | None = None  # CSS selector of the same-origin iframe the form lives in
    script_filled: tuple[str, ...] = ()  # empty hidden fields a suggestion widget fills
    # The page runs scripts: one may handle the form's submit event itself (fetch the
    # results and draw them in place), which its HTTP submission never shows.
    page_scripts: bool = False
    # The form as a later submit button submits it (its formaction or formmethod), that
    # button its only submitter: not what pressing Enter in the form does.
    by_button: bool = False

    @property
    def needs_browser(self) -> bool:
        """The submission depends on what a script writes (a suggestion widget's hidden
        id) or reads (a control with no name): only the page, in a browser, knows the
        values to send."""
        return bool(self.script_filled) or any(not f.submitted for f in self.fields)

    @property
    def visible_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind != "hidden")

    @property
    def default_submitter(self) -> Submitter | None:
        """The form's default button: its first submit button in tree order."""
        return self.submitters[0] if self.submitters else None

    @property
    def submit_text(self) -> str:
        submitter = self.default_submitter
        return submitter.text if submitter is not None else ""

    @property
    def submit_id(self) -> str | None:
        submitter = self.default_submitter
        return submitter.element_id if submitter is not None else None

    @property
    def submit_outside(self) -> bool:
        submitter = self.default_submitter
        return submitter.outside if submitter is not None else False


@attrs.frozen
class BulkAction:
    """Rows chosen by checkboxes, then an action from a menu a script runs ("With selected:
    Delete"): the script posts the page's form that has no controls of its own."""

    page_url: str
    checkbox: str  # the row checkboxes' name
    values: tuple[str, ...]  # the row ids seen
    entry: str  # CSS path of the menu entry
    text: str  # what the entry says
    form_action: str  # where the script posts
    toggle: str | None = None  # CSS path of the control that opens the menu


@attrs.frozen
class PageAnalysis:
    url: str
    pattern: str
    title: str
    forms: tuple[FormInfo, ...]
    families: tuple[LinkFamily, ...]
    links: tuple[tuple[str, str], ...]  # (absolute url, text) to crawl, same origin
    skipped_links: tuple[str, ...]  # destructive-looking links never followed
    items: tuple[dict[str, object], ...]
    samples: tuple[str, ...] = ()  # record titles (cards and table rows), for probe terms
    truncated: bool = False
    page_links: tuple[PageLink, ...] = ()
    blocks: tuple[str, ...] = ()  # fingerprints of repeated blocks (chrome shows on every page)
    sample_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (block fingerprint, titles)
    heading: str = ""
    layout: str = ""
    main_text: str = ""
    records: int = 0
    chrome_words: tuple[str, ...] = ()  # words of links in the page's navigation
    revealers: tuple[tuple[str, str], ...] = ()  # (CSS path, text) of menu entries to click
    bulk_actions: tuple[BulkAction, ...] = ()
    rendered: bool = False  # a script built the page: only a browser sees its content
    frames: tuple[tuple[str, str], ...] = ()  # (URL, CSS path) of same-origin iframes
    controls: tuple[Control, ...] = ()  # search boxes and "Load more" buttons to try

    @property
    def is_listing(self) -> bool:
        return self.records >= 2


# --------------------------------------------------------------------------- helpers


def url_pattern(url: str) -> str:
    """Pages that differ only by parameter values share a pattern.

    The path's opaque segments (numbers, hashes, an id glued to a word such as
    ``issue12``) are generalized; the query contributes its keys, not its values.
    """
    parts = urlsplit(url)
    segments = [segment_shape(s) for s in parts.path.split("/")]
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.scheme}://{parts.netloc.lower()}{'/'.join(segments)}?{'&'.join(keys)}"


def _words(value: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[a-z]+", value, re.IGNORECASE)}


def is_destructive_link(url: str, link_text: str = "") -> bool:
    """Logout, delete and the like: discovery never follows these.

    Strong verbs (log out, delete, remove, destroy...) exclude a link by its text
    or its target alone; weaker ones (close, cancel, reset...) when the text starts
    with the verb (an order: "Close account") and the target says it too.
    """
    parts = urlsplit(url)
    target = f"{parts.path} {parts.query}"
    if (
        _STRONG_DESTRUCTIVE.search(parts.path)
        or _DESTRUCTIVE_QUERY.search(parts.query)
        or _STRONG_DESTRUCTIVE.search(link_text)
    ):
        return True
    target_words = _words(target.replace("_", " ").replace("-", " "))
    # The text gives the order ("Close account"), the target does it (/account/close).
    first = next(iter(re.findall(r"[a-z]+", link_text.lower())), "")
    return first in _WEAK_DESTRUCTIVE and first in target_words


def _float(value: str | None) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    number = _float(value)
    return int(number) if number is not None and number >= 0 else None


def _is_disabled(control: Node) -> bool:
    """Disabled itself, or inside a disabled fieldset but not in its first legend."""
    if attr(control, "disabled") is not None:
        return True
    for ancestor in ancestors(control):
        if ancestor.tag == "fieldset" and attr(ancestor, "disabled") is not None:
            legend = next(
                (c for c in _element_children(ancestor) if c.tag == "legend"),
                None,
            )
            if legend is None or not _contains(legend, control):
                return True
    return False


_LEADING_INTEGER: Final = re.compile(r"[ \t\n\f\r]*\+?(\d+)", re.ASCII)


def _display_size(select: Node) -> int:
    """The select's display size (HTML standard): its ``size`` read by the rules for
    parsing non-negative integers (leading digits count: ``3px`` is 3) when above 0,
    else 4 for ``multiple`` and 1 otherwise."""
    match = _LEADING_INTEGER.match(attr(select, "size") or "")
    if match is not None and int(match.group(1)) > 0:
        return int(match.group(1))
    return 4 if attr(select, "multiple") is not None else 1


def _element_children(node: Node) -> Iterable[Node]:
    child = node.child
    while child is not None:
        if child.is_element_node:
            yield child
        child = child.next


def _contains(ancestor: Node, node: Node) -> bool:
    return any(a == ancestor for a in ancestors(node))


def _options(doc: Document, select: Node) -> tuple[list[tuple[str, str]], list[str]]:
    options: list[tuple[str, str]] = []
    selected: list[str] = []
    for option in select.css("option"):
        if attr(option, "disabled") is not None:
            continue
        group = closest(option, ("optgroup",))
        if group is not None and attr(group, "disabled") is not None:
            continue
        label = attr(option, "label") or text(option, 200)
        value = attr(option, "value")
        value = text(option, 200) if value is None else value
        options.append((value, label))
        if attr(option, "selected") is not None:
            selected.append(value)
    return options, selected


def _common(doc: Document, control: Node) -> dict[str, object]:
    label = doc.label_for(control) or attr(control, "aria-label") or attr(control, "title") or ""
    return {
        "label": label.strip(),
        "placeholder": (attr(control, "placeholder") or "").strip(),
        "required": attr(control, "required") is not None
        or attr(control, "aria-required") == "true",
        "element_id": attr(control, "id"),
        "hidden_by_style": hidden_by_markup(control),
        "readonly": attr(control, "readonly") is not None,
        "autocomplete": attr(control, "autocomplete"),
    }


def _suggests(control: Node) -> bool:
    """An editable text input that is a suggestion widget (WAI-ARIA's combobox pattern:
    the role, or ``aria-autocomplete`` saying a list is offered), whose suggestions are
    options a script draws, to be clicked. Not a ``list`` of a ``datalist`` (the browser
    writes the chosen suggestion into the input itself), nor a read-only combobox (a
    list box chosen from, not typed into: walt.engine.listbox)."""
    if control.tag != "input" or attr(control, "readonly") is not None:
        return False
    declared = (attr(control, "type") or "text").strip().lower()
    offered = (attr(control, "aria-autocomplete") or "").strip().lower() in ("list", "both")
    return declared in ("text", "search", "") and (attr(control, "role") == "combobox" or offered)


def _offers_words(control: Node) -> bool:
    """A suggestion widget (:func:`_suggests`) or an input with a ``datalist``: a box
    whose script may write the chosen suggestion's id into a hidden field."""
    return _suggests(control) or (control.tag == "input" and attr(control, "list") is not None)


def _unnamed_widget(doc: Document, control: Node) -> Field | None:
    """A suggestion widget with no name: its word is not submitted, the suggestion chosen
    is (its script writes it into a hidden field). A tool input named after its label."""
    if not _suggests(control) or _is_disabled(control):
        return None
    common = _common(doc, control)
    called = str(common["label"] or common["element_id"] or common["placeholder"] or "")
    called = re.sub(r"\W+", "_", called.lower()).strip("_")
    if not called:
        return None
    return Field(
        name=called,
        kind="text",
        default=attr(control, "value") or None,
        suggests=True,
        submitted=False,
        **common,  # type: ignore[arg-type]
    )


def _chosen(field: Field | None, carried: bool, narrows: bool) -> Field | None:
    """``field`` as the form uses it. A suggestion widget whose choice no hidden field
    carries (``carried``) chooses nothing: its word is typed (a named one's is submitted,
    a nameless one's a script may read). A nameless box that narrows a list box's options
    (``narrows``: a ``select`` a script replaced sits beside it) is no field: the choice
    goes to that ``select``."""
    if field is None or (field.submitted and not field.suggests):
        return field
    if not field.submitted and narrows:
        return None
    return field if carried else attrs.evolve(field, suggests=False)


def _narrowing(controls: list[Node]) -> set[int]:
    """Positions in ``controls`` of the nameless boxes whose nearest control before or
    after them, past other nameless inputs (a list box's focus target), is a ``select``:
    the search box of a list box a script draws in the select's place (select2,
    choices.js and tom-select put it on either side; the select may have no name)."""
    solid = [at for at, c in enumerate(controls) if c.tag != "input" or attr(c, "name")]
    out: set[int] = set()
    for at, c in enumerate(controls):
        if c.tag != "input" or attr(c, "name"):
            continue
        i = bisect.bisect_left(solid, at)  # the nearest on either side
        if any(controls[n].tag == "select" for n in solid[max(0, i - 1) : i + 1]):
            out.add(at)
    return out


def _field(doc: Document, control: Node) -> Field | None:
    name = attr(control, "name")
    if not name:
        return _unnamed_widget(doc, control)
    if _is_disabled(control):
        return None
    common = _common(doc, control)
    if control.tag == "select":
        options, selected = _options(doc, control)
        multiple = attr(control, "multiple") is not None
        if not selected and options and not multiple and _display_size(control) == 1:
            # A drop-down box submits its first option; a list box (size > 1) nothing.
            selected = [options[0][0]]
        if not multiple:
            # Options marked selected unmark the ones before them: the last one stays.
            selected = selected[-1:]
        return Field(
            name,
            "select",
            options=tuple(options),
            default=selected[0] if selected else None,
            defaults=tuple(selected),
            multiple=multiple,
            **common,  # type: ignore[arg-type]
        )
    if control.tag == "textarea":
        content = control.text(deep=True) or ""
        if content.startswith("\n"):
            content = content[1:]  # the parser drops one leading newline
        return Field(
            name,
            "textarea",
            default=content[:2000] or None,
            maxlength=_int(attr(control, "maxlength")),
            **common,  # type: ignore[arg-type]
        )
    declared = (attr(control, "type") or "text").strip().lower()
    if declared in ("submit", "image", "reset", "button") or control.tag != "input":
        return None  # buttons are submitters, not fields
    kind = _INPUT_TYPES.get(declared, "text")  # an unknown type is a text field (HTML)
    if kind == "file":
        return None  # files are not inputs walt fills
    step = _float(attr(control, "step"))
    minimum = _float(attr(control, "min"))
    integer = (
        kind == "number"
        and (step is None or step.is_integer())
        and (minimum is None or minimum.is_integer())
    )
    value = attr(control, "value")
    checked = attr(control, "checked") is not None
    if kind in ("checkbox", "radio"):
        default = (value if value is not None else "on") if checked else None
    else:
        default = sanitized_value(
            declared if declared in _INPUT_TYPES else "text",  # an unknown type is text
            value,
            attr(control, "min"),
            attr(control, "max"),
            attr(control, "step"),
            multiple=attr(control, "multiple") is not None,
        )
    if integer and default:
        # A value off the whole numbers (a range stepping from 2.5) makes it a number.
        number = _float(default)
        integer = number is not None and number.is_integer()
    return Field(
        name=name,
        kind=kind,
        default=default,
        defaults=(default,) if default is not None else (),
        pattern=attr(control, "pattern"),
        minimum=minimum,
        maximum=_float(attr(control, "max")),
        integer=integer,
        checkbox_value=value if value is not None else "on",
        maxlength=_int(attr(control, "maxlength")),
        suggests=_suggests(control),
        **common,  # type: ignore[arg-type]
    )


def _merge_groups(fields: list[Field]) -> list[Field]:
    """A radio group is one input whose options are its buttons; so is a group of
    same-name checkboxes, which takes several values at once."""
    out: list[Field] = []
    groups: dict[tuple[str, str], int] = {}
    for field in fields:
        if field.kind not in ("radio", "checkbox"):
            out.append(field)
            continue
        option = (field.checkbox_value, field.label or field.checkbox_value)
        key = (field.kind, field.name)
        if key in groups:
            index = groups[key]
            prior = out[index]
            out[index] = attrs.evolve(
                prior,
                options=(*prior.options, option),
                default=prior.default or field.default,
                defaults=(*prior.defaults, *field.defaults),
                required=prior.required or field.required,
                multiple=field.kind == "checkbox",
                hidden_by_style=prior.hidden_by_style and field.hidden_by_style,
            )
        else:
            groups[key] = len(out)
            out.append(attrs.evolve(field, options=(option,)))
    # A lone checkbox keeps its own label; a group's label is its legend (set below).
    return [
        attrs.evolve(f, label="") if f.kind in ("radio", "checkbox") and len(f.options) > 1 else f
        for f in out
    ]


def _group_label(doc: Document, controls: list[Node], name: str) -> str:
    """A radio or checkbox group's label: its fieldset's legend, when the group has one."""
    for control in controls:
        if attr(control, "name") != name:
            continue
        fieldset = closest(control, ("fieldset",))
        if fieldset is not None:
            legend = next((c for c in _element_children(fieldset) if c.tag == "legend"), None)
            if legend is not None:
                return text(legend, 120)
        labelled = attr(closest(control, ("div", "p", "li", "td")) or control, "aria-label")
        if labelled:
            return labelled
    return ""


def _submitter(doc: Document, control: Node, form: Node) -> Submitter | None:
    if control.tag == "button":
        kind = (attr(control, "type") or "submit").strip().lower()
        if kind != "submit":
            return None
        label = text(control, 100) or attr(control, "value") or attr(control, "title") or ""
    elif control.tag == "input" and (attr(control, "type") or "").lower() in _SUBMIT_TYPES:
        label = attr(control, "value") or attr(control, "alt") or attr(control, "title") or ""
        if not label and (attr(control, "type") or "").lower() == "submit":
            label = "Submit"
    else:
        return None
    if _is_disabled(control):
        return None
    return Submitter(
        text=" ".join(label.split()),
        name=attr(control, "name") or None,
        value=attr(control, "value") or "",
        element_id=attr(control, "id"),
        formaction=attr(control, "formaction"),
        formmethod=_method(attr(control, "formmethod")),
        outside=not _contains(form, control),
        image=control.tag == "input" and (attr(control, "type") or "").lower() == "image",
    )


class _Headings:
    """The headings of the page's content (not its chrome), in tree order, to name forms by
    the nearest heading before them."""

    def __init__(self, doc: Document) -> None:
        self.position: dict[Node, int] = {}
        self.headings: list[tuple[int, str]] = []
        for index, el in enumerate(descendants(doc.body)):
            if el.tag == "form":
                self.position[el] = index
            elif el.tag in ("h1", "h2", "h3", "h4") and not in_chrome(el):
                label = text(el, 120)
                if label:
                    self.headings.append((index, label))

    def before(self, form: Node) -> str:
        where = self.position.get(form)
        if where is None:
            return ""
        at = bisect.bisect_right(self.headings, (where, "\uffff"))
        return self.headings[at - 1][1] if at else ""


def _legend(form: Node) -> str:
    legend = form.css_first("legend")
    return text(legend, 120) if legend is not None else ""


def _form_shape(form: FormInfo) -> tuple[object, ...]:
    # A record's id in the action (/item/3/delete, /item/4/delete): one form per row.
    return (
        form.method,
        "/".join(segment_shape(s) for s in urlsplit(form.action).path.split("/")),
        tuple((f.name, f.kind) for f in form.fields if f.kind != "hidden"),
        tuple(f.name for f in form.fields if f.kind == "hidden"),
        tuple(s.text for s in form.submitters),
    )


def _with_row(prior: FormInfo, other: FormInfo) -> FormInfo | None:
    """``prior`` counting ``other``, another row's copy of it: the hidden fields that
    differ (:func:`_varying`), and the action's path segment that does. None when their
    actions differ otherwise than in one record id that the rest of the action does not
    name another record around (``/projects/7/tasks/3``), or in another segment than the
    earlier rows': those rows are not one form (a run could send one row's id to another
    row's address)."""
    row = attrs.evolve(prior, repeats=prior.repeats + 1, varying=_varying(prior, other))
    if prior.action == other.action and prior.row_action is None:
        return row
    mine, theirs = prior.action_written.split("/"), other.action_written.split("/")
    differ = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b]
    if len(mine) != len(theirs) or len(differ) != 1 or "{" in prior.action_written:
        return None
    at = differ[0]
    if not all(segment_shape(a[at]) == "{}" for a in (mine, theirs)):
        return None  # not a record's id (nor one in the query)
    if any(segment_shape(p) != p for i, p in enumerate(mine) if i != at):
        return None  # another record's id around it: a nested resource
    template = "/".join([*mine[:at], "{}", *mine[at + 1 :]])
    if prior.row_action not in (None, template):
        return None
    ids = prior.row_ids or (mine[at],)
    if theirs[at] not in ids and len(ids) < 50:
        ids = (*ids, theirs[at])
    return attrs.evolve(row, row_action=template, row_ids=ids)


def _varying(prior: FormInfo, other: FormInfo) -> tuple[tuple[str, tuple[str, ...]], ...]:
    first = {f.name: f.default or "" for f in prior.fields if f.kind == "hidden"}
    seen = dict(prior.varying)
    for field in other.fields:
        if field.kind != "hidden" or field.name not in first:
            continue
        values = seen.get(field.name, (first[field.name],))
        value = field.default or ""
        if value != first[field.name] or field.name in seen:
            if value not in values and len(values) < 50:
                values = (*values, value)
            seen[field.name] = values
    return tuple(seen.items())


def _outline(form: Node, controls: list[Node]) -> tuple[object, ...]:
    """What a form is, read cheaply: its method, action and controls (not their values)."""
    return (
        attr(form, "method"),
        attr(form, "action"),
        attr(form, "id"),
        tuple(
            (c.tag, attr(c, "type"), attr(c, "name"), text(c, 60) if c.tag == "button" else "")
            for c in controls
        ),
    )


def _row_varying(prior: FormInfo, controls: list[Node]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    values = {
        attr(c, "name") or "": attr(c, "value") or ""
        for c in controls
        if c.tag == "input" and (attr(c, "type") or "").lower() == "hidden"
    }
    row = FormInfo(
        page_url=prior.page_url,
        action=prior.action,
        method=prior.method,
        fields=tuple(Field(name, "hidden", default=value) for name, value in values.items()),
    )
    return _varying(prior, row)


_ID_WORDS: Final = frozenset({"id", "ids", "pk", "key", "uuid", "code", "value", "val"})
# Words of a box's name, id or label that say what kind of box it is, or join words.
_BOX_WORDS: Final = frozenset(
    {"text", "input", "field", "box", "name", "label", "search", "find", "enter", "type"}
    | {"for", "the", "and", "your", "with", "from", "into"}
)


def _script_filled(doc: Document, controls: list[Node]) -> tuple[tuple[str, ...], set[int]]:
    """Hidden fields a suggestion widget's script writes the chosen suggestion's id into,
    so they are not constants of the form. Beside a widget (a combobox: ARIA's
    ``role=combobox`` or ``aria-autocomplete``, or an input with a ``list`` of
    suggestions): one sent empty, and one whose name shares a word with the widget's
    name, id or label, past words that say "id" or "text box" (``city_id`` beside
    ``city_text``: it holds the last choice). A widget with no name never submits its
    word, so its choice travels in a hidden field: when none is named after it, the
    named control right after it when that is a hidden field sent empty or named for an
    id (a list box's own search box, whose choice goes to a ``select``, fills none).
    Also returns the positions in ``controls`` of the widgets such a hidden field
    carries the choice of."""
    widgets = [(at, c) for at, c in enumerate(controls) if _offers_words(c)]
    if not widgets:
        return (), set()
    hidden = [
        (position, c, name)
        for position, c in enumerate(controls)
        if c.tag == "input"
        and (attr(c, "type") or "").lower() == "hidden"
        and (name := attr(c, "name"))
    ]
    filled = [name for _, c, name in hidden if not (attr(c, "value") or "")]
    carried: set[int] = set()
    for at, widget in widgets:
        said = " ".join(filter(None, (attr(widget, "name"), attr(widget, "id"))))
        called = {w for w in _words(f"{said} {doc.label_for(widget) or ''}") if len(w) > 1}
        called -= _BOX_WORDS
        named = [name for _, _, name in hidden if called & (_words(name) - _ID_WORDS)]
        if not named and not attr(widget, "name"):
            # The named control right after it, when a hidden field sent empty or named
            # for an id (not a token or a page number that happens to follow).
            following = next((c for c in controls[at + 1 :] if attr(c, "name")), None)
            named = [
                name
                for _, c, name in hidden
                if c is following and (not (attr(c, "value") or "") or _words(name) & _ID_WORDS)
            ]
        if named:
            carried.add(at)
        filled.extend(named)
    return tuple(dict.fromkeys(filled)), carried


def _elsewhere(doc: Document, form: Node, info: FormInfo) -> list[FormInfo]:
    """The form as each later submit button with a ``formaction`` or ``formmethod`` that
    sends it to another action or by another method submits it (HTML standard, form
    submission: the submitter's attributes override the form's), that button its only
    submitter; one per distinct (action, method)."""
    seen = {(info.action, info.method)}
    out: list[FormInfo] = []
    for button in info.submitters[1:]:
        if button.formaction is None and button.formmethod is None:
            continue
        action, method, written = _sent_to(doc, form, button)
        if (action, method) in seen:
            continue
        seen.add((action, method))
        out.append(
            attrs.evolve(
                info,
                action=action,
                method=method,
                submitters=(button,),
                action_written=written,
                by_button=True,
            )
        )
    return out


def _sent_to(doc: Document, form: Node, button: Submitter | None) -> tuple[str, str, str]:
    """Where ``button`` sends ``form`` (HTML standard, form submission: the submitter's
    ``formaction`` and ``formmethod`` override the form's): the action resolved, the
    method (``get``, ``post`` or ``dialog``), and the action as written (``""`` when the
    button's ``formaction`` overrides it)."""
    overrides = button is not None and button.formaction is not None
    written = attr(form, "action")
    action = doc.resolve(button.formaction if button and overrides else written)
    method = (button.formmethod if button else None) or _method(attr(form, "method")) or "get"
    return (
        action or doc.document_url,
        method if method in ("post", "dialog") else "get",
        "" if overrides else (written or "").strip(),
    )


def _submission_charset(form: Node, page_encoding: str) -> str:
    """The first encoding ``accept-charset`` names that exists, else the page's encoding
    (HTML standard, "pick an encoding for the form")."""
    for label in (attr(form, "accept-charset") or "").replace(",", " ").split():
        found = encoding_label(label)
        if found is not None:
            return found
    return page_encoding


def _method(value: str | None) -> str | None:
    """A form's ``method`` or a button's ``formmethod``: None when the attribute is absent,
    else its state, GET for an invalid value (the enumerated attribute's invalid value
    default; matched ASCII case-insensitively, as written)."""
    if value is None:
        return None
    lowered = value.lower()
    return lowered if lowered in ("get", "post", "dialog") else "get"


def _with_charset_name(field: Field, charset: str) -> Field:
    """A hidden ``_charset_`` field submits the name of the form's encoding, whatever its
    value (HTML standard, constructing the entry list)."""
    if field.kind != "hidden" or field.name.lower() != "_charset_":
        return field
    name = encoding_name(charset)
    return attrs.evolve(field, default=name, defaults=(name,))


def _forms(doc: Document, encoding: str = "utf-8") -> list[FormInfo]:
    forms: list[FormInfo] = []
    elsewhere: list[tuple[int, list[FormInfo]]] = []  # by the position of their form
    shapes: dict[tuple[object, ...], int] = {}
    page_title = doc.title
    headings = _Headings(doc)
    quick: dict[tuple[object, ...], int] = {}
    scripts = doc.parser.css_first("script") is not None
    for index, form in enumerate(doc.forms()):
        if len(forms) >= MAX_FORMS:
            break
        controls = doc.controls(form)
        outline = _outline(form, controls)
        if outline in quick:
            # A row's copy of a form already read: only its hidden values can differ.
            position = quick[outline]
            prior = forms[position]
            forms[position] = attrs.evolve(
                prior, repeats=prior.repeats + 1, varying=_row_varying(prior, controls)
            )
            continue
        filled, carried = _script_filled(doc, controls)
        narrowing = _narrowing(controls)
        fields = [
            f
            for at, c in enumerate(controls)
            if (f := _chosen(_field(doc, c), at in carried, at in narrowing))
        ]
        fields = _merge_groups(fields)
        fields = [
            attrs.evolve(f, label=_group_label(doc, controls, f.name))
            if f.kind in ("radio", "checkbox") and len(f.options) > 1 and not f.label
            else f
            for f in fields
        ]
        submitters = [s for s in (_submitter(doc, c, form) for c in controls) if s is not None]
        heading, legend = headings.before(form), _legend(form)
        charset = _submission_charset(form, encoding)
        # The default button's formaction and formmethod decide where Enter submits to.
        action, method, written = _sent_to(doc, form, submitters[0] if submitters else None)
        info = FormInfo(
            page_url=doc.url,
            action=action,
            action_written=written,
            method=method,
            fields=tuple(_with_charset_name(f, charset) for f in fields),
            submitters=tuple(submitters),
            form_id=attr(form, "id"),
            form_index=index,
            heading=heading,
            legend=legend,
            page_title=page_title,
            role_search=attr(form, "role") == "search" or closest(form, ("search",)) is not None,
            in_chrome=in_chrome(form),
            enctype=(attr(form, "enctype") or "application/x-www-form-urlencoded").lower(),
            accept_charset=(attr(form, "accept-charset") or "").strip() or None,
            name=attr(form, "name"),
            charset=charset,
            script_filled=filled,
            page_scripts=scripts,
        )
        if info.method == "dialog":
            continue  # closes a dialog; submits nothing
        shape = _form_shape(info)
        if shape in shapes:
            # One form per row (add to cart, delete): analysed once, counted, and the
            # hidden fields that differ from row to row (the record's id) noted.
            merged = _with_row(forms[shapes[shape]], info)
            if merged is not None:
                forms[shapes[shape]] = merged
                continue
            # Not a copy of the first row's form: a form of its own, as it reads.
        shapes.setdefault(shape, len(forms))
        quick[outline] = len(forms)
        forms.append(info)
        # A later button that sends the form elsewhere is a function of its own (a
        # second search over other data, an export): the form as that button submits it.
        elsewhere.append((len(forms) - 1, _elsewhere(doc, form, info)))
    for position, others in elsewhere:
        base = forms[position]
        if base.repeats > 1 or base.varying or base.row_action is not None:
            continue  # a row's button needs the row chosen first: not offered on its own
        room = max(0, MAX_FORMS - len(forms))
        forms.extend([f for f in others if f.method != "dialog"][:room])
    return forms


# --------------------------------------------------------------------------- records


def block_fingerprint(members: Iterable[Node]) -> str:
    """A repeated block's identity: the text of its first members (chrome repeats it)."""
    joined = "\x1f".join(text(m, 300) for m in list(members)[:60])
    return hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()[:12]


def _record_samples(
    doc: Document,
) -> tuple[list[tuple[str, tuple[str, ...]]], list[str], int]:
    """(titles by block, fingerprints of every repeated block, most records in one block)."""
    main = main_element(doc)
    groups = record_groups(doc.body, include_chrome=True)
    blocks = [block_fingerprint(g.members) for g in groups]
    sampled: list[tuple[str, tuple[str, ...]]] = []
    records = 0
    count = 0
    for group, fingerprint in zip(groups, blocks, strict=True):
        if in_chrome(group.container):
            continue
        if main is not doc.body and not _contains(main, group.container):
            continue
        rows = group_records(doc, group)[:50]
        records = max(records, len(rows))
        titles = [t for t in (_row_title(row) for row in rows) if t]
        sampled.append((fingerprint, tuple(titles)))
        count += len(titles)
        if count >= 150:
            break
    return sampled, blocks, records


def _row_title(row: dict[str, Any]) -> str:
    """A record's name: its title or name, else its longest value that is not a number."""
    named = row.get("title") or row.get("name")
    if not named:
        values = [str(v) for k, v in row.items() if k not in ("url", "text")]
        values = [v for v in values if not v.replace(".", "").isdigit()]
        named = max(values, key=len, default="")
    return str(named or "")


def _table_samples(tables: Iterable[dict[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    """Row titles of the page's data tables, by table: a listing drawn as a table (a data
    browser's grid) holds records as much as a repeated block does."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for table in tables:
        rows = table.get("rows") or []
        titles = tuple(t for t in (_row_title(row) for row in rows[:50]) if t)
        if len(titles) >= 2:
            out.append(("table:" + "|".join(table.get("headers") or ()), titles))
    return out


# --------------------------------------------------------------------------- entry points


def _page_links(doc: Document) -> tuple[list[PageLink], list[str]]:
    origin = urlsplit(doc.url)
    links: list[PageLink] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for a in doc.links():
        url = doc.resolve(attr(a, "href"))
        if url is None or url in seen:
            continue
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != (origin.scheme, origin.netloc.lower()):
            continue
        seen.add(url)
        label = text(a, 120) or attr(a, "aria-label") or attr(a, "title") or ""
        if attr(a, "download") is not None:
            continue
        if is_destructive_link(url, label):
            skipped.append(url)
            continue
        links.append(PageLink(url, label, in_chrome(a), (attr(a, "rel") or "").lower()))
    return links, skipped


_MENU_ROLES: Final = frozenset({"menu", "listbox", "menubar"})
MAX_REVEALERS: Final = 8
MAX_FRAMES: Final = 8


def _in_menu(node: Node) -> bool:
    for ancestor in ancestors(node):
        names = " ".join(classes(ancestor)).lower()
        if attr(ancestor, "role") in _MENU_ROLES or "dropdown-menu" in names or "menu" in names:
            return True
    return False


def _revealers(doc: Document) -> tuple[tuple[str, str], ...]:
    """Menu entries that only run a script, on a page whose GET form has no fields yet: a
    script builds the form's controls when one is clicked (an "Add filter" menu)."""
    shells = [
        form
        for form in doc.forms()
        if (attr(form, "method") or "get").lower() == "get"
        and not any(
            c.tag != "button" and (attr(c, "type") or "").lower() not in ("hidden", "submit")
            for c in doc.controls(form)
        )
    ]
    if not shells:
        return ()
    out: list[tuple[str, str]] = []
    for el in doc.parser.css('a[href^="javascript:"], a[href="#"], [role="menuitem"]'):
        label = text(el, 80)
        if label and _in_menu(el):
            out.append((css_path(el), label))
        if len(out) >= MAX_REVEALERS:
            break
    return tuple(out)


_ACTION_VERBS: Final = re.compile(
    r"\b(delete|remove|archive|publish|unpublish|approve|reject|close|reopen|activate|"
    r"deactivate|export|move|assign|merge|mark)\b",
    re.IGNORECASE,
)
_MENU_ENTRIES: Final = (
    'a[href^="javascript:"], a[href="#"], [role="menuitem"], button[type="button"]'
)


def _menu_of(node: Node) -> Node | None:
    for ancestor in ancestors(node):
        names = " ".join(classes(ancestor)).lower()
        if attr(ancestor, "role") in _MENU_ROLES or "dropdown-menu" in names or "menu" in names:
            return ancestor
    return None


def _toggle_of(menu: Node) -> Node | None:
    """The control that opens a menu: a sibling before it that says it has a popup."""
    sibling = menu.prev
    while sibling is not None:
        if sibling.is_element_node:
            names = " ".join(classes(sibling)).lower()
            if (
                attr(sibling, "aria-haspopup") is not None
                or attr(sibling, "data-toggle") is not None
                or attr(sibling, "data-bs-toggle") is not None
                or "toggle" in names
                or sibling.tag == "button"
            ):
                return sibling
        sibling = sibling.prev
    return None


def _bulk_actions(doc: Document) -> tuple[BulkAction, ...]:
    """Row checkboxes outside any form, a form with nothing to fill, and menu entries that
    name an action: a script collects the ticked rows into that form and posts it."""
    shells = [
        form
        for form in doc.forms()
        if (attr(form, "method") or "").lower() == "post"
        and not any((attr(c, "type") or "").lower() != "hidden" for c in doc.controls(form))
    ]
    if not shells:
        return ()
    rows: dict[str, list[str]] = {}
    for box in doc.parser.css('input[type="checkbox"][name]'):
        if doc.form_owner(box) is None:
            rows.setdefault(attr(box, "name") or "", []).append(attr(box, "value") or "on")
    rows = {k: v for k, v in rows.items() if k and len(set(v)) >= 2}
    if not rows:
        return ()
    name, values = max(rows.items(), key=lambda item: len(item[1]))
    action = doc.resolve(attr(shells[0], "action")) or doc.document_url
    out: list[BulkAction] = []
    for entry in doc.parser.css(_MENU_ENTRIES):
        label = text(entry, 60)
        menu = _menu_of(entry)
        if not label or menu is None or not _ACTION_VERBS.search(label):
            continue
        toggle = _toggle_of(menu)
        out.append(
            BulkAction(
                doc.url,
                name,
                tuple(dict.fromkeys(values))[:50],
                css_path(entry),
                label,
                action,
                css_path(toggle) if toggle is not None else None,
            )
        )
    return tuple(out[:5])


def _chrome_words(links: list[PageLink]) -> tuple[str, ...]:
    words: set[str] = set()
    for link in links:
        if link.in_chrome:
            words |= {w for w in _words(link.text) if len(w) > 2}
    return tuple(sorted(words))


def analyze_document(doc: Document, encoding: str = "utf-8") -> PageAnalysis:
    """Analyse a parsed page (see the module docstring); ``encoding`` is the page's."""
    links, skipped = _page_links(doc)
    data = extract_document(doc)
    sampled, blocks, records = _record_samples(doc)
    sampled += _table_samples(data["tables"])
    h1 = doc.parser.css_first("main h1") or doc.parser.css_first("h1")
    return PageAnalysis(
        url=doc.url,
        pattern=url_pattern(doc.url),
        title=doc.title,
        forms=tuple(_forms(doc, encoding)),
        families=tuple(link_families(links, doc.url)),
        links=tuple((link.url, link.text) for link in links),
        skipped_links=tuple(skipped),
        items=tuple(data["items"]),
        samples=tuple(t for _, titles in sampled for t in titles if t),
        truncated=doc.truncated,
        page_links=tuple(links),
        blocks=tuple(blocks),
        sample_groups=tuple(sampled),
        heading=text(h1, 120) if h1 is not None else "",
        layout=str(data["layout"]),
        main_text=str(data["main_text"])[:1000],
        records=records,
        chrome_words=_chrome_words(links),
        revealers=_revealers(doc),
        bulk_actions=_bulk_actions(doc),
        frames=_frames(doc),
        controls=script_controls(doc),
    )


def _frames(doc: Document) -> tuple[tuple[str, str], ...]:
    """Same-origin ``iframe``/``frame`` documents: a widget's form lives in its own
    document, which the crawl loads like a page and the tool's steps address."""
    origin = urlsplit(doc.url)[:2]
    found: list[tuple[str, str]] = []
    for node in doc.parser.css("iframe[src], frame[src]"):
        url = doc.resolve(attr(node, "src"))
        if url is None or urlsplit(url)[:2] != origin:
            continue
        source = attr(node, "src") or ""
        selector = f"{node.tag}[src={css_string(source)}]"
        found.append((url, selector))
    return tuple(found[:MAX_FRAMES])


def site_query_values(pages: Iterable[PageAnalysis]) -> dict[tuple[str, str], set[str]]:
    """Every value seen for each (path, query key) across the pages and their links."""
    out: dict[tuple[str, str], set[str]] = {}
    for page in pages:
        for url in (page.url, *(link.url for link in page.page_links)):
            parts = urlsplit(url)
            for key, value in parse_qsl(parts.query, keep_blank_values=True):
                out.setdefault((parts.path, key), set()).add(value)
    return out


def analyze(html: str, url: str, encoding: str = "utf-8") -> PageAnalysis:
    """Analyse a page's rendered HTML (``encoding``: the charset the page came in). A URL
    with a route fragment is analysed flattened (:mod:`walt.core.routes`)."""
    return analyze_document(parse_html(html, flatten(url), max_nodes=DISCOVERY_MAX_NODES), encoding)
