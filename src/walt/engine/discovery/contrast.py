"""Finding a page's results by contrast. Pure: pages in, a region out.

One tool run with different inputs (a probe word, a nonsense word, no word; two
filter options; two pages) gives pages of one template. What stays the same
between them is the chrome (menus, sidebars, footers); what changes is the
results. The results region is the group of repeated siblings (cards, list
entries, table rows) whose content changes between the runs, preferring the
one whose records contain the probe word. Blocks that recur unchanged across
the site's pages (a sidebar list) are chrome whatever their markup says.

Probe words come from records, never from navigation, and are chosen by their
informativeness (words several records share, not all: Madhavan et al., "Google's
Deep-Web Crawl", VLDB 2008); a word that finds nothing is replaced by one taken
from the results seen so far.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Final

import attrs

from walt.core.models import ResultsRegion
from walt.engine.discovery.analyze import block_fingerprint
from walt.engine.dom import Document, elements, signature, text
from walt.engine.extract import (
    COMPARE_LIMIT,
    RecordGroup,
    group_records,
    locate_region,
    main_element,
    record_groups,
    region_for,
)

__all__ = [
    "SAME_TEMPLATE",
    "Found",
    "informative_words",
    "record_text",
    "results_region",
    "skeleton",
    "standing_region",
    "template_similarity",
]

MAX_GROUPS: Final = 25
_NOT_LAYOUT: Final = frozenset({"script", "style", "template", "noscript", "svg", "head", "math"})
_WORD: Final = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
STOPWORDS: Final = frozenset(
    """with from that this their there about your have will into more than also just them
    some what when which page next previous home search results result items item none
    other these those were been being only over under after before then here where while
    each many most such very would could should shall might must does doing done made make
    like last first back edit view show list open close login logout sign register help
    menu main content navigation skip tools site personal context categories category
    recent changes media manager sitemap index admin dashboard settings account profile
    create delete update save cancel submit previous older newer today yesterday""".split()
)


def _texts(group: RecordGroup) -> list[str]:
    # The count too: a list that grew past the first records compared has changed.
    return [str(len(group.members)), *(text(m, 300) for m in group.members[:60])]


@attrs.define
class Found:
    """The results of one page: where they are and what they hold."""

    group: RecordGroup
    region: ResultsRegion
    records: list[dict[str, Any]]
    share: float = 0.0  # records containing the probe word

    @property
    def keys(self) -> list[str]:
        return [record_key(r) for r in self.records]


def record_text(record: dict[str, Any]) -> str:
    values = [str(v) for k, v in record.items() if k not in ("text",)]
    if isinstance(record.get("text"), str):
        values.append(str(record["text"]))
    return " ".join(values).lower()


def record_key(record: dict[str, Any]) -> str:
    return str(record.get("url") or record.get("title") or record_text(record))[:300]


def contains(record: dict[str, Any], word: str) -> bool:
    folded = word.casefold().strip("*%\"'")
    if not folded:
        return False
    haystack = record_text(record).casefold()
    url = str(record.get("url") or "")
    return folded in haystack or folded in url.casefold()


def _candidates(doc: Document, chrome: frozenset[str]) -> list[RecordGroup]:
    main = main_element(doc)
    groups = record_groups(main)
    if main is not doc.body:
        groups += record_groups(doc.body)
    out: list[RecordGroup] = []
    seen: set[tuple[int, str]] = set()
    for group in groups:
        key = (group.container.mem_id, group.member_signature)
        if key in seen or block_fingerprint(group.members) in chrome:
            continue
        seen.add(key)
        out.append(group)
    return out[:MAX_GROUPS]


def results_region(
    target: Document,
    others: Sequence[Document],
    *,
    term: str | None = None,
    chrome: frozenset[str] = frozenset(),
    every: bool = True,
) -> Found | None:
    """The record group of ``target`` whose content differs in every page of ``others``
    (``every=False``: in at least one).

    With ``term``, groups whose records contain it are preferred (a search's
    results); ``chrome`` holds fingerprints of blocks known to recur site-wide.
    """
    best: Found | None = None
    best_score = 0.0
    for group in _candidates(target, chrome):
        region = region_for(group)
        again = locate_region(target, region)
        if again is None or not again.members:
            continue
        texts = _texts(again)
        same = [_unchanged(other, region, texts) for other in others]
        if others and (any(same) if every else all(same)):
            continue
        records = group_records(target, again, COMPARE_LIMIT)
        if not records:
            continue
        share = sum(1 for r in records if contains(r, term)) / len(records) if term else 0.0
        score = group.score * (0.25 + share if term else 1.0)
        if score > best_score:
            best, best_score = Found(again, region, records, share), score
    return best


def _unchanged(other: Document, region: ResultsRegion, texts: list[str]) -> bool:
    found = locate_region(other, region)
    other_texts = _texts(found) if found is not None else []
    return other_texts == texts


def standing_region(
    target: Document, region: ResultsRegion
) -> tuple[RecordGroup | None, list[dict[str, Any]]]:
    """The records of a known region on another run's page (none when it is absent)."""
    group = locate_region(target, region)
    if group is None or not group.members:
        return group, []
    return group, group_records(target, group, COMPARE_LIMIT)


def informative_words(
    titles: Sequence[str], avoid: Iterable[str] = (), limit: int = 6
) -> list[str]:
    """Words several titles share but not all (most informative first), never ``avoid``."""
    banned = {w.lower() for w in avoid} | STOPWORDS
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for index, title in enumerate(titles):
        words = {w.lower() for w in _WORD.findall(title)} - banned
        counts.update(words)
        for word in words:
            first.setdefault(word, index)
    if not counts:
        return []
    # Not in every title (a word all share tells no result apart).
    ranked = [w for w, c in counts.most_common() if c < max(2, len(titles))]
    # Prefer words seen a few times (enough results to check) over words seen once, then
    # the titles given first (the tool's own results, the largest listings).
    ranked.sort(key=lambda w: (-min(counts[w], 4), first[w]))
    return ranked[:limit] or [w for w, _ in counts.most_common(limit)]


_DIGITS: Final = re.compile(r"\d+")


def skeleton(doc: Document, depth: int = 3) -> set[str]:
    """The page's template: the tag and class signatures at each depth below the body
    (numbers in class names ignored: ``sectionedit3``), no text. Positions are not
    kept, so one changed wrapper class (``mode_search``) does not hide a shared
    template."""
    out: set[str] = set()
    stack: list[tuple[Any, int]] = [(main_element(doc), 0)]
    while stack:
        node, level = stack.pop()
        for child in elements(node):
            if child.tag in _NOT_LAYOUT:
                continue
            path = f"{level}:{_DIGITS.sub('', signature(child))}"
            out.add(path)
            if level + 1 < depth:
                stack.append((child, level + 1))
    return out


SAME_TEMPLATE: Final = 0.75
"""Skeleton similarity from which two pages count as one template."""


def template_similarity(a: Document, b: Document) -> float:
    """Jaccard similarity of two pages' skeletons (1.0: one template)."""
    first, second = skeleton(a), skeleton(b)
    union = first | second
    return len(first & second) / len(union) if union else 1.0
