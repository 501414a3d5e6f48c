"""From links to candidate tools. Pure.

* A link family (links equal but for one query value or one path segment)
  becomes a sort, filter, pagination or detail-page tool; families on a search's
  results page compose into that search as optional inputs.
* A family of many distinct values whose links are records (titles, not option
  words) is browse-by-id (``navigate``); a few word values are a filter.
* A listing page without parameters (a tags page, a branch list) is an
  ``extract`` tool that reads its records.
* Delete links are never followed; a delete tool is inferred from them.
* A data download the crawl saw (CSV, JSON) is an ``extract`` tool.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import parse_qsl, quote, urlsplit

import attrs

from walt.core.models import ClickStep, Locator, NavigationStep, Tool, ToolInput
from walt.engine.discovery.analyze import PAGE_PARAMS, SORT_PARAMS, LinkFamily, PageAnalysis
from walt.engine.discovery.families import is_opaque_segment, most_general, segment_shape
from walt.engine.discovery.forms import MAX_ENUM, annotations_for, provenance
from walt.engine.discovery.words import (
    describe,
    input_name,
    noun_before_id,
    path_noun,
    singular,
    snake,
)

__all__ = [
    "compose",
    "delete_from_links",
    "download_candidates",
    "family_kind",
    "family_tool",
    "listing_tools",
    "merge_families",
]

_ORDER_WORDS: Final = re.compile(r"\b(asc|desc)\b|_asc|_desc|^-\w", re.IGNORECASE)
_SORT_LABEL: Final = re.compile(r"\bsort(ed)?\b|\border\b", re.IGNORECASE)
_ID_LIKE: Final = re.compile(r"[\d:._~-]|^[0-9a-f]{6,}$", re.IGNORECASE)
NAVIGATE_MIN: Final = 3
"""A path family with at least this many distinct values whose links read as records
(not option words) is browse-by-id."""


@attrs.define
class FamilyTool:
    tool: Tool
    path_param: str | None = None
    sample_ids: tuple[str, ...] = ()
    sample_inputs: dict[str, str] = attrs.field(factory=dict)  # values the links carried
    sample_sets: tuple[dict[str, str], ...] = ()  # whole input sets, one per link seen


def family_kind(family: LinkFamily) -> str:
    """sort, paginate, filter or navigate, from the parameter, its values and link texts."""
    key = family.param.lower()
    values = [v for v, _ in family.values]
    texts = [t for _, t in family.values]
    if family.in_path:
        if family.prefix or family.tail or any(family.opaque) or len(family.slots) > 1:
            return "navigate"
        if family.numeric or _record_like(values, texts):
            return "navigate"
        return "filter"
    if family.together:
        return "navigate"  # several keys vary together: each link opens its own view
    if key in PAGE_PARAMS and (family.numeric or all(re.fullmatch(r"\d+", v) for v in values)):
        return "paginate"
    if (
        key in SORT_PARAMS
        or any(_ORDER_WORDS.search(v) for v in values)
        or any(_SORT_LABEL.search(t) for t in texts)
    ):
        return "sort"
    if key in PAGE_PARAMS:
        return "paginate"  # opaque page tokens
    if _record_like(values, texts):
        return "navigate"
    return "filter"


def _record_like(values: Sequence[str], texts: Sequence[str]) -> bool:
    """Many values that look like identifiers or slugs, each with its own title."""
    distinct = set(values)
    if len(distinct) < NAVIGATE_MIN:
        return False
    id_like = sum(1 for v in distinct if _ID_LIKE.search(v)) >= len(distinct) * 0.6
    titled = len({t for t in texts if t}) >= len(distinct) * 0.6
    long_titles = sum(len(t.split()) for t in texts) / max(len(texts), 1) >= 2
    return id_like and (titled or long_titles)


def merge_families(pages: Sequence[PageAnalysis]) -> list[LinkFamily]:
    merged: dict[tuple[str, str, bool, tuple[str, ...]], LinkFamily] = {}
    shown: dict[tuple[str, str, bool, tuple[str, ...]], int] = {}  # records on its page
    for page in pages:
        for found in page.families:
            family = found
            fixed_keys = tuple(sorted(k for k, _ in family.fixed if k.lower() not in PAGE_PARAMS))
            # Query links on /shortlog/3f2a... and /shortlog/9c1b... are one family.
            shape = "/".join(segment_shape(s) for s in family.path.split("/"))
            key = (
                urlsplit(family.page_url).netloc + shape,
                family.param,
                family.in_path,
                fixed_keys,
            )
            prior = merged.get(key)
            shown[key] = max(shown.get(key, 0), page.records)
            if prior is None:
                merged[key] = family
                continue
            if not family.in_path and _opaque_count(family.path) < _opaque_count(prior.path):
                prior, family = attrs.evolve(family, values=prior.values), prior
            values = dict(prior.values)
            for value, label in family.values:
                if value not in values or (not values[value] and label):
                    values[value] = label
            # The fewest fixed parameters: the most general links.
            fixed = prior.fixed if len(prior.fixed) <= len(family.fixed) else family.fixed
            merged[key] = attrs.evolve(
                prior,
                values=tuple(values.items()),
                fixed=fixed,
                in_chrome=prior.in_chrome and family.in_chrome,
                samples=tuple(dict.fromkeys((*prior.samples, *family.samples)))[:500],
                opaque=tuple(a and b for a, b in zip(prior.opaque, family.opaque, strict=False)),
            )
    families = list(merged.values())
    records = {id(merged[key]): count for key, count in shown.items()}
    return _few_per_route(most_general(families + _tails_across_pages(families)), records)


def _tails_across_pages(families: list[LinkFamily]) -> list[LinkFamily]:
    """``/annotate/{}/README`` and ``/annotate/{}/src/app.py``, seen on different pages, are
    one family ``/annotate/{}/{path}``: the literal rest of the path becomes an input."""
    groups: dict[tuple[str, str], list[tuple[LinkFamily, str]]] = {}
    for family in families:
        if not family.in_path or family.tail or "{}" not in family.path:
            continue
        head, _, rest = family.path.rstrip("/").rpartition("{}")
        if not rest.startswith("/") or "{}" in rest:
            continue
        key = (urlsplit(family.page_url).netloc, head + "{}")
        groups.setdefault(key, []).append((family, rest.lstrip("/")))
    out: list[LinkFamily] = []
    for (_netloc, head), members in groups.items():
        rests = {rest for _, rest in members}
        if len(rests) < 3:
            continue
        first = members[0][0]
        samples = tuple(
            dict.fromkeys((*sample, rest) for family, rest in members for sample in family.samples)
        )
        out.append(
            attrs.evolve(
                first,
                path=head + "/{}",
                param="path",
                values=tuple((rest, rest) for rest in sorted(rests)),
                tail=True,
                slots=(*first.slots, "path"),
                samples=samples[:500],
                main=len(first.slots),
                opaque=(*first.opaque, False),
            )
        )
    return out


QUERY_FAMILIES_PER_ROUTE: Final = 2
"""Query families on one section of the site with one parameter (``revcount`` on every
file's log) that a tool keeps; the rest say the same about other pages."""


def _few_per_route(
    families: list[LinkFamily], shown: Mapping[int, int] | None = None
) -> list[LinkFamily]:
    """At most ``QUERY_FAMILIES_PER_ROUTE`` query families per section and parameter;
    ``shown`` maps ``id(family)`` to the records its page showed."""
    shown = shown or {}
    kept: list[LinkFamily] = []
    counts: dict[tuple[str, str, str], int] = {}

    # Shallow paths first; within a section, the links of the fuller listing (a sort or
    # a filter is seen working where there are records to order or pick).
    def rank(family: LinkFamily) -> tuple[int, int, str]:
        return (family.path.count("/"), -shown.get(id(family), 0), family.path)

    for family in sorted(families, key=rank):
        if family.in_path:
            kept.append(family)
            continue
        key = (urlsplit(family.page_url).netloc, _section(family.path), family.param)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= QUERY_FAMILIES_PER_ROUTE:
            kept.append(family)
    return kept


def _section(path: str) -> str:
    """The part of the site a path belongs to: its first two segments, shaped (an id or a
    hash stands for any): ``/log/3f2a9c/README`` and ``/log/9c1b2d/src/app.py`` are one
    section, ``/admin/users/`` and ``/admin/pages/3/`` two (an application mounted under
    one prefix lists its sections one level down)."""
    segments = [s for s in path.split("/") if s][:2]
    return "/".join(segment_shape(s) for s in segments)


def _opaque_count(path: str) -> int:
    return sum(1 for s in path.split("/") if s and is_opaque_segment(s))


def family_tool(
    family: LinkFamily,
    noun_for_path: Mapping[str, str],
    terms: Mapping[str, tuple[str, str]],
    created_at: str,
    generator: str,
    records: frozenset[tuple[str, str]] = frozenset(),
) -> FamilyTool:
    """The tool a family offers. ``terms`` maps a search's results path to (its term
    field, the term input's name): a fixed search word in the links becomes that input;
    so does a fixed query key that names a record (``records``: (path, key) pairs), as
    ``id`` in ``?id=page&rev={rev}``."""
    page = urlsplit(family.page_url)
    origin = f"{page.scheme}://{page.netloc}"
    kind = family_kind(family)
    taken: set[str] = set()
    if family.in_path:
        return _path_family_tool(family, kind, origin, taken, created_at, generator)
    noun = noun_for_path.get(family.path) or path_noun(family.path) or "items"
    name_in = input_name(family.param, taken)
    values = family.values[:MAX_ENUM]
    if kind == "paginate":
        numeric = all(re.fullmatch(r"\d+", v) for v, _ in values)
        lowest = min((int(v) for v, _ in values), default=1) if numeric else 1
        spec = ToolInput(
            name_in,
            type="integer" if numeric else "string",
            minimum=0 if numeric and lowest == 0 else (1 if numeric else None),
            description="page number" if numeric else "page token from the previous page",
        )
        name = f"paginate_{noun}"
    elif kind == "navigate":
        spec = ToolInput(name_in, type="string", description=f"{family.param} of the {noun}")
        name = f"view_{singular(noun)}"
    else:
        spec = ToolInput(
            name_in,
            enum=tuple(v for v, _ in values),
            enum_labels=tuple(lbl or v for v, lbl in values),
            description=family.param.replace("_", " "),
        )
        name = f"sort_{noun}" if kind == "sort" else f"filter_{noun}_by_{snake(family.param, 20)}"
    inputs = [spec]
    parts: list[str] = []
    samples: dict[str, str] = {}
    renamed: dict[str, str] = {family.param: name_in}
    term = terms.get(family.path)
    for key, value in family.fixed:
        if key == family.param or value == "" or key.lower() in PAGE_PARAMS:
            continue
        if (
            (term is not None and key == term[0])
            or (family.path, key) in records
            or key in family.together
        ):
            term_input = term[1] if term is not None and key == term[0] else None
            is_term = term_input is not None
            other = input_name(term_input or key, taken)
            what = "the search words" if is_term else key.replace("_", " ")
            inputs.append(ToolInput(other, description=what))
            parts.append(f"{quote(key, safe='[]')}={{{other}}}")
            samples[other] = value
            renamed[key] = other
            continue
        parts.append(f"{quote(key, safe='[]')}={quote(value, safe='')}")
    template = f"{origin}{family.path}?" + "&".join(
        [*parts, f"{quote(family.param, safe='[]')}={{{name_in}}}"]
    )
    sets = tuple(
        {renamed[k]: v for k, v in zip(family.slots, sample, strict=False) if k in renamed}
        for sample in family.samples
    )
    carried = [k for k, _ in family.fixed if k != family.param]
    extra = f" (carries {', '.join(carried)} of the page it was found on)" if carried else ""
    tool = Tool(
        name=name,
        description=describe(kind, noun, tuple(inputs), extra=extra),
        kind=kind,  # type: ignore[arg-type]
        start_url=family.page_url,
        url_template=template,
        inputs=tuple(inputs),
        steps=(NavigationStep(url=template),),
        annotations=annotations_for(kind),
        provenance=provenance(family.page_url, created_at, generator),
    )
    ids = tuple(v for v, _ in family.values) if kind == "navigate" else ()
    return FamilyTool(tool, name_in if kind == "navigate" else None, ids, samples, sets)


def _path_family_tool(
    family: LinkFamily,
    kind: str,
    origin: str,
    taken: set[str],
    created_at: str,
    generator: str,
) -> FamilyTool:
    slots = list(family.slots) or [family.param]
    main = family.main if family.slots else 0
    noun_word = snake(family.prefix or slots[main], 30) or "item"
    noun = singular(noun_word)
    names: list[str] = []
    inputs: list[ToolInput] = []
    for index, slot in enumerate(slots):
        word = snake(slot, 30) or "item"
        is_tail = family.tail and index == len(slots) - 1
        opaque = bool(family.opaque[index]) if index < len(family.opaque) else False
        if is_tail:
            name = input_name("path", taken)
            spec = ToolInput(name, description="path of the file or folder")
        elif kind == "navigate" or opaque:
            name = input_name(f"{singular(word)}_id" if opaque or family.prefix else word, taken)
            values = [t[index] for t in family.samples] or [v for v, _ in family.values]
            numeric = bool(values) and all(v.isdigit() for v in values)
            spec = ToolInput(
                name,
                type="integer" if numeric else "string",
                description=f"id of the {singular(word).replace('_', ' ')}",
            )
        else:
            name = input_name(word, taken)
            spec = ToolInput(
                name,
                enum=tuple(v for v, _ in family.values[:MAX_ENUM]),
                enum_labels=tuple(lbl or v for v, lbl in family.values[:MAX_ENUM]),
                description=word.replace("_", " "),
            )
        names.append(name)
        inputs.append(spec)
    path = family.path
    for name in names:
        path = path.replace("{}", "{" + name + "}", 1)
    template = origin + path
    if family.tail:
        noun = path_noun(family.path.replace("{}", "")) or noun
    name = f"view_{noun}" if kind == "navigate" else f"browse_{noun_word}"
    tool = Tool(
        name=name,
        description=describe(kind, noun, tuple(inputs)),
        kind=kind,  # type: ignore[arg-type]
        start_url=family.page_url,
        url_template=template,
        inputs=tuple(inputs),
        steps=(NavigationStep(url=template),),
        annotations=annotations_for(kind),
        provenance=provenance(family.page_url, created_at, generator),
    )
    sets = tuple(dict(zip(names, sample, strict=False)) for sample in family.samples)
    first = sets[0] if sets else {}
    return FamilyTool(
        tool,
        names[main],
        tuple(v for v, _ in family.values),
        {k: v for k, v in first.items() if k != names[main]},
        sets,
    )


def compose(
    tool: Tool,
    term_field: str | None,
    families: Sequence[LinkFamily],
    form_fields: Mapping[str, str | None] | None = None,
) -> Tool:
    """A search whose results page has sort, filter or page links takes them as optional
    inputs. ``form_fields`` (name -> the constant a hidden field sends, else None) tell
    this form's results pages from other pages a script on the same path serves."""
    assert tool.url_template is not None
    action_path = urlsplit(tool.url_template.split("?", 1)[0]).path
    names = {i.name for i in tool.inputs}
    query = tool.url_template.split("?", 1)[1] if "?" in tool.url_template else ""
    present = {pair.split("=", 1)[0] for pair in query.split("&") if pair}
    template = tool.url_template
    inputs = list(tool.inputs)
    for family in families:
        if family.in_path or family.path != action_path or family.param in present:
            continue
        if term_field is not None and family.param == term_field:
            continue
        if term_field is not None and not _on_results_page(family, term_field, form_fields):
            continue  # links elsewhere on the same path (a script that serves every page)
        kind = family_kind(family)
        if kind == "navigate":
            continue
        present.add(family.param)
        name = input_name(family.param, names)
        if kind == "paginate":
            numeric = all(re.fullmatch(r"\d+", v) for v, _ in family.values)
            spec = ToolInput(
                name,
                type="integer" if numeric else "string",
                required=False,
                minimum=(0 if any(v == "0" for v, _ in family.values) else 1) if numeric else None,
                description="page number" if numeric else "page token",
            )
        else:
            values = family.values[:MAX_ENUM]
            spec = ToolInput(
                name,
                required=False,
                enum=tuple(v for v, _ in values),
                enum_labels=tuple(lbl or v for v, lbl in values),
                description=family.param.replace("_", " "),
            )
        inputs.append(spec)
        template += (
            "&" if "?" in template else "?"
        ) + f"{quote(family.param, safe='[]')}={{{name}}}"
    if len(inputs) == len(tool.inputs):
        return tool
    noun = tool.name.removeprefix("search_")
    return attrs.evolve(
        tool,
        url_template=template,
        inputs=tuple(inputs),
        steps=(NavigationStep(url=template, description=f"Open the {noun} results"),),
        description=describe("search", noun, inputs),
    )


def _on_results_page(
    family: LinkFamily, term_field: str, form_fields: Mapping[str, str | None] | None
) -> bool:
    """The family sits on a page of this search's results: its links carry the term, or
    the page's query holds only the form's own fields (its constants unchanged)."""
    query = parse_qsl(urlsplit(family.page_url).query)
    if term_field in {k for k, _ in query} or any(k == term_field for k, _ in family.fixed):
        return True
    if form_fields is None:
        return False
    return all(key in form_fields and form_fields[key] in (None, value) for key, value in query)


def listing_tools(
    pages: Sequence[PageAnalysis], covered: set[str], created_at: str, generator: str
) -> list[Tool]:
    """A page without parameters that lists records: a tool that reads them."""
    out: list[Tool] = []
    seen: set[str] = set()
    for page in pages:
        parts = urlsplit(page.url)
        if parts.query or not page.is_listing or page.url in covered:
            continue
        key = parts.path.rstrip("/")
        if key in seen or "{}" in page.pattern:
            continue  # one record's page: a browse-by-id tool covers it
        seen.add(key)
        noun = path_noun(parts.path) or snake(page.heading or page.title, 30) or "records"
        if any(ch.isdigit() for ch in parts.path.rsplit("/", 1)[-1]):
            continue  # one record's page: a browse-by-id tool covers it
        tool = Tool(
            name=f"list_{noun}",
            description=describe("extract", noun, ()),
            kind="extract",
            start_url=page.url,
            url_template=page.url,
            steps=(NavigationStep(url=page.url, description=f"Open the {noun} page"),),
            annotations=annotations_for("extract"),
            provenance=provenance(page.url, created_at, generator),
        )
        out.append(tool)
    return out


def download_candidates(
    downloads: Sequence[tuple[str, str, str]], created_at: str, generator: str
) -> list[Tool]:
    """A data download the crawl met (CSV, JSON, XML): a tool that reads its rows."""
    out: list[Tool] = []
    seen: set[str] = set()
    per_kind: dict[tuple[str, str], int] = {}
    for url, content_type, page in downloads:
        if not re.search(r"csv|json|xml|tab-separated|spreadsheet|zip|gzip|tar", content_type):
            continue
        parts = urlsplit(url)
        if parts.path in seen:
            continue
        seen.add(parts.path)
        # A few of one kind per section: the archive of every folder says the same.
        root = (parts.path.strip("/").split("/", 1)[0], content_type)
        per_kind[root] = per_kind.get(root, 0) + 1
        if per_kind[root] > 2:
            continue
        noun = path_noun(parts.path.replace("/export", "/")) or "data"
        fmt = content_type.rsplit("/", 1)[-1].split("+")[0]
        tool = Tool(
            name=f"download_{noun}_{snake(fmt, 12) or 'file'}",
            description=(
                f"Download {noun} as {content_type}. Precondition: none. "
                "Outcome: the file's rows or content."
            ),
            kind="extract",
            start_url=page or url,
            url_template=url,
            steps=(NavigationStep(url=url, description="Download the file"),),
            annotations=annotations_for("extract"),
            provenance=provenance(page or url, created_at, generator),
            extra={"content_type": content_type},
        )
        out.append(tool)
    return out


def delete_from_links(
    pages: Sequence[PageAnalysis], existing: set[str], auth: bool, created_at: str, generator: str
) -> list[FamilyTool]:
    """Delete links are never followed; a delete tool is inferred from them instead."""
    out: list[FamilyTool] = []
    seen: set[str] = set()
    for page in pages:
        for url in page.skipped_links:
            parts = urlsplit(url)
            if not re.search(r"delete|remove|destroy", parts.path, re.IGNORECASE) or parts.query:
                continue
            segments = parts.path.split("/")
            ids = [
                (i, s)
                for i, s in enumerate(segments)
                if re.fullmatch(r"\d+|[0-9a-f]{8,}|[0-9a-f-]{32,36}", s, re.IGNORECASE)
            ]
            if not ids:
                continue
            shape_parts = list(segments)
            for index, _ in ids:
                shape_parts[index] = "{}"
            shape = "/".join(shape_parts)
            if shape in seen:
                continue
            seen.add(shape)
            noun = noun_before_id(shape) or "item"
            if f"delete_{noun}" in existing:
                continue
            name_in = f"{noun}_id"
            template = f"{parts.scheme}://{parts.netloc}" + shape.replace(
                "{}", "{" + name_in + "}", 1
            )
            numeric = all(s.isdigit() for _, s in ids)
            inputs = (
                ToolInput(
                    name_in,
                    type="integer" if numeric else "string",
                    description=f"id of the {noun}",
                ),
            )
            tool = Tool(
                name=f"delete_{noun}",
                description=describe(
                    "delete",
                    noun,
                    inputs,
                    auth=auth,
                    extra=" (opens its delete link, then confirms)",
                ),
                kind="delete",
                start_url=page.url,
                inputs=inputs,
                steps=(
                    NavigationStep(url=template, description="Open the delete link"),
                    ClickStep(
                        locators=(
                            Locator("role", "button", role_name="Delete", exact=False),
                            Locator("css", "form[method=post i] [type=submit]"),
                        ),
                        description="Confirm the deletion",
                        dialog="accept",
                    ),
                ),
                annotations=annotations_for("delete"),
                provenance=provenance(page.url, created_at, generator),
            )
            out.append(FamilyTool(tool, name_in, tuple(s for _, s in ids)))
    return out
