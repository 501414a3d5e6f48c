"""Link families: links of one page that differ in a query value or in path segments. Pure.

* Query families: links to one path with the same query keys, one value varying
  (``?sort=price``, ``?sort=name``); a lone "Next" or "Previous" link is a family
  too (it changes one parameter of the page's own URL).
* Path families: links whose paths share a shape. Opaque segments (numbers,
  hashes, slugs, an id glued to a word as in ``issue12``) are placeholders
  wherever they are, so ``/diff/3f2a.../README`` and ``/diff/9c1b.../setup.py``
  are one family ``/diff/{}/{}``; one more segment may vary among links of one
  shape (``/genre/scifi``, ``/genre/poetry``), or the rest of the path
  (``/file/tip/src/app.py``: a file tree).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final
from urllib.parse import SplitResult, parse_qsl, urlsplit, urlunsplit

import attrs

__all__ = [
    "LinkFamily",
    "PageLink",
    "is_opaque_segment",
    "link_families",
    "most_general",
    "segment_shape",
]

_NUMERIC: Final = re.compile(r"^\d+$")
_OPAQUE: Final = re.compile(
    r"^(?:[0-9a-f]{8,}|[0-9a-f-]{32,36}|\d+[a-z]?|[a-z]+[-_]?\d+|"
    r"[a-z0-9]+(?:-[a-z0-9]+){2,}(?:\.\w+)?)$",  # a slug: three or more words with dashes
    re.IGNORECASE,
)
_GLUED: Final = re.compile(r"^([a-z][a-z_-]*?)[-_]?(\d+)$", re.IGNORECASE)
_PAGER_TEXT: Final = re.compile(
    r"^(?:next|previous|prev|older|newer|more|next page|previous page|[‹›«»<>←→]+)"
    r"(?:\s+(?:page|posts|entries|results|[‹›«»<>←→]+))?$",
    re.IGNORECASE,
)
MAX_LINKS: Final = 2000


@attrs.frozen
class PageLink:
    url: str
    text: str
    in_chrome: bool = False
    rel: str = ""


@attrs.frozen
class LinkFamily:
    """Links that differ in one query value, or in the placeholders of one path shape.

    For a path family, ``path`` has ``{}`` for every placeholder and ``slots``
    names each (the segment before it, or the word an id is glued to); for a
    query family ``slots`` are the query keys. ``samples`` has one value per slot
    for each link (values that belong together), and ``main`` is the slot the
    links vary in (its values, with link texts, are ``values``).
    """

    page_url: str
    path: str
    param: str  # the query key, or the main placeholder's slot name
    in_path: bool
    values: tuple[tuple[str, str], ...]  # (value, link text) of the varying part
    fixed: tuple[tuple[str, str], ...] = ()  # other query parameters the links carry
    prefix: str = ""  # for an id glued to a word (``issue12``): the word
    in_chrome: bool = False  # every link of the family sits in navigation or a sidebar
    tail: bool = False  # the last placeholder is the rest of the path (``/file/tip/{}``)
    slots: tuple[str, ...] = ()
    samples: tuple[tuple[str, ...], ...] = ()
    main: int = 0
    opaque: tuple[bool, ...] = ()  # which placeholders hold opaque ids
    together: tuple[str, ...] = ()  # query keys that vary with the main one

    @property
    def numeric(self) -> bool:
        return all(_NUMERIC.match(v) for v, _ in self.values)


def is_opaque_segment(segment: str) -> bool:
    """A path segment that names one record: a number, a hash, a slug, ``issue12``."""
    return bool(_OPAQUE.match(segment))


def segment_shape(segment: str) -> str:
    """``{}`` for an opaque segment, ``issue{}`` for an id glued to a word, else itself."""
    if not is_opaque_segment(segment):
        return segment
    glued = _GLUED.match(segment)
    return f"{glued.group(1)}{{}}" if glued and not segment.isdigit() else "{}"


# --------------------------------------------------------------------------- query families


def _query_families(links: Sequence[PageLink], page_url: str) -> list[LinkFamily]:
    groups: dict[tuple[str, frozenset[str]], list[tuple[dict[str, str], PageLink]]] = {}
    for link in links:
        parts = urlsplit(link.url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if not query:
            continue
        base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        groups.setdefault((base, frozenset(query)), []).append((query, link))
    families: list[LinkFamily] = []
    page = urlsplit(page_url)
    here = dict(parse_qsl(page.query, keep_blank_values=True))
    for (base, keys), members in groups.items():
        if len(members) < 2:
            pager = _pager_family(members, base, keys, page, here, page_url)
            if pager is not None:
                families.append(pager)
            continue
        varying = [k for k in sorted(keys) if len({m[0][k] for m in members}) > 1]
        if not varying or len(varying) > 3:
            continue
        # Several keys may vary together (rev2[0] and rev2[1] of a comparison): the one
        # with the most values leads, the others become inputs beside it.
        key = max(varying, key=lambda k: (len({m[0][k] for m in members}), k))
        seen: dict[str, str] = {}
        for query, link in members:
            value = query[key]
            label = re.sub(r"\s*\(\d+\)\s*$", "", link.text).strip()  # "Kitchen (12)" -> "Kitchen"
            if value not in seen or (not seen[value] and label):
                seen[value] = label
        if len(seen) < 2:
            continue
        fixed = tuple(sorted((k, v) for k, v in members[0][0].items() if k != key))
        slots = tuple(sorted(keys))
        families.append(
            LinkFamily(
                page_url,
                urlsplit(base).path,
                key,
                False,
                tuple(seen.items()),
                fixed,
                in_chrome=all(link.in_chrome for _, link in members),
                slots=slots,
                samples=tuple(dict.fromkeys(tuple(q[k] for k in slots) for q, _ in members)),
                main=slots.index(key),
                together=tuple(k for k in varying if k != key),
            )
        )
    return families


def _pager_family(
    members: list[tuple[dict[str, str], PageLink]],
    base: str,
    keys: frozenset[str],
    page: SplitResult,
    here: dict[str, str],
    page_url: str,
) -> LinkFamily | None:
    """A lone "Next" or "Previous" link still says how the listing pages: the parameter
    it changes from this page's URL."""
    query, link = members[0]
    if not (_PAGER_TEXT.match(link.text.strip()) or link.rel in ("next", "prev", "previous")):
        return None
    if urlunsplit((page.scheme, page.netloc, page.path, "", "")) != base:
        return None
    changed = [k for k in keys if here.get(k) != query[k]]
    if len(changed) != 1 or not set(here) <= keys:
        return None
    key = changed[0]
    values = [(query[key], link.text.strip())]
    if key in here:
        values.insert(0, (here[key], ""))
    fixed = tuple(sorted((k, v) for k, v in query.items() if k != key))
    slots = tuple(sorted(keys))
    samples = [tuple(query[k] for k in slots)]
    if key in here:
        samples.insert(0, tuple(here.get(k, "") for k in slots))
    return LinkFamily(
        page_url,
        page.path,
        key,
        False,
        tuple(values),
        fixed,
        slots=slots,
        samples=tuple(samples),
        main=slots.index(key),
    )


# --------------------------------------------------------------------------- path families


@attrs.define
class _Shaped:
    """A link's path with its opaque segments as placeholders."""

    link: PageLink
    segments: list[str]
    shape: list[str]
    slash: bool

    @property
    def ids(self) -> list[str]:
        return [s for s, g in zip(self.segments, self.shape, strict=True) if "{}" in g]


def _shaped(link: PageLink) -> _Shaped | None:
    parts = urlsplit(link.url)
    if parts.query:
        return None
    slash = parts.path.endswith("/") and parts.path != "/"
    segments = (parts.path.rstrip("/") if slash else parts.path).split("/")
    return _Shaped(link, segments, [segment_shape(s) for s in segments], slash)


def _slot_names(shape: Sequence[str]) -> list[str]:
    names = []
    for index, part in enumerate(shape):
        if "{}" not in part:
            continue
        glued = part.replace("{}", "")
        before = shape[index - 1] if index > 0 else ""
        names.append(glued or (before if "{}" not in before and before else "item"))
    return names


def _path_family(
    page_url: str,
    shape: Sequence[str],
    slash: bool,
    members: Sequence[tuple[_Shaped, list[str]]],
    main: int,
    tail: bool = False,
) -> LinkFamily | None:
    """A family from links of one shape; ``members`` pair each link with its placeholder
    values, ``main`` says which placeholder varies most."""
    samples = {tuple(values): shaped.link for shaped, values in members}
    if len(samples) < 2:
        return None
    slots = _slot_names(shape)
    if tail:
        slots[-1] = "path"
    values: dict[str, str] = {}
    for values_tuple, link in samples.items():
        values.setdefault(values_tuple[main], link.text.strip())
    if len(values) < 2 and len(samples) < 3:
        return None
    glued = shape[[i for i, p in enumerate(shape) if "{}" in p][main]].replace("{}", "")
    opaque = tuple(all(is_opaque_segment(t[i]) for t in samples) for i in range(len(slots)))
    return LinkFamily(
        page_url,
        "/".join(shape) + ("/" if slash and not tail else ""),
        slots[main],
        True,
        tuple(values.items()),
        prefix=glued,
        in_chrome=all(link.in_chrome for link in samples.values()),
        tail=tail,
        slots=tuple(slots),
        samples=tuple(samples),
        main=main,
        opaque=opaque,
    )


def _path_families(links: Sequence[PageLink], page_url: str) -> list[LinkFamily]:
    shaped = [s for s in (_shaped(link) for link in links[:MAX_LINKS]) if s is not None]
    by_shape: dict[tuple[str, tuple[str, ...], bool], list[_Shaped]] = {}
    for item in shaped:
        origin = urlsplit(item.link.url).netloc
        by_shape.setdefault((origin, tuple(item.shape), item.slash), []).append(item)
    out: dict[str, LinkFamily] = {}

    def keep(family: LinkFamily | None) -> None:
        if family is not None and family.path not in out:
            out[family.path] = family

    # Links that differ only in their opaque segments (/rev/{}, /issue{}).
    for (_origin, shape, slash), items in by_shape.items():
        if "{}" not in "".join(shape):
            continue
        members = [(item, item.ids) for item in items]
        count = len(members[0][1])
        main = max(range(count), key=lambda i: len({v[i] for _, v in members}))
        keep(_path_family(page_url, shape, slash, members, main))
    # One more segment varying among links of one shape (/genre/{}).
    varying: dict[tuple[str, tuple[str, ...], bool, int], list[_Shaped]] = {}
    for item in shaped:
        origin = urlsplit(item.link.url).netloc
        # The first segment picks the site's section (/blog, /rev): links that differ
        # there go to different kinds of page, not to one page with an input.
        for position in range(2, len(item.shape)):
            if "{}" in item.shape[position] or not item.segments[position]:
                continue
            key_shape = (*item.shape[:position], "{}", *item.shape[position + 1 :])
            varying.setdefault((origin, key_shape, item.slash, position), []).append(item)
    for (_origin, shape, slash, position), items in varying.items():
        if len({i.segments[position] for i in items}) < 2:
            continue
        holes = [i for i, p in enumerate(shape) if "{}" in p]
        main = holes.index(position)
        members = [
            (item, [item.segments[i] if i != position else item.segments[position] for i in holes])
            for item in items
        ]
        keep(_path_family(page_url, shape, slash, members, main))
    # The rest of the path varying in depth after a shared prefix (a file tree).
    tails: dict[tuple[str, tuple[str, ...]], list[tuple[_Shaped, str]]] = {}
    for item in shaped:
        origin = urlsplit(item.link.url).netloc
        # At least two segments of prefix (/file/tip/...): one (/shop/...) is a section.
        for position in range(3, len(item.shape)):
            prefix = tuple(item.shape[:position])
            tails.setdefault((origin, prefix), []).append(
                (item, "/".join(item.segments[position:]))
            )
    for (_origin, prefix), entries in tails.items():
        rests = {rest for _, rest in entries}
        if len(rests) < 3 or not any("/" in rest for rest in rests):
            continue  # a plain one-segment family says the same more simply
        if _one_shape_mostly(rests):
            continue  # records under one path (/{}/runs/{}), not a tree of any depth
        shape = (*prefix, "{}")
        holes = [i for i, p in enumerate(prefix) if "{}" in p]
        members = [(item, [*[item.segments[i] for i in holes], rest]) for item, rest in entries]
        keep(_path_family(page_url, shape, False, members, len(holes), tail=True))
    return most_general(list(out.values()))


def _one_shape_mostly(rests: set[str]) -> bool:
    """Most of the rests have one shape with a placeholder in it: the links are one
    kind of record at one depth (their own family), with a few others beside them."""
    shapes = Counter("/".join(segment_shape(s) for s in rest.split("/")) for rest in rests)
    shape, count = shapes.most_common(1)[0]
    return "{}" in shape and "/" in shape and count * 2 > len(rests)


def _covers(general: LinkFamily, specific: LinkFamily) -> bool:
    """``general``'s template matches every path ``specific``'s does (path families only:
    a query family lives on one page, whatever template covers that page's path)."""
    if general is specific or not (general.in_path and specific.in_path):
        return False
    if general.path == specific.path:
        return general.tail and not specific.tail
    wide = general.path.rstrip("/").split("/")
    narrow = specific.path.rstrip("/").split("/")
    if general.tail:
        head = wide[:-1]
        return len(narrow) >= len(wide) and all(
            a in (b, "{}") for a, b in zip(head, narrow, strict=False)
        )
    return len(wide) == len(narrow) and all(
        a in (b, "{}") for a, b in zip(wide, narrow, strict=True)
    )


def most_general(families: list[LinkFamily]) -> list[LinkFamily]:
    """Drop a family another one covers (``/log/{}/README`` inside ``/log/{}/{}``)."""
    return [f for f in families if not any(_covers(g, f) for g in families)]


def link_families(links: Iterable[PageLink], page_url: str) -> list[LinkFamily]:
    """Every link family among a page's links (see the module docstring)."""
    listed = list(links)
    return _query_families(listed, page_url) + _path_families(listed, page_url)
