"""Records out of a JSON answer (a site's own API): the list of objects that is its results.

The records are the longest list of objects in the document (or the one under ``key``),
each flattened one level (``info.run_name``) and given a ``title`` from its first
name-like field, so a JSON endpoint's results read like a page's. A list inside named
objects (an experiment's tags, a post's comments) belongs to one record and a list of
``{"key": ..., "value": ...}`` pairs is a mapping: neither is ever the results. A list
inside unnamed envelopes is (a multi-search's ``results[].hits``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

__all__ = ["json_records", "records_key"]

MAX_RECORDS: Final = 200
_NAME: Final = re.compile(r"(^|[._])(title|name|label|subject|headline|run_name|key)$", re.I)


def _lists(node: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, list[Any]]]:
    if depth > 6:
        return
    if isinstance(node, list):
        if node and all(isinstance(item, dict) for item in node[:20]):
            if _pairs(node):
                return  # a mapping written as a list, folded into its record
            yield path, node
            if any(_named(item) for item in node[:5]):
                # Named objects are records: a list inside one (its tags, its comments)
                # is never the results, even when a single record has more of them. An
                # unnamed envelope ({"hits": [...], "query": ...}) holds the results.
                return
        for item in node[:5]:
            yield from _lists(item, path, depth + 1)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _lists(value, f"{path}.{key}" if path else str(key), depth + 1)


def _pairs(rows: list[Any]) -> bool:
    return all(isinstance(v, dict) and {"key", "value"} <= set(v) for v in rows)


def _named(row: dict[str, Any]) -> bool:
    return any(_NAME.search(k) and isinstance(v, str) for k, v in row.items() if k != "key")


def records_key(document: Any) -> str | None:
    """Where the records are (``runs``, ``data.items``); None for a top-level list."""
    found = max(_lists(document), key=lambda pair: len(pair[1]), default=None)
    return found[0] or None if found else None


def _at(document: Any, key: str) -> Any:
    node = document
    for part in key.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for inner, item in value.items():
                if not isinstance(item, dict | list):
                    out[f"{key}.{inner}"] = item
        elif isinstance(value, list):
            if value and _pairs(value):
                for pair in value[:30]:  # [{"key": "rmse", "value": 0.4}]: a mapping
                    out[f"{key}.{pair['key']}"] = pair["value"]
            elif value and not isinstance(value[0], dict | list):
                out[key] = ", ".join(str(v) for v in value[:20])
        else:
            out[key] = value
    return out


def json_records(document: Any, key: str | None = None) -> list[dict[str, Any]]:
    """The records of a JSON answer (see the module docstring)."""
    if key:
        found = _at(document, key)
        rows = found if isinstance(found, list) else []
    else:
        best = max(_lists(document), key=lambda pair: len(pair[1]), default=None)
        rows = best[1] if best else []
    records: list[dict[str, Any]] = []
    for row in rows[:MAX_RECORDS]:
        if not isinstance(row, dict):
            continue
        flat = _flatten(row)
        if "title" not in flat:
            named = next((k for k in flat if _NAME.search(k) and isinstance(flat[k], str)), None)
            if named is not None:
                flat = {"title": flat[named], **flat}
        records.append(flat)
    return records
