"""Ranking tools against a goal, lexically (no LLM).

A BM25-style score over each tool's name, description, input names, labels and
option labels, with light stemming, plus a bonus when the goal names the
tool's kind ("sort", "next page", "create"...). Ties keep discovery order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Final

from walt.core.models import Tool

__all__ = ["rank", "score_tools", "tokens"]

_TOKEN: Final = re.compile(r"[a-z0-9]+")
_STOP: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "for",
        "in",
        "on",
        "by",
        "and",
        "or",
        "with",
        "from",
        "my",
        "me",
        "i",
        "want",
        "need",
        "please",
        "find",
        "that",
        "this",
        "is",
        "are",
        "be",
        "it",
        "some",
        "any",
        "all",
        "can",
        "you",
    ]
)
_KIND_WORDS: Final = {
    "search": {"search", "find", "look", "query", "keyword"},
    "filter": {"filter", "only", "category", "brand", "type", "narrow", "limit"},
    "sort": {"sort", "order", "cheapest", "expensive", "newest", "oldest", "rank"},
    "paginate": {"page", "next", "previous", "more"},
    "navigate": {"open", "view", "show", "detail", "details"},
    "create": {"create", "new", "add", "open", "file", "submit", "post"},
    "edit": {"edit", "change", "update", "rename", "modify"},
    "comment": {"comment", "reply", "note"},
    "delete": {"delete", "remove", "destroy", "close"},
    "login": {"login", "log", "sign", "signin", "authenticate"},
}
K1: Final = 1.2
B: Final = 0.75


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokens(text: str) -> list[str]:
    return [_stem(t) for t in _TOKEN.findall(text.lower()) if t not in _STOP]


def _document(tool: Tool) -> list[str]:
    parts = [tool.function_name.replace("_", " ") * 2, tool.description, tool.kind or ""]
    for spec in tool.inputs:
        parts.append(spec.name.replace("_", " "))
        parts.append(spec.description or "")
        parts.extend(spec.enum_labels or ())
    return tokens(" ".join(parts))


def score_tools(tools: Sequence[Tool], goal: str) -> list[float]:
    """A relevance score of each tool for ``goal`` (0 when nothing matches)."""
    query = tokens(goal)
    if not query or not tools:
        return [0.0 for _ in tools]
    docs = [_document(t) for t in tools]
    avg = sum(len(d) for d in docs) / len(docs) or 1.0
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    scores = []
    raw = set(_TOKEN.findall(goal.lower()))
    for tool, doc in zip(tools, docs, strict=True):
        tf = Counter(doc)
        score = 0.0
        for term in set(query):
            if term not in tf:
                continue
            idf = math.log(1 + (len(docs) - df[term] + 0.5) / (df[term] + 0.5))
            score += idf * tf[term] * (K1 + 1) / (tf[term] + K1 * (1 - B + B * len(doc) / avg))
        if tool.kind and raw & _KIND_WORDS.get(tool.kind, set()):
            score += 1.5
        scores.append(score)
    return scores


def rank(tools: Sequence[Tool], goal: str | None) -> list[tuple[Tool, float]]:
    """Tools with their scores, best first (discovery order when there is no goal)."""
    if not goal:
        return [(t, 0.0) for t in tools]
    scores = score_tools(tools, goal)
    order = sorted(range(len(tools)), key=lambda i: (-scores[i], i))
    return [(tools[i], scores[i]) for i in order]
