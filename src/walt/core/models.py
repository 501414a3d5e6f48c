"""The tool model: what a tool is, as frozen attrs classes.

A tool is a name, a description, typed inputs and the steps that perform it in
a browser; walt adds what it learned about it (``kind``, ``start_url``,
``url_template`` when the tool is a pure URL, ``annotations``, ``provenance``
and ``validation``). The wire format is a superset of the sfr-walt
``.tool.json`` files: their keys (``input_schema``, ``cssSelector``,
``selectedText``...) are kept, and keys walt does not know are carried in
``extra`` so that nothing is lost on a round trip.

These classes are plain data: loading and saving live in :mod:`walt.core.toolfile`,
placeholders in :mod:`walt.core.placeholders`, exporting in :mod:`walt.core.exporters`
and HTML display in :mod:`walt.core.display`, as functions that take a tool; the
methods users call (``tool.to_openai()``, ``tool.save(path)``) are those functions,
attached by :mod:`walt.core.tool_methods`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias

import attrs

from walt.core.routes import has_route
from walt.core.validate import TOOL_NAME_RE

__all__ = [
    "INPUT_TYPES",
    "STEP_TYPES",
    "TOOL_KINDS",
    "AgentStep",
    "Annotations",
    "ApiRequest",
    "CandidateElement",
    "ClickStep",
    "ElementStep",
    "ExtractPageContentStep",
    "InputStep",
    "InputType",
    "KeyPressStep",
    "Locator",
    "LocatorKind",
    "NavigationStep",
    "Provenance",
    "ResultsRegion",
    "ScrollStep",
    "SelectChangeStep",
    "Step",
    "StepBase",
    "Tool",
    "ToolCandidate",
    "ToolInput",
    "ToolKind",
    "UrlOperation",
    "Validation",
    "WaitStep",
]

ToolKind: TypeAlias = Literal[
    "search",
    "filter",
    "sort",
    "paginate",
    "create",
    "edit",
    "delete",
    "comment",
    "login",
    "navigate",
    "extract",
]
TOOL_KINDS: tuple[str, ...] = (
    "search",
    "filter",
    "sort",
    "paginate",
    "create",
    "edit",
    "delete",
    "comment",
    "login",
    "navigate",
    "extract",
)
InputType: TypeAlias = Literal["string", "number", "integer", "boolean", "array"]
INPUT_TYPES: tuple[str, ...] = ("string", "number", "integer", "boolean", "array")
Scalar: TypeAlias = str | int | float | bool
LocatorKind: TypeAlias = Literal[
    "id", "name", "role", "label", "placeholder", "test_id", "text", "css", "xpath"
]
LOCATOR_KINDS: tuple[str, ...] = (
    "id",
    "name",
    "role",
    "label",
    "placeholder",
    "test_id",
    "text",
    "css",
    "xpath",
)

_SLUG_RE = re.compile(r"[^a-zA-Z0-9_-]+")


def _freeze_dict(value: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(value or {})


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if value is not None else ()


def _optional_tuple(value: Any) -> tuple[Any, ...] | None:
    return None if value is None else tuple(value)


# --------------------------------------------------------------------------- inputs


@attrs.frozen
class ToolInput:
    """One input of a tool: a JSON Schema property with walt's hints.

    ``format`` is either a JSON Schema format (``email``, ``uri``, ``date``) or a
    free-text hint for the caller (``MM/DD/YYYY``): sfr-walt files use both.
    ``enum_labels`` are the visible labels of ``enum`` values (a select's options);
    a caller may pass either. ``array`` is a list of strings (a group of same-name
    checkboxes, a ``select multiple``): ``enum`` then lists the allowed items.
    """

    name: str
    type: InputType = "string"
    description: str | None = None
    required: bool = True
    enum: tuple[Scalar, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    enum_labels: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    default: Scalar | None = None
    format: str | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)


# --------------------------------------------------------------------------- steps


@attrs.frozen
class Locator:
    """One way to find an element, as Playwright recommends (``by`` = id, role, label...).

    For ``role``, ``value`` is the ARIA role and ``role_name`` the accessible name.
    """

    by: LocatorKind
    value: str
    role_name: str | None = None
    exact: bool = True

    def describe(self) -> str:
        if self.by == "role":
            return f"role={self.value}" + (f"[name={self.role_name!r}]" if self.role_name else "")
        return f"{self.by}={self.value!r}"


@attrs.frozen(kw_only=True)
class StepBase:
    """Fields every step has. ``output`` names a variable for the step's result (unused so far)."""

    description: str | None = None
    output: str | None = None
    timeout: float | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)

    type: ClassVar[str] = ""


@attrs.frozen(kw_only=True)
class ElementStep(StepBase):
    """A step aimed at one element: ordered locator candidates plus sfr-walt's selectors.

    ``frame`` is a CSS selector of the ``<iframe>`` the element lives in (same-origin);
    ``dialog`` says what to do with a dialog the step opens (``accept`` a confirm that
    guards a delete, ``dismiss``); a dialog the step does not expect fails it.
    """

    locators: tuple[Locator, ...] = attrs.field(default=(), converter=_tuple)
    css_selector: str | None = None
    xpath: str | None = None
    element_tag: str | None = None
    element_hash: str | None = None
    frame: str | None = None
    dialog: Literal["accept", "dismiss"] | None = None

    def candidates(self) -> tuple[Locator, ...]:
        """Locator candidates in the order the executor tries them."""
        extra: list[Locator] = []
        if self.css_selector:
            extra.append(Locator("css", self.css_selector))
        if self.xpath:
            extra.append(Locator("xpath", self.xpath))
        known = set(self.locators)
        return self.locators + tuple(loc for loc in extra if loc not in known)


@attrs.frozen
class UrlOperation:
    """Rewrite the query of ``base``: each ``replace`` entry sets a parameter.

    An empty value removes the parameter; ``+N``/``-N`` adds to its current
    integer value (pagination).
    """

    base: str = "{current_url}"
    replace: dict[str, str] = attrs.field(factory=dict, converter=_freeze_dict)


@attrs.frozen(kw_only=True)
class NavigationStep(StepBase):
    """Go to ``url``, or to the URL ``url_operation`` makes of the current one."""

    url: str | None = None
    url_operation: UrlOperation | None = None
    type: ClassVar[str] = "navigation"


@attrs.frozen(kw_only=True)
class ClickStep(ElementStep):
    """Click the element; ``repeat`` (a template: ``{page}``) clicks it that many times less
    one, waiting for each click's effect (a "Load more" button: page 2 is one click)."""

    repeat: str | None = None
    type: ClassVar[str] = "click"


@attrs.frozen(kw_only=True)
class InputStep(ElementStep):
    """Fill the element with ``value`` (a template, rendered as plain text)."""

    value: str = ""
    type: ClassVar[str] = "input"


@attrs.frozen(kw_only=True)
class SelectChangeStep(ElementStep):
    """Choose the option whose visible label (or, failing that, value) is ``selected_text``."""

    selected_text: str = ""
    type: ClassVar[str] = "select_change"


@attrs.frozen(kw_only=True)
class KeyPressStep(ElementStep):
    """Press ``key`` (Playwright syntax: ``Enter``, ``Control+a``) in the element or the page."""

    key: str = "Enter"
    type: ClassVar[str] = "key_press"


@attrs.frozen(kw_only=True)
class ScrollStep(StepBase):
    """Scroll the page by ``scroll_x``/``scroll_y`` pixels (the mouse wheel), or with
    ``to_end`` to its end; ``repeat`` (a template: ``{page}``) scrolls that many times less
    one, waiting for each scroll's effect (an infinite list: page 2 is one scroll)."""

    scroll_x: int = 0
    scroll_y: int = 0
    to_end: bool = False
    repeat: str | None = None
    type: ClassVar[str] = "scroll"


@attrs.frozen(kw_only=True)
class WaitStep(StepBase):
    """Wait for the page to settle. walt waits on events (``until``), bounded by ``seconds``.

    ``until`` is ``load``, ``domcontentloaded`` or ``networkidle``; without it the
    executor waits for the load state and a bounded network idle, never a fixed sleep.
    """

    seconds: float | None = None
    until: str | None = None
    type: ClassVar[str] = "wait"


@attrs.frozen(kw_only=True)
class ExtractPageContentStep(StepBase):
    """Extract the page's content: structured data, or what an injected LLM finds for ``goal``."""

    goal: str | None = None
    type: ClassVar[str] = "extract_page_content"


@attrs.frozen(kw_only=True)
class AgentStep(StepBase):
    """A free-form ``task`` for an LLM agent (needs ``llm=``), at most ``max_steps`` actions."""

    task: str = ""
    max_steps: int = 10
    type: ClassVar[str] = "agent"


Step: TypeAlias = (
    NavigationStep
    | ClickStep
    | InputStep
    | SelectChangeStep
    | KeyPressStep
    | ScrollStep
    | WaitStep
    | ExtractPageContentStep
    | AgentStep
)

STEP_TYPES: dict[str, type[StepBase]] = {
    "navigation": NavigationStep,
    "click": ClickStep,
    "input": InputStep,
    "select_change": SelectChangeStep,
    "key_press": KeyPressStep,
    "scroll": ScrollStep,
    "wait": WaitStep,
    "extract_page_content": ExtractPageContentStep,
    "agent": AgentStep,
}


# --------------------------------------------------------------------------- metadata


@attrs.frozen
class Annotations:
    """Behaviour hints for callers and agents (MCP's readOnly/destructive/idempotent/openWorld)."""

    read_only: bool | None = None
    destructive: bool | None = None
    idempotent: bool | None = None
    open_world: bool | None = True


@attrs.frozen
class Provenance:
    """Where a tool came from: ``source`` is walt-discovery, sfr-walt, seed or manual."""

    source: str = "manual"
    site: str | None = None
    page_url: str | None = None
    created_at: str | None = None
    generator: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)


@attrs.frozen
class Validation:
    """What walt ran to prove the tool, and what it saw.

    ``status`` is ``validated`` (run and effect checked), ``unvalidated`` (not
    run, e.g. a write tool without ``validate_writes``) or ``failed``.
    """

    status: Literal["validated", "unvalidated", "failed"] = "unvalidated"
    at: str | None = None
    inputs: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)
    outcome: str | None = None
    evidence: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)
    elapsed_ms: float | None = None
    path: str | None = None


@attrs.frozen
class ApiRequest:
    """A call to the site's own JSON endpoint that does what the tool does (API promotion).

    ``url`` is a URL template; ``body`` a JSON template whose placeholders sit inside
    JSON strings (``{"filter": "name = '{q}'"}``) and are escaped as JSON; ``headers``
    are the ones the page's own call sent that matter (content type, CSRF header).
    """

    method: Literal["GET", "POST"] = "GET"
    url: str = ""
    body: str | None = None
    headers: dict[str, str] = attrs.field(factory=dict, converter=_freeze_dict)
    records: str | None = None  # the JSON key that holds the records ("runs"), if known
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)


@attrs.frozen
class ResultsRegion:
    """Where a tool's records are on the page it ends on, learned by contrast in discovery.

    ``container`` is a CSS selector of the element that holds the records and
    ``item`` the tag and classes (``li.result``) of its children that are records;
    ``layout`` is ``items`` (cards, list entries: fields named after their classes),
    ``table`` (rows keyed by the table's header) or ``grid`` (the rows of a WAI-ARIA
    grid or table, ``item`` being ``[role=row]``: the blocks drawn for one row, which
    share its ``aria-rowindex``, make one record). A page where the container is
    absent has no records: a search with no hits is not read as its menu entries.
    """

    container: str
    item: str
    layout: Literal["items", "table", "grid"] = "items"
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)


# --------------------------------------------------------------------------- candidates


@attrs.frozen
class CandidateElement:
    """One element of a candidate workflow (sfr-walt's exploration output)."""

    type: str
    purpose: str = ""
    options: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    selector_hint: str | None = None
    notes: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)


@attrs.frozen
class ToolCandidate:
    """A functionality proposed for a tool, before it is built and validated."""

    name: str
    start_url: str | None = None
    description: str = ""
    elements: tuple[CandidateElement, ...] = attrs.field(default=(), converter=_tuple)
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)


# --------------------------------------------------------------------------- the tool


@attrs.frozen
class Tool:
    """A reusable tool: typed inputs and the steps that perform it.

    ``inputs`` is stored under the sfr-walt key ``input_schema``; the method
    :meth:`input_schema` gives the JSON Schema of the inputs. ``origin`` is the
    file a tool was loaded from (not part of equality or the wire format).
    ``results`` says where its records are on the page it ends on; ``encoding`` is
    the charset its URL's query is encoded in (a form's ``accept-charset`` or its
    page's encoding; UTF-8 when unset), on the HTTP path and in the browser alike.
    """

    name: str
    description: str = ""
    version: str = "1.0.0"
    inputs: tuple[ToolInput, ...] = attrs.field(default=(), converter=_tuple)
    steps: tuple[Step, ...] = attrs.field(default=(), converter=_tuple)
    kind: ToolKind | None = None
    start_url: str | None = None
    url_template: str | None = None
    annotations: Annotations | None = None
    provenance: Provenance | None = None
    validation: Validation | None = None
    results: ResultsRegion | None = None
    encoding: str | None = None
    request: ApiRequest | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_dict)
    origin: str | None = attrs.field(default=None, eq=False, repr=False)

    # ------------------------------------------------------------------ naming

    @property
    def function_name(self) -> str:
        """A name valid for function calling (``^[a-zA-Z0-9_-]{1,64}$``).

        ``name`` when it is valid; sfr-walt names are often free text
        ("Homepage keyword search (OsClass)"), so the file name is used next,
        then a slug of the name.
        """
        if TOOL_NAME_RE.match(self.name):
            return self.name
        if self.origin:
            stem = Path(self.origin).name.removesuffix(".json").removesuffix(".tool")
            if TOOL_NAME_RE.match(stem):
                return stem
        slug = _SLUG_RE.sub("_", self.name.strip().lower()).strip("_")[:64]
        return slug or "tool"

    def input(self, name: str) -> ToolInput:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    @property
    def is_url_tool(self) -> bool:
        """True if the tool runs with HTTP alone (a URL template, or only navigation/extraction)."""
        if self.request is not None:
            return True
        if self.url_template:
            return not has_route(self.url_template)
        # A wait for an explicit event (``until``) asks for a rendering browser; plain
        # ``seconds`` waits (sfr-walt's) have nothing to wait for over HTTP.
        if not self.steps or not all(
            isinstance(s, NavigationStep | ExtractPageContentStep)
            or (isinstance(s, WaitStep) and s.until is None)
            for s in self.steps
        ):
            return False
        first = self.steps[0]
        if isinstance(first, NavigationStep) and first.url and has_route(first.url):
            return False
        return isinstance(first, NavigationStep) and (
            first.url is not None or self.start_url is not None
        )

    @property
    def needs_llm(self) -> bool:
        return any(isinstance(s, AgentStep) for s in self.steps)

    @property
    def is_read_only(self) -> bool:
        if self.annotations is not None and self.annotations.read_only is not None:
            return self.annotations.read_only
        return self.kind in ("search", "filter", "sort", "paginate", "navigate", "extract")

    @property
    def is_idempotent(self) -> bool:
        if self.annotations is not None and self.annotations.idempotent is not None:
            return self.annotations.idempotent
        return self.is_read_only

    def iter_steps(self) -> Iterator[tuple[int, Step]]:
        return iter(enumerate(self.steps))

    # What a tool does with other modules (placeholders, its file format, the LLM APIs'
    # formats) is theirs: :mod:`walt.core.tool_methods` attaches their functions under the
    # names users call, so these classes import none of the modules that import them.
    # The declarations tell type checkers those methods are there.
    if TYPE_CHECKING:

        def placeholders(self) -> set[str]: ...
        def undeclared_placeholders(self) -> set[str]: ...
        def unused_inputs(self) -> set[str]: ...
        def check_inputs(self, values: Mapping[str, Any] | None) -> dict[str, Any]: ...
        def to_dict(self) -> dict[str, Any]: ...
        def to_json(self, *, indent: int | None = 2) -> str: ...
        @classmethod
        def from_dict(cls, data: Mapping[str, Any]) -> Tool: ...
        def save(self, path: str | Path) -> Path: ...
        def input_schema(self) -> dict[str, Any]: ...
        def to_openai(self, *, strict: bool = True) -> dict[str, Any]: ...
        def to_openai_responses(self, *, strict: bool = True) -> dict[str, Any]: ...
        def to_anthropic(self) -> dict[str, Any]: ...
        def to_mcp(self) -> dict[str, Any]: ...
