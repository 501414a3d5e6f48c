"""The tree walt built before lexbor (the standard library's tokenizer and hand-written
tree construction), kept only as the baseline of ``python -m bench parse``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urljoin, urlsplit

__all__ = ["Document", "Element", "parse_html"]

VOID: Final = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Opening the key closes an open element among its first set (HTML's implied end tags),
# searching no further up than an element of its second set (the element's "scope").
_TABLE_SCOPE: Final = frozenset({"table", "template"})
_IMPLIED_END: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "p": (frozenset({"p"}), frozenset({"button", "table", "td", "th", "template", "body"})),
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "table", "td", "th", "body"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl", "table", "td", "th", "body"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl", "table", "td", "th", "body"})),
    "tr": (frozenset({"tr", "td", "th"}), _TABLE_SCOPE),
    "td": (frozenset({"td", "th"}), _TABLE_SCOPE | {"tr"}),
    "th": (frozenset({"td", "th"}), _TABLE_SCOPE | {"tr"}),
    "option": (frozenset({"option"}), frozenset({"select", "datalist", "optgroup"})),
    "thead": (frozenset({"tbody", "tr", "td", "th"}), _TABLE_SCOPE),
    "tbody": (frozenset({"thead", "tbody", "tr", "td", "th"}), _TABLE_SCOPE),
}
_BLOCK_CLOSES_P: Final = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "div",
        "dl",
        "fieldset",
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
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
    ]
)
_SPACED: Final = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
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
        "li",
        "main",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "button",
    ]
)
_RAW_TEXT: Final = frozenset({"script", "style", "template", "noscript"})
_SPACE_RE: Final = re.compile(r"\s+")
DEFAULT_MAX_NODES: Final = 200_000


class Element:
    """An element: ``tag``, ``attrs`` (lower-case names), ``children`` (elements and text)."""

    __slots__ = ("attrs", "children", "parent", "tag")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        ident = f"#{self.attrs['id']}" if "id" in self.attrs else ""
        classes = "".join(f".{c}" for c in self.classes)
        return f"<{self.tag}{ident}{classes}>"

    # ------------------------------------------------------------------ attributes

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    # ------------------------------------------------------------------ traversal

    def elements(self) -> Iterator[Element]:
        """Child elements (not text)."""
        for child in self.children:
            if isinstance(child, Element):
                yield child

    def iter(self) -> Iterator[Element]:
        """This element and every descendant element, in document order."""
        stack: list[Element] = [self]
        while stack:
            node = stack.pop()
            yield node
            kids = [c for c in node.children if isinstance(c, Element)]
            stack.extend(reversed(kids))

    def find_all(
        self,
        tag: str | tuple[str, ...] | None = None,
        predicate: Callable[[Element], bool] | None = None,
    ) -> list[Element]:
        tags = (tag,) if isinstance(tag, str) else tag
        return [
            el
            for el in self.iter()
            if el is not self
            and (tags is None or el.tag in tags)
            and (predicate is None or predicate(el))
        ]

    def find(
        self,
        tag: str | tuple[str, ...] | None = None,
        predicate: Callable[[Element], bool] | None = None,
    ) -> Element | None:
        tags = (tag,) if isinstance(tag, str) else tag
        for el in self.iter():
            if (
                el is not self
                and (tags is None or el.tag in tags)
                and (predicate is None or predicate(el))
            ):
                return el
        return None

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest(self, tags: tuple[str, ...]) -> Element | None:
        for node in self.ancestors():
            if node.tag in tags:
                return node
        return None

    # ------------------------------------------------------------------ text

    def text(self, limit: int = 100_000) -> str:
        """Visible text of the element, whitespace collapsed (scripts and styles left out)."""
        parts: list[str] = []
        size = 0
        stack: list[Element | str] = [self]
        while stack and size < limit:
            node = stack.pop()
            if isinstance(node, str):
                parts.append(node)
                size += len(node)
                continue
            if node.tag in _RAW_TEXT or (node.tag == "select" and node is not self):
                continue
            if node.tag in _SPACED:
                # Block-level boundaries separate words ("Name" "Price", not "NamePrice").
                parts.append(" ")
                stack.append(" ")
            stack.extend(reversed(node.children))
        return _SPACE_RE.sub(" ", "".join(parts)).strip()[:limit]

    def own_text(self) -> str:
        """Text directly inside the element (not in child elements)."""
        return _SPACE_RE.sub(" ", "".join(c for c in self.children if isinstance(c, str))).strip()

    def signature(self) -> str:
        """Tag plus sorted classes: how repeated items (cards, rows) are recognised."""
        return self.tag + "." + ".".join(sorted(self.classes))


class Document:
    """A parsed page: its root, base URL and where to resolve links."""

    def __init__(self, root: Element, url: str, truncated: bool, node_count: int) -> None:
        self.root = root
        self.url = url
        self.truncated = truncated
        self.node_count = node_count
        base = root.find("base")
        href = base.get("href") if base is not None else None
        self.base_url = urljoin(url, href) if href else url
        self._ids: dict[str, Element] | None = None
        self._labels: dict[str, Element] | None = None

    @property
    def title(self) -> str:
        node = self.root.find("title")
        return node.text(500) if node is not None else ""

    def resolve(self, href: str | None) -> str | None:
        """An absolute http(s) URL for ``href``, or None for javascript:, mailto: and the like."""
        if not href:
            return None
        href = href.strip()
        if href.startswith("#"):
            return None
        absolute = urljoin(self.base_url, href)
        if urlsplit(absolute).scheme not in ("http", "https"):
            return None
        return absolute.split("#", 1)[0]

    def by_id(self, ident: str) -> Element | None:
        if self._ids is None:
            self._ids = {}
            for el in self.root.iter():
                if "id" in el.attrs:
                    self._ids.setdefault(el.attrs["id"], el)
        return self._ids.get(ident)

    def label_for(self, control: Element) -> str:
        """A control's label text: ``<label for=id>``, a wrapping label, or aria-labelledby."""
        if self._labels is None:
            self._labels = {}
            for el in self.root.find_all("label"):
                target = el.get("for")
                if target:
                    self._labels.setdefault(target, el)
        ident = control.id
        if ident and ident in self._labels:
            return _label_text(self._labels[ident])
        wrapper = control.closest(("label",))
        if wrapper is not None:
            return _label_text(wrapper)
        labelled = control.get("aria-labelledby")
        if labelled:
            texts = [self.by_id(i) for i in labelled.split()]
            return " ".join(t.text(200) for t in texts if t is not None)
        return ""


def _label_text(label: Element) -> str:
    # A wrapping label contains the control (and a select's options): only its own words count.
    parts = []
    for child in label.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag not in ("input", "select", "textarea", "button"):
            parts.append(child.text(200))
    return _SPACE_RE.sub(" ", " ".join(parts)).strip()


class _TreeBuilder(HTMLParser):
    def __init__(self, max_nodes: int) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.stack: list[Element] = [self.root]
        self.count = 0
        self.max_nodes = max_nodes
        self.truncated = False

    def _open_index(self, closes: frozenset[str], limits: frozenset[str]) -> int:
        """Stack index of the outermost open element in ``closes`` within scope, else -1."""
        found = -1
        for index in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[index].tag
            if tag in closes:
                found = index
            elif tag in limits:
                break
        return found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.truncated:
            return
        self.count += 1
        if self.count > self.max_nodes:
            self.truncated = True
            return
        implied = _IMPLIED_END.get(tag)
        if implied is None and tag in _BLOCK_CLOSES_P:
            implied = _IMPLIED_END["p"]
        if implied is not None:
            index = self._open_index(*implied)
            if index > 0:
                del self.stack[index:]
        parent = self.stack[-1]
        element = Element(tag, {k.lower(): (v if v is not None else "") for k, v in attrs}, parent)
        parent.children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.truncated:
            return
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return
        # a stray end tag: ignored, as browsers do

    def handle_data(self, data: str) -> None:
        if not self.truncated and data:
            self.stack[-1].children.append(data)


def parse_html(html: str, url: str = "", *, max_nodes: int = DEFAULT_MAX_NODES) -> Document:
    """Parse ``html`` (as fetched from ``url``) into a :class:`Document`."""
    builder = _TreeBuilder(max_nodes)
    try:
        builder.feed(html)
        builder.close()
    except (AssertionError, ValueError):  # pathological markup: keep what was parsed
        builder.truncated = True
    return Document(builder.root, url, builder.truncated, builder.count)
