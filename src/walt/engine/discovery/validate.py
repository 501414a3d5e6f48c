"""Validation by running: a tool is kept only if it works and does what its kind promises.

Read tools run with inputs taken from the site itself:

* search: a word from the titles the crawl saw; every result must contain it
  and the results must differ from the unfiltered list;
* filter: each option (up to four); results must match the option and differ
  between options; pages of a path family must share one layout;
* sort: each order (up to four); orders must differ, and where the key is
  recognisable (price, name) the order must match it;
* paginate: pages 1 and 2 must both have results, and differ;
* detail pages: two ids must give two different pages of one layout.

Write tools are never submitted unless the caller passes ``validate_writes``;
then create, edit, comment and delete run in that order on the site, acting on
the record the create made where they can, and the evidence is recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from walt.core.costs import Budget, CostMeter
from walt.core.errors import WaltError
from walt.core.messages import DiscoverRequest, ExecuteRequest, ExecuteResult
from walt.core.models import Tool, ToolInput, Validation
from walt.engine.discovery.analyze import PageAnalysis
from walt.engine.discovery.candidates import Candidate
from walt.engine.executor import Executor

__all__ = ["Verdict", "validate_candidates"]

MAX_OPTIONS: Final = 4
CONCURRENT_CHECKS: Final = 4
MATCH_SHARE: Final = 0.8
_WORD: Final = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
_NUMBER: Final = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_STOPWORDS: Final = frozenset(
    [
        "with",
        "from",
        "that",
        "this",
        "their",
        "there",
        "about",
        "your",
        "have",
        "will",
        "into",
        "more",
        "than",
        "also",
        "just",
        "them",
        "some",
        "what",
        "when",
        "which",
        "page",
        "next",
        "previous",
        "stock",
        "home",
        "search",
        "results",
        "result",
        "items",
        "item",
    ]
)
_WRITE_ORDER: Final = {"create": 0, "edit": 1, "comment": 2, "delete": 3}


@attrs.define
class Verdict:
    candidate: Candidate
    status: str  # "validated", "unvalidated", "rejected"
    reason: str
    validation: Validation | None = None

    @property
    def tool(self) -> Tool:
        if self.validation is None:
            return self.candidate.tool
        return attrs.evolve(self.candidate.tool, validation=self.validation)


class _Rejected(Exception):
    """A check failed: the reason goes into the report."""


def _text(record: dict[str, Any]) -> str:
    if isinstance(record.get("text"), str):
        return str(record["text"]).lower()
    return " ".join(str(v) for v in record.values()).lower()


def _share(records: Sequence[dict[str, Any]], words: Sequence[str]) -> float:
    if not records:
        return 0.0
    words = [w.lower() for w in words if w]
    return sum(1 for r in records if any(w in _text(r) for w in words)) / len(records)


def _keys(records: Sequence[dict[str, Any]]) -> list[str]:
    return [str(r.get("url") or r.get("title") or _text(r)) for r in records]


def _terms(pages: Sequence[PageAnalysis], path: str | None = None) -> list[str]:
    """Words from result titles that some, but not all, results contain.

    Titles from pages at ``path`` (the tool's own results page) come first.
    """
    own = [p for p in pages if path is not None and urlsplit(p.url).path == path]
    titles = [s for page in (own or pages) for s in page.samples]
    counts: Counter[str] = Counter()
    for title in titles:
        counts.update({w.lower() for w in _WORD.findall(title)} - _STOPWORDS)
    if not titles:
        return []
    ranked = [w for w, c in counts.most_common() if c < max(2, len(titles) * 0.5)]
    # Prefer words seen a few times (enough results to check) over hapaxes.
    return sorted(ranked, key=lambda w: (-min(counts[w], 3), w))[:3]


def _number(text: Any) -> float | None:
    match = _NUMBER.search(str(text or ""))
    return float(match.group(0).replace(",", "")) if match else None


def _sort_check(value: str, label: str, records: Sequence[dict[str, Any]]) -> str | None:
    """Why ``records`` are not in the order the option names (None when they are, or unknown)."""
    words = f"{value} {label}".lower()
    descending = bool(re.search(r"desc|high to low|z-a|newest|latest|most", words))
    ascending = bool(re.search(r"asc|low to high|a-z|oldest|least", words)) or (
        not descending and re.search(r"\bname\b|\btitle\b", words) is not None
    )
    if re.search(r"price|cost|cheap|expensive|amount", words):
        price_key = next(
            (k for k in ("price", "cost", "amount", "total") if any(k in r for r in records)), None
        )
        if price_key is None:
            return None
        series: list[Any] = [_number(r.get(price_key)) for r in records]
        key = "price"
    elif re.search(r"\bname\b|\btitle\b|a-z|z-a|alphabet", words):
        series = [str(r.get("title", "")).lower() for r in records]
        key = "name"
    else:
        return None
    if any(v is None for v in series) or len(series) < 2 or not (ascending or descending):
        return None
    ordered = sorted(series, reverse=descending)
    if series != ordered:
        direction = "descending" if descending else "ascending"
        return f"sort {value!r} is not {direction} by {key}"
    return None


class _Runner:
    def __init__(
        self, executor: Executor, request: DiscoverRequest, meter: CostMeter, deadline: float
    ) -> None:
        self.executor = executor
        self.request = request
        self.meter = meter
        self.deadline = deadline
        self.runs: list[dict[str, Any]] = []

    async def run(self, tool: Tool, inputs: dict[str, Any]) -> ExecuteResult:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0.5:
            raise _Rejected("the time budget ran out before this tool could be checked")
        budget = None
        if self.meter.budget is not None:
            self.meter.ensure_affordable(0.0, "validation")
            budget = Budget(max(0.0, self.meter.budget.max_usd - self.meter.spent))
        result = await self.executor.execute(
            ExecuteRequest(
                tool=tool,
                inputs=inputs,
                auth=self.request.auth,
                timeout=min(20.0, remaining),
                step_timeout=min(8.0, remaining),
                budget=budget,
            )
        )
        self.meter.add(result.cost)
        self.runs.append(
            {
                "inputs": inputs,
                "ok": result.ok,
                "records": len(result.records),
                "path": result.path,
                "status": result.status,
            }
        )
        if not result.ok:
            raise _Rejected(f"running it with {inputs} failed: {result.error}")
        return result


def _enum_options(spec: ToolInput) -> list[tuple[str, str]]:
    labels = spec.enum_labels or tuple(str(v) for v in spec.enum or ())
    out = []
    for value, label in zip(spec.enum or (), labels, strict=False):
        text = str(value)
        if text == "" or text.lower() in ("all", "any", "none", "relevance", "default"):
            continue
        out.append((text, str(label)))
    return out


def _main_input(tool: Tool) -> ToolInput:
    required = [i for i in tool.inputs if i.required]
    return (required or list(tool.inputs))[0]


async def _check_search(
    runner: _Runner, cand: Candidate, pages: Sequence[PageAnalysis]
) -> dict[str, Any]:
    tool = cand.tool
    terms = _terms(pages, urlsplit((tool.url_template or "").split("?", 1)[0]).path)
    term_name = cand.term_field or _main_input(tool).name
    if not terms:
        raise _Rejected("the crawl saw no results to take a search word from")
    baseline = await runner.run(tool, {term_name: ""})
    failures = []
    for term in terms:
        result = await runner.run(tool, {term_name: term})
        records = result.records
        if not records:
            failures.append(f"{term!r} gave no results")
            continue
        share = _share(records, [term])
        if share < MATCH_SHARE:
            failures.append(f"only {share:.0%} of the results for {term!r} contain it")
            continue
        if _keys(records) == _keys(baseline.records):
            failures.append(f"the results for {term!r} are the unfiltered list")
            continue
        evidence: dict[str, Any] = {
            "term": term,
            "results": len(records),
            "matching": share,
            "unfiltered": len(baseline.records),
        }
        sort = next(
            (
                i
                for i in tool.inputs
                if i.name != term_name
                and i.enum
                and any(k in i.name.lower() for k in ("sort", "order"))
            ),
            None,
        )
        if sort is not None and _enum_options(sort):
            option = _enum_options(sort)[0][0]
            combined = await runner.run(tool, {term_name: term, sort.name: option})
            evidence["combined"] = {sort.name: option, "results": len(combined.records)}
        return evidence
    raise _Rejected("; ".join(failures))


async def _check_filter(runner: _Runner, cand: Candidate) -> dict[str, Any]:
    tool = cand.tool
    spec = next((i for i in tool.inputs if i.enum), None)
    if spec is None:
        raise _Rejected("a filter without options cannot be checked")
    options = _enum_options(spec)[:MAX_OPTIONS]
    if len(options) < 2:
        raise _Rejected("a filter needs at least two options")
    seen: dict[str, list[str]] = {}
    layouts = set()
    for value, label in options:
        result = await runner.run(tool, {spec.name: value})
        records = result.records
        layouts.add(result.data.get("layout"))
        if cand.family is not None and cand.family.in_path:
            if not records and not result.data.get("main_text"):
                raise _Rejected(f"option {value!r} gave an empty page")
            title = str(result.title or "").lower()
            if label.lower() not in title and _share(records, [label, value]) < MATCH_SHARE:
                raise _Rejected(f"the page for {value!r} does not mention {label!r}")
        else:
            if not records:
                raise _Rejected(f"option {value!r} gave no results")
            share = _share(records, [label, value])
            if share < MATCH_SHARE:
                raise _Rejected(f"only {share:.0%} of the results for {label!r} match it")
        seen[value] = _keys(records) or [str(result.title)]
    if len(layouts) > 1:
        raise _Rejected(
            "the pages of this link family do not share one layout (not one kind of page)"
        )
    if len({tuple(v) for v in seen.values()}) < 2:
        raise _Rejected("every option gave the same results")
    return {
        "input": spec.name,
        "options": [v for v, _ in options],
        "results": {k: len(v) for k, v in seen.items()},
    }


async def _check_sort(runner: _Runner, cand: Candidate) -> dict[str, Any]:
    tool = cand.tool
    spec = next((i for i in tool.inputs if i.enum), None)
    if spec is None:
        raise _Rejected("a sort without orders cannot be checked")
    options = _enum_options(spec)[:MAX_OPTIONS]
    orders: dict[str, list[str]] = {}
    checked: list[str] = []
    for value, label in options:
        result = await runner.run(tool, {spec.name: value})
        if not result.records:
            raise _Rejected(f"order {value!r} gave no results")
        problem = _sort_check(value, label, result.records)
        if problem:
            raise _Rejected(problem)
        orders[value] = _keys(result.records)
        checked.append(value)
    if len({tuple(o) for o in orders.values()}) < 2:
        raise _Rejected("every order gave the same list")
    return {"input": spec.name, "orders": checked, "order_checked_by_key": True}


async def _check_paginate(runner: _Runner, cand: Candidate) -> dict[str, Any]:
    spec = _main_input(cand.tool)
    first = await runner.run(cand.tool, {spec.name: 1})
    second = await runner.run(cand.tool, {spec.name: 2})
    if not first.records or not second.records:
        raise _Rejected("page 1 or page 2 has no results")
    if _keys(first.records) == _keys(second.records):
        raise _Rejected("page 2 is the same as page 1")
    return {"input": spec.name, "page1": len(first.records), "page2": len(second.records)}


async def _check_navigate(runner: _Runner, cand: Candidate) -> dict[str, Any]:
    spec = _main_input(cand.tool)
    ids = [i for i in dict.fromkeys(cand.sample_ids) if i][:2]
    if len(ids) < 2:
        raise _Rejected("fewer than two ids were seen to check it with")
    results = [await runner.run(cand.tool, {spec.name: i}) for i in ids]
    if results[0].data.get("layout") != results[1].data.get("layout"):
        raise _Rejected("two ids gave pages of different layouts (not one kind of page)")
    if (results[0].title, results[0].data.get("main_text")) == (
        results[1].title,
        results[1].data.get("main_text"),
    ):
        raise _Rejected("two ids gave the same page")
    return {"input": spec.name, "ids": ids, "titles": [r.title for r in results]}


def _write_inputs(
    tool: Tool, marker: str, record_id: str | None, samples: Sequence[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in tool.inputs:
        if spec.name.endswith("_id"):
            chosen = record_id or (samples[0] if samples else None)
            if chosen is None:
                raise _Rejected(f"no {spec.name} to run it with")
            values[spec.name] = int(chosen) if spec.type == "integer" else chosen
        elif spec.enum:
            values[spec.name] = spec.default if spec.default is not None else spec.enum[0]
        elif spec.type in ("integer", "number"):
            values[spec.name] = int(spec.minimum) if spec.minimum is not None else 1
        elif spec.type == "boolean":
            values[spec.name] = False
        elif spec.format == "email":
            values[spec.name] = "walt-check@example.com"
        elif spec.required or spec.name in ("title", "name", "body", "comment", "message", "text"):
            values[spec.name] = marker
    return values


async def _check_writes(
    runner_for: Callable[[Candidate], _Runner],
    candidates: list[Candidate],
    verdicts: dict[int, Verdict],
    record: Callable[[Candidate, str, str, dict[str, Any]], None],
) -> None:
    marker = f"walt check {dt.datetime.now(dt.UTC).strftime('%H%M%S')}"
    created_id: str | None = None
    for cand in sorted(candidates, key=lambda c: _WRITE_ORDER.get(c.kind, 9)):
        if cand.kind == "login":
            continue
        if id(cand) in verdicts:
            continue
        try:
            written = f"{marker} {cand.kind}"
            inputs = _write_inputs(
                cand.tool, written, created_id if cand.kind != "create" else None, cand.sample_ids
            )
            result = await runner_for(cand).run(cand.tool, inputs)
            page = str(result.data.get("main_text", "")).lower()
            evidence: dict[str, Any] = {"inputs": inputs, "final_url": result.final_url}
            if cand.kind in ("create", "edit", "comment") and written in inputs.values():
                if written.lower() not in page:
                    raise _Rejected(f"the page after {cand.kind} does not show what was written")
                evidence["shown"] = True
            if cand.kind == "create" and result.final_url and written in inputs.values():
                match = re.search(r"/(\d+)(?:/|$|\?)", result.final_url)
                if match:
                    created_id = evidence["created_id"] = match.group(1)
            if cand.kind == "delete" and marker.lower() in page:
                raise _Rejected("the deleted record is still listed")
            record(cand, "validated", f"{cand.kind} ran and its effect was seen", evidence)
        except _Rejected as exc:
            record(cand, "rejected", str(exc), {})
        except WaltError as exc:
            record(cand, "rejected", exc.message, {})


async def validate_candidates(
    executor: Executor,
    candidates: Sequence[Candidate],
    pages: Sequence[PageAnalysis],
    request: DiscoverRequest,
    meter: CostMeter,
    *,
    deadline: float,
    on_checked: Callable[[Verdict], Any] | None = None,
) -> list[Verdict]:
    """Check every candidate; returns one verdict per candidate, in the candidates' order."""
    verdicts: dict[int, Verdict] = {}
    runners: dict[int, _Runner] = {}

    def runner_for(cand: Candidate) -> _Runner:
        return runners.setdefault(id(cand), _Runner(executor, request, meter, deadline))

    def record(
        cand: Candidate,
        status: str,
        reason: str,
        evidence: dict[str, Any],
        started: float | None = None,
    ) -> None:
        runner = runner_for(cand)
        validation = Validation(
            status="validated"
            if status == "validated"
            else ("failed" if status == "rejected" else "unvalidated"),
            at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            inputs=evidence.get("inputs", {}) if isinstance(evidence.get("inputs"), dict) else {},
            outcome=reason,
            evidence={k: v for k, v in evidence.items() if k != "inputs"}
            | {"runs": list(runner.runs)},
            elapsed_ms=(time.perf_counter() - started) * 1000 if started else None,
            path="http" if cand.tool.is_url_tool else "browser",
        )
        verdict = Verdict(cand, status, reason, validation)
        verdicts[id(cand)] = verdict
        if on_checked is not None:
            on_checked(verdict)

    checks = {
        "search": lambda c: _check_search(runner_for(c), c, pages),
        "filter": lambda c: _check_filter(runner_for(c), c),
        "sort": lambda c: _check_sort(runner_for(c), c),
        "paginate": lambda c: _check_paginate(runner_for(c), c),
        "navigate": lambda c: _check_navigate(runner_for(c), c),
    }
    slots = asyncio.Semaphore(CONCURRENT_CHECKS)

    async def check(cand: Candidate) -> None:
        async with slots:
            started = time.perf_counter()
            try:
                evidence = await checks.get(cand.kind, checks["navigate"])(cand)
                record(cand, "validated", _summary(cand.kind, evidence), evidence, started)
            except _Rejected as exc:
                record(cand, "rejected", str(exc), {}, started)
            except WaltError as exc:
                record(cand, "rejected", exc.message, {}, started)

    reads: list[Candidate] = []
    writes: list[Candidate] = []
    for cand in candidates:
        if cand.is_write:
            if cand.kind == "login":
                record(cand, "unvalidated", "not run: a login needs credentials", {})
            elif request.validate_writes:
                writes.append(cand)
            else:
                record(
                    cand,
                    "unvalidated",
                    "not run: write tools are only submitted with validate_writes=True",
                    {},
                )
            continue
        reads.append(cand)
    await asyncio.gather(*(check(c) for c in reads))
    if writes:
        # In order, one at a time: the edit, comment and delete act on what the create made.
        await _check_writes(runner_for, writes, verdicts, record)
    return [verdicts[id(c)] for c in candidates]


def _summary(kind: str, evidence: dict[str, Any]) -> str:
    if kind == "search":
        return (
            f"searching {evidence['term']!r} gave {evidence['results']} results, all containing "
            f"it, unlike the {evidence['unfiltered']} unfiltered"
        )
    if kind == "filter":
        return f"each of {len(evidence['options'])} options gave matching, different results"
    if kind == "sort":
        return f"orders {', '.join(evidence['orders'])} differ and follow their keys"
    if kind == "paginate":
        return "pages 1 and 2 both have results, and differ"
    return "two ids gave two different pages of one layout"
