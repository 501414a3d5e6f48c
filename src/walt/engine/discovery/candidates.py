"""From analysed pages to candidate tools. Pure.

Forms (:mod:`~walt.engine.discovery.forms`) and links
(:mod:`~walt.engine.discovery.links`) become tools; each gets a kind read from
the page's semantics (:mod:`~walt.engine.discovery.semantics`), annotations that
follow from it, a name in the site's words (:mod:`~walt.engine.discovery.words`),
unique within the site, and a "what / precondition / outcome" description.
Locators prefer stable ids, labels and names to CSS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import attrs

from walt.core.models import ApiRequest, NavigationStep, Tool
from walt.core.routes import flatten, has_route, unflatten
from walt.engine.discovery.analyze import (
    FormInfo,
    LinkFamily,
    PageAnalysis,
    is_destructive_link,
    site_query_values,
)
from walt.engine.discovery.bulk import bulk_tools
from walt.engine.discovery.explore import Exploration
from walt.engine.discovery.families import PageLink, link_families, segment_shape
from walt.engine.discovery.forms import (
    Built,
    FormGroup,
    group_forms,
    record_keys,
    steps_candidate,
    url_candidate,
)
from walt.engine.discovery.links import (
    compose,
    delete_from_links,
    download_candidates,
    family_kind,
    family_tool,
    listing_tools,
    merge_families,
)
from walt.engine.discovery.scripted import scripted_tools
from walt.engine.discovery.semantics import READ_KINDS
from walt.engine.discovery.urlstate import direction_links

__all__ = ["READ_KINDS", "Candidate", "build_candidates"]

_KIND_ORDER: Final = {
    "search": 0,
    "filter": 1,
    "sort": 2,
    "paginate": 3,
    "navigate": 4,
    "extract": 5,
    "create": 6,
    "edit": 7,
    "comment": 8,
    "delete": 9,
    "login": 10,
}


@attrs.define
class Candidate:
    """A tool before validation, with what validating it needs."""

    tool: Tool
    source: str  # "form", "links", "path", "link", "page", "download"
    page_url: str
    pages: int = 1
    family: LinkFamily | None = None
    form: FormInfo | None = None
    term_field: str | None = None  # the search box's input name
    path_param: str | None = None  # the input that fills an id
    sample_ids: tuple[str, ...] = ()  # values seen for path_param
    sample_inputs: dict[str, Any] = attrs.field(factory=dict)  # other inputs as the site had them
    sample_sets: tuple[dict[str, Any], ...] = ()  # whole input sets the site's links had
    api: ApiRequest | None = None  # the site's JSON call behind it, offered for promotion
    refused_words: bool = False  # a search box whose API refused a plain word (a query language)
    query_example: str | None = None  # the example query its placeholder gives
    pages_replace: bool = False  # a button pages by showing other records, not more
    fallback: Tool | None = None  # the same function by other steps, checked if ``tool`` fails
    fallback_if_inert: bool = False  # only if its words all showed the same page (a script's)

    @property
    def kind(self) -> str:
        return self.tool.kind or "navigate"

    @property
    def is_write(self) -> bool:
        return self.kind not in READ_KINDS


def _form_candidates(
    groups: Sequence[FormGroup], auth: bool, created_at: str, generator: str
) -> list[Candidate]:
    out: list[Candidate] = []
    for group in groups:
        kinds = [group.kind]
        if group.kind == "edit" and group.prefilled and group.empty:
            # One editor for records that exist and for new ones (a wiki): both tools.
            kinds.append("create")
        if group.kind == "search" and group.form.method == "get" and _has_options(group.form):
            # A search box with facets beside it is also a filter over those facets.
            kinds.append("filter")
        for kind in kinds:
            use_url = (
                group.form.method == "get"
                and kind in READ_KINDS | {"create"}
                and not group.form.needs_browser
            )
            builder = url_candidate if use_url else steps_candidate
            built = builder(group, kind, auth, created_at, generator)
            in_page = (
                _in_the_page(group, kind, built, auth, created_at, generator) if use_url else None
            )
            facets = kind == "filter" and group.kind == "search"
            out.append(
                Candidate(
                    built.tool,
                    "facets" if facets else "form",
                    group.form.page_url,
                    len(set(group.pages)),
                    form=group.form,
                    term_field=built.term_field,
                    path_param=built.path_param,
                    sample_ids=built.sample_ids,
                    fallback=in_page,
                    fallback_if_inert=in_page is not None,
                )
            )
    return out


def _in_the_page(
    group: FormGroup, kind: str, built: Built, auth: bool, created_at: str, generator: str
) -> Tool | None:
    """A GET search form on a page that runs scripts, used in the page as a person does
    (fill the box, submit), to be checked when its HTTP submission showed the same page for
    every word: a script may take the submit event and draw the results in place (the HTTP
    answer is then the page as it was). None for other forms, or when the two name the
    search box apart."""
    if kind != "search" or not group.form.page_scripts or built.term_field is None:
        return None
    steps = steps_candidate(group, kind, auth, created_at, generator)
    if steps.term_field != built.term_field:
        return None
    return steps.tool


def _visited_as_links(pages: Sequence[PageAnalysis]) -> PageAnalysis:
    """The pages the crawl visited, as links of one page: visited pages of one shape are a
    family too (file logs met one per page, never side by side)."""
    page_links = [PageLink(p.url, p.heading or p.title) for p in pages]
    where = pages[0].url if pages else ""
    return _families_page(pages, tuple(f for f in link_families(page_links, where) if f.in_path))


def _directions_as_links(pages: Sequence[PageAnalysis]) -> PageAnalysis:
    """The sort directions the pages' scripts keep in their addresses, as link families of
    one page (:mod:`~walt.engine.discovery.urlstate`)."""
    found = tuple(
        f
        for p in pages
        for f in link_families(direction_links(p), p.url)
        if not f.in_path and f.param
    )
    return _families_page(pages, found)


def _families_page(pages: Sequence[PageAnalysis], families: tuple[LinkFamily, ...]) -> PageAnalysis:
    """A page of nothing but ``families``, for :func:`merge_families`."""
    return PageAnalysis(
        url=pages[0].url if pages else "",
        pattern="",
        title="",
        forms=(),
        families=families,
        links=(),
        skipped_links=(),
        items=(),
    )


def _faceted(candidate: Candidate, linked: set[tuple[str, str]]) -> bool:
    """Every option of a search form's filter tool is also a link family on its path:
    the links' tools say the same."""
    form = candidate.form
    if form is None:
        return False
    path = urlsplit(form.action).path
    options = [
        f.name
        for f in form.visible_fields
        if f.kind in ("select", "radio") or (f.kind == "checkbox" and len(f.options) > 1)
    ]
    return bool(options) and all((path, name) in linked for name in options)


def _in_family(url: str, families: Sequence[LinkFamily]) -> bool:
    """The page is one value of a path family (a category page): that family's tool
    reads it."""
    path = urlsplit(url).path
    for family in families:
        if not family.in_path:
            continue
        pattern = re.escape(family.path.rstrip("/")).replace(r"\{\}", "[^/]+")
        if family.tail:
            pattern = pattern[: pattern.rfind("[^/]+")] + ".+"
        if re.fullmatch(pattern + "/?", path):
            return True
    return False


def _has_options(form: FormInfo) -> bool:
    return any(
        f.kind in ("select", "radio") or (f.kind == "checkbox" and len(f.options) > 1)
        for f in form.visible_fields
    )


def _unique_names(candidates: list[Candidate]) -> None:
    seen: dict[str, int] = {}
    for candidate in candidates:
        name = candidate.tool.name[:64]
        if name in seen:
            seen[name] += 1
            suffix = f"_{seen[name]}"
            name = name[: 64 - len(suffix)] + suffix
        else:
            seen[name] = 1
        if name != candidate.tool.name:
            candidate.tool = attrs.evolve(candidate.tool, name=name)


def build_candidates(
    pages: Sequence[PageAnalysis],
    *,
    auth: bool = False,
    created_at: str = "",
    generator: str = "",
    query_values: Mapping[tuple[str, str], set[str]] | None = None,
    downloads: Sequence[tuple[str, str, str]] = (),
    dropped: list[tuple[Candidate, str]] | None = None,
    explorations: Sequence[Exploration] = (),
) -> list[Candidate]:
    """Every tool the analysed pages offer, before validation, in a stable order.

    ``query_values`` are the values seen site-wide per (path, query key) (they tell a
    record id from a view switch); ``downloads`` are (url, content type, page) of
    non-page responses the crawl met; ``explorations`` the script-driven controls the
    crawl tried (:mod:`~walt.engine.discovery.scripted`). Candidates left out as the
    same function as another are appended to ``dropped`` with the reason.
    """
    values = query_values if query_values is not None else site_query_values(pages)
    candidates = _form_candidates(group_forms(pages, values), auth, created_at, generator)
    searches = [c for c in candidates if c.kind == "search" and c.tool.url_template]
    noun_for_path = {
        urlsplit((c.tool.url_template or "").split("?", 1)[0]).path: c.tool.name.removeprefix(
            "search_"
        )
        for c in searches
    }
    terms = {
        urlsplit((c.tool.url_template or "").split("?", 1)[0]).path: (
            _field_name(c),
            c.term_field,
        )
        for c in searches
        if c.term_field
    }
    families = merge_families([*pages, _visited_as_links(pages), _directions_as_links(pages)])
    for candidate in searches:
        fields = (
            {f.name: (f.default if f.kind == "hidden" else None) for f in candidate.form.fields}
            if candidate.form is not None
            else None
        )
        candidate.tool = compose(candidate.tool, _field_name(candidate), families, fields)
    records = frozenset(record_keys(values))
    composed = {
        (urlsplit((c.tool.url_template or "").split("?", 1)[0]).path, i.name)
        for c in searches
        for i in c.tool.inputs
    }
    for family in families:
        term = terms.get(family.path)
        if (
            term is not None
            and any(k == term[0] for k, _ in family.fixed)
            and (family.path, family.param) in composed
            and family_kind(family) in ("sort", "filter")
        ):
            continue  # the search takes this as an input already, with any words
        made = family_tool(
            family,
            noun_for_path,
            {k: (v[0], v[1]) for k, v in terms.items() if v[0] and v[1]},
            created_at,
            generator,
            records,
        )
        source = "path" if family.in_path else "links"
        candidates.append(
            Candidate(
                made.tool,
                source,
                family.page_url,
                family=family,
                path_param=made.path_param,
                sample_ids=made.sample_ids,
                sample_inputs=dict(made.sample_inputs),
                sample_sets=made.sample_sets,
            )
        )
    linked = {(f.path, f.param) for f in families if not f.in_path}
    candidates = [c for c in candidates if c.source != "facets" or not _faceted(c, linked)]
    covered = {c.page_url for c in candidates if c.source == "form" and c.kind in READ_KINDS}
    covered |= {p.url for p in pages if _in_family(p.url, families)}
    for tool in listing_tools(pages, covered, created_at, generator):
        candidates.append(Candidate(tool, "page", tool.start_url or ""))
    for tool in download_candidates(downloads, created_at, generator):
        candidates.append(Candidate(tool, "download", tool.start_url or ""))
    for tool, rows in bulk_tools(pages, auth, created_at, generator):
        candidates.append(Candidate(tool, "bulk", tool.start_url or "", sample_ids=rows))
    answered = _script_answered(explorations)
    for candidate in [c for c in candidates if c.source == "form" and c.form is not None]:
        assert candidate.form is not None
        action = urlsplit(candidate.form.action)
        if candidate.kind == "search" and any(
            (action.netloc, action.path, f.name) in answered for f in candidate.form.fields
        ):
            candidates.remove(candidate)
            if dropped is not None:
                dropped.append(
                    (candidate, "the page's script answers this form (tried in the browser)")
                )
    for scripted in scripted_tools(explorations, created_at, generator):
        tool = scripted.tool
        box = tool.inputs[0].name if tool.kind == "search" and tool.inputs else None
        candidates.append(
            Candidate(
                tool,
                "script",
                tool.start_url or "",
                term_field=box,
                api=scripted.api,
                sample_inputs=dict(scripted.samples),
                refused_words=scripted.refused,
                query_example=scripted.query_example,
                pages_replace=scripted.pages_replace,
                fallback=scripted.fallback,
            )
        )
    names = {c.tool.name for c in candidates}
    for made in delete_from_links(pages, names, auth, created_at, generator):
        candidates.append(
            Candidate(
                made.tool,
                "link",
                made.tool.start_url or "",
                path_param=made.path_param,
                sample_ids=made.sample_ids,
            )
        )
    candidates.sort(key=lambda c: (_KIND_ORDER.get(c.kind, 99), c.tool.name))
    candidates = [
        c for c in candidates if c.is_write or not is_destructive_link(c.tool.url_template or "")
    ]
    for candidate in candidates:
        candidate.tool = _browser_urls(candidate.tool)
        if candidate.fallback is not None:
            candidate.fallback = _browser_urls(candidate.fallback)
    candidates = _without_duplicates(candidates, dropped)
    _unique_names(candidates)
    return candidates


def _script_answered(explorations: Sequence[Exploration]) -> set[tuple[str, str, str]]:
    """(host, document path, box name) of search boxes whose Enter a script answered
    (a route in the fragment, or the same URL with new rows): the HTTP submission of
    their form only reloads the page's shell."""
    out: set[tuple[str, str, str]] = set()
    for seen in explorations:
        if seen.role != "search" or not seen.control.name or not seen.url_after:
            continue
        if has_route(seen.url_after) or flatten(seen.url_after) == flatten(seen.page_url):
            page = urlsplit(unflatten(seen.page_url))
            out.add((page.netloc, page.path, seen.control.name))
    return out


def _browser_urls(tool: Tool) -> Tool:
    """The tool with the URLs a browser loads: routes back in the fragment."""
    steps = tuple(
        attrs.evolve(s, url=unflatten(s.url))
        if isinstance(s, NavigationStep) and s.url is not None
        else s
        for s in tool.steps
    )
    return attrs.evolve(
        tool,
        url_template=unflatten(tool.url_template) if tool.url_template else tool.url_template,
        start_url=unflatten(tool.start_url) if tool.start_url else tool.start_url,
        steps=steps,
    )


def _shape(candidate: Candidate) -> tuple[object, ...]:
    """What a tool does, whatever constants its URL carries: kind, where it goes (ids
    generalized) and the query keys its inputs fill."""
    tool = candidate.tool
    template = tool.url_template or next(
        (s.url for s in tool.steps if isinstance(s, NavigationStep) and s.url), ""
    )
    parts = urlsplit(flatten(template))
    path = "/".join(segment_shape(s) if "{" not in s else "{}" for s in parts.path.split("/"))
    filled = tuple(sorted(k for k, v in parse_qsl(parts.query) if "{" in v))
    inputs = tuple(sorted(i.name for i in tool.inputs if i.required))
    return (tool.kind, parts.netloc, path, filled, inputs)


def _without_duplicates(
    candidates: list[Candidate], dropped: list[tuple[Candidate, str]] | None
) -> list[Candidate]:
    """One candidate per shape: the one whose URL carries the fewest constants."""
    best: dict[tuple[object, ...], Candidate] = {}
    for candidate in candidates:
        key = _shape(candidate)
        prior = best.get(key)
        if prior is None or _constants(candidate) < _constants(prior):
            best[key] = candidate
    chosen = {id(c) for c in best.values()}
    if dropped is not None:
        for candidate in candidates:
            if id(candidate) not in chosen:
                same = best[_shape(candidate)]
                where = same.tool.url_template or same.page_url
                dropped.append((candidate, f"does what another candidate does ({where})"))
    return [c for c in candidates if id(c) in chosen]


def _constants(candidate: Candidate) -> int:
    query = urlsplit(candidate.tool.url_template or "").query
    return sum(1 for _, v in parse_qsl(query) if "{" not in v)


def _field_name(candidate: Candidate) -> str | None:
    """The form field behind a search's term input (the input may have been renamed)."""
    if candidate.form is None or candidate.term_field is None:
        return None
    for field in candidate.form.fields:
        if (
            field.name == candidate.term_field
            or field.name.replace("-", "_") == candidate.term_field
        ):
            return field.name
    return candidate.term_field
