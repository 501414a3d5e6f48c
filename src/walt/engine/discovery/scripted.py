"""Candidate tools from explored script-driven controls. Pure.

The crawl tried a search box or a "Load more" button in the browser
(:mod:`walt.engine.discovery.explore`); this module turns what it saw into tools:

* a search whose word ended up in the page's URL (a query, or a route in the
  fragment such as ``#/search?q=word``) becomes a URL template with the word's
  parameter as the input. A route URL runs in the browser, where the page's script
  can read it (:mod:`walt.core.routes`);
* a search that left the URL alone becomes browser steps: open the page, fill the
  box (by its most stable locator), press Enter;
* either way, when the page fetched JSON with the word in the call's URL or body,
  the call is kept as an :class:`~walt.core.models.ApiRequest` (the word replaced
  by the input's placeholder), offered to validation for promotion;
* a "Load more" button that added records becomes a paginate tool: open the
  listing and press the button ``page - 1`` times (:attr:`ClickStep.repeat`); so does a
  "Next page" button that showed other records, and an infinite list that grew when
  scrolled to its end (:attr:`ScrollStep.repeat`);
* a list box (a script's select) whose other option showed other records becomes a
  filter tool: open the listing and choose the option by its label. When the page
  keeps the choice in its URL (choosing changed one query parameter of the address and
  nothing else) and every option's value was seen there, the tool is that URL with the
  parameter as its input instead, and the list box is its fallback (validation tries
  the list box when the URL does not hold).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Final, Literal
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

import attrs

from walt.core.models import (
    ApiRequest,
    ClickStep,
    InputStep,
    KeyPressStep,
    NavigationStep,
    ScrollStep,
    SelectChangeStep,
    Tool,
    ToolInput,
)
from walt.core.routes import flatten, unflatten
from walt.engine.discovery.explore import Exploration, ObservedCall
from walt.engine.discovery.forms import annotations_for, provenance
from walt.engine.discovery.words import describe, input_name, path_noun, search_noun, snake

__all__ = ["ScriptedTool", "api_request", "query_example", "scripted_tools"]

TERM: Final = "q"
_JSON_TYPES: Final = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


@attrs.frozen
class ScriptedTool:
    """A tool made from an explored control: ``api`` is the JSON call that fed it,
    ``samples`` the inputs that showed records in the crawl (a search's word).
    ``refused`` says the site's API refused the plain word typed (a query language);
    ``query_example`` is then the example query the box's placeholder gives, if any."""

    tool: Tool
    api: ApiRequest | None = None
    samples: dict[str, str] = attrs.field(factory=dict)
    refused: bool = False
    query_example: str | None = None
    pages_replace: bool = False  # a "Next page" button: each page shows other records
    fallback: Tool | None = None  # checked instead when ``tool`` does not hold


def scripted_tools(
    explorations: Sequence[Exploration], created_at: str, generator: str
) -> list[ScriptedTool]:
    """One tool per exploration that showed an effect (see :class:`ScriptedTool`)."""
    out: list[ScriptedTool] = []
    for seen in explorations:
        if seen.role == "search":
            example = query_example(seen.control.placeholder) if seen.refused else None
            tool, api = _search_tool(seen, created_at, generator, example)
            worked = {tool.inputs[0].name: seen.term} if seen.records_after else {}
            if seen.refused:
                out.append(ScriptedTool(tool, None, {}, refused=True, query_example=example))
            else:
                out.append(ScriptedTool(tool, api, worked))
        elif seen.role == "next":
            if seen.records_before > 0 and seen.records_replaced:
                tool = _more_tool(seen, created_at, generator)
                out.append(ScriptedTool(tool, pages_replace=True))
        elif seen.role == "choose":
            if len(seen.options) >= 2 and seen.records_changed:
                chooser = _list_box_tool(seen, created_at, generator)
                linked = _choice_in_url(seen, chooser)
                if linked is None:
                    out.append(ScriptedTool(chooser))
                else:
                    out.append(ScriptedTool(linked, fallback=chooser))
        elif seen.records_after > seen.records_before > 0:
            out.append(ScriptedTool(_more_tool(seen, created_at, generator)))
    return out


# What a list box's accessible name says besides what it is for ("State, selected
# option: Active", "Sort by: Newest").
_CHOICE_WORDS: Final = re.compile(
    r"\b(?:selected|option|options|choose|select|multiselectable|\d+)\b", re.IGNORECASE
)


def list_box_label(label: str, shown: Sequence[str]) -> str:
    """What a list box chooses, from its accessible name or text: without the option it
    shows (``State: Active`` -> ``State``), the words screen-reader names add, and
    punctuation; empty when nothing is left."""
    words = label
    for option in sorted((o for o in shown if o), key=len, reverse=True):
        words = re.sub(rf"(?<!\w){re.escape(option)}(?!\w)", " ", words, flags=re.IGNORECASE)
    words = _CHOICE_WORDS.sub(" ", words)
    return " ".join(re.findall(r"[^\W_]+", words))


def _list_box_tool(seen: Exploration, created_at: str, generator: str) -> Tool:
    """Open the listing and choose an option of its list box (by its label; the step
    opens the box and clicks the option, :mod:`walt.engine.listbox`)."""
    what = list_box_label(seen.control.label, seen.options)
    # A test id's words (``status-filter``) when the name is only the choice.
    test_id = next((loc.value for loc in seen.control.locators if loc.by == "test_id"), "")
    what = what or list_box_label(test_id, ())
    name = input_name(snake(what, 30) or "option", set())
    spec = ToolInput(
        name,
        required=False,
        default=seen.selected or None,
        enum=seen.options,
        enum_labels=seen.options,
        description=f"which {what or 'option'} to show (the page's list box)",
    )
    choose = SelectChangeStep(
        locators=seen.control.locators,
        selected_text="{" + name + "}",
        description=f"Choose the {what or 'option'} in the page's list box",
    )
    return _listing_tool(seen, "filter", f"_by_{name}", spec, choose, created_at, generator)


def _choice_in_url(seen: Exploration, chooser: Tool) -> Tool | None:
    """``chooser`` (a list box's filter tool) as one navigation to the address with the
    choice in it, when the exploration saw the page keep its choice in its URL: choosing
    the other option changed the value of exactly one query parameter (a fragment
    route's query counts) from the shown option's words to the chosen one's (letters and
    digits, case aside: not a page number reset or a timestamp), and the value of every
    option is known (the one shown before and the one chosen: a list box of two options).
    None otherwise: a value never seen cannot be guessed without risking a run that shows
    another choice's records."""
    if len(seen.options) != 2 or not seen.selected or seen.selected == seen.term:
        return None
    if not seen.url_before or not seen.url_after:
        return None
    before, after = urlsplit(flatten(seen.url_before)), urlsplit(flatten(seen.url_after))
    if before[:3] != after[:3]:
        return None  # another page or route: not a setting of this one
    old = parse_qsl(before.query, keep_blank_values=True)
    new = parse_qsl(after.query, keep_blank_values=True)
    keys = [k for k, _ in new]
    if [k for k, _ in old] != keys or len(set(keys)) != len(keys):
        return None
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    if len(changed) != 1:
        return None
    key = keys[changed[0]]
    values = {seen.selected: old[changed[0]][1], seen.term: new[changed[0]][1]}
    if any(_plain(value) != _plain(label) for label, value in values.items()):
        return None  # not the options' own words: a page number reset, a timestamp
    spec = chooser.inputs[0]
    template = _with_query(
        after,
        (f"{_key(k)}={{{spec.name}}}" if k == key else urlencode([(k, v)]) for k, v in new),
    )
    choice = attrs.evolve(
        spec,
        enum=tuple(values[label] for label in seen.options),
        enum_labels=seen.options,
        default=values[seen.selected],
    )
    opening = NavigationStep(url=template, description=f"Open the list with the {spec.name} chosen")
    return attrs.evolve(chooser, url_template=template, inputs=(choice,), steps=(opening,))


def _plain(text: str) -> str:
    """``text`` lower-cased, with only its letters and digits (``All Runs`` ~ ``all_runs``)."""
    return "".join(c for c in text.lower() if c.isalnum())


def _listing_tool(
    seen: Exploration,
    kind: Literal["filter", "paginate"],
    suffix: str,
    spec: ToolInput,
    step: ClickStep | ScrollStep | SelectChangeStep,
    created_at: str,
    generator: str,
) -> Tool:
    """A tool that opens the listing the control was tried on and takes ``step`` there,
    named ``KIND_NOUN`` and ``suffix``."""
    noun = _noun(seen)
    return Tool(
        name=f"{kind}_{snake(noun, 30) or 'records'}{suffix}",
        description=describe(kind, noun, (spec,)),
        kind=kind,
        start_url=seen.page_url,
        inputs=(spec,),
        steps=(NavigationStep(url=seen.page_url, description=f"Open the {noun} list"), step),
        annotations=annotations_for(kind),
        provenance=provenance(seen.page_url, created_at, generator),
    )


_EXAMPLE_LEAD: Final = re.compile(
    r"^(?:e\.?\s*g\.?|for\s+example|example|try|search|filter|query)\b\s*[:,.]?\s*",
    re.IGNORECASE,
)
# A comparison, a field prefix, a quoted value or a boolean operator written as query
# languages write it (upper case: "Search or jump to" is an invitation, not a query).
_EXPRESSION: Final = re.compile(r"[<>=!~:]|\"[^\"]*\"|'[^']*'|\w\s+(?:AND|OR|NOT)\s+\S")


def query_example(placeholder: str) -> str | None:
    """The example query a search box's placeholder gives (``price < 30``, ``e.g.
    status:open``), without its lead-in words and trailing ellipsis; None when the
    placeholder holds no expression (a comparison, a field prefix, a quoted value or an
    upper-case boolean operator), only an invitation such as "Search orders"."""
    text = " ".join(placeholder.split())
    while (stripped := _unwrapped(_EXAMPLE_LEAD.sub("", text, count=1))) != text:
        text = stripped
    text = text.rstrip(" .\u2026")
    if not text or not _EXPRESSION.search(text):
        return None
    return text


def _noun(seen: Exploration) -> str:
    path = urlsplit(flatten(seen.url_after or seen.page_url)).path.replace("%23", "")
    return (
        search_noun([seen.control.label], path)
        if seen.role == "search"
        else (path_noun(path) or "records")
    )


def _unwrapped(text: str) -> str:
    """``text`` without parentheses around the whole of it (``(e.g. x)``)."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(text) - 1:
            return text  # the first parenthesis closes before the end: "(a) or (b)"
    return text[1:-1].strip()


def _search_tool(
    seen: Exploration, created_at: str, generator: str, example: str | None = None
) -> tuple[Tool, ApiRequest | None]:
    noun = _noun(seen)
    name = input_name(seen.control.name or TERM, set())
    if not seen.refused:
        description = "words to search for"
    elif example is not None:
        description = f"a query in the site's own syntax, for example: {example}"
    else:
        description = "a query in the site's own syntax (plain words are refused)"
    spec = ToolInput(name, required=True, description=description)
    template = url_with_term(seen.url_after, seen.term, name) if seen.url_after else None
    if template is not None:
        steps: tuple[NavigationStep | InputStep | KeyPressStep, ...] = (
            NavigationStep(url=template, description=f"Open the {noun} results"),
        )
    else:
        steps = (
            NavigationStep(url=seen.page_url, description="Open the page with the search box"),
            InputStep(
                locators=seen.control.locators,
                value=f"{{{name}}}",
                description=f"Type the words into {seen.control.label or 'the search box'}",
            ),
            KeyPressStep(
                locators=seen.control.locators,
                key="Enter",
                description="Press Enter to search",
            ),
        )
    tool = Tool(
        name=f"search_{snake(noun, 30) or 'site'}",
        description=describe("search", noun, (spec,)),
        kind="search",
        start_url=seen.page_url,
        url_template=template,
        inputs=(spec,),
        steps=steps,
        annotations=annotations_for("search"),
        provenance=provenance(seen.page_url, created_at, generator),
    )
    return tool, api_request(seen.calls, seen.term, name)


def _more_tool(seen: Exploration, created_at: str, generator: str) -> Tool:
    """A listing's next batch, ``page - 1`` times: a "Load more" button pressed or the
    page scrolled to its end (an infinite list), which append it, or a "Next page"
    button pressed, which shows it instead."""
    noun = _noun(seen)
    spec = ToolInput(
        "page",
        type="integer",
        required=False,
        default=1,
        minimum=1,
        description=f"which batch of {noun} (1 is what the page shows first)",
    )
    label = seen.control.label or "Load more"
    more: ClickStep | ScrollStep = (
        ScrollStep(
            to_end=True,
            repeat="{page}",
            description="Scroll to the end of the list once per page after the first",
        )
        if seen.role == "scroll"
        else ClickStep(
            locators=seen.control.locators,
            repeat="{page}",
            description=f'Press "{label}" once per page after the first',
        )
    )
    return _listing_tool(seen, "paginate", "", spec, more, created_at, generator)


def url_with_term(url: str, term: str, name: str, *, inside: bool = False) -> str | None:
    """``url`` with the query parameter whose value is ``term`` as ``{name}`` (a route's
    query counts); with ``inside``, also a value that contains the word (an API's filter
    expression, ``name ilike '%word%'``), the rest of the value kept. None when no
    parameter carries the word."""
    parts = urlsplit(flatten(url))
    pairs = parse_qsl(parts.query, keep_blank_values=True)

    def carries(value: str) -> bool:
        return value == term or (inside and term in value)

    def templated(key: str, value: str) -> str:
        if not carries(value):
            return urlencode([(key, value)])
        pieces = [quote(piece, safe="") for piece in value.split(term)]
        return f"{_key(key)}=" + f"{{{name}}}".join(pieces)

    if not any(carries(v) for _, v in pairs):
        return None
    return _with_query(parts, (templated(k, v) for k, v in pairs))


def _key(name: str) -> str:
    """A query parameter's name as a template writes it (``rev[]`` kept readable)."""
    return quote(name, safe="[]")


def _with_query(parts: SplitResult, pieces: Iterable[str]) -> str:
    """The URL ``parts`` (a flattened route counts) with ``pieces`` (``name=value``) as
    its query, the route put back in the fragment."""
    return unflatten(urlunsplit(parts._replace(query="&".join(pieces), fragment="")))


def api_request(calls: Sequence[ObservedCall], term: str, name: str) -> ApiRequest | None:
    """The JSON call among ``calls`` that carries ``term`` as a whole value (a query
    parameter or a string in a JSON body), as a template with ``{name}`` in its place.
    Only the request's content type is kept of its headers: cookies and tokens are the
    session's, sent by the executor."""
    for call in calls:
        if not _JSON_TYPES.match(call.content_type) or (call.status or 200) >= 400:
            continue
        url = url_with_term(call.url, term, name, inside=True) or call.url
        body: str | None = None
        if call.method == "POST":
            body = _json_template(call.body, term, name)
            if body is None:
                continue
        elif "{" + name + "}" not in url:
            continue
        headers = {"content-type": call.request_type} if call.request_type else {}
        return ApiRequest(
            method="POST" if call.method == "POST" else "GET",
            url=url,
            body=body,
            headers=headers,
        )
    return None


def _json_template(body: str | None, term: str, name: str) -> str | None:
    """The JSON body with every string containing ``term`` templated; None when the body
    is not JSON or carries the word nowhere. A placeholder inside a JSON string is
    escaped as JSON when rendered (see :class:`ApiRequest`)."""
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    found = False

    def walk(value: object) -> object:
        nonlocal found
        if isinstance(value, str) and term in value:
            found = True
            return value.replace(term, "{" + name + "}")
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    templated = walk(data)
    return json.dumps(templated, separators=(",", ":")) if found else None
