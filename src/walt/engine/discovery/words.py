"""Names and descriptions in the site's own words. Pure.

A tool's name is its kind's verb and the thing it acts on (``search_books``,
``create_ticket``, ``view_issue``); the thing comes from what the page says
about the form or links (legend, heading, button, label, placeholder), else
from the URL. Descriptions say what the tool does, its precondition and its
outcome, quoting the site's own label for the form where it has one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from walt.core.models import ToolInput

__all__ = [
    "describe",
    "input_name",
    "noun_before_id",
    "object_noun",
    "path_noun",
    "search_noun",
    "singular",
    "snake",
]

_WORD: Final = re.compile(r"[a-z][a-z0-9]*")
_NOUN_AFTER_SEARCH: Final = re.compile(
    r"\b(?:search|find|filter|browse|look\s+up)\s+(?:for\s+|the\s+|all\s+|our\s+|in\s+|by\s+)?"
    r"([a-z][a-z-]{2,})",
    re.IGNORECASE,
)
_OPAQUE_SEGMENT: Final = re.compile(r"^(?:\d+|[0-9a-f]{8,}|[0-9a-f-]{32,36})$", re.IGNORECASE)
_SCRIPT_NAME: Final = re.compile(r"\.(?:php\d?|cgi|aspx?|jsp|py|pl|do|action|html?)$", re.I)
GENERIC_SEGMENTS: Final = frozenset(
    {
        "search",
        "find",
        "results",
        "result",
        "list",
        "index",
        "query",
        "s",
        "q",
        "api",
        "v1",
        "v2",
        "www",
        "html",
        "new",
        "edit",
        "create",
        "add",
        "update",
        "delete",
        "remove",
        "comment",
        "comments",
        "reply",
        "view",
        "show",
        "page",
        "pages",
        "details",
        "detail",
        "admin",
        "app",
        "ajax",
        "tip",
        "",
    }
)
VERBS: Final = frozenset(
    {
        "create",
        "add",
        "new",
        "save",
        "update",
        "edit",
        "submit",
        "post",
        "send",
        "publish",
        "delete",
        "remove",
        "confirm",
        "log",
        "sign",
        "in",
        "up",
        "changes",
        "change",
        "a",
        "an",
        "the",
        "your",
        "my",
        "this",
        "that",
        "go",
        "ok",
        "yes",
        "continue",
        "apply",
        "search",
        "find",
        "comment",
        "reply",
        "subscribe",
        "register",
        "filter",
        "preview",
        "draft",
        "and",
        "or",
        "of",
        "to",
        "for",
        "with",
        "on",
        "another",
        "editing",
        "record",
        "item",
        "entry",
        "here",
        "now",
        "please",
        "upload",
        "file",
        "files",
        "options",
        "view",
        "show",
        "page",
        "modify",
        "rename",
        "write",
        "set",
        "enter",
        "select",
        "choose",
        "sort",
        "list",
        "all",
    }
)
_NOT_NOUNS: Final = frozenset(
    {"results", "result", "here", "this", "site", "entire", "everything", "all", "now", "it"}
)


def snake(text: str, limit: int = 40) -> str:
    """Words of ``text`` as a snake_case identifier (ASCII letters and digits)."""
    words = _WORD.findall(text.lower())
    return "_".join(words)[:limit].strip("_")


def singular(noun: str) -> str:
    if noun.endswith("ies") and len(noun) > 4:
        return noun[:-3] + "y"
    if noun.endswith(("ches", "shes", "sses", "xes")):
        return noun[:-2]
    if noun.endswith("s") and not noun.endswith(("ss", "us", "is")) and len(noun) > 3:
        return noun[:-1]
    return noun


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def path_noun(path: str) -> str | None:
    """The last meaningful word of a path (``/books/search`` -> ``books``)."""
    for segment in reversed(_segments(path)):
        if segment == "{}" or _OPAQUE_SEGMENT.match(segment) or "{" in segment:
            continue
        if _SCRIPT_NAME.search(segment):
            continue  # doku.php, index.cgi: the program, not the thing
        word = snake(segment.split(".")[0], 30)
        if word and word not in GENERIC_SEGMENTS:
            return word
    return None


def noun_before_id(path: str) -> str | None:
    """``/tracker/ticket/{}/edit`` -> ``ticket``: the segment naming the identified thing."""
    segments = _segments(path)
    for index, segment in enumerate(segments):
        glued = re.match(r"^([a-z][a-z_-]*?)\{\}$", segment, re.IGNORECASE)
        if glued:
            return singular(snake(glued.group(1), 30))
        if (segment == "{}" or _OPAQUE_SEGMENT.match(segment) or "{" in segment) and index > 0:
            word = snake(segments[index - 1], 30)
            if word and word not in GENERIC_SEGMENTS:
                return singular(word)
    return None


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall((text or "").lower()) if w not in VERBS and len(w) > 1]


def search_noun(texts: Iterable[str], path: str) -> str:
    """What a search looks for: "Search books" -> ``books``, else the URL's noun."""
    for text in texts:
        for match in _NOUN_AFTER_SEARCH.finditer(text or ""):
            word = snake(match.group(1), 30)
            if word not in _NOT_NOUNS and word not in VERBS:
                return word
    return path_noun(path) or "site"


def object_noun(texts: Iterable[str], path: str, fallback: str = "record") -> str:
    """The thing a write form acts on: its legend, heading or button, else its URL."""
    noun = noun_before_id(path)
    if noun:
        return noun
    for text in texts:
        words = _content_words(text)
        if words and len(words) <= 4:
            return singular(words[-1])
    return singular(path_noun(path) or fallback)


def input_name(raw: str, taken: set[str]) -> str:
    """A unique, identifier-safe input name for a field called ``raw``."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_") or "value"
    if name[0].isdigit():
        name = f"f_{name}"
    name = name[:60]
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _describe_inputs(inputs: Sequence[ToolInput]) -> str:
    parts = [i.description or i.name.replace("_", " ") for i in inputs]
    parts = [p.lower().rstrip(".") for p in parts if p]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(
    kind: str,
    noun: str,
    inputs: Sequence[ToolInput],
    *,
    auth: bool = False,
    extra: str = "",
    verb: str = "",
    site_label: str = "",
) -> str:
    """ "What / precondition / outcome", in the site's words where it has them."""
    pre = "Precondition: logged in (run with auth=...)." if auth else "Precondition: none."
    optional = [i for i in inputs if not i.required]
    main = [i for i in inputs if i.required]
    if kind == "search":
        what = f"Search {noun}"
        if main:
            what += f" by {_describe_inputs(main)}"
        if optional:
            what += f", optionally narrowed by {_describe_inputs(optional)}"
        outcome = f"Outcome: the results page listing the matching {noun}."
    elif kind == "filter":
        what = f"List {noun} filtered by {_describe_inputs(inputs)}"
        outcome = f"Outcome: only the {noun} matching the chosen option."
    elif kind == "sort":
        what = f"List {noun} sorted in the chosen order"
        outcome = f"Outcome: the {noun} list in that order."
    elif kind == "paginate":
        what = f"Open a page of the {noun} list"
        outcome = f"Outcome: that page of {noun}."
    elif kind == "navigate":
        what = f"Open the page of one {noun} by its {_describe_inputs(inputs) or 'id'}"
        outcome = f"Outcome: the {noun}'s page with its details."
    elif kind == "extract":
        what = f"Read the {noun} listed on this page"
        outcome = f"Outcome: the {noun} as records."
    elif kind == "login":
        what = "Log in with a username and password"
        outcome = "Outcome: a signed-in session (use walt login to save it as auth state)."
        pre = "Precondition: an account on the site."
    elif kind == "delete":
        what = f"Delete a {noun}"
        outcome = f"Outcome: the {noun} is removed (this cannot be undone)."
    elif kind == "edit":
        fields = _describe_inputs([i for i in inputs if not i.name.endswith("_id")])
        what = f"Change a {noun}'s {fields}" if fields else f"Change a {noun}"
        outcome = f"Outcome: the {noun} is saved with the new values; inputs left out keep theirs."
    elif kind == "comment":
        what = f"Add a comment to a {noun}"
        outcome = f"Outcome: the comment appears on the {noun}'s page."
    elif verb and verb.lower() not in ("create", "add", "new", "submit", "save"):
        what = f"{verb} ({_describe_inputs(inputs)})"
        outcome = "Outcome: the site confirms it."
    else:
        what = f"Create a {noun} from {_describe_inputs(inputs)}"
        outcome = f"Outcome: the new {noun} is saved and shown."
    label = f' (the site calls it "{site_label}")' if site_label else ""
    return f"{what}{label}{extra}. {pre} {outcome}"
