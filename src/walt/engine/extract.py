"""Structured extraction: HTML in, data out, no browser.

One pure function, :func:`extract`, shared by the HTTP fast path and the
browser path (which passes the rendered HTML), so both return the same records
for the same page:

* ``title`` and ``main_text`` (the page's main content, bounded);
* ``items``: the page's records. With a tool's :class:`~walt.core.models.ResultsRegion`
  (learned by contrast during discovery) they are read from that region only, and
  a page without it has none; otherwise they are the best repeated structure
  outside the page's chrome (navigation, header, footer, sidebars);
* ``tables``: each table's rows as dicts keyed by its header, cells spanning
  rows or columns expanded as the HTML table model places them;
* ``pagination``: next / previous / numbered page URLs;
* ``forms``: each form's action, method and fields;

and ``truncated`` when a bound was hit.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any, Final, Literal
from urllib.parse import parse_qsl, urlsplit

import attrs

from walt.core.css import css_ident
from walt.core.models import ResultsRegion
from walt.engine.dom import (
    Document,
    Node,
    ancestors,
    attr,
    classes,
    closest,
    descendants,
    elements,
    find_first,
    parse_html,
    signature,
    text,
)

__all__ = [
    "LIMITS",
    "RecordGroup",
    "css_path",
    "extract",
    "extract_document",
    "group_records",
    "is_generated_id",
    "layout_signature",
    "locate_region",
    "page_records",
    "record_groups",
    "region_for",
]

LIMITS: Final = {
    "main_text": 4000,
    "items": 100,
    "item_fields": 12,
    "field_chars": 300,
    "tables": 5,
    "rows": 200,
    "forms": 20,
    "span": 100,
}
COMPARE_LIMIT: Final = 2000
"""Records read at most from one list when two runs' lists are compared (a "Load more"
after a first batch of 100 must show growth past the output's ``items`` limit)."""
_SKIP: Final = frozenset({"script", "style", "template", "noscript", "svg", "head", "math"})
_VARIABLE: Final = frozenset({"li", "tr", "dt", "dd", "option", "article"})
_CHROME: Final = frozenset({"nav", "header", "footer", "aside"})
_CHROME_ROLES: Final = frozenset({"navigation", "banner", "contentinfo", "complementary", "menu"})
_HEADINGS: Final = ("h1", "h2", "h3", "h4", "h5", "h6")
_NOT_CONTAINERS: Final = frozenset({"table", "thead", "tbody", "tfoot", "tr", "select", "form"})
_KEY_RE: Final = re.compile(r"[^a-z0-9]+")
_NEXT_WORDS: Final = frozenset(
    {"next", "next page", "›", "»", "→", "more", "older", "next ›", "next »", ">"}
)
_PREV_WORDS: Final = frozenset(
    {"previous", "prev", "previous page", "‹", "«", "←", "newer", "‹ previous", "« previous", "<"}
)
_PAGE_PARAMS: Final = ("page", "p", "pg", "ipage", "page_number", "pagenumber", "offset", "start")
_GENERATED_ID: Final = re.compile(
    r"(?:^:r\w*:$|^ember\d+|^ext-|^react-|^mui-|^headlessui-|\d{3,}|[0-9a-f]{8,}|^[a-z]{1,2}\d+$)",
    re.IGNORECASE,
)


def is_generated_id(value: str) -> bool:
    """Ids and classes a framework generates (they change between renders): not stable."""
    return bool(_GENERATED_ID.search(value))


def _key(label: str) -> str:
    return _KEY_RE.sub("_", label.strip().lower()).strip("_")[:40]


def _clip(value: str, limit: int = LIMITS["field_chars"]) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def in_chrome(node: Node) -> bool:
    """Inside navigation, a header, a footer or a sidebar (by element or ARIA role)."""
    for ancestor in (node, *ancestors(node)):
        if ancestor.tag in _CHROME or attr(ancestor, "role") in _CHROME_ROLES:
            return True
    return False


# --------------------------------------------------------------------------- record groups


@attrs.define(eq=False)
class RecordGroup:
    """Repeated sibling structures that read as records: cards, list entries or table rows."""

    container: Node
    members: list[Node]
    layout: Literal["items", "table", "grid"]
    score: float

    @property
    def member_signature(self) -> str:
        return signature(self.members[0]) if self.members else ""


def _leaf_fields(item: Node) -> list[tuple[str, str]]:
    """``(key, text)`` for the named, text-bearing parts of an item."""
    out: list[tuple[str, str]] = []
    for el in descendants(item):
        if el.tag in _SKIP:
            continue
        names = classes(el)
        key = attr(el, "itemprop") or attr(el, "data-field") or (names[0] if names else "")
        if not key:
            continue
        value = text(el, LIMITS["field_chars"])
        if value:
            out.append((_key(key), value))
    return out


def _item_score(members: list[Node], *, rows: bool = False) -> float:
    """How much ``members`` look like records (0: not at all). Their fields are their
    named parts (classes, ``itemprop``, ``data-field``); the ``rows`` of a table with a
    header row also count their filled cells as fields (the column headers name them)."""
    # Features come from a sample: a 25,000-row list must not cost 25,000 subtree walks.
    sample = members[:: max(1, len(members) // 24)][:24]
    texts = [text(m, 400) for m in sample]
    if sum(1 for t in texts if t) < len(sample) * 0.8:
        return 0.0
    linked = sum(1 for m in sample if m.tag == "a" or find_first(m, ("a",)) is not None)
    fields = sum(min(_field_count(m, rows), 6) for m in sample) / len(sample)
    avg_len = sum(len(t) for t in texts) / len(sample)
    if fields < 2 and avg_len < 25 and not _titled_records(sample, texts):
        return 0.0  # menus and tag clouds: one short word each
    score = min(len(members), 100) * (1.0 + fields) * min(avg_len, 200) / 20
    if linked >= len(sample) * 0.8:
        score *= 1.5
    if any(find_first(m, _HEADINGS) is not None for m in sample):
        score *= 1.3
    return score


# A record's id in a link: a number, a long hexadecimal hash, a UUID.
_RECORD_ID: Final = re.compile(
    r"\d+|[0-9a-f]{8,}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE
)


def _titled_records(sample: list[Node], texts: list[str]) -> bool:
    """Short titles that are records all the same (a search's results shown as their
    titles alone): worded titles (not a pager's numbers or its "Next"), each item holding
    a heading of its own, or, three items at least, each a link to one address that
    differs from the others' in one path segment only, a record's id (not a year or a
    month of an archive)."""
    if not all(sum(c.isalpha() for c in t) >= 3 and not _PAGER_WORDS.match(t) for t in texts):
        return False
    if all(find_first(m, _HEADINGS) is not None for m in sample):
        return True
    if len(sample) < 3:
        return False
    paths: list[list[str]] = []
    for member in sample:
        link = member if member.tag == "a" else find_first(member, ("a",))
        href = attr(link, "href") if link is not None else None
        if not href:
            return False
        parts = urlsplit(href)
        paths.append([*parts.path.split("/"), parts.query])
    if len({len(p) for p in paths}) != 1:
        return False
    varying = [i for i in range(len(paths[0])) if len({p[i] for p in paths}) > 1]
    if len(varying) != 1:
        return False
    at = varying[0]
    ids = [p[at] for p in paths]
    if not all(_RECORD_ID.fullmatch(v) for v in ids):
        return False
    # An archive's years, or its months under a year, are dates, not records.
    return not (
        all(_YEAR.fullmatch(v) for v in ids)
        or (
            at > 0
            and _YEAR.fullmatch(paths[0][at - 1])
            and all(v.isdigit() and int(v) <= 12 for v in ids)
        )
    )


_PAGER_WORDS: Final = re.compile(r"(?:next|previous|prev|older|newer|first|last)\b", re.I)
_YEAR: Final = re.compile(r"(?:19|20)\d\d")


def _field_count(member: Node, row: bool) -> int:
    named = len(_leaf_fields(member))
    return max(named, _filled_cells(member)) if row else named


def _filled_cells(row: Node) -> int:
    """The cells of a table row (or an ARIA row) that hold text."""
    return sum(
        1
        for c in elements(row)
        if (c.tag in ("td", "th") or _aria_role(c) in _CELL_ROLES) and text(c, 40)
    )


def _table_rows(table: Node) -> list[Node]:
    """The table's own rows (not those of nested tables), in tree order."""
    rows: list[Node] = []
    for child in elements(table):
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in elements(child) if r.tag == "tr")
    return rows


def _is_header_row(row: Node) -> bool:
    if row.parent is not None and row.parent.tag == "thead":
        return True
    cells = [c for c in elements(row) if c.tag in ("td", "th")]
    return bool(cells) and all(c.tag == "th" for c in cells)


def record_groups(root: Node, *, include_chrome: bool = False) -> list[RecordGroup]:
    """Every group of repeated siblings under ``root`` that could be records, best first.

    A group is the children of one parent sharing a tag and classes (or a table's
    body rows). Groups inside the page's chrome are left out unless asked for.
    """
    groups: list[RecordGroup] = []
    for parent in (root, *descendants(root)):
        tag = parent.tag
        if tag in _SKIP:
            continue
        if tag == "table":
            rows = _table_rows(parent)
            body = [r for r in rows if not _is_header_row(r)]
            # A table with a header row lists records even when it has one row.
            enough = len(body) >= 2 or (len(body) == 1 and len(rows) > 1)
            if enough and (include_chrome or not in_chrome(parent)):
                # Cells are fields when column headers name them (not a layout table's).
                score = _item_score(body, rows=len(body) < len(rows))
                if score > 0:
                    groups.append(RecordGroup(parent, body, "table", score))
            continue
        if _aria_role(parent) in _GRID_ROLES:
            rows = _aria_rows(parent)
            body = _grid_body(rows)
            # As for a table: a header row shows one row is a list of one record.
            enough = len(body) >= 2 or (len(body) == 1 and len(rows) > 1)
            if enough and (include_chrome or not in_chrome(parent)):
                score = _item_score(body, rows=len(body) < len(rows))
                if score > 0:
                    groups.append(RecordGroup(parent, body, "grid", score * 1.2))
            continue
        if tag in _NOT_CONTAINERS:
            continue
        buckets: dict[str, list[Node]] = {}
        for kid in elements(parent):
            if kid.tag not in _SKIP:
                buckets.setdefault(signature(kid), []).append(kid)
        for members in buckets.values():
            if len(members) < 2 or _aria_role(members[0]) in _CELL_ROLES:
                continue  # the cells of one row are its fields, not records
            if not include_chrome and in_chrome(parent):
                continue
            score = _item_score(members)
            if score > 0:
                groups.append(RecordGroup(parent, members, "items", score))
    groups.sort(key=lambda g: -g.score)
    return groups


_CELL_ROLES: Final = frozenset({"cell", "gridcell", "columnheader", "rowheader"})


def _aria_role(node: Node) -> str:
    """The first token of the ``role`` attribute (ARIA's fallback list), lowercased."""
    value = (attr(node, "role") or "").split()
    return value[0].lower() if value else ""


_GRID_ROLES: Final = frozenset({"table", "grid", "treegrid"})


def _aria_rows(grid: Node) -> list[Node]:
    """The ``role=row`` elements of an ARIA grid, not those of a grid nested in it."""
    rows: list[Node] = []
    stack = list(elements(grid))[::-1]
    while stack and len(rows) < COMPARE_LIMIT:
        node = stack.pop()
        role = _aria_role(node)
        if role == "row":
            rows.append(node)
        elif role not in _GRID_ROLES and node.tag != "table":
            stack.extend(list(elements(node))[::-1])
    return rows


def _row_index(row: Node) -> int | None:
    """The row's ``aria-rowindex`` (WAI-ARIA: its position in the whole grid), if valid."""
    value = (attr(row, "aria-rowindex") or "").strip()
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else None


def _grid_body(rows: list[Node]) -> list[Node]:
    """A grid's record rows, one element each: not its header rows, nor the other blocks
    of a header row (which share its ``aria-rowindex``)."""
    head = [_is_aria_header_row(r) for r in rows]
    heads = {_row_index(r) for r, is_head in zip(rows, head, strict=True) if is_head} - {None}
    return _logical_rows(
        [
            r
            for r, is_head in zip(rows, head, strict=True)
            if not is_head and _row_index(r) not in heads
        ]
    )


def _logical_rows(rows: list[Node]) -> list[Node]:
    """One element per row of the grid, in row order. A grid with pinned columns draws
    each row as one ``role=row`` element per column block, and ``aria-rowindex``
    (WAI-ARIA) says they are the same row. The block with the most text stands for
    each row (one block for all, so a row reads the same on every run); its records
    join every block's fields (:func:`group_records`). A row without an index (a
    "Loading" row) stays as it is, after the indexed ones."""
    indexed = [(i, r) for r in rows if (i := _row_index(r)) is not None]
    if len({i for i, _ in indexed}) == len(indexed):
        return rows
    blocks: dict[int, int] = {}
    for _, row in indexed[:: max(1, len(indexed) // 48)]:
        block = row.parent.mem_id if row.parent is not None else 0
        blocks[block] = blocks.get(block, 0) + len(text(row, 400))
    chosen = max(blocks, key=blocks.__getitem__)
    picked: dict[int, Node] = {}
    for key, row in indexed:
        block = row.parent.mem_id if row.parent is not None else 0
        if key not in picked or block == chosen:
            picked[key] = row
    loose = [r for r in rows if _row_index(r) is None]
    return [picked[k] for k in sorted(picked)] + loose


def _is_aria_header_row(row: Node) -> bool:
    """A row of column headers: its cells (or the wrappers a grid puts around them, a
    few levels down, never inside another row) have the columnheader role."""
    stack = [(c, 1) for c in elements(row)]
    while stack:
        node, depth = stack.pop()
        role = _aria_role(node)
        if role == "columnheader":
            return True
        if role in ("row", "gridcell", "cell", "rowheader") or depth >= 3:
            continue
        stack.extend((c, depth + 1) for c in elements(node))
    return False


def _single_item(root: Node) -> list[Node]:
    """A lone result (a search with one hit): a card with a heading link, or a list entry,
    with at least two named fields. Repetition cannot be seen with one item."""
    qualifying: list[tuple[Node, int]] = []
    for el in descendants(root):
        if el.tag in _SKIP or el.tag in ("form", "table", "tr"):
            continue
        if not classes(el) and _aria_role(el) != "row":
            continue
        parent = el.parent
        in_list = el.tag == "li" and parent is not None and parent.tag in ("ul", "ol")
        # A grid built of ARIA roles (WAI-ARIA's table model): a row of cells is a record.
        aria_row = _aria_role(el) == "row" and not _is_aria_header_row(el)
        heading_link = any(
            find_first(h, ("a",)) is not None or closest(h, ("a",)) is not None
            for h in descendants(el)
            if h.tag in _HEADINGS
        )
        if not (in_list or heading_link or aria_row) or find_first(el, ("form",)) is not None:
            continue
        if in_chrome(el):
            continue
        fields = {key for key, _ in _leaf_fields(el)}
        if len(fields) >= 2 and len(text(el, 700)) <= 600:
            qualifying.append((el, len(fields)))
    chosen = {el for el, _ in qualifying}
    # The innermost qualifying element is the item; its containers qualify only through it.
    innermost = [(el, n) for el, n in qualifying if not any(d in chosen for d in descendants(el))]
    if not innermost:
        return []
    return [max(innermost, key=lambda pair: pair[1])[0]]


def _item_record(doc: Document, item: Node) -> dict[str, Any]:
    record: dict[str, Any] = {}
    heading = find_first(item, _HEADINGS)
    link = item if item.tag == "a" and attr(item, "href") else None
    if link is None:
        link = next((a for a in descendants(item) if a.tag == "a" and attr(a, "href")), None)
    title = text(heading, LIMITS["field_chars"]) if heading is not None else ""
    if not title and link is not None:
        title = text(link, LIMITS["field_chars"])
    if title:
        record["title"] = title
    url = doc.resolve(attr(link, "href")) if link is not None else None
    if url:
        record["url"] = url
    for key, value in _leaf_fields(item):
        if len(record) >= LIMITS["item_fields"]:
            break
        if key and key not in record:
            record[key] = value
    record["text"] = _clip(text(item, LIMITS["field_chars"] * 2))
    return record


def group_records(
    doc: Document, group: RecordGroup, limit: int = LIMITS["items"]
) -> list[dict[str, Any]]:
    """The records of a group, at most ``limit``: item dicts, or table rows keyed by the
    header (at most the ``rows`` limit, or ``limit`` when that is more)."""
    if group.layout == "table":
        table = _table(doc, group.container, max(limit, LIMITS["rows"]))
        return list(table["rows"])[:limit] if table is not None else []
    if group.layout == "grid":
        return _grid_records(doc, group, limit)
    return [_item_record(doc, el) for el in group.members[:limit]]


def _grid_records(doc: Document, group: RecordGroup, limit: int) -> list[dict[str, Any]]:
    """An ARIA grid's rows as records: every block drawn for a row (``aria-rowindex``)
    adds its fields, so a pinned name and the scrolling columns make one record."""
    parts: dict[int, list[Node]] = {}
    for row in _aria_rows(group.container):
        key = _row_index(row)
        if key is not None:
            parts.setdefault(key, []).append(row)
    records: list[dict[str, Any]] = []
    for member in group.members[:limit]:
        at = _row_index(member)
        blocks = parts.get(at, [member]) if at is not None else [member]
        record: dict[str, Any] = {}
        texts: list[str] = []
        for block in blocks:
            part = _item_record(doc, block)
            texts.append(str(part.pop("text", "")))
            for field, value in part.items():
                record.setdefault(field, value)
        record["text"] = _clip(" ".join(t for t in texts if t), LIMITS["field_chars"] * 2)
        records.append(record)
    return records


# --------------------------------------------------------------------------- regions


_PLAIN_CLASS: Final = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")


def _selector_part(node: Node) -> str:
    tag = node.tag or "*"
    stable = [c for c in classes(node) if not is_generated_id(c) and _PLAIN_CLASS.match(c)]
    return tag + "".join(f".{css_ident(c)}" for c in sorted(stable)[:3])


def _matches_part(node: Node, part: str) -> bool:
    """Does ``node`` match a ``tag.class.class`` compound made by :func:`_selector_part`?"""
    tag, *wanted = part.split(".")
    return (tag in ("*", node.tag)) and set(wanted) <= set(classes(node))


def css_path(node: Node) -> str:
    """A CSS selector for ``node``: from the nearest ancestor with a stable id, by tag and class."""
    parts: list[str] = []
    current: Node | None = node
    while current is not None and current.is_element_node and current.tag not in ("html",):
        ident = attr(current, "id")
        if ident and not is_generated_id(ident):
            parts.append(f"{current.tag}#{css_ident(ident)}")
            break
        part = _selector_part(current)
        parent = current.parent
        if parent is not None and parent.is_element_node and _has_twin(parent, current, part):
            part += f":nth-of-type({_type_index(current)})"
        parts.append(part)
        if current.tag == "body":
            break
        current = parent
    return " > ".join(reversed(parts))


def _has_twin(parent: Node, node: Node, part: str) -> bool:
    """Does another child of ``parent`` match ``part``? (Tags compared first: cheap.)"""
    return any(
        s.tag == node.tag and s != node and _selector_part(s) == part for s in elements(parent)
    )


def _type_index(node: Node) -> int:
    index = 1
    sibling = node.prev
    while sibling is not None:
        if sibling.is_element_node and sibling.tag == node.tag:
            index += 1
        sibling = sibling.prev
    return index


def region_for(group: RecordGroup) -> ResultsRegion:
    """The selectors that find ``group`` again on another page of the same template."""
    if group.layout == "table":
        return ResultsRegion(container=css_path(group.container), item="tr", layout="table")
    if group.layout == "grid":
        return ResultsRegion(container=css_path(group.container), item="[role=row]", layout="grid")
    return ResultsRegion(
        container=css_path(group.container),
        item=_selector_part(group.members[0]),
        layout="items",
    )


def locate_region(doc: Document, region: ResultsRegion) -> RecordGroup | None:
    """The records of ``region`` on this page, or None when the page does not have it."""
    try:
        containers = doc.parser.css(region.container)
    except Exception:  # a selector lexbor cannot read: the region is not on this page
        return None
    best: RecordGroup | None = None
    for container in containers:
        if region.layout == "table":
            if container.tag != "table":
                continue
            members = [r for r in _table_rows(container) if not _is_header_row(r)]
            group = RecordGroup(container, members, "table", float(len(members)))
        elif region.layout == "grid":
            members = _grid_body(_aria_rows(container))
            group = RecordGroup(container, members, "grid", float(len(members)))
        else:
            part = region.item.removeprefix(":scope > ").strip()
            members = [m for m in elements(container) if _matches_part(m, part)]
            group = RecordGroup(container, members, "items", float(len(members)))
        if best is None or len(group.members) > len(best.members):
            best = group
    return best


# --------------------------------------------------------------------------- tables


def _span(cell: Node, name: str) -> int:
    try:
        value = int((attr(cell, name) or "1").strip() or "1")
    except ValueError:
        return 1
    # The HTML table model clamps colspan to 1..1000 and treats rowspan 0 as "to the end";
    # a bound keeps a hostile span from filling memory.
    return max(1, min(value if value > 0 else LIMITS["span"], LIMITS["span"]))


def _carry(slots: list[Node | None], pending: dict[int, tuple[Node, int]], column: int) -> int:
    """Fill the slots cells from rows above still cover, from ``column`` on; the next
    free column."""
    while column in pending:
        cell, left = pending[column]
        slots.append(cell)
        if left <= 1:
            del pending[column]
        else:
            pending[column] = (cell, left - 1)
        column += 1
    return column


def _grid(rows: list[Node]) -> list[list[Node | None]]:
    """Rows of cells placed as the HTML table model does: spans fill the slots they cover."""
    grid: list[list[Node | None]] = []
    pending: dict[int, tuple[Node, int]] = {}  # column -> (cell, rows still covered)
    for row in rows:
        slots: list[Node | None] = []
        column = 0
        for cell in elements(row):
            if cell.tag not in ("td", "th"):
                continue
            column = _carry(slots, pending, column)
            rowspan = _span(cell, "rowspan")
            for _ in range(_span(cell, "colspan")):
                slots.append(cell)
                if rowspan > 1:
                    pending[column] = (cell, rowspan - 1)
                column += 1
        column = _carry(slots, pending, column)
        while later := [c for c in pending if c >= column]:
            while column < min(later):
                slots.append(None)
                column += 1
            column = _carry(slots, pending, column)
        grid.append(slots)
    return grid


def _table(doc: Document, table: Node, limit: int = LIMITS["rows"]) -> dict[str, Any] | None:
    rows = _table_rows(table)
    if not rows:
        return None
    grid = _grid(rows)
    header_index = next((i for i, r in enumerate(rows) if _is_header_row(r)), None)
    width = max((len(r) for r in grid), default=0)
    if header_index is not None:
        headers = [_key(text(cell, 100)) if cell is not None else "" for cell in grid[header_index]]
        headers = [h or f"col{i + 1}" for i, h in enumerate(headers)]
        headers += [f"col{i + 1}" for i in range(len(headers), width)]
        body = [
            (r, g) for i, (r, g) in enumerate(zip(rows, grid, strict=True)) if i != header_index
        ]
        body = [(r, g) for r, g in body if not _is_header_row(r)]
    else:
        headers = [f"col{i + 1}" for i in range(width)]
        body = list(zip(rows, grid, strict=True))
    seen: Counter[str] = Counter()
    unique = []
    for name in headers:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    records: list[dict[str, Any]] = []
    truncated = False
    for row, slots in body:
        if not any(s is not None for s in slots):
            continue
        if len(records) >= limit:
            truncated = True
            break
        record: dict[str, Any] = {}
        for name, cell in zip(unique, slots, strict=False):
            record[name] = text(cell, LIMITS["field_chars"]) if cell is not None else ""
        link = next((a for a in descendants(row) if a.tag == "a" and attr(a, "href")), None)
        url = doc.resolve(attr(link, "href")) if link is not None else None
        if url and "url" not in record:
            record["url"] = url
        records.append(record)
    caption = find_first(table, ("caption",))
    return {
        "caption": text(caption, 200) if caption is not None else None,
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
    for a in doc.links():
        url = doc.resolve(attr(a, "href"))
        if not url:
            continue
        rel = (attr(a, "rel") or "").lower().split()
        label = text(a, 40).lower()
        aria = (attr(a, "aria-label") or "").lower()
        if next_url is None and ("next" in rel or label in _NEXT_WORDS or aria.startswith("next")):
            next_url = url
        elif prev_url is None and (
            "prev" in rel or label in _PREV_WORDS or aria.startswith("prev")
        ):
            prev_url = url
        elif label.isdigit() and _page_number(url) in (int(label), int(label) - 1):
            numbered.setdefault(int(label), url)
    return {
        "next": next_url,
        "prev": prev_url,
        "pages": [numbered[n] for n in sorted(numbered)],
    }


# --------------------------------------------------------------------------- forms


def _forms(doc: Document) -> list[dict[str, Any]]:
    out = []
    for form in doc.forms()[: LIMITS["forms"]]:
        fields = []
        for control in doc.controls(form):
            name = attr(control, "name")
            if not name or control.tag == "button":
                continue
            kind = (attr(control, "type") or "text") if control.tag == "input" else control.tag
            fields.append(
                {"name": name, "type": (kind or "").lower(), "label": doc.label_for(control)}
            )
        out.append(
            {
                "action": doc.resolve(attr(form, "action")) or doc.url,
                "method": (attr(form, "method") or "get").lower(),
                "fields": fields,
            }
        )
    return out


# --------------------------------------------------------------------------- main text


def main_element(doc: Document) -> Node:
    """``<main>``, else the element with ``role=main``, else the body."""
    found = doc.parser.css_first("main") or doc.parser.css_first('[role="main"]')
    return found if found is not None else doc.body


def _main_text(element: Node) -> str:
    parts: list[str] = []
    child = element.child
    while child is not None:
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif child.is_element_node and child.tag not in _SKIP and child.tag not in _CHROME:
            parts.append(" " + text(child, LIMITS["main_text"]) + " ")
        child = child.next
    return " ".join(" ".join(parts).split())


# --------------------------------------------------------------------------- layout


def layout_signature(element: Node, depth: int = 4) -> str:
    """A digest of the page's skeleton (tags and classes, repeats collapsed, no text).

    Two pages made from one template (two product pages, two category pages)
    share it; pages that merely sit side by side in a menu do not.
    """
    parts: list[str] = []
    stack: list[tuple[Node, int]] = [(element, 0)]
    while stack:
        node, level = stack.pop()
        previous = None
        kids: list[tuple[Node, int]] = []
        for child in elements(node):
            if child.tag in _SKIP or child.tag in _VARIABLE:
                continue  # list entries and rows come and go between pages of one template
            sig = signature(child)
            if sig == previous:
                continue  # ten cards and three cards have the same skeleton
            previous = sig
            parts.append(f"{level}:{sig}")
            if level < depth:
                kids.append((child, level + 1))
        stack.extend(reversed(kids))
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


# --------------------------------------------------------------------------- entry points


def _heuristic_items(doc: Document, main: Node, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The records of the page's best list (not a ``<table>``: those are read as
    tables), at most ``limit``, and whether it has more."""
    groups = [g for g in record_groups(main) if g.layout != "table"]
    if not groups and main is not doc.body:
        groups = [g for g in record_groups(doc.body) if g.layout != "table"]
    if groups:
        return group_records(doc, groups[0], limit), len(groups[0].members) > limit
    return [_item_record(doc, el) for el in _single_item(main)], False


def page_records(doc: Document, limit: int = COMPARE_LIMIT) -> list[dict[str, Any]]:
    """The page's records, at most ``limit``: its list's items, or its tables' rows when
    those are more (what :func:`extract_document` returns, without the output limits)."""
    items, _ = _heuristic_items(doc, main_element(doc), limit)
    rows: list[dict[str, Any]] = []
    for table in doc.parser.css("table")[: LIMITS["tables"]]:
        parsed = _table(doc, table, limit)
        if parsed is not None:
            rows.extend(parsed["rows"])
    return items if len(items) >= len(rows) else rows[:limit]


def extract_document(doc: Document, region: ResultsRegion | None = None) -> dict[str, Any]:
    """Extract from an already parsed document (discovery parses once and reuses it)."""
    main = main_element(doc)
    main_text = _main_text(main)
    tables: list[dict[str, Any]] = []
    for table in doc.parser.css("table"):
        if len(tables) >= LIMITS["tables"]:
            break
        parsed = _table(doc, table)
        if parsed is not None and parsed["rows"]:
            tables.append(parsed)
    region_info: dict[str, Any] | None = None
    if region is not None:
        group = locate_region(doc, region)
        items = group_records(doc, group) if group is not None else []
        too_many = group is not None and len(group.members) > LIMITS["items"]
        region_info = {"found": group is not None, "records": len(items)}
    else:
        items, too_many = _heuristic_items(doc, main, LIMITS["items"])
    truncated = (
        doc.truncated
        or len(main_text) > LIMITS["main_text"]
        or too_many
        or any(t["truncated"] for t in tables)
    )
    data: dict[str, Any] = {
        "url": doc.url,
        "title": doc.title,
        "main_text": _clip(main_text, LIMITS["main_text"]),
        "items": items[: LIMITS["items"]],
        "tables": tables,
        "pagination": pagination(doc),
        "forms": _forms(doc),
        "layout": layout_signature(main),
        "truncated": truncated,
    }
    if region_info is not None:
        data["region"] = region_info
    return data


def extract(html: str, url: str, region: ResultsRegion | None = None) -> dict[str, Any]:
    """Extract structured data from a page's HTML (see the module docstring)."""
    return extract_document(parse_html(html, url), region)
