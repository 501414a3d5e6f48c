"""Requests and results of the Backend protocol.

They are frozen attrs classes that :data:`walt.core.converter.converter` turns
into JSON and back unchanged, so the in-process, Redis-queue and remote
backends carry exactly the same payloads, errors included.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from walt.core.costs import Budget, Cost
from walt.core.errors import WaltError
from walt.core.models import Tool
from walt.core.toolfile import save_tool, tool_path

__all__ = [
    "BlockedRequest",
    "DiscoverRequest",
    "DiscoverResult",
    "DiscoveryReport",
    "ExecuteRequest",
    "ExecuteResult",
    "GenerateRequest",
    "GenerateResult",
    "Health",
    "PageVisit",
    "ProgressCallback",
    "ProgressEvent",
    "StepRecord",
    "ToolVerdict",
]


def new_request_id() -> str:
    return uuid.uuid4().hex


def _dict(value: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(value or {})


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value or ())


def _optional_dict(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


# --------------------------------------------------------------------------- requests


@attrs.frozen(kw_only=True)
class DiscoverRequest:
    """Find the tools of the site at ``url``.

    The crawl's budget is time (``time_budget`` seconds for the whole discovery,
    validation included) and ``pages_per_pattern`` (pages of one URL pattern and
    variant); ``max_pages`` is only a safety bound. ``max_depth`` counts hops
    that bring no new URL pattern. ``auth`` is a Playwright storage state
    (cookies and local storage), used for every page; it is never logged. When
    it carries ``walt_landing_url`` (what ``walt login`` saves: the page the
    login landed on), the crawl starts there too.
    """

    url: str
    goal: str | None = None
    max_tools: int = 50
    max_pages: int = 300
    max_depth: int = 3
    time_budget: float = 25.0
    pages_per_pattern: int = 2
    validate_writes: bool = False
    respect_robots: bool = True
    auth: dict[str, Any] | None = attrs.field(default=None, repr=False, converter=_optional_dict)
    budget: Budget | None = None
    request_id: str = attrs.field(factory=new_request_id)


@attrs.frozen(kw_only=True)
class GenerateRequest:
    """Build the single best tool of the site at ``url`` for ``goal``."""

    url: str
    goal: str
    max_pages: int = 300
    max_depth: int = 3
    time_budget: float = 25.0
    pages_per_pattern: int = 2
    validate_writes: bool = False
    respect_robots: bool = True
    auth: dict[str, Any] | None = attrs.field(default=None, repr=False, converter=_optional_dict)
    budget: Budget | None = None
    request_id: str = attrs.field(factory=new_request_id)


@attrs.frozen(kw_only=True)
class ExecuteRequest:
    """Run ``tool`` with ``inputs``.

    ``timeout`` bounds the whole run, ``step_timeout`` each step;
    ``prefer_http`` lets URL tools run with one HTTP request and no browser;
    ``start_url`` is the page a tool that starts mid-site works on;
    ``capture_auth`` returns the browser's storage state after the run (a login);
    ``include_html`` adds the final page's HTML to ``data["html"]`` (discovery
    reads it to find the results by contrast; handy for debugging a tool).
    """

    tool: Tool
    inputs: dict[str, Any] = attrs.field(factory=dict, converter=_dict)
    auth: dict[str, Any] | None = attrs.field(default=None, repr=False, converter=_optional_dict)
    timeout: float = 60.0
    step_timeout: float = 15.0
    screenshot_on_failure: bool = False
    prefer_http: bool = True
    start_url: str | None = None
    capture_auth: bool = False
    include_html: bool = False
    budget: Budget | None = None
    request_id: str = attrs.field(factory=new_request_id)


# --------------------------------------------------------------------------- results


@attrs.frozen
class StepRecord:
    """What happened to one step: ``ok``, ``skipped`` (optional inputs empty) or ``failed``."""

    index: int
    type: str
    status: Literal["ok", "skipped", "failed"] = "ok"
    description: str | None = None
    locator: str | None = None
    elapsed_ms: float = 0.0
    url: str | None = None
    detail: str | None = None
    dialog: str | None = None  # a dialog the step accepted or dismissed: "confirm: Delete?"


@attrs.frozen
class BlockedRequest:
    """A request the network guard refused (URL redacted)."""

    url: str
    reason: str
    resource_type: str | None = None


@attrs.frozen(kw_only=True)
class ExecuteResult:
    """The outcome of running a tool.

    A tool that fails returns ``ok=False`` with ``error`` set (and the steps
    that ran, blocked requests, an optional screenshot) so the failure can be
    diagnosed; :meth:`raise_for_error` turns it into the exception.
    """

    ok: bool
    tool: str
    path: Literal["http", "browser"]
    final_url: str | None = None
    title: str | None = None
    status: int | None = None
    data: dict[str, Any] = attrs.field(factory=dict, converter=_dict)
    steps: tuple[StepRecord, ...] = attrs.field(default=(), converter=_tuple)
    cost: Cost = attrs.field(factory=Cost)
    blocked: tuple[BlockedRequest, ...] = attrs.field(default=(), converter=_tuple)
    elapsed_ms: float = 0.0
    error: WaltError | None = attrs.field(default=None, eq=False)
    screenshot: bytes | None = attrs.field(default=None, repr=False)
    backend: str | None = None
    request_id: str | None = None
    auth_state: dict[str, Any] | None = attrs.field(
        default=None, repr=False, converter=_optional_dict
    )

    def raise_for_error(self) -> ExecuteResult:
        """Raise the run's error if it failed; return ``self`` otherwise."""
        if self.error is not None:
            raise self.error
        return self

    @property
    def records(self) -> list[dict[str, Any]]:
        """The result items extracted from the final page (cards, rows), or table rows."""
        items = self.data.get("items")
        if isinstance(items, list) and items:
            return items
        tables = self.data.get("tables")
        if isinstance(tables, list) and tables and isinstance(tables[0], Mapping):
            rows = tables[0].get("rows")
            if isinstance(rows, list):
                return rows
        return []


@attrs.frozen
class PageVisit:
    """A page the crawl visited (``note`` says what went wrong, if anything) or skipped
    (``note`` says why)."""

    url: str
    depth: int
    status: int | None = None
    elapsed_ms: float = 0.0
    candidates: int = 0
    note: str | None = None
    pattern: str | None = None


@attrs.frozen
class ToolVerdict:
    """Why a candidate tool was kept or rejected."""

    name: str
    kind: str | None
    status: Literal["validated", "unvalidated", "rejected"]
    reason: str = ""


@attrs.frozen(kw_only=True)
class DiscoveryReport:
    """What a discovery did: every page visited (``pages``) or skipped (``skipped``, with
    why), the URL patterns seen but not visited, and every candidate tool with its
    verdict and reason (``kept``, ``rejected``)."""

    pages: tuple[PageVisit, ...] = attrs.field(default=(), converter=_tuple)
    candidates: int = 0
    kept: tuple[ToolVerdict, ...] = attrs.field(default=(), converter=_tuple)
    rejected: tuple[ToolVerdict, ...] = attrs.field(default=(), converter=_tuple)
    elapsed_ms: float = 0.0
    cost: Cost = attrs.field(factory=Cost)
    warnings: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    skipped: tuple[PageVisit, ...] = attrs.field(default=(), converter=_tuple)
    unvisited_patterns: tuple[str, ...] = attrs.field(default=(), converter=_tuple)

    def summary(self, *, pages: bool = False) -> str:
        """A readable summary: pages, candidates, tools kept and rejected with reasons
        (``pages=True`` lists every page visited and skipped too)."""
        lines = [
            f"pages visited: {len(self.pages)}, skipped: {len(self.skipped)}, "
            f"patterns not visited: {len(self.unvisited_patterns)}",
            f"candidates: {self.candidates}",
            f"tools kept: {len(self.kept)}",
        ]
        lines += [f"  + {v.name} ({v.kind}, {v.status}) {v.reason}".rstrip() for v in self.kept]
        lines.append(f"rejected: {len(self.rejected)}")
        lines += [f"  - {v.name} ({v.kind}): {v.reason}" for v in self.rejected]
        if pages:
            lines += [
                f"  page {p.url}: " + (p.note or f"HTTP {p.status}, {p.candidates} candidates")
                for p in self.pages
            ]
            lines += [f"  skipped {p.url}: {p.note}" for p in self.skipped]
            lines += [f"  not visited: {u}" for u in self.unvisited_patterns]
        lines += [f"warning: {w}" for w in self.warnings]
        cost = self.cost
        lines.append(
            f"time: {self.elapsed_ms / 1000:.2f} s, cost: {cost.total:.6f} {cost.currency}"
        )
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class DiscoverResult:
    url: str
    tools: tuple[Tool, ...] = attrs.field(default=(), converter=_tuple)
    report: DiscoveryReport = attrs.field(factory=DiscoveryReport)
    pages_visited: int = 0
    elapsed_ms: float = 0.0
    cost: Cost = attrs.field(factory=Cost)
    backend: str | None = None
    request_id: str | None = None

    def tool(self, name: str) -> Tool:
        for tool in self.tools:
            if name in (tool.name, tool.function_name):
                return tool
        raise KeyError(name)

    def save(self, directory: str) -> list[str]:
        """Write every tool to ``<directory>/<name>/<name>.tool.json`` (the sfr-walt layout,
        the one :class:`walt.DirectoryStore` reads); the paths written."""
        return [str(save_tool(t, tool_path(directory, t.function_name))) for t in self.tools]


@attrs.frozen(kw_only=True)
class GenerateResult:
    url: str
    goal: str
    tool: Tool
    score: float = 0.0
    alternatives: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    report: DiscoveryReport = attrs.field(factory=DiscoveryReport)
    elapsed_ms: float = 0.0
    cost: Cost = attrs.field(factory=Cost)
    backend: str | None = None
    request_id: str | None = None


@attrs.frozen(kw_only=True)
class Health:
    """Whether a backend can take work now, and why not."""

    ok: bool
    backend: str
    detail: str = ""
    latency_ms: float | None = None
    workers: int | None = None
    checked_at: float = attrs.field(factory=time.time)
    info: dict[str, Any] = attrs.field(factory=dict, converter=_dict)


@attrs.frozen(kw_only=True)
class ProgressEvent:
    """Progress of a discovery: what phase, and how much was seen so far."""

    phase: Literal["start", "crawl", "analyze", "validate", "done"]
    pages_seen: int = 0
    pages_total: int = 0
    candidates: int = 0
    tools: int = 0
    url: str | None = None
    message: str = ""


ProgressCallback = Callable[[ProgressEvent], Any]
"""Called with each :class:`ProgressEvent` (may be a coroutine function)."""
