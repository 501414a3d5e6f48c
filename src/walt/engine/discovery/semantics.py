"""What a form does, read from the page's own semantics. Pure.

The kind of a form follows, in this order, from what cannot be mistaken and then
from what the site says:

* a password field: ``login`` (two password fields, or "register"/"sign up": ``create``);
* a search: ``role="search"``, an ``<input type="search">``, a box or button that
  says search/find/query, a query or SQL textarea; read-only whether the form is
  GET or POST (a POST that searches is a read tool run in the browser);
* GET otherwise: a read (``search`` with a text box, ``filter`` with options
  only), unless it subscribes, registers or sends;
* POST with option controls only (selects, radios, checkboxes) whose words say
  view, display, options or preferences: display options (``filter``), never an
  edit of content;
* POST otherwise: the verb of its primary button (not "Preview" or "Cancel"),
  legend or heading, then its URL: delete, comment, edit, create, login; a
  form that shows the record's current content is an edit, an empty one a create.
"""

from __future__ import annotations

import re
from typing import Final

from walt.engine.discovery.analyze import Field, FormInfo, Submitter

__all__ = [
    "READ_KINDS",
    "content_fields",
    "form_kind",
    "is_query_box",
    "is_search_field",
    "primary_submitter",
    "verb_kind",
]

READ_KINDS: Final = frozenset({"search", "filter", "sort", "paginate", "navigate", "extract"})
_SEARCH_WORDS: Final = re.compile(
    r"\b(search|find|lookup|look up|query|keywords?|filter|go)\b", re.I
)
_SEARCH_NAMES: Final = frozenset(
    {"q", "query", "s", "search", "keywords", "keyword", "term", "terms", "text", "k", "kw"}
)
_QUERY_BOX: Final = re.compile(r"\b(sql|query|statement|expression|select)\b", re.I)
_SECONDARY: Final = re.compile(
    r"\b(preview|cancel|back|reset|close|discard|clear|dismiss|help|undo)\b", re.I
)
_DISPLAY: Final = re.compile(
    r"\b(view|show|display|options?|preferences?|settings?|refresh|layout|"
    r"columns?|diff|differences?|compare|apply|update view|change view|per page|sort)\b",
    re.I,
)
_WRITE_GET: Final = re.compile(r"subscribe|register|sign ?up|\bsend\b|\bjoin\b|unsubscribe", re.I)
_OPTION_KINDS: Final = frozenset({"select", "radio", "checkbox", "number", "date"})
_AMBIGUOUS: Final = re.compile(r"^\s*(save|submit|ok|apply|send|go|done|update)\b", re.I)
_VERB_KINDS: Final = (
    (re.compile(r"\b(delete|remove|destroy|erase|purge|trash)\b", re.I), "delete"),
    (re.compile(r"\b(comment|reply|respond|add note|post note|answer)\b", re.I), "comment"),
    (re.compile(r"\b(log ?in|sign ?in)\b", re.I), "login"),
    (
        re.compile(
            r"\b(edit|update|save|modify|rename|change|apply changes|submit changes)\b", re.I
        ),
        "edit",
    ),
    (
        re.compile(
            r"\b(create|new|add|post|submit|publish|upload|register|sign ?up|send|file|open)\b",
            re.I,
        ),
        "create",
    ),
)


def _visible(form: FormInfo) -> list[Field]:
    return [f for f in form.fields if f.kind != "hidden"]


def is_search_field(field: Field) -> bool:
    """A text box meant for search words (by name, label or placeholder)."""
    words = f"{field.name} {field.label} {field.placeholder}"
    return field.kind in ("text", "textarea") and (
        field.name.lower() in _SEARCH_NAMES or bool(_SEARCH_WORDS.search(words))
    )


def is_query_box(field: Field) -> bool:
    """A textarea for a query language (SQL, a filter expression): a read tool's input."""
    return field.kind == "textarea" and bool(
        _QUERY_BOX.search(f"{field.name} {field.label} {field.placeholder}")
    )


def content_fields(form: FormInfo) -> list[Field]:
    """Fields that carry written content (text boxes and textareas), not options."""
    return [f for f in _visible(form) if f.kind not in _OPTION_KINDS and f.kind != "password"]


def primary_submitter(form: FormInfo) -> Submitter | None:
    """The button that does the form's job: the first that is not Preview, Cancel or the like."""
    for submitter in form.submitters:
        if not _SECONDARY.search(submitter.text):
            return submitter
    return form.default_submitter


def _says_search(form: FormInfo) -> bool:
    visible = _visible(form)
    buttons = " ".join(s.text for s in form.submitters)
    return (
        form.role_search
        or any(is_search_field(f) for f in visible)
        or any(is_query_box(f) for f in visible)
        or bool(re.search(r"\b(search|find|lookup|query)\b", buttons, re.I))
        or bool(re.search(r"(^|/)(search|find|query)(/|$|\.)", form.action.split("?")[0], re.I))
    )


def verb_kind(texts: list[str]) -> str | None:
    """The write kind the first text that names a verb says (delete, comment, login, edit,
    create), or None."""
    for text in texts:
        for pattern, kind in _VERB_KINDS:
            if pattern.search(text or ""):
                return kind
    return None


def form_kind(form: FormInfo) -> str | None:
    """The walt kind of a form (see the module docstring); None when it offers nothing."""
    visible = _visible(form)
    passwords = [f for f in form.fields if f.kind == "password"]
    words = " ".join([form.legend, form.heading, form.submit_text, form.action])
    if passwords:
        registering = len(passwords) > 1 or re.search(r"register|sign ?up|create", words, re.I)
        return "create" if registering else "login"
    if not visible and not form.submitters:
        return None
    if form.method == "get":
        if _WRITE_GET.search(" ".join([form.legend, form.heading, form.submit_text])):
            return "create"
        if _says_search(form) or any(f.kind in ("text", "textarea") for f in visible):
            return "search"
        return "filter" if visible else None
    if _says_search(form) and not _VERB_KINDS[0][0].search(form.submit_text):
        return "search"
    content = content_fields(form)
    primary = primary_submitter(form)
    texts = [primary.text if primary else "", form.legend, form.heading]
    if not visible and primary is not None and verb_kind([primary.text]) == "edit":
        return None  # a button that opens an editor (whose own form is the edit tool)
    if visible and not content and _DISPLAY.search(" ".join(texts)):
        return "filter"  # display options (a diff's context lines, page size): not a write
    kind = verb_kind(texts)
    if kind is None or (kind in ("create", "edit") and _AMBIGUOUS.search(" ".join(texts))):
        # "Save" says nothing of new or existing: the URL does ("/new/", "/edit/"), then
        # whether the form shows a record's current content.
        path = verb_kind([re.sub(r"[_/?=&.-]+", " ", form.action)])
        if path in ("create", "edit", "delete", "comment"):
            return path
        if content:
            return "edit" if any(f.default for f in content) else "create"
    return kind or ("edit" if visible else None)
