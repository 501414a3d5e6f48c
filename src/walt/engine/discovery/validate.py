"""Validation by running: a tool is kept only if it works and does what its kind promises.

Read tools run with inputs taken from the site itself, and their results are
found by contrast (:mod:`~walt.engine.discovery.contrast`): what changes between
runs is the results, what stays is the chrome. The region found is kept in the
tool (:class:`~walt.core.models.ResultsRegion`), so its later runs return those
records and nothing else.

* search: a probe word taken from the site's records, a nonsense word and no
  word; validated when the results for the word contain it and differ from both
  other runs (a word that finds nothing is replaced by one from results seen);
* filter: up to four options; distinct result sets from pages of one layout,
  matching the option where the records show it;
* sort: each order; orders differ and one follows its key (in both directions
  when the options offer both);
* paginate: two pages (and the listing itself): disjoint records, one layout;
  opaque page tokens as seen in the links;
* navigate: two ids give two different pages of one layout;
* extract: the page has records outside its chrome; a download has a body.

Write tools are never submitted unless the caller passes ``validate_writes``;
then create, edit, comment and delete run in that order on the site, acting on
the record the create made where they can, and the evidence is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from walt.core.costs import Budget, CostMeter
from walt.core.errors import WaltError
from walt.core.logging import get_logger
from walt.core.messages import DiscoverRequest, ExecuteRequest, ExecuteResult
from walt.core.models import (
    ClickStep,
    ResultsRegion,
    ScrollStep,
    SelectChangeStep,
    Step,
    Tool,
    ToolInput,
    Validation,
)
from walt.core.routes import flatten
from walt.engine.browser import render_slots
from walt.engine.discovery.analyze import LinkFamily, PageAnalysis
from walt.engine.discovery.candidates import Candidate
from walt.engine.discovery.contrast import (
    SAME_TEMPLATE,
    Found,
    contains,
    informative_words,
    record_key,
    record_text,
    results_region,
    standing_region,
    template_similarity,
)
from walt.engine.discovery.words import singular
from walt.engine.dom import Document, parse_html
from walt.engine.executor import Executor, browser_gate
from walt.engine.keeper import DocumentKeeper, kept_documents, route_opening
from walt.engine.session import BrowserSession

__all__ = ["Site", "Verdict", "validate_candidates"]

log = get_logger(__name__)

MAX_OPTIONS: Final = 4
MAX_PROBES: Final = 4
INERT_PROBES: Final = 2
"""Probe words tried at most when each shows the page a nonsense word and no word show."""
CONCURRENT_CHECKS: Final = 4
MATCH_SHARE: Final = 0.6
SORTED_SHARE: Final = 0.9
NONSENSE: Final = "qzxvwjkq"
SQL_MARKER: Final = "walt_probe"
_NUMBER: Final = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_WRITE_ORDER: Final = {"create": 0, "edit": 1, "comment": 2, "delete": 3}
_BLANK_OPTIONS: Final = frozenset({"", "all", "any", "none", "relevance", "default", "-"})
_SORT_NAME: Final = re.compile(r"sort|order|srt", re.IGNORECASE)


@attrs.define
class Verdict:
    candidate: Candidate
    status: str  # "validated", "unvalidated", "rejected"
    reason: str
    validation: Validation | None = None
    region: ResultsRegion | None = None

    @property
    def tool(self) -> Tool:
        tool = self.candidate.tool
        if self.validation is not None:
            tool = attrs.evolve(tool, validation=self.validation)
        if self.region is not None:
            tool = attrs.evolve(tool, results=self.region)
        return tool


class _Rejected(Exception):
    """A check failed: the reason goes into the report."""


class _Inert(_Rejected):
    """A search whose every word showed the same page as no word and a nonsense word."""


class _Unproven(Exception):
    """A check that could not gather the evidence it needs, with nothing against the tool:
    the tool is kept, unvalidated, with the reason."""


@attrs.frozen
class _Outcome:
    evidence: dict[str, Any]
    region: ResultsRegion | None = None
    records: tuple[dict[str, Any], ...] = ()  # what the validating run read (a search's hits)
    tool: Tool | None = None  # the tool as validated, when the check changed it (promotion)


@attrs.define
class Site:
    """What the crawl learned that checks need: probe words and the site's chrome."""

    pages: Sequence[PageAnalysis]
    chrome: frozenset[str] = frozenset()
    chrome_words: frozenset[str] = frozenset()

    @classmethod
    def of(cls, pages: Sequence[PageAnalysis]) -> Site:
        # A block repeated unchanged on pages of several paths is the site's chrome (one
        # listing shown under several query strings is not: it stays on its path).
        paths: dict[str, set[str]] = {}
        for page in pages:
            for block in set(page.blocks):
                paths.setdefault(block, set()).add(urlsplit(page.url).path)
        chrome = frozenset(b for b, seen in paths.items() if len(seen) >= 3)
        words: Counter[str] = Counter()
        for page in pages:
            words.update(set(page.chrome_words))
        common = frozenset(w for w, c in words.items() if c >= max(2, len(pages) // 3))
        return cls(pages, chrome, common)

    def titles(self, path: str | None = None) -> list[str]:
        """Record titles outside the chrome; the tool's own results pages first, then
        detail pages' headings."""
        own: list[tuple[str, ...]] = []
        rest: list[tuple[str, ...]] = []
        headings: list[str] = []
        for page in self.pages:
            here = path is not None and urlsplit(page.url).path == path
            for block, titles in page.sample_groups:
                if block not in self.chrome:
                    (own if here else rest).append(titles)
            if not page.is_listing and page.heading:
                headings.append(page.heading)
        # The largest listings first: their titles are the site's records.
        ordered = sorted(own, key=len, reverse=True) + sorted(rest, key=len, reverse=True)
        return [t for block in ordered for t in block] + headings


@attrs.define
class _Run:
    inputs: dict[str, Any]
    result: ExecuteResult
    doc: Document


_OUT_OF_TIME: Final = "the time budget ran out before this tool could be checked"
CHECK_RUNS: Final = 2
"""Runs the shortest check takes (a tool with two inputs to compare, or twice)."""
RUN_FLOOR: Final = 0.5
"""Seconds left below which no run is started."""


class _Pace:
    """How fast the site's browser runs have been in this discovery. A check started with
    less time left than its runs take even at the fastest pace seen is run out by the
    deadline, having taken the cores from the checks that could still finish: it is not
    started (nor is such a run). A run shown in a kept page of its document (warm:
    walt.engine.keeper) is paced by the warm runs alone: it skips the seconds a page
    spends starting the application's code."""

    def __init__(self) -> None:
        self._browser: list[float] = []
        self._warm: list[float] = []

    def ran(self, result: ExecuteResult, seconds: float, warm: bool = False) -> None:
        if result.path == "browser" and result.ok:
            (self._warm if warm else self._browser).append(seconds)

    def too_late(self, deadline: float, runs: int, warm: bool = False) -> bool:
        """Whether ``runs`` more browser runs (``warm`` ones: see the class docstring),
        each as fast as the fastest such run so far, end after ``deadline`` (monotonic
        seconds); False before any such run has ended."""
        seen = self._warm if warm else self._browser + self._warm
        if not seen:
            return False
        return time.monotonic() + min(seen) * runs > deadline


class _Unstarted:
    """The browser checks not started yet (each one's runs, not its wait for a slot), in
    the order checks start in: ``order`` holds every candidate in that order, ``counted``
    tells the browser checks among them."""

    def __init__(self, order: Sequence[Candidate], counted: Callable[[Candidate], bool]) -> None:
        self._rank = {id(c): n for n, c in enumerate(order)}
        self._events = {id(c): asyncio.Event() for c in order if counted(c)}

    def started(self, cand: Candidate) -> None:
        """``cand``'s check started its runs, or ended without them (idempotent)."""
        event = self._events.get(id(cand))
        if event is not None:
            event.set()

    async def ahead_started(self, cand: Candidate, deadline: float) -> None:
        """Return once every browser check that comes before ``cand`` in the order has
        started, or at ``deadline`` (monotonic seconds)."""
        rank = self._rank.get(id(cand), len(self._rank))
        ahead = [e for key, e in self._events.items() if self._rank[key] < rank and not e.is_set()]
        if not ahead:
            return  # without a pause, in which later checks could take the slots first
        waits = asyncio.gather(*(e.wait() for e in ahead))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waits, max(0.0, deadline - time.monotonic()))


def _warm(tool: Tool) -> bool:
    """Whether the tool's run may be shown in a page discovery keeps (its first step opens
    a route of a document a kept page shows; walt.engine.keeper)."""
    keeper = kept_documents.get()
    opening = route_opening(tool)
    return keeper is not None and opening is not None and keeper.holds(opening.template)


class _Runner:
    def __init__(
        self,
        executor: Executor,
        request: DiscoverRequest,
        meter: CostMeter,
        deadline: float,
        pace: _Pace,
    ) -> None:
        self.executor = executor
        self.request = request
        self.meter = meter
        self.deadline = deadline
        self.pace = pace
        self.runs: list[dict[str, Any]] = []

    async def run(self, tool: Tool, inputs: dict[str, Any]) -> _Run:
        remaining = self.deadline - time.monotonic()
        warm = _warm(tool)
        if remaining <= RUN_FLOOR or (
            not tool.is_url_tool and self.pace.too_late(self.deadline, 1, warm)
        ):
            raise _Rejected(_OUT_OF_TIME)
        keeper = kept_documents.get()
        if keeper is not None:
            keeper.served()  # forget a page an earlier run of this task was handed
        started = time.monotonic()
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
                include_html=True,
            )
        )
        self.meter.add(result.cost)
        # Paced as warm only if it was shown in a kept page indeed.
        shown_in_place = keeper is not None and keeper.served()
        self.pace.ran(result, time.monotonic() - started, shown_in_place)
        html = str(result.data.pop("html", "") or "")
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
        doc = parse_html(html, result.final_url or "")
        return _Run(inputs, result, doc)

    async def attempt(self, tool: Tool, inputs: dict[str, Any]) -> _Run | None:
        """A run whose failure is information, not a verdict (an empty search may 400)."""
        try:
            return await self.run(tool, inputs)
        except _Rejected as exc:
            if "time budget" in str(exc):
                raise
            return None


def _enum_options(spec: ToolInput) -> list[tuple[str, str]]:
    labels = spec.enum_labels or tuple(str(v) for v in spec.enum or ())
    out = []
    for value, label in zip(spec.enum or (), labels, strict=False):
        text = str(value)
        if text.lower() in _BLANK_OPTIONS or str(label).strip().lower() in _BLANK_OPTIONS:
            continue
        out.append((text, str(label)))
    return out


def _main_input(tool: Tool) -> ToolInput:
    required = [i for i in tool.inputs if i.required]
    return (required or list(tool.inputs))[0]


def _region_evidence(found: Found) -> dict[str, Any]:
    return {"container": found.region.container, "item": found.region.item}


# --------------------------------------------------------------------------- search


def _probe_words(site: Site, tool: Tool) -> list[str]:
    path = urlsplit((tool.url_template or tool.start_url or "").split("?", 1)[0]).path
    return informative_words(site.titles(path), avoid=site.chrome_words, limit=MAX_PROBES * 2)


def _sql_box(cand: Candidate) -> bool:
    """The search box is an SQL box (a query tool over a database)."""
    field = next(
        (f for f in (cand.form.fields if cand.form else ()) if f.name == cand.term_field), None
    )
    return field is not None and bool(
        re.search(r"\bsql\b", f"{field.name} {field.label} {field.placeholder}", re.I)
    )


async def _check_sql(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    """An SQL box: a constant query's row appears, a broken query's does not."""
    term = cand.term_field or _main_input(cand.tool).name
    probe = f"select 'walt' as {SQL_MARKER}"
    answer = await runner.run(cand.tool, {term: probe})
    broken = await runner.run(cand.tool, {term: NONSENSE})
    text_of = str(answer.result.data.get("main_text", ""))
    if SQL_MARKER not in text_of or SQL_MARKER in str(broken.result.data.get("main_text", "")):
        raise _Rejected(f"the query {probe!r} did not show its row")
    found = results_region(answer.doc, [broken.doc], chrome=site.chrome)
    evidence: dict[str, Any] = {"term": probe, "results": 1, "matching": 1.0}
    evidence |= {"nonsense": 0, "unfiltered": 0}
    if found is not None:
        evidence["region"] = _region_evidence(found)
    return _Outcome(evidence, found.region if found is not None else None)


async def _check_query(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    """A box whose site refused a plain word (its API answered 4xx: a query language),
    checked with the example query its placeholder gives: the example must list records
    other than the box left empty lists and other than a nonsense query's. The records
    need not contain the query's words (``price < 30`` names a condition)."""
    example = cand.query_example
    if example is None:
        raise _Rejected(
            "the site refused a plain word (its box takes a query language) and the box "
            "gives no example query"
        )
    term_name = _term_name(cand)
    shown = await runner.run(cand.tool, {term_name: example})
    blank = await runner.attempt(cand.tool, {term_name: ""})
    nonsense = await runner.attempt(cand.tool, {term_name: NONSENSE})
    contrast = [r.doc for r in (blank, nonsense) if r is not None]
    if not contrast:
        raise _Rejected("neither no query nor a nonsense query could be run to compare with")
    found = results_region(shown.doc, contrast, chrome=site.chrome)
    if found is None or not found.records:
        raise _Rejected(f"the example query {example!r} listed no records of its own")
    unfiltered = standing_region(blank.doc, found.region)[1] if blank is not None else []
    wrong = standing_region(nonsense.doc, found.region)[1] if nonsense is not None else []
    if [record_key(r) for r in unfiltered] == found.keys:
        raise _Rejected(f"the example query {example!r} listed the unfiltered list")
    if [record_key(r) for r in wrong] == found.keys:
        raise _Rejected(f"a nonsense query listed what the example query {example!r} did")
    return _Outcome(
        {
            "term": example,
            "query": True,
            "results": len(found.records),
            "nonsense": len(wrong),
            "unfiltered": len(unfiltered),
            "region": _region_evidence(found),
        },
        found.region,
        tuple(found.records),
    )


PICK_STEP_TIMEOUT: Final = 3.0
"""Seconds the choice of a word's suggestion waits for it when a suggestion widget is
checked (a word the site does not know shows none, and its run fails after this)."""


def _chooses(step: Step, term_name: str) -> bool:
    return isinstance(step, SelectChangeStep) and step.selected_text == f"{{{term_name}}}"


def _picked(cand: Candidate) -> bool:
    """Whether the search's word is chosen among a suggestion widget's suggestions (the
    tool types it, then chooses the suggestion it names)."""
    return any(_chooses(step, _term_name(cand)) for step in cand.tool.steps)


async def _check_pick(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    """A search whose word a suggestion widget turns into the record it names (its script
    writes the record's id into a hidden field): two words the site suggests (the one the
    widget showed, then the crawl's probe words) each list records that contain their
    word, and not the same records. A word the site suggests nothing for fails the run
    (no suggestion to choose, nothing is submitted), as it should: it is not tried on
    purpose. With one such word only, the tool is kept unvalidated."""
    term_name = _term_name(cand)
    spec = next(i for i in cand.tool.inputs if i.name == term_name)
    words = ([str(spec.default)] if spec.default else []) + _search_probes(site, cand)
    # A word the site does not know shows no suggestion: its choice gives up sooner.
    tool = attrs.evolve(
        cand.tool,
        steps=tuple(
            attrs.evolve(step, timeout=PICK_STEP_TIMEOUT) if _chooses(step, term_name) else step
            for step in cand.tool.steps
        ),
    )
    shown: list[tuple[str, _Run, Found]] = []
    tried: list[str] = []
    unique: dict[str, str] = {}
    for word in filter(None, words):
        unique.setdefault(word.casefold(), word)  # the first spelling of each word
    for word in list(unique.values())[:MAX_PROBES]:
        tried.append(word)
        run = await runner.attempt(tool, {term_name: word})
        if run is None:
            continue
        others = [r.doc for _, r, _ in shown]
        found = results_region(run.doc, others, term=word, chrome=site.chrome)
        if found is None or found.share < MATCH_SHARE:
            continue
        shown.append((word, run, found))
        if len(shown) == 2:
            (first, _, one), (second, _, two) = shown
            if one.keys == two.keys:
                raise _Rejected(f"{first!r} and {second!r} listed the same records")
            return _Outcome(
                {
                    "term": second,
                    "results": len(two.records),
                    "matching": round(two.share, 3),
                    "region": _region_evidence(two),
                    "probes": tried,
                    "suggested": [first, second],
                },
                two.region,
                tuple(two.records),
            )
    if shown:
        raise _Unproven(
            f"only {shown[0][0]!r} of the words tried ({', '.join(map(repr, tried))}) is "
            "one the site suggests and lists records for: a second is needed to tell the "
            "choice matters"
        )
    raise _Rejected(
        f"no word tried ({', '.join(map(repr, tried))}) was suggested and listed records "
        "that contain it"
    )


async def _check_search(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    if _sql_box(cand):
        return await _check_sql(runner, cand, site)
    if _picked(cand):
        return await _check_pick(runner, cand, site)
    if cand.refused_words:
        return await _check_query(runner, cand, site)
    tool = cand.tool
    term_name = _term_name(cand)
    probes = _search_probes(site, cand)
    nonsense = await runner.run(tool, {term_name: NONSENSE})
    blank = await runner.attempt(tool, {term_name: ""})
    contrast = [nonsense.doc] + ([blank.doc] if blank is not None else [])
    listed = (
        results_region(blank.doc, [nonsense.doc], chrome=site.chrome) if blank is not None else None
    )
    if not probes and listed is not None:
        probes = _words_of(listed.records, site)
    if not probes:
        raise _Rejected("the crawl saw no records to take a probe word from")
    failures: list[str] = []
    tried: list[str] = []
    refined = False
    # A box whose words change nothing on the page (no word, a nonsense word and the
    # site's own words all show the same page) is given up after INERT_PROBES words.
    inert = blank is not None and _page_identity(blank) == _page_identity(nonsense)
    unchanged = 0
    while probes and len(tried) < MAX_PROBES:
        term = probes.pop(0)
        if term in tried:
            continue
        tried.append(term)
        run = await runner.run(tool, {term_name: term})
        found = results_region(run.doc, contrast, term=term, chrome=site.chrome)
        if inert and found is None and _page_identity(run) == _page_identity(nonsense):
            unchanged += 1
            if unchanged >= INERT_PROBES:
                raise _Inert(
                    f"searching changed nothing on the page ({', '.join(map(repr, tried))}, "
                    "a nonsense word and no word showed the same page)"
                )
        if found is None and listed is not None:
            # Too few results to repeat: the region the unfiltered list showed, on this page.
            group, records = standing_region(run.doc, listed.region)
            if group is not None and records:
                share = sum(1 for r in records if contains(r, term)) / len(records)
                found = Found(group, listed.region, records, share)
        if found is None:
            failures.append(f"{term!r} gave no results that differ from a nonsense search")
            if not refined and listed is not None:
                refined = True
                probes = _words_of(listed.records, site) + probes
            continue
        if found.share < MATCH_SHARE:
            failures.append(f"only {found.share:.0%} of the results for {term!r} contain it")
            if not refined:
                refined = True
                probes = _words_of(found.records, site) + probes
            continue
        _, nonsense_records = standing_region(nonsense.doc, found.region)
        unfiltered: list[dict[str, Any]] = []
        if blank is not None:
            _, unfiltered = standing_region(blank.doc, found.region)
            if [record_key(r) for r in unfiltered] == found.keys:
                failures.append(f"the results for {term!r} are the unfiltered list")
                continue
        return _Outcome(
            {
                "term": term,
                "results": len(found.records),
                "matching": round(found.share, 3),
                "nonsense": len(nonsense_records),
                "unfiltered": len(unfiltered),
                "region": _region_evidence(found),
                "probes": tried,
            },
            found.region,
            tuple(found.records),
        )
    raise _Rejected("; ".join(failures) or "no probe word could be tried")


def _words_of(records: Sequence[dict[str, Any]], site: Site) -> list[str]:
    titles = [str(r.get("title") or r.get("name") or r.get("text") or "") for r in records]
    return informative_words(titles, avoid=site.chrome_words, limit=MAX_PROBES)


# --------------------------------------------------------------------------- filter and sort


async def _option_runs(runner: _Runner, cand: Candidate, spec: ToolInput) -> list[_Run]:
    options = _enum_options(spec)[:MAX_OPTIONS]
    if len(options) < 2:
        raise _Rejected(f"input {spec.name!r} needs at least two options to compare")
    base = _fixed_inputs(cand, spec)
    # Options the links had together with the same other values come first (a
    # revision belongs to its page).
    together = [
        str(s[spec.name])
        for s in cand.sample_sets
        if spec.name in s and all(s.get(k) == v for k, v in base.items() if k in s)
    ]
    ordered = sorted(options, key=lambda o: (o[0] not in together, options.index(o)))
    if len({v for v, _ in options} & set(together)) >= 2:
        ordered = [o for o in ordered if o[0] in together]
    runs = []
    for value, _label in ordered[:MAX_OPTIONS]:
        value_in: Any = [value] if spec.type == "array" else value
        runs.append(await runner.run(cand.tool, {**base, spec.name: value_in}))
    return runs


def _option_inputs(cand: Candidate) -> list[ToolInput]:
    """The inputs with options, the form's own order (a filter form may have several)."""
    specs = [i for i in cand.tool.inputs if i.enum and i.name != cand.term_field]
    if not specs:
        raise _Rejected("a tool without options cannot be checked")
    return specs[:3]


def _fixed_inputs(cand: Candidate, spec: ToolInput) -> dict[str, Any]:
    """Values for the other required inputs: as the site's links had them (a sort that
    carries a search word), else an option or a default."""
    out: dict[str, Any] = {}
    for other in cand.tool.inputs:
        if other.name == spec.name or not other.required:
            continue
        if other.name in cand.sample_inputs:
            out[other.name] = cand.sample_inputs[other.name]
        elif other.name == cand.path_param and cand.sample_ids:
            out[other.name] = cand.sample_ids[0]
        elif other.enum:
            out[other.name] = other.enum[0]
        elif other.default is not None:
            out[other.name] = other.default
    return out


def _one_template(runs: Sequence[_Run]) -> bool:
    """Every page is of the first one's template (see contrast.template_similarity)."""
    return all(template_similarity(runs[0].doc, r.doc) >= SAME_TEMPLATE for r in runs[1:])


def _page_identity(run: _Run) -> tuple[str, str]:
    return str(run.result.title or ""), str(run.result.data.get("main_text", ""))[:2000]


def _chosen(run: _Run, spec: ToolInput) -> str:
    value = run.inputs[spec.name]
    return str(value[0] if isinstance(value, list) else value)


async def _check_filter(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    """Each input with options in turn, until one gives its own results per option."""
    failures: list[str] = []
    for spec in _option_inputs(cand):
        try:
            if _SORT_NAME.search(spec.name):
                return await _sort_outcome(runner, cand, site, spec)
            return await _filter_outcome(runner, cand, site, spec)
        except _Rejected as exc:
            failures.append(f"{spec.name}: {exc}")
    raise _Rejected("; ".join(failures))


async def _filter_outcome(
    runner: _Runner, cand: Candidate, site: Site, spec: ToolInput
) -> _Outcome:
    runs = await _option_runs(runner, cand, spec)
    labels = dict(_enum_options(spec))
    if not _one_template(runs):
        raise _Rejected("the options give pages of different layouts (not one kind of page)")
    found = results_region(runs[0].doc, [r.doc for r in runs[1:]], chrome=site.chrome, every=False)
    if found is None:
        for run in runs[1:]:
            found = results_region(run.doc, [runs[0].doc], chrome=site.chrome)
            if found is not None:
                break
    if found is None:
        # No list changes, but each option is its own page of one template (a category
        # page, a detail view): a filter over pages.
        if len({_page_identity(r) for r in runs}) < len(runs):
            raise _Rejected("no results region changes between the options")
        return _Outcome(
            {"input": spec.name, "options": [_chosen(r, spec) for r in runs], "pages": True}
        )
    sets: dict[str, list[str]] = {}
    matching: dict[str, float] = {}
    for run in runs:
        value = _chosen(run, spec)
        _, records = standing_region(run.doc, found.region)
        words = [value, labels.get(value, "")]
        matching[value] = (
            sum(1 for r in records if any(w and contains(r, w) for w in words)) / len(records)
            if records
            else 0.0
        )
        sets[value] = [record_key(r) for r in records]
    distinct = {tuple(v) for v in sets.values()}
    if len(distinct) < 2 or not any(sets.values()):
        raise _Rejected("every option gave the same results")
    return _Outcome(
        {
            "input": spec.name,
            "options": list(sets),
            "results": {k: len(v) for k, v in sets.items()},
            "matching": {k: round(v, 3) for k, v in matching.items()},
            "region": _region_evidence(found),
        },
        found.region,
    )


def _comparable(value: Any) -> tuple[int, float | str] | None:
    text = str(value or "").strip()
    if not text:
        return None
    number = _NUMBER.fullmatch(text.replace("$", "").replace("€", "").replace("£", "").strip())
    if number:
        return (0, float(number.group(0).replace(",", "")))
    return (1, text.casefold())


def _sorted_share(series: Sequence[Any], descending: bool) -> float:
    pairs = list(itertools.pairwise(series))
    if not pairs:
        return 0.0
    good = sum(1 for a, b in pairs if (a >= b if descending else a <= b))
    return good / len(pairs)


def _sort_key(records: Sequence[dict[str, Any]], label: str, value: str) -> tuple[str, str] | None:
    """The field the records are ordered by, and the direction; None when none is."""
    fields = [k for k in records[0] if k not in ("url", "text")] if records else []
    wanted = {re.sub(r"[^a-z0-9]+", "_", w.lower()).strip("_") for w in (label, value)}
    wanted |= {w.lstrip("_-") for w in wanted}
    named = [f for f in fields if f in wanted or any(w and w in f for w in wanted if len(w) > 2)]
    descending_hint = bool(
        re.search(r"desc|high to low|z-a|newest|latest|most|^-", f"{value} {label}", re.I)
    )
    for field in named + [f for f in fields if f not in named]:
        series = [_comparable(r.get(field)) for r in records]
        if any(s is None for s in series) or len(set(series)) < 2:
            continue
        if len({s[0] for s in series if s is not None}) > 1:
            continue
        for descending in (descending_hint, not descending_hint):
            if _sorted_share(series, descending) >= SORTED_SHARE:
                if named and field not in named:
                    break
                return field, "descending" if descending else "ascending"
        if named and field in named:
            return None  # the option names this field and the records are not in its order
    return None


REVERSED_LEAST: Final = 3
"""Records two orders must both show, in opposite orders, to prove a direction switch."""
REVERSED_SHARE: Final = 0.9
"""Share of neighbouring shared records the other order must list the other way round (a
row fixed at the list's end, a "Load more" row, is in neither order)."""


def _reverse_orders(orders: Sequence[Sequence[str]]) -> bool:
    """Two orders that show the same records (at least :data:`REVERSED_LEAST` of them, and
    half of each list) each in the other's reverse, but for a row or two fixed in place:
    a sort direction switched, though no field the records show says by what they are
    ordered (a time shown as "2 years ago")."""
    if len(orders) != 2:
        return False
    first, second = (list(dict.fromkeys(o)) for o in orders)
    shared = set(first) & set(second)
    # Most of each list: three records that happen to swap are no proof.
    if len(shared) < max(REVERSED_LEAST, min(len(first), len(second)) / 2):
        return False
    where = {key: index for index, key in enumerate(second)}
    positions = [where[k] for k in first if k in shared]
    flipped = sum(1 for a, b in itertools.pairwise(positions) if a > b)
    return flipped >= REVERSED_SHARE * (len(positions) - 1)


async def _check_sort(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    failures: list[str] = []
    for spec in _option_inputs(cand):
        try:
            return await _sort_outcome(runner, cand, site, spec)
        except _Rejected as exc:
            failures.append(f"{spec.name}: {exc}")
    raise _Rejected("; ".join(failures))


async def _sort_outcome(runner: _Runner, cand: Candidate, site: Site, spec: ToolInput) -> _Outcome:
    runs = await _option_runs(runner, cand, spec)
    labels = dict(_enum_options(spec))
    found = results_region(runs[0].doc, [r.doc for r in runs[1:]], chrome=site.chrome, every=False)
    if found is None:
        raise _Rejected("no results region changes between the orders")
    orders: dict[str, list[str]] = {}
    keys: dict[str, str] = {}
    for run in runs:
        value = _chosen(run, spec)
        _, records = standing_region(run.doc, found.region)
        if len(records) < 2:
            raise _Rejected(f"order {value!r} gave fewer than two results")
        orders[value] = [record_key(r) for r in records]
        key = _sort_key(records, labels.get(value, ""), value)
        if key is not None:
            keys[value] = f"{key[0]} {key[1]}"
    if len({tuple(o) for o in orders.values()}) < 2:
        raise _Rejected("every order gave the same list")
    reverses = not keys and _reverse_orders(list(orders.values()))
    if not keys and not reverses:
        raise _Rejected("no order follows a key the records show")
    return _Outcome(
        {
            "input": spec.name,
            "orders": list(orders),
            "keys": keys,
            "reverses": reverses,
            "both_directions": reverses or len({k.split()[1] for k in keys.values()}) > 1,
            "region": _region_evidence(found),
        },
        found.region,
    )


# --------------------------------------------------------------------------- paginate


def _page_values(cand: Candidate, spec: ToolInput) -> list[Any]:
    seen = [v for v, _ in cand.family.values] if cand.family is not None else []
    if spec.type == "integer":
        numbers = sorted({int(v) for v in seen if v.isdigit()})
        floor = int(spec.minimum if spec.minimum is not None else 1)
        if len(numbers) == 1 and numbers[0] > floor:
            return [numbers[0] - 1, numbers[0]]  # a lone "Next" link: that page and the one before
        low = numbers[0] if numbers else floor
        return [low, low + 1]
    return seen[:2]


async def _check_paginate(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    if any(isinstance(s, ClickStep | ScrollStep) and s.repeat for s in cand.tool.steps):
        return await _check_more(runner, cand, site)
    spec = next((i for i in cand.tool.inputs if i.name != cand.term_field and not i.enum), None)
    spec = spec or _main_input(cand.tool)
    base = _fixed_inputs(cand, spec)
    values = _page_values(cand, spec)
    if len(values) < 1:
        raise _Rejected("no page values were seen to check it with")
    runs = [await runner.run(cand.tool, {**base, spec.name: v}) for v in values]
    listing: _Run | None = None
    if cand.family is not None and not cand.family.fixed:
        listing_tool = attrs.evolve(
            cand.tool, url_template=cand.family.page_url.split("#", 1)[0], inputs=(), steps=()
        )
        listing = await runner.attempt(listing_tool, {})
    pages = runs + ([listing] if listing is not None else [])
    if len(pages) < 2:
        raise _Rejected("only one page could be compared")
    if not _one_template(pages):
        raise _Rejected("the pages do not share one layout")
    found = results_region(
        pages[0].doc, [p.doc for p in pages[1:]], chrome=site.chrome, every=False
    )
    if found is None:
        raise _Rejected("no results region changes from page to page")
    seen: list[set[str]] = []
    for page in pages:
        _, records = standing_region(page.doc, found.region)
        if not records:
            raise _Rejected(f"page {page.inputs.get(spec.name, '(first)')!r} has no results")
        seen.append({record_key(r) for r in records})
    numbered = seen[: len(runs)]
    for index, first in enumerate(numbered):
        for second in numbered[index + 1 :]:
            if _overlap(first, second):
                raise _Rejected("two pages share their records (not a continuation)")
    if listing is not None:
        # The listing itself is one of the pages (the first) or none of them.
        alone = seen[-1]
        if not (
            any(alone == page for page in numbered)
            or all(not _overlap(alone, page) for page in numbered)
        ):
            raise _Rejected("the listing overlaps its pages without being one of them")
    return _Outcome(
        {
            "input": spec.name,
            "pages": [str(v) for v in values] + (["(listing)"] if listing is not None else []),
            "records": [len(s) for s in seen],
            "region": _region_evidence(found),
        },
        found.region,
    )


async def _check_more(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    """A "Load more" button or an infinite list: page 2 shows page 1's records and more
    after them. A "Next page" button (``cand.pages_replace``): pages 1, 2 and 3 show
    records of their own in one place and layout (a button that toggles between two
    views, or a carousel that wraps, shows page 1's again)."""
    spec = next(i for i in cand.tool.inputs if i.type == "integer")
    first = await runner.run(cand.tool, {spec.name: 1})
    second = await runner.run(cand.tool, {spec.name: 2})
    found = results_region(second.doc, [first.doc], chrome=site.chrome, every=False)
    if found is None:
        raise _Rejected("loading the next batch changed no results region")
    _, before = standing_region(first.doc, found.region)
    _, after = standing_region(second.doc, found.region)
    kept = {record_key(r) for r in before}
    grown = {record_key(r) for r in after}
    if not before or not after:
        raise _Rejected(f"page 1 shows {len(kept)} records, page 2 {len(grown)}")
    if cand.pages_replace:
        third = await runner.run(cand.tool, {spec.name: 3})
        _, last = standing_region(third.doc, found.region)
        pages = [kept, grown, {record_key(r) for r in last}]
        if not pages[2] or any(_overlap(a, b) for n, a in enumerate(pages) for b in pages[n + 1 :]):
            raise _Rejected("pages 1, 2 and 3 do not each show records of their own")
        if not _one_template([first, second, third]):
            raise _Rejected("pages 1, 2 and 3 do not share one layout")
    else:
        if len(grown) <= len(kept):
            raise _Rejected(
                f"page 2 shows {len(grown)} records, page 1 {len(kept)}: nothing was added"
            )
        if len(kept & grown) < 0.8 * len(kept):
            raise _Rejected("page 2 does not keep page 1's records (not an appended batch)")
    return _Outcome(
        {
            "input": spec.name,
            "pages": ["1", "2", "3"] if cand.pages_replace else ["1", "2"],
            "records": [len(kept), len(grown)],
            "appended": not cand.pages_replace,
            "region": _region_evidence(found),
        },
        found.region,
    )


# --------------------------------------------------------------------------- API promotion

PROMOTION_SHARE: Final = 0.8
"""Share of the browser's results the site's JSON answer must name for a promotion."""


async def _promote(runner: _Runner, cand: Candidate, outcome: _Outcome) -> _Outcome:
    """Offer a validated search as a direct call to the JSON endpoint its page used: kept
    when the call, given the same word, names the results the browser showed and a
    nonsense word gets fewer of them. Otherwise the browser tool stays as validated."""
    api = cand.api
    term = outcome.evidence.get("term")
    if api is None or not isinstance(term, str) or not outcome.records:
        return outcome
    term_name = _term_name(cand)
    tool = attrs.evolve(cand.tool, request=api, results=None)
    hits = await runner.attempt(tool, {term_name: term})
    misses = await runner.attempt(tool, {term_name: NONSENSE})
    if hits is None or misses is None:
        return outcome
    share = _named_share(outcome.records, hits.result.records) or 0.0
    if share < PROMOTION_SHARE or len(misses.result.records) >= len(hits.result.records):
        log.debug("API promotion not kept: %.0f%% of the results named", share * 100)
        return outcome
    evidence = outcome.evidence | {
        "api": {
            "method": api.method,
            "url": api.url,
            "results": len(hits.result.records),
            "named": round(share, 3),
            "nonsense": len(misses.result.records),
        }
    }
    return attrs.evolve(outcome, evidence=evidence, tool=tool, region=None)


async def _check_api_search(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    """A search judged on the JSON its page fetches: the site's own answer to a word
    must hold records that contain it, more than to a nonsense word. The tool kept is
    the direct call (:func:`_confirm_api` confirms it in the browser)."""
    assert cand.api is not None
    term_name = _term_name(cand)
    tool = attrs.evolve(cand.tool, request=cand.api, results=None)
    probes = _search_probes(site, cand)
    nonsense = await runner.run(tool, {term_name: NONSENSE})
    failures: list[str] = []
    for term in list(dict.fromkeys(probes))[:MAX_PROBES]:
        hits = await runner.attempt(tool, {term_name: term})
        records = hits.result.records if hits is not None else []
        if not records:
            failures.append(f"{term!r} gave no records")
            continue
        share = sum(1 for r in records if contains(r, term)) / len(records)
        if share < MATCH_SHARE or len(nonsense.result.records) >= len(records):
            failures.append(f"only {share:.0%} of the records for {term!r} contain it")
            continue
        evidence = {
            "term": term,
            "results": len(records),
            "matching": round(share, 3),
            "nonsense": len(nonsense.result.records),
            "api": {"method": cand.api.method, "url": cand.api.url, "checked": "json"},
        }
        return _Outcome(evidence, None, tuple(records), tool)
    raise _Rejected("; ".join(failures) or "no probe word")


async def _confirm_api(runner: _Runner, cand: Candidate, outcome: _Outcome) -> _Outcome:
    """A search a page's script answers from the site's JSON API, checked through that
    API first (:func:`_check_api_search`: a few HTTP calls where the browser check needs
    several page loads each costing seconds), then confirmed once in the browser: given
    the word the API validated, the browser tool's results must be named in the API's
    answer, as for a promotion. A browser run that reads no records leaves the API's
    verdict standing (its page may split rows)."""
    term = str(outcome.evidence["term"])
    shown = await runner.attempt(cand.tool, {_term_name(cand): term})
    records = shown.result.records if shown is not None else []
    share = _named_share(records, outcome.records)
    if share is not None and share < PROMOTION_SHARE:
        raise _Rejected(f"the browser showed results the API did not name ({share:.0%} named)")
    api = dict(outcome.evidence["api"])
    api |= {"results": outcome.evidence["results"], "nonsense": outcome.evidence["nonsense"]}
    api["named"] = round(share, 3) if share is not None else None
    titled = sum(1 for r in records if _title(r))
    browser = (
        f"{titled} results shown for {term!r}" if shown is not None else "the browser run failed"
    )
    return attrs.evolve(outcome, evidence=outcome.evidence | {"api": api, "browser": browser})


_NOT_CONFIRMED: Final = (
    "not run: the time budget ran out first (the crawl saw the page make this call for the "
    "word typed in its box)"
)


async def _confirmed_in_time(runner: _Runner, cand: Candidate, outcome: _Outcome) -> _Outcome:
    """:func:`_confirm_api`, when a browser run can still end before the runner's deadline
    at the pace seen; otherwise the API's verdict stands, its evidence saying the browser
    run was not made. Raises :class:`_Rejected` when the browser does not confirm it."""
    unconfirmed = attrs.evolve(outcome, evidence=outcome.evidence | {"browser": _NOT_CONFIRMED})
    left = runner.deadline - time.monotonic()
    if left <= RUN_FLOOR or runner.pace.too_late(runner.deadline, 1, _warm(cand.tool)):
        return unconfirmed
    try:
        return await _confirm_api(runner, cand, outcome)
    except _Rejected as exc:
        if str(exc) != _OUT_OF_TIME:
            raise
        return unconfirmed


def _term_name(cand: Candidate) -> str:
    """The input a search's words go in."""
    return cand.term_field or _main_input(cand.tool).name


def _search_probes(site: Site, cand: Candidate) -> list[str]:
    """Probe words for a search, the word that showed results when the crawl tried the
    box first."""
    probes = _probe_words(site, cand.tool)
    seen = cand.sample_inputs.get(_term_name(cand))
    if isinstance(seen, str) and seen:
        probes.insert(0, seen)
    return probes


def _start_page_first(candidates: list[Candidate], start: str) -> list[Candidate]:
    """The order checks start in: those found on the start page first (its path: a script
    may rewrite its query), then one of each kind before a second of any, so that a short
    budget proves a search, a filter, a sort and a pager rather than four searches.
    Last come the long shots: a family of the site's navigation links, or of its top-level
    sections (``/{}``), taken for a filter, and a search box that refused a plain word (a
    query language, checked only with the example its placeholder gives). Otherwise the
    candidates' order."""
    home = urlsplit(flatten(start)).path
    ranks: Counter[tuple[bool, bool, str]] = Counter()
    keyed: list[tuple[bool, bool, int, int, Candidate]] = []
    for index, cand in enumerate(candidates):
        elsewhere = urlsplit(flatten(cand.page_url)).path != home
        long_shot = cand.refused_words or (
            cand.family is not None and (cand.family.in_chrome or _sections(cand.family))
        )
        rank = ranks[long_shot, elsewhere, cand.kind]
        ranks[long_shot, elsewhere, cand.kind] += 1
        keyed.append((long_shot, elsewhere, rank, index, cand))
    return [c for *_, c in sorted(keyed, key=lambda k: k[:4])]


def _sections(family: LinkFamily) -> bool:
    """Links that differ in the first segment of the path (or of the route): the site's
    sections, each a page of its own kind."""
    return family.in_path and family.path.replace("%23/", "") == "/{}"


def _named_share(shown: Sequence[dict[str, Any]], answer: Sequence[dict[str, Any]]) -> float | None:
    """Share of the titles of ``shown`` (a browser's results) that ``answer`` (a JSON
    API's records) names; None when ``shown`` has no titles."""
    texts = [record_text(r).lower() for r in answer]
    titles = [t for t in (_title(r) for r in shown) if t]
    if not titles:
        return None
    return sum(1 for t in titles if any(t in a for a in texts)) / len(titles)


def _title(record: dict[str, Any]) -> str:
    value = record.get("title") or record.get("name") or record.get("text") or ""
    return " ".join(str(value).split()).lower()


def _overlap(first: set[str], second: set[str]) -> bool:
    return len(first & second) > 0.2 * min(len(first), len(second))


# --------------------------------------------------------------------------- navigate, extract


async def _check_navigate(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    spec = next((i for i in cand.tool.inputs if i.name == cand.path_param), None)
    spec = spec or _main_input(cand.tool)
    sets = _distinct_sets(cand, spec)
    if len(sets) < 2:
        raise _Rejected("fewer than two ids were seen to check it with")
    runs = [await runner.run(cand.tool, inputs) for inputs in sets[:2]]
    ids = [str(inputs.get(spec.name)) for inputs in sets[:2]]
    if not _one_template(runs):
        raise _Rejected("two ids gave pages of different layouts (not one kind of page)")
    if _page_identity(runs[0]) == _page_identity(runs[1]):
        raise _Rejected("two ids gave the same page")
    return _Outcome({"input": spec.name, "ids": ids, "titles": [r.result.title for r in runs]})


def _distinct_sets(cand: Candidate, spec: ToolInput) -> list[dict[str, Any]]:
    """Two input sets that differ in ``spec``: whole sets the site's links had (ids that
    belong together), else the sample ids with the other inputs fixed."""
    names = {i.name for i in cand.tool.inputs}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for inputs in cand.sample_sets:
        value = inputs.get(spec.name)
        if value is None or str(value) in seen or not set(inputs) <= names:
            continue
        seen.add(str(value))
        out.append(dict(inputs))
    if len(out) >= 2:
        return out
    base = _fixed_inputs(cand, spec)
    return [{**base, spec.name: i} for i in dict.fromkeys(cand.sample_ids) if i]


async def _check_extract(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    run = await runner.run(cand.tool, {})
    if cand.source == "download":
        data = run.result.data
        if not (data.get("items") or data.get("json") or data.get("text") or data.get("size")):
            raise _Rejected("the download is empty")
        return _Outcome(
            {"content_type": data.get("content_type"), "records": len(run.result.records)}
        )
    found = results_region(run.doc, [], chrome=site.chrome)
    if found is None or len(found.records) < 2:
        raise _Rejected("the page lists no records outside its navigation")
    return _Outcome(
        {"records": len(found.records), "region": _region_evidence(found)}, found.region
    )


# --------------------------------------------------------------------------- writes


def _write_inputs(
    tool: Tool, marker: str, record_id: str | None, samples: Sequence[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in tool.inputs:
        if _names_record(spec.name):
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


_ON_OWN_RECORD: Final = frozenset({"edit", "comment", "delete"})
"""Writes checked only on a record that the check's own create made."""


def _names_record(name: str) -> bool:
    """Whether an input of this name takes a record's id (what :func:`_write_inputs`
    fills with the created record's, else the first seen)."""
    return name == "id" or name.endswith("_id")


def _record_input(tool: Tool) -> bool:
    """Whether the tool takes a record's id."""
    return any(_names_record(spec.name) for spec in tool.inputs)


def _made_here(tool: Tool, created: tuple[str, str] | None) -> bool:
    """Whether the record the check's create made (``created``: the segment its address
    names it under, and its id) is of the kind ``tool``'s id input takes: ``/tickets/9``
    for ``ticket_id`` (a bare ``id``, or a generic ``item_id``, takes any)."""
    if created is None:
        return False
    kind = singular(created[0].lower().replace("-", "_"))
    for spec in tool.inputs:
        if spec.name in ("id", "item_id"):
            return True
        if _names_record(spec.name):
            return singular(spec.name.removesuffix("_id")) == kind
    return False


async def _check_writes(
    runner_for: Callable[[Candidate], _Runner],
    candidates: list[Candidate],
    verdicts: dict[int, Verdict],
    record: Callable[[Candidate, str, str, dict[str, Any]], None],
) -> None:
    marker = f"walt check {dt.datetime.now(dt.UTC).strftime('%H%M%S')}"
    created: tuple[str, str] | None = None  # (the path segment before its id, the id)
    for cand in sorted(candidates, key=lambda c: _WRITE_ORDER.get(c.kind, 9)):
        if cand.kind == "login" or id(cand) in verdicts:
            continue
        if (
            cand.kind in _ON_OWN_RECORD
            and _record_input(cand.tool)
            and not _made_here(cand.tool, created)
        ):
            # Writing to one of the site's own records (the first the crawl saw, or one of
            # another kind with the created record's number) would change or remove data
            # nobody asked to change: only a record of its kind that a create made.
            record(
                cand, "unvalidated", "not run: no record of its own was created to try it on", {}
            )
            continue
        try:
            written = f"{marker} {cand.kind}"
            inputs = _write_inputs(
                cand.tool,
                written,
                created[1] if created is not None and cand.kind != "create" else None,
                cand.sample_ids,
            )
            result = (await runner_for(cand).run(cand.tool, inputs)).result
            page = str(result.data.get("main_text", "")).lower()
            evidence: dict[str, Any] = {"inputs": inputs, "final_url": result.final_url}
            if cand.kind in ("create", "edit", "comment") and written in inputs.values():
                if written.lower() not in page:
                    raise _Rejected(f"the page after {cand.kind} does not show what was written")
                evidence["shown"] = True
            if cand.kind == "create" and result.final_url and written in inputs.values():
                match = re.search(r"/([^/?#]+)/(\d+)(?:/|$|\?)", result.final_url)
                if match:
                    created = (match.group(1), match.group(2))
                    evidence["created_id"] = match.group(2)
            if cand.kind == "delete" and marker.lower() in page:
                raise _Rejected("the deleted record is still listed")
            record(cand, "validated", f"{cand.kind} ran and its effect was seen", evidence)
        except _Rejected as exc:
            record(cand, "rejected", str(exc), {})
        except WaltError as exc:
            record(cand, "rejected", exc.message, {})


# --------------------------------------------------------------------------- entry point

_CHECKS: Final = {
    "search": _check_search,
    "filter": _check_filter,
    "sort": _check_sort,
    "paginate": _check_paginate,
    "navigate": _check_navigate,
    "extract": _check_extract,
}


async def validate_candidates(
    executor: Executor,
    candidates: Sequence[Candidate],
    pages: Sequence[PageAnalysis],
    request: DiscoverRequest,
    meter: CostMeter,
    *,
    deadline: float,
    on_checked: Callable[[Verdict], Any] | None = None,
    handed: tuple[BrowserSession, frozenset[str]] | None = None,
) -> list[Verdict]:
    """Check every candidate; returns one verdict per candidate, in the candidates' order.
    ``handed``: a session whose page shows the start page's document and the parameters
    its routes named (the crawl's, :attr:`CrawlResult.handed`), kept for the runs of
    routes of that document; it is released (closed) by the time this returns."""
    keeper = DocumentKeeper(render_slots())
    if handed is not None:
        refused = keeper.adopt(*handed)
        if refused is not None:
            executor.sessions.release(refused)

    async def validate_all() -> list[Verdict]:
        verdicts: dict[int, Verdict] = {}
        runners: dict[int, _Runner] = {}
        site = Site.of(pages)
        pace = _Pace()

        def runner_for(cand: Candidate) -> _Runner:
            return runners.setdefault(id(cand), _Runner(executor, request, meter, deadline, pace))

        def record(
            cand: Candidate,
            status: str,
            reason: str,
            evidence: dict[str, Any],
            started: float | None = None,
            region: ResultsRegion | None = None,
        ) -> None:
            runner = runner_for(cand)
            validation = Validation(
                status="validated"
                if status == "validated"
                else ("failed" if status == "rejected" else "unvalidated"),
                at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                inputs=evidence.get("inputs", {})
                if isinstance(evidence.get("inputs"), dict)
                else {},
                outcome=reason,
                evidence={k: v for k, v in evidence.items() if k != "inputs"}
                | {"runs": list(runner.runs)},
                elapsed_ms=(time.perf_counter() - started) * 1000 if started else None,
                path="http" if cand.tool.is_url_tool else "browser",
            )
            verdict = Verdict(cand, status, reason, validation, region)
            verdicts[id(cand)] = verdict
            if on_checked is not None:
                on_checked(verdict)

        slots = asyncio.Semaphore(CONCURRENT_CHECKS)
        # The JSON checks of searches take slots of their own: a few HTTP calls each, they
        # would otherwise wait for the browser checks ahead of them to end.
        calls = asyncio.Semaphore(CONCURRENT_CHECKS)
        # A check that runs its tool in the browser holds one of these throughout: one per
        # core (heavy application pages drawn two to a core each ran past their time limit),
        # and a check once started is finished before the next one starts.
        drawing = asyncio.Semaphore(render_slots())

        # A URL tool found on a page a script drew will be drawn too: it holds its slot from
        # the start, so that waiting for one never counts against a run's time limit.
        drawn = {flatten(p.url) for p in pages if p.rendered}

        async def check_api_first(cand: Candidate) -> bool:
            """A search its page answers from the site's JSON API: judged on the API (HTTP
            calls, not waiting for the browser checks), then confirmed by one browser run
            once the browser checks before it have started (:func:`_confirm_api`); validated on the
            API alone when no browser run fits before the deadline. False when the API
            check does not hold (the browser check follows)."""
            started = time.perf_counter()
            runner = runner_for(cand)
            try:
                # A call whose answer turns out to need the browser takes a drawing slot.
                gate = browser_gate.set(drawing)
                try:
                    async with calls:
                        outcome = await _check_api_search(runner, cand, site)
                finally:
                    browser_gate.reset(gate)
                # A confirmation adds certainty to a tool, a check not yet started may add a
                # tool: those that come first in the order take the drawing slots first.
                await unstarted.ahead_started(cand, deadline)
                async with drawing:
                    outcome = await _confirmed_in_time(runner, cand, outcome)
            except (_Rejected, WaltError) as exc:
                log.debug("%s: the API check did not hold (%s)", cand.tool.name, exc)
                return False
            assert outcome.tool is not None
            cand.tool = outcome.tool
            summary = _summary(cand.kind, outcome.evidence)
            record(cand, "validated", summary, outcome.evidence, started)
            return True

        def api_first(cand: Candidate) -> bool:
            return cand.api is not None and cand.kind == "search"

        def draws(cand: Candidate) -> bool:
            return not cand.tool.is_url_tool or flatten(cand.page_url) in drawn

        async def check(cand: Candidate) -> None:
            try:
                await check_one(cand)
            finally:
                unstarted.started(cand)

        async def check_one(cand: Candidate) -> None:
            if api_first(cand) and await check_api_first(cand):
                return
            browser = draws(cand)
            if not browser:
                # Taken by a run only if its page turns out to be drawn after all.
                browser_gate.set(drawing)
            # Always the check slot first, then the drawing slot (a URL tool's run takes the
            # latter only later, through browser_gate): one order, so no two checks each hold
            # what the other waits for.
            async with slots, drawing if browser else contextlib.nullcontext():
                unstarted.started(cand)
                started = time.perf_counter()
                if browser and pace.too_late(deadline, CHECK_RUNS, _warm(cand.tool)):
                    record(cand, "rejected", _OUT_OF_TIME, {}, started)
                    return
                try:
                    outcome = await _check_or_fallback(runner_for(cand), cand, site)
                    if cand.api is not None:
                        outcome = await _promote(runner_for(cand), cand, outcome)
                        if outcome.tool is not None:
                            cand.tool = outcome.tool
                    record(
                        cand,
                        "validated",
                        _summary(cand.kind, outcome.evidence),
                        outcome.evidence,
                        started,
                        outcome.region,
                    )
                except _Rejected as exc:
                    # A search's API was judged first (above): judging it again after the
                    # browser check would repeat those runs, or overrule the confirmation.
                    record(cand, "rejected", str(exc), {}, started)
                except _Unproven as exc:
                    record(cand, "unvalidated", f"not proven: {exc}", {}, started)
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
            if cand.tool.annotations is not None and cand.tool.annotations.read_only is False:
                record(cand, "unvalidated", "not run: it may change data", {})
                continue
            post = cand.form is not None and cand.form.method == "post"
            if post and cand.kind != "search" and not cand.tool.is_url_tool:
                # Never submitted in discovery, validate_writes or not: a form that only
                # looks like display options could still change data.
                record(cand, "unvalidated", "not run: a POST form that is not a search", {})
                continue
            if post and cand.form is not None and cand.form.by_button:
                # A second button that posts a search form elsewhere ("Save this search",
                # "Email me the results") may well write: its words alone cannot tell.
                record(cand, "unvalidated", "not run: a search form's other button that posts", {})
                continue
            reads.append(cand)
        # Checks start in this order (the slots are taken first come, first served): what the
        # page the caller pointed at offers is what they asked about, so it is checked first
        # when the budget cannot cover every candidate.
        # A run of a tool that opens a route in the fragment may show it in a page an earlier
        # run left, of this check or another (walt.engine.keeper): the application's code is
        # then started once, not once per check.
        order = _start_page_first(reads, request.url)
        unstarted = _Unstarted(order, lambda c: draws(c) and not api_first(c))
        token = kept_documents.set(keeper)
        try:
            await asyncio.gather(*(check(c) for c in order))
        finally:
            # Closed: should a check raise, a run of another that ends later gives its page
            # back to be released rather than kept.
            kept_documents.reset(token)
            for stale in keeper.close():
                executor.sessions.release(stale)  # reset or closed in the background
        if writes:
            # In order, one at a time: the edit, comment and delete act on what the create made.
            await _check_writes(runner_for, writes, verdicts, record)
        return [verdicts[id(c)] for c in candidates]

    try:
        return await validate_all()
    finally:
        for stale in keeper.close():
            executor.sessions.release(stale)  # closed, or reset, in the background


async def _check_or_fallback(runner: _Runner, cand: Candidate, site: Site) -> _Outcome:
    """The check of the candidate's kind; when it does not hold and the candidate has a
    fallback (the same function by other steps, such as a list box for a URL that keeps
    its choice), the fallback is checked as the tool, while time for its runs is left."""
    check = _CHECKS.get(cand.kind, _check_navigate)
    try:
        return await check(runner, cand, site)
    except (_Rejected, WaltError) as exc:
        fallback = cand.fallback
        if fallback is None or runner.pace.too_late(runner.deadline, CHECK_RUNS):
            raise
        if cand.fallback_if_inert and not isinstance(exc, _Inert):
            raise  # the form's HTTP submission did show something: no script took it
        log.debug("%s did not hold (%s): checking its fallback", cand.tool.name, exc)
        cand.tool, cand.fallback = attrs.evolve(fallback, name=cand.tool.name), None
        return await check(runner, cand, site)


def _summary(kind: str, evidence: dict[str, Any]) -> str:
    if kind == "search" and evidence.get("query"):
        return (
            f"the example query {evidence['term']!r} gave {evidence['results']} results, "
            f"unlike no query ({evidence['unfiltered']}) and a nonsense query "
            f"({evidence['nonsense']})"
        )
    if kind == "search" and evidence.get("suggested"):
        first, second = evidence["suggested"]
        return (
            f"the suggestions {first!r} and {second!r} each listed their own records "
            f"({evidence['results']} for {second!r}, {evidence['matching']:.0%} containing it)"
        )
    if kind == "search" and "unfiltered" not in evidence:  # checked through the API only
        unconfirmed = evidence.get("browser") == _NOT_CONFIRMED
        return (
            f"the site's JSON API gave {evidence['results']} records for {evidence['term']!r}, "
            f"{evidence['matching']:.0%} containing it, unlike a nonsense word "
            f"({evidence['nonsense']})"
            + ("; not confirmed in the browser: the time budget ran out" if unconfirmed else "")
        )
    if kind == "search":
        return (
            f"searching {evidence['term']!r} gave {evidence['results']} results, "
            f"{evidence['matching']:.0%} containing it, unlike a nonsense word "
            f"({evidence['nonsense']}) and no word ({evidence['unfiltered']})"
        )
    if kind == "filter":
        return f"each of {len(evidence['options'])} options gave its own results"
    if kind == "sort" and not evidence["keys"]:
        return f"orders {', '.join(evidence['orders'])} list the same records in reverse"
    if kind == "sort":
        keys = ", ".join(f"{k}: {v}" for k, v in evidence["keys"].items())
        return f"orders {', '.join(evidence['orders'])} differ; ordered by {keys}"
    if kind == "paginate" and evidence.get("appended"):
        first, second = evidence["records"]
        return f"page 2 keeps the {first} records of page 1 and adds {second - first}"
    if kind == "paginate":
        return f"pages {', '.join(evidence['pages'])} have disjoint results of one layout"
    if kind == "extract":
        return f"the page lists {evidence.get('records', 0)} records"
    return "two ids gave two different pages of one layout"
