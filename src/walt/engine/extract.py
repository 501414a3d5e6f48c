"""Structured extraction: HTML in, data out, no browser.

One pure function, :func:`extract`, shared by the HTTP fast path and the
browser path (which passes the rendered HTML), so both return the same records
for the same page:

* ``title`` and ``main_text`` (the page's main content, bounded);
* ``items``: repeated result items (cards, list entries) recognised as a
  repeated structure, each a dict of fields named after their classes
  (``name``, ``price``...) with ``title`` and ``url``;
* ``tables``: each table's rows as dicts keyed by its headers;
* ``pagination``: next / previous / numbered page URLs;
* ``forms``: each form's action, method and fields;

and ``truncated`` when a bound was hit.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from walt.engine.dom import Document, Element, parse_html

__all__ = ["LIMITS", "extract", "extract_document"]

LIMITS: Final = {
    "main_text": 4000,
    "items": 100,
    "item_fields": 12,
    "field_chars": 300,
    "tables": 5,
    "rows": 200,
    "forms": 20,
}
_SKIP: Final = frozenset({"script", "style", "template", "noscript", "svg", "head"})
_VARIABLE: Final = frozenset({"li", "tr", "dt", "dd", "option", "article"})
_CHROME: Final = frozenset({"nav", "header", "footer", "aside"})
_HEADINGS: Final = ("h1", "h2", "h3", "h4", "h5", "h6")
_KEY_RE: Final = re.compile(r"[^a-z0-9]+")
_NEXT_WORDS: Final = frozenset(
    {"next", "next page", "›", "»", "→", "more", "older", "next ›", "next »"}
)
_PREV_WORDS: Final = frozenset(
    {"previous", "prev", "previous page", "‹", "«", "←", "newer", "‹ previous", "« previous"}
)
_PAGE_PARAMS: Final = ("page", "p", "pg", "ipage", "page_number", "pagenumber", "offset", "start")


def _key(text: str) -> str:
    return _KEY_RE.sub("_", text.strip().lower()).strip("_")[:40]


def _clip(text: str, limit: int = LIMITS["field_chars"]) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _in_chrome(el: Element) -> bool:
    return any(a.tag in _CHROME or a.get("role") == "navigation" for a in el.ancestors())


# --------------------------------------------------------------------------- repeated items


def _item_score(members: list[Element]) -> float:
    # Features come from a sample: a 25,000-row list must not cost 25,000 subtree walks.
    sample = members[:: max(1, len(members) // 24)][:24]
    texts = [m.text(400) for m in sample]
    if sum(1 for t in texts if t) < len(sample) * 0.8:
        return 0.0
    linked = sum(1 for m in sample if m.tag == "a" or m.find("a") is not None)
    fields = sum(min(len(_leaf_fields(m)), 6) for m in sample) / len(sample)
    avg_len = sum(len(t) for t in texts) / len(sample)
    if fields < 2 and avg_len < 25:
        return 0.0  # menus and tag clouds: one short word each
    score = min(len(members), 100) * (1.0 + fields) * min(avg_len, 200) / 20
    if linked >= len(sample) * 0.8:
        score *= 1.5
    if any(m.find(_HEADINGS) is not None for m in sample):
        score *= 1.3
    return score


def _leaf_fields(item: Element) -> list[tuple[str, str, Element]]:
    """``(key, text, element)`` for the named, text-bearing parts of an item."""
    out: list[tuple[str, str, Element]] = []
    for el in item.iter():
        if el is item or el.tag in _SKIP:
            continue
        key = el.get("itemprop") or el.get("data-field") or (el.classes[0] if el.classes else "")
        if not key:
            continue
        text = el.text(LIMITS["field_chars"])
        if text:
            out.append((_key(key), text, el))
    return out


def _find_item_group(root: Element) -> list[Element]:
    best: list[Element] = []
    best_score = 0.0
    for parent in root.iter():
        if parent.tag in _SKIP or parent.tag in ("table", "thead", "tbody", "tr", "select", "form"):
            continue
        kids = [k for k in parent.elements() if k.tag not in _SKIP]
        if len(kids) < 2:
            continue
        groups: dict[str, list[Element]] = {}
        for kid in kids:
            groups.setdefault(kid.signature(), []).append(kid)
        for members in groups.values():
            if len(members) < 2 or _in_chrome(parent):
                continue
            score = _item_score(members)
            if score > best_score:
                best, best_score = members, score
    return best


def _single_item(root: Element) -> list[Element]:
    """A lone result (a search with one hit): a card with a heading link, or a list entry,
    with at least two named fields. Repetition cannot be seen with one item."""
    qualifying: list[tuple[Element, int]] = []
    for el in root.iter():
        if el is root or el.tag in _SKIP or el.tag in ("form", "table", "tr") or not el.classes:
            continue
        in_list = el.tag == "li" and el.parent is not None and el.parent.tag in ("ul", "ol")
        heading_link = any(
            h.find("a") is not None or h.closest(("a",)) is not None for h in el.find_all(_HEADINGS)
        )
        if not (in_list or heading_link) or el.find("form") is not None or _in_chrome(el):
            continue
        fields = {key for key, _text, _el in _leaf_fields(el)}
        if len(fields) >= 2 and len(el.text(700)) <= 600:
            qualifying.append((el, len(fields)))
    chosen = {id(el) for el, _ in qualifying}
    # The innermost qualifying element is the item; its containers qualify only through it.
    innermost = [
        (el, n)
        for el, n in qualifying
        if not any(id(d) in chosen for d in el.iter() if d is not el)
    ]
    if not innermost:
        return []
    return [max(innermost, key=lambda pair: pair[1])[0]]


def _item_record(doc: Document, item: Element) -> dict[str, Any]:
    record: dict[str, Any] = {}
    heading = item.find(_HEADINGS)
    link = item if item.tag == "a" else item.find("a", lambda a: bool(a.get("href")))
    title = heading.text(LIMITS["field_chars"]) if heading is not None else ""
    if not title and link is not None:
        title = link.text(LIMITS["field_chars"])
    if title:
        record["title"] = title
    url = doc.resolve(link.get("href")) if link is not None else None
    if url:
        record["url"] = url
    for key, text, _el in _leaf_fields(item):
        if len(record) >= LIMITS["item_fields"]:
            break
        if key and key not in record:
            record[key] = text
    record["text"] = _clip(item.text(LIMITS["field_chars"] * 2))
    return record


# --------------------------------------------------------------------------- tables


def _table(doc: Document, table: Element) -> dict[str, Any] | None:
    rows = [tr for tr in table.find_all("tr") if tr.closest(("table",)) is table]
    if not rows:
        return None
    header_row = next((r for r in rows if r.find("th") is not None and r.find("td") is None), None)
    if header_row is not None:
        headers = [
            _key(th.text(100)) or f"col{i + 1}" for i, th in enumerate(header_row.elements())
        ]
        body_rows = [r for r in rows if r is not header_row]
    else:
        width = max(len(list(r.elements())) for r in rows)
        headers = [f"col{i + 1}" for i in range(width)]
        body_rows = rows
    seen: Counter[str] = Counter()
    unique = []
    for name in headers:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    records: list[dict[str, Any]] = []
    truncated = False
    for row in body_rows:
        cells = [c for c in row.elements() if c.tag in ("td", "th")]
        if not cells:
            continue
        if len(records) >= LIMITS["rows"]:
            truncated = True
            break
        record: dict[str, Any] = {}
        for name, cell in zip(unique, cells, strict=False):
            record[name] = cell.text(LIMITS["field_chars"])
        link = row.find("a", lambda a: bool(a.get("href")))
        url = doc.resolve(link.get("href")) if link is not None else None
        if url and "url" not in record:
            record["url"] = url
        records.append(record)
    caption = table.find("caption")
    return {
        "caption": caption.text(200) if caption is not None else None,
        "headers": unique,
        "rows": records,
        "truncated": truncated,
    }


# --------------------------------------------------------------------------- pagination


def _page_number(url: str) -> int | None:
    for key, value in parse_qsl(urlsplit(url).query):
        if key.lower() in _PAGE_PARAMS and value.isdigit():
            return int(value)
    return None


def pagination(doc: Document) -> dict[str, Any]:
    """Next, previous and numbered page links of a page."""
    next_url = prev_url = None
    numbered: dict[int, str] = {}
    for a in doc.root.find_all("a", lambda el: bool(el.get("href"))):
        url = doc.resolve(a.get("href"))
        if not url:
            continue
        rel = (a.get("rel") or "").lower().split()
        text = a.text(40).lower()
        label = (a.get("aria-label") or "").lower()
        if next_url is None and ("next" in rel or text in _NEXT_WORDS or label.startswith("next")):
            next_url = url
        elif prev_url is None and (
            "prev" in rel or text in _PREV_WORDS or label.startswith("prev")
        ):
            prev_url = url
        elif text.isdigit() and _page_number(url) == int(text):
            numbered.setdefault(int(text), url)
    return {
        "next": next_url,
        "prev": prev_url,
        "pages": [numbered[n] for n in sorted(numbered)],
    }


# --------------------------------------------------------------------------- forms


def _forms(doc: Document) -> list[dict[str, Any]]:
    out = []
    for form in doc.root.find_all("form")[: LIMITS["forms"]]:
        fields = []
        for control in form.find_all(("input", "select", "textarea")):
            name = control.get("name")
            if not name:
                continue
            kind = control.get("type", "text") if control.tag == "input" else control.tag
            fields.append(
                {"name": name, "type": (kind or "text").lower(), "label": doc.label_for(control)}
            )
        out.append(
            {
                "action": doc.resolve(form.get("action")) or doc.url,
                "method": (form.get("method") or "get").lower(),
                "fields": fields,
            }
        )
    return out


# --------------------------------------------------------------------------- main text


def _main_element(doc: Document) -> Element:
    main = doc.root.find("main") or doc.root.find(predicate=lambda e: e.get("role") == "main")
    if main is not None:
        return main
    return doc.root.find("body") or doc.root


def _main_text(element: Element) -> str:
    parts: list[str] = []
    for child in element.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag not in _SKIP and child.tag not in _CHROME:
            parts.append(" " + child.text(LIMITS["main_text"]) + " ")
    return " ".join(" ".join(parts).split())


# --------------------------------------------------------------------------- layout


def layout_signature(element: Element, depth: int = 4) -> str:
    """A digest of the page's skeleton (tags and classes, repeats collapsed, no text).

    Two pages made from one template (two product pages, two category pages)
    share it; pages that merely sit side by side in a menu do not.
    """
    parts: list[str] = []

    def walk(node: Element, level: int) -> None:
        previous = None
        for child in node.elements():
            if child.tag in _SKIP or child.tag in _VARIABLE:
                continue  # list entries and rows come and go between pages of one template
            signature = child.signature()
            if signature == previous:
                continue  # ten cards and three cards have the same skeleton
            previous = signature
            parts.append(f"{level}:{signature}")
            if level < depth:
                walk(child, level + 1)

    walk(element, 0)
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


# --------------------------------------------------------------------------- entry points


def extract_document(doc: Document) -> dict[str, Any]:
    """Extract from an already parsed document (discovery parses once and reuses it)."""
    main = _main_element(doc)
    text = _main_text(main)
    group = _find_item_group(main)
    if not group and main is not doc.root:
        group = _find_item_group(doc.root)
    if not group:
        group = _single_item(main)
    items = [_item_record(doc, el) for el in group[: LIMITS["items"]]]
    tables: list[dict[str, Any]] = []
    for table in doc.root.find_all("table"):
        if len(tables) >= LIMITS["tables"]:
            break
        parsed = _table(doc, table)
        if parsed is not None and parsed["rows"]:
            tables.append(parsed)
    truncated = (
        doc.truncated
        or len(text) > LIMITS["main_text"]
        or len(group) > LIMITS["items"]
        or any(t["truncated"] for t in tables)
    )
    return {
        "url": doc.url,
        "title": doc.title,
        "main_text": _clip(text, LIMITS["main_text"]),
        "items": items,
        "tables": tables,
        "pagination": pagination(doc),
        "forms": _forms(doc),
        "layout": layout_signature(main),
        "truncated": truncated,
    }


def extract(html: str, url: str) -> dict[str, Any]:
    """Extract structured data from a page's HTML (see the module docstring)."""
    return extract_document(parse_html(html, url))
