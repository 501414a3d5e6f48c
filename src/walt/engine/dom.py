"""The page model: the tree a browser builds, and one index of what analysis asks for.

Pages are parsed by lexbor (through selectolax), which implements the HTML
standard's tokenizer and tree construction, so misnested tags, forms inside
tables, unclosed links and ``<p><div>`` come out as they do in Chromium (the
suite compares the two trees). Scripting is on, as in a browser: ``<noscript>``
holds raw text.

A :class:`Document` adds what one pass over the tree can answer, computed once:
elements by id, labels by their ``for`` target, the links, and every form with
its controls *by form owner* (the HTML standard's form-associated elements: the
``form`` attribute wins over nesting, and a control the parser associated with
a form it is not nested in, as inside a layout table, stays with that form). So
analysis is linear in the size of the page, whatever the number of forms.

Nodes are selectolax's :class:`~selectolax.lexbor.LexborNode`; the functions
here (:func:`text`, :func:`classes`, :func:`closest`...) are what analysis and
extraction need on top of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final, TypeAlias
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from walt.core.routes import flatten, is_route_fragment, unflatten

__all__ = [
    "BLOCK",
    "CONTROLS",
    "MAX_SHADOW_ROOTS",
    "Document",
    "Node",
    "ancestors",
    "attr",
    "classes",
    "closest",
    "descendants",
    "elements",
    "find_first",
    "own_text",
    "parse_html",
    "signature",
    "text",
]

Node: TypeAlias = LexborNode

DEFAULT_MAX_NODES: Final = 200_000
CONTROLS: Final = frozenset({"input", "select", "textarea", "button"})
"""Listed form-associated elements walt reads (HTML standard, "form-associated elements")."""
SKIP: Final = frozenset({"script", "style", "template", "noscript", "head", "svg", "math"})
"""Elements whose content is never visible text."""
BLOCK: Final = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "button",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "label",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
"""Elements whose boundaries separate words, as the browser's ``innerText`` does."""
_SPACE: Final = re.compile(r"\s+")
# Start and end tags in the source, for the parser's form element pointer (see _source_owners).
_SOURCE_TAG: Final = re.compile(
    r"<!--.*?-->|<(script|style|textarea|title)\b[^>]*>.*?</\1\s*>|<(/?)(form|input|select|textarea|button)\b",
    re.IGNORECASE | re.DOTALL,
)


# --------------------------------------------------------------------------- node helpers


def attr(node: Node, name: str) -> str | None:
    """The attribute ``name`` (an attribute without a value reads as ``""``)."""
    attributes = node.attrs
    if name not in attributes:
        return None
    value = attributes.get(name)
    return value if value is not None else ""


def classes(node: Node) -> list[str]:
    return (attr(node, "class") or "").split()


def signature(node: Node) -> str:
    """Tag plus sorted classes: how repeated items (cards, rows) are recognised."""
    return (node.tag or "") + "." + ".".join(sorted(classes(node)))


def elements(node: Node) -> Iterator[Node]:
    """The element children of ``node``."""
    child = node.child
    while child is not None:
        if child.is_element_node:
            yield child
        child = child.next


def descendants(node: Node) -> Iterator[Node]:
    """Every element below ``node``, in tree order (not ``node`` itself)."""
    iterator = node.traverse()
    next(iterator, None)
    for el in iterator:
        if el.is_element_node:
            yield el


def ancestors(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None and parent.is_element_node:
        yield parent
        parent = parent.parent


def hidden_by_markup(node: Node) -> bool:
    """Hidden by what the markup says of it or an ancestor: the ``hidden`` attribute,
    ``aria-hidden="true"``, or an inline ``display: none`` or ``visibility: hidden``
    (style sheets and scripts are a browser's to apply)."""
    for element in (node, *ancestors(node)):
        style = (attr(element, "style") or "").replace(" ", "").lower()
        if (
            "display:none" in style
            or "visibility:hidden" in style
            or attr(element, "hidden") is not None
            or attr(element, "aria-hidden") == "true"
        ):
            return True
    return False


def closest(node: Node, tags: Iterable[str]) -> Node | None:
    """The nearest ancestor whose tag is one of ``tags``."""
    wanted = frozenset(tags)
    for ancestor in ancestors(node):
        if ancestor.tag in wanted:
            return ancestor
    return None


def find_first(node: Node, tags: Iterable[str]) -> Node | None:
    """The first element below ``node`` (tree order) whose tag is one of ``tags``."""
    wanted = frozenset(tags)
    for el in descendants(node):
        if el.tag in wanted:
            return el
    return None


def text(node: Node, limit: int = 100_000) -> str:
    """Visible text of ``node``, whitespace collapsed, words kept apart at block boundaries.

    Scripts, styles, templates and the options of nested selects are left out.
    """
    parts: list[str] = []
    size = 0
    # (node, entering): leaving a block element adds a separating space.
    stack: list[tuple[Node | None, bool]] = [(node, True)]
    while stack and size < limit:
        current, _entering = stack.pop()
        if current is None:
            parts.append(" ")
            continue
        if current.is_text_node:
            chunk = current.text_content or ""
            if chunk.strip():
                parts.append(chunk)
                size += len(chunk)
            elif chunk:
                parts.append(" ")  # indentation counts as one space, not against the limit
            continue
        if not current.is_element_node and current is not node:
            continue
        tag = current.tag
        if current is not node and (tag in SKIP or tag == "select"):
            continue
        block = tag in BLOCK
        if block:
            parts.append(" ")
            stack.append((None, False))
        kids: list[Node] = []
        child = current.child
        while child is not None:
            kids.append(child)
            child = child.next
        stack.extend((kid, True) for kid in reversed(kids))
    return _SPACE.sub(" ", "".join(parts)).strip()[:limit]


def own_text(node: Node) -> str:
    """Text directly inside ``node`` (not in child elements)."""
    chunks = []
    child = node.child
    while child is not None:
        if child.is_text_node:
            chunks.append(child.text_content or "")
        child = child.next
    return _SPACE.sub(" ", "".join(chunks)).strip()


# --------------------------------------------------------------------------- the document


class Document:
    """A parsed page: its tree, base URL and the per-page index (see the module docstring)."""

    def __init__(self, parser: LexborHTMLParser, url: str, source: str, truncated: bool) -> None:
        self.parser = parser
        self.url = url
        self.truncated = truncated
        root = parser.root
        if root is None:  # lexbor always builds <html>; keep a tree for empty input anyway
            parser = LexborHTMLParser("<html></html>")
            root = parser.root
            assert root is not None
        self.root: Node = root
        self.body: Node = parser.body or root
        base = parser.css_first("base[href]")
        href = attr(base, "href") if base is not None else None
        # Links resolve against the document the browser loaded, never a flattened route.
        self.document_url = unflatten(url).split("#", 1)[0]
        self.base_url = urljoin(self.document_url, href.strip()) if href else self.document_url
        self._source = source
        self._ids: dict[str, Node] | None = None
        self._labels: dict[str, Node] | None = None
        self._forms: list[Node] | None = None
        self._owned: dict[Node, list[Node]] | None = None
        self._owner: dict[Node, Node] | None = None
        self._count: int | None = None

    # ------------------------------------------------------------------ basics

    @property
    def node_count(self) -> int:
        if self._count is None:
            self._count = 1 + sum(1 for _ in descendants(self.root))
        return self._count

    @property
    def title(self) -> str:
        node = self.parser.css_first("title")
        return text(node, 500) if node is not None else ""

    def resolve(self, href: str | None) -> str | None:
        """An absolute http(s) URL for ``href`` (fragment dropped, a route fragment kept
        and flattened: :mod:`walt.core.routes`), or None for ``javascript:``,
        ``mailto:``, a bare fragment and the like."""
        if not href:
            return None
        href = href.strip()
        _, hashmark, fragment = href.partition("#")
        route = bool(hashmark) and is_route_fragment(fragment)
        if not href or (href.startswith("#") and not route):
            return None
        absolute = urljoin(self.base_url, href)
        if urlsplit(absolute).scheme not in ("http", "https"):
            return None
        # A route in the fragment is a page of a single-page app: kept, flattened.
        return flatten(absolute) if route else absolute.split("#", 1)[0]

    def by_id(self, ident: str) -> Node | None:
        """The first element in tree order with this id (as ``getElementById``)."""
        if self._ids is None:
            self._ids = {}
            for el in descendants(self.root):
                ident_value = el.attrs.get("id")
                if ident_value:
                    self._ids.setdefault(ident_value, el)
        return self._ids.get(ident)

    def links(self) -> list[Node]:
        """Every ``a``/``area`` with an ``href``, in tree order."""
        return self.parser.css("a[href], area[href]")

    # ------------------------------------------------------------------ labels

    def label_for(self, control: Node) -> str:
        """A control's label: ``<label for=id>``, a wrapping label, or ``aria-labelledby``."""
        if self._labels is None:
            self._labels = {}
            for label in self.parser.css("label[for]"):
                target = attr(label, "for")
                if target:
                    self._labels.setdefault(target, label)
        labelled = attr(control, "aria-labelledby")
        if labelled:
            found = [self.by_id(i) for i in labelled.split()]
            words = " ".join(text(t, 200) for t in found if t is not None)
            if words:
                return words
        ident = attr(control, "id")
        if ident and ident in self._labels:
            return _label_text(self._labels[ident])
        wrapper = closest(control, ("label",))
        if wrapper is not None:
            return _label_text(wrapper)
        return ""

    # ------------------------------------------------------------------ forms

    def forms(self) -> list[Node]:
        """Every form element, in tree order."""
        if self._forms is None:
            self._forms = self.parser.css("form")
        return self._forms

    def controls(self, form: Node) -> list[Node]:
        """The listed controls whose form owner is ``form``, in tree order."""
        self._index_owners()
        assert self._owned is not None
        return self._owned.get(form, [])

    def form_owner(self, control: Node) -> Node | None:
        """The form a control submits with (HTML standard, "reset the form owner")."""
        self._index_owners()
        assert self._owner is not None
        return self._owner.get(control)

    def _index_owners(self) -> None:
        if self._owned is not None:
            return
        forms = self.forms()
        owned: dict[Node, list[Node]] = {form: [] for form in forms}
        owner_of: dict[Node, Node] = {}
        orphans: list[Node] = []
        for control in self.parser.css("input, select, textarea, button"):
            owner = self._explicit_or_ancestor_owner(control)
            if owner is _NO_OWNER:
                continue
            if owner is None:
                orphans.append(control)
                continue
            assert isinstance(owner, LexborNode)
            owned[owner].append(control)
            owner_of[control] = owner
        if orphans:
            for control, form in self._pointer_owners(forms, orphans, owned):
                owned[form].append(control)
                owner_of[control] = form
        self._owned, self._owner = owned, owner_of

    def _explicit_or_ancestor_owner(self, control: Node) -> Node | object | None:
        reference = attr(control, "form")
        if reference is not None:
            target = self.by_id(reference) if reference else None
            # A form attribute that names no form leaves the control without an owner.
            return target if target is not None and target.tag == "form" else _NO_OWNER
        return closest(control, ("form",))

    def _pointer_owners(
        self, forms: list[Node], orphans: list[Node], owned: dict[Node, list[Node]]
    ) -> list[tuple[Node, Node]]:
        """Controls the parser tied to a form they are not nested in.

        While the parser is between ``<form>`` and ``</form>`` in the source, its
        *form element pointer* associates every control it inserts with that form,
        even where the tree puts the form elsewhere (a form directly inside a
        ``<table>`` is inserted empty). The tree keeps no trace of the pointer, so
        the number of controls each form spans is read from the source, and that
        many orphan controls following the form (tree order) are given to it.
        """
        spans = _source_spans(self._source)
        if not spans:
            return []
        position = {node: index for index, node in enumerate(descendants(self.root))}
        pending = sorted(orphans, key=lambda n: position.get(n, 0))
        out: list[tuple[Node, Node]] = []
        for form_index, form in enumerate(forms):
            if form_index >= len(spans):
                break
            expected = spans[form_index]
            missing = expected - len(owned[form])
            if missing <= 0:
                continue
            start = position.get(form, 0)
            taken = [n for n in pending if position.get(n, 0) > start][:missing]
            for control in taken:
                out.append((control, form))
                pending.remove(control)
        return out


_NO_OWNER: Final = object()


def _label_text(label: Node) -> str:
    # A wrapping label contains its control (and a select's options): only its own words count.
    parts = []
    child = label.child
    while child is not None:
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif child.is_element_node and child.tag not in CONTROLS:
            parts.append(text(child, 200))
        child = child.next
    return _SPACE.sub(" ", " ".join(parts)).strip()


def _source_spans(source: str) -> list[int]:
    """For each ``<form>`` start tag in the source, how many controls follow before its end.

    The end is ``</form>`` or the next ``<form>`` (the parser ignores a nested one
    while its pointer is set, so its controls go to the outer form).
    """
    spans: list[int] = []
    open_index: int | None = None
    for match in _SOURCE_TAG.finditer(source):
        tag = match.group(3)
        if tag is None:
            if match.group(1) and match.group(1).lower() == "textarea" and open_index is not None:
                spans[open_index] += 1
            continue
        tag = tag.lower()
        closing = match.group(2) == "/"
        if tag == "form":
            if closing:
                open_index = None
            elif open_index is None:
                spans.append(0)
                open_index = len(spans) - 1
            else:
                spans.append(0)  # the tree has no such form; keep the count aligned
        elif not closing and open_index is not None:
            spans[open_index] += 1
    return spans


def parse_html(html: str, url: str = "", *, max_nodes: int = DEFAULT_MAX_NODES) -> Document:
    """Parse ``html`` (as fetched from ``url``) into a :class:`Document`.

    Past ``max_nodes`` elements the rest of the source is left out (the
    document's ``truncated`` is set), so work on a hostile page stays bounded.
    """
    parser = LexborHTMLParser(html, scripting=True)
    truncated = False
    root = parser.root
    if root is not None and max_nodes > 0:
        count = 1
        for _ in descendants(root):
            count += 1
            if count > max_nodes:
                break
        if count > max_nodes:
            truncated = True
            html = _cut(html, parser, max_nodes)
            parser = LexborHTMLParser(html, scripting=True)
    if "shadowrootmode" in html:
        attach_shadow_roots(parser)
    return Document(parser, url, html, truncated)


MAX_SHADOW_ROOTS: Final = 500
"""Open shadow roots read per document (serialized by the browser, attached here)."""
MAX_SHADOW_DEPTH: Final = 16
"""Shadow roots nested deeper than this stay unattached (a bound for hostile pages)."""


def attach_shadow_roots(parser: LexborHTMLParser, max_roots: int = MAX_SHADOW_ROOTS) -> int:
    """Attach each declarative open shadow root (``<template shadowrootmode="open">``,
    as the HTML standard's parser does) to its host, in place: the root's children take
    the template's place among the host's children, so the analysed tree is the one
    locators see (Playwright's selectors pierce open shadow roots). The parser keeps a
    template's content out of the tree, so each root is re-parsed and moved in, inner
    roots first. Closed roots stay invisible, as they are to locators. Returns the
    number of roots attached (at most ``max_roots``)."""
    left = [max_roots]
    _attach(parser, 0, left)
    return max_roots - left[0]


def _attach(parser: LexborHTMLParser, depth: int, left: list[int]) -> None:
    for template in parser.css("template[shadowrootmode]"):
        if left[0] <= 0:
            return
        if (attr(template, "shadowrootmode") or "").strip().lower() != "open":
            continue
        if depth >= MAX_SHADOW_DEPTH:
            template.decompose()
            continue
        left[0] -= 1
        inner = LexborHTMLParser(_template_content(template), scripting=True)
        _attach(inner, depth + 1, left)
        body = inner.body
        if body is not None:
            for child in list(body.iter(include_text=True)):
                template.insert_before(child)
        template.decompose()


def _template_content(template: Node) -> str:
    """A template's content as HTML: its serialization between the start and end tags
    (the serializer escapes ``>`` inside attribute values, so the first ``>`` ends the
    start tag)."""
    outer = template.html or ""
    start, end = outer.find(">") + 1, outer.rfind("</template>")
    return outer[start:end] if 0 < start <= end else ""


def _cut(html: str, parser: LexborHTMLParser, max_nodes: int) -> str:
    """The source up to roughly the ``max_nodes``-th element's start tag."""
    root = parser.root
    assert root is not None
    total = 1 + sum(1 for _ in descendants(root))
    return html[: max(1, len(html) * max_nodes // max(total, 1))]
