"""View state a script keeps in the page's URL. Pure.

Single-page apps commonly mirror their list's view state in the URL, so that a
reload or a shared link shows the same view: after drawing the list the script
rewrites the address (``history.replaceState`` or the route in the fragment) to
carry every setting with its current value, such as
``#/items?sort=created&dir=desc&status=open``. The parameters are then inputs of
the list, though no link on the page carries them.

Of those, the sort direction is the one whose other values follow from the value
alone: a direction is one of two (``asc``/``desc``, ``ascending``/``descending``,
or ``true``/``false`` for a parameter named for one of them, ``sortAsc``). The page's
address and its twin with the direction reversed become two links of one family,
which :mod:`walt.engine.discovery.links` makes a sort tool and validation proves by
running both orders. Only the direction's own ``name=value`` piece of the address is
rewritten (the rest stays as the script wrote it, for the script to read back), and
a page number or offset is left out of both: the tool lists the first page.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

from walt.engine.discovery.analyze import PAGE_PARAMS, PageAnalysis
from walt.engine.discovery.families import PageLink

__all__ = ["direction_links"]

# The direction a word (a value, or the last word of a true/false parameter's name)
# names, and the word for the other direction.
_DIRECTION_OF: Final = {
    "asc": "ascending",
    "ascending": "ascending",
    "desc": "descending",
    "descending": "descending",
}
_OPPOSITE: Final = {
    "asc": "desc",
    "desc": "asc",
    "ascending": "descending",
    "descending": "ascending",
}
_ORDERING: Final = frozenset({"sort", "sorting", "order", "ordering", "orderby", "sortby"})
_DIRECTION: Final = frozenset({"dir", "direction"})


def _words(name: str) -> list[str]:
    """``sortByAsc`` -> sort, by, asc; ``sort_dir`` -> sort, dir."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]


def _reversed(name: str, value: str) -> tuple[str, str, str] | None:
    """(the reversed value, this value's direction, the reversed one's) when ``name=value``
    sets a sort direction; None otherwise."""
    words, word = _words(name), value.strip().lower()
    about_order = any(w in _ORDERING for w in words) or "".join(words[:2]) in _ORDERING
    if word in _OPPOSITE and (about_order or (words and words[-1] in _DIRECTION)):
        flipped = _OPPOSITE[word]
        return _same_case(flipped, value.strip()), _DIRECTION_OF[word], _DIRECTION_OF[flipped]
    flag = _DIRECTION_OF.get(words[-1]) if words else None
    if flag is None or not about_order or word not in ("true", "false"):
        return None
    other = _OPPOSITE[flag]
    flipped = _same_case("false" if word == "true" else "true", value.strip())
    return (flipped, flag, other) if word == "true" else (flipped, other, flag)


def _same_case(word: str, like: str) -> str:
    """``word`` written as ``like`` is (``DESC`` for ``ASC``, ``False`` for ``True``)."""
    if like.isupper():
        return word.upper()
    return word.capitalize() if like[:1].isupper() else word


def direction_links(page: PageAnalysis) -> list[PageLink]:
    """The page's own address and its twin in the other sort direction, as links whose
    texts name the order (empty unless a script drew the page and its address carries a
    direction; see the module docstring)."""
    if not page.rendered:
        return []
    parts = urlsplit(page.url)
    pieces = [p for p in parts.query.split("&") if p]
    kept = [
        p for p in pieces if unquote_plus(p.partition("=")[0]).strip().lower() not in PAGE_PARAMS
    ]
    for index, piece in enumerate(kept):
        pairs = parse_qsl(piece, keep_blank_values=True)
        if len(pairs) != 1:
            continue
        name, value = pairs[0]
        found = _reversed(name, value)
        if found is None:
            continue
        flipped, this_way, other_way = found
        raw_name = piece.partition("=")[0]
        twin = [*kept[:index], f"{raw_name}={flipped}", *kept[index + 1 :]]
        return [
            PageLink(urlunsplit(parts._replace(query="&".join(kept))), f"{this_way} order"),
            PageLink(urlunsplit(parts._replace(query="&".join(twin))), f"{other_way} order"),
        ]
    return []
