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
running both orders.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from walt.engine.discovery.analyze import PageAnalysis
from walt.engine.discovery.families import PageLink

__all__ = ["direction_links"]

_WORD_PAIRS: Final = {
    "asc": ("desc", "ascending", "descending"),
    "desc": ("asc", "descending", "ascending"),
    "ascending": ("descending", "ascending", "descending"),
    "descending": ("ascending", "descending", "ascending"),
}
# A parameter that says the direction by name: dir, sortDir, order_direction, orderByAsc.
_DIRECTION_NAME: Final = re.compile(r"^(?:dir|direction|sortorder|sortdir\w*|orderdir\w*)$")
_ORDERING: Final = re.compile(r"sort|order")
_FLAG_SUFFIX: Final = re.compile(r"(asc|desc)(?:ending)?$")


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _reversed(name: str, value: str) -> tuple[str, str, str] | None:
    """(the reversed value, this value's direction, the reversed one's) when ``name=value``
    sets a sort direction; None otherwise."""
    key, word = _normal(name), value.strip().lower()
    if word in _WORD_PAIRS and (_DIRECTION_NAME.match(key) or _ORDERING.search(key)):
        flipped, this_way, other_way = _WORD_PAIRS[word]
        return _same_case(flipped, value.strip()), this_way, other_way
    flag = _FLAG_SUFFIX.search(key)
    if flag is None or not _ORDERING.search(key) or word not in ("true", "false"):
        return None
    named = "ascending" if flag.group(1) == "asc" else "descending"
    other = "descending" if named == "ascending" else "ascending"
    flipped = _same_case("false" if word == "true" else "true", value.strip())
    return (flipped, named, other) if word == "true" else (flipped, other, named)


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
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for index, (name, value) in enumerate(pairs):
        found = _reversed(name, value)
        if found is None:
            continue
        flipped, this_way, other_way = found
        twin = [*pairs[:index], (name, flipped), *pairs[index + 1 :]]
        return [
            PageLink(page.url, f"{this_way} order"),
            PageLink(urlunsplit(parts._replace(query=urlencode(twin))), f"{other_way} order"),
        ]
    return []
