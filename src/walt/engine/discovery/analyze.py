"""Page analysis: rendered HTML and its URL in, what the page offers out. Pure, no browser.

For one page it finds:

* forms, with every field's schema (name, label, type, constraints, options,
  default, required) and how to find it (id, name, label, placeholder, CSS);
* link families: links that differ in one query parameter (sort orders,
  facets, pages) or one path segment (categories, detail pages);
* the links to crawl, and the page's result items (from extraction).

Combining pages into tools is :mod:`walt.engine.discovery.candidates`' job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import attrs

from walt.engine.dom import Document, Element, parse_html
from walt.engine.extract import extract_document

__all__ = [
    "Field",
    "FormInfo",
    "LinkFamily",
    "PageAnalysis",
    "analyze",
    "analyze_document",
    "is_destructive_link",
    "url_pattern",
]

DISCOVERY_MAX_NODES: Final = 30_000
_NUMERIC: Final = re.compile(r"^\d+$")
_OPAQUE_ID: Final = re.compile(r"^(?:[0-9a-f]{8,}|[0-9a-f-]{32,36}|\d+[a-z]?)$", re.IGNORECASE)
_GENERATED_ID: Final = re.compile(
    r"(?:^:r\w*:$|^ember\d+|^ext-|^react-|^mui-|^headlessui-|\d{3,}|[0-9a-f]{8,}|^[a-z]{1,2}\d+$)",
    re.IGNORECASE,
)
_DESTRUCTIVE: Final = re.compile(
    r"(?:^|[^a-z])(log[\s_-]?out|sign[\s_-]?out|delete|remove|destroy|erase|unsubscribe|"
    r"deactivate|revoke|purge|trash|drop)(?:[^a-z]|$)",
    re.IGNORECASE,
)
_DESTRUCTIVE_QUERY: Final = re.compile(
    r"(?:^|&)(?:action|do|op|cmd|task|method)=(?:delete|remove|destroy|logout|signout)",
    re.IGNORECASE,
)
SORT_PARAMS: Final = frozenset(
    {
        "sort",
        "_sort",
        "o",
        "order",
        "orderby",
        "order_by",
        "sort_by",
        "sortby",
        "ordering",
        "sorting",
        "sorder",
        "product_list_order",
        "dir",
        "direction",
        "sort_order",
    }
)
PAGE_PARAMS: Final = frozenset(
    {"page", "p", "pg", "ipage", "page_number", "pagenumber", "offset", "start", "skip", "paged"}
)
_INPUT_TYPES: Final = {
    "text": "text",
    "search": "text",
    "email": "email",
    "url": "url",
    "tel": "text",
    "number": "number",
    "range": "number",
    "date": "date",
    "datetime-local": "datetime",
    "time": "time",
    "month": "text",
    "week": "text",
    "color": "text",
    "password": "password",
    "checkbox": "checkbox",
    "radio": "radio",
    "hidden": "hidden",
    "file": "file",
}


@attrs.frozen
class Field:
    """One form control as a tool input (or a constant, for hidden fields)."""

    name: str
    kind: str  # text, textarea, select, checkbox, radio, number, email, date, hidden, password...
    label: str = ""
    placeholder: str = ""
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, visible label)
    default: str | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    element_id: str | None = None
    hidden_by_style: bool = False
    checkbox_value: str = "on"


@attrs.frozen
class FormInfo:
    page_url: str
    action: str
    method: str
    fields: tuple[Field, ...]
    submit_text: str = ""
    submit_id: str | None = None
    form_id: str | None = None
    form_index: int = 0
    heading: str = ""
    role_search: bool = False
    submit_outside: bool = False

    @property
    def visible_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind != "hidden")


@attrs.frozen
class LinkFamily:
    """Links that differ only in one query parameter or one path segment."""

    page_url: str
    path: str  # the path (with ``{}`` at the varying segment for path families)
    param: str  # the query key, or the path segment before the varying one
    in_path: bool
    values: tuple[tuple[str, str], ...]  # (value, link text)
    fixed: tuple[tuple[str, str], ...] = ()  # other query parameters the links carry

    @property
    def numeric(self) -> bool:
        return all(_NUMERIC.match(v) for v, _ in self.values)


@attrs.frozen
class PageAnalysis:
    url: str
    pattern: str
    title: str
    forms: tuple[FormInfo, ...]
    families: tuple[LinkFamily, ...]
    links: tuple[tuple[str, str], ...]  # (absolute url, text) to crawl, same origin
    skipped_links: tuple[str, ...]  # destructive-looking links never followed
    items: tuple[dict[str, object], ...]
    samples: tuple[str, ...] = ()  # result titles (cards and table rows), for search checks
    truncated: bool = False


# --------------------------------------------------------------------------- helpers


def url_pattern(url: str) -> str:
    """Pages that differ only by parameter values share a pattern (one page per pattern)."""
    parts = urlsplit(url)
    segments = ["{}" if _OPAQUE_ID.match(s) else s for s in parts.path.split("/")]
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.scheme}://{parts.netloc}{'/'.join(segments)}?{'&'.join(keys)}"


def is_destructive_link(url: str, text: str = "") -> bool:
    """Logout, delete and the like: discovery never follows these."""
    parts = urlsplit(url)
    return bool(
        _DESTRUCTIVE.search(parts.path)
        or _DESTRUCTIVE_QUERY.search(parts.query)
        or _DESTRUCTIVE.search(text)
    )


def is_generated_id(value: str) -> bool:
    """Ids a framework generates (they change between renders): not stable locators."""
    return bool(_GENERATED_ID.search(value))


def _float(value: str | None) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _hidden_by_style(el: Element) -> bool:
    for node in (el, *el.ancestors()):
        style = (node.get("style") or "").replace(" ", "").lower()
        if (
            "display:none" in style
            or "visibility:hidden" in style
            or node.get("hidden") is not None
        ):
            return True
    return False


def _field(doc: Document, control: Element) -> Field | None:
    name = control.get("name")
    if not name or control.get("disabled") is not None:
        return None
    label = doc.label_for(control) or control.get("aria-label") or control.get("title") or ""
    placeholder = control.get("placeholder") or ""
    required = control.get("required") is not None or control.get("aria-required") == "true"
    element_id = control.get("id")
    if control.tag == "select":
        options: list[tuple[str, str]] = []
        default = None
        for option in control.find_all("option"):
            text = option.text(200)
            value = option.get("value")
            value = text if value is None else value
            options.append((value, text))
            if option.get("selected") is not None and default is None:
                default = value
        if default is None and options:
            default = options[0][0]
        return Field(
            name,
            "select",
            label,
            placeholder,
            required,
            tuple(options),
            default,
            element_id=element_id,
            hidden_by_style=_hidden_by_style(control),
        )
    if control.tag == "textarea":
        return Field(
            name,
            "textarea",
            label,
            placeholder,
            required,
            default=control.text(500) or None,
            element_id=element_id,
            hidden_by_style=_hidden_by_style(control),
        )
    kind = _INPUT_TYPES.get((control.get("type") or "text").lower())
    if kind is None or kind == "file":
        return None  # buttons, images, resets, files: not inputs walt can fill
    step = _float(control.get("step"))
    minimum = _float(control.get("min"))
    integer = (
        kind == "number"
        and (step is None or step.is_integer())
        and (minimum is None or minimum.is_integer())
    )
    return Field(
        name=name,
        kind=kind,
        label=label,
        placeholder=placeholder,
        required=required,
        default=control.get("value")
        if kind not in ("checkbox", "radio")
        else (control.get("value") if control.get("checked") is not None else None),
        pattern=control.get("pattern"),
        minimum=minimum,
        maximum=_float(control.get("max")),
        integer=integer,
        element_id=element_id,
        hidden_by_style=_hidden_by_style(control),
        checkbox_value=control.get("value") or "on",
    )


def _merge_radios(fields: list[Field]) -> list[Field]:
    """A radio group is one input whose options are its buttons."""
    out: list[Field] = []
    groups: dict[str, int] = {}
    for field in fields:
        if field.kind != "radio":
            out.append(field)
            continue
        option = (field.checkbox_value, field.label or field.checkbox_value)
        if field.name in groups:
            index = groups[field.name]
            prior = out[index]
            out[index] = attrs.evolve(
                prior,
                options=(*prior.options, option),
                default=prior.default or field.default,
                required=prior.required or field.required,
            )
        else:
            groups[field.name] = len(out)
            out.append(attrs.evolve(field, options=(option,), label=""))
    return out


def _forms(doc: Document) -> list[FormInfo]:
    forms: list[FormInfo] = []
    for index, form in enumerate(doc.root.find_all("form")):
        form_id = form.get("id")
        controls = form.find_all(("input", "select", "textarea"))
        outside_submit: Element | None = None
        if form_id:
            # Controls and buttons outside the form that belong to it (form="id").
            for el in doc.root.find_all(("input", "select", "textarea", "button")):
                if el.get("form") == form_id and el.closest(("form",)) is not form:
                    if el.tag == "button" or (el.get("type") or "").lower() == "submit":
                        outside_submit = outside_submit or el
                    else:
                        controls.append(el)
        fields = [f for f in (_field(doc, c) for c in controls) if f is not None]
        fields = _merge_radios(fields)
        submit = outside_submit or form.find(
            ("button", "input"),
            lambda el: (
                (el.tag == "button" and (el.get("type") or "submit").lower() == "submit")
                or (el.tag == "input" and (el.get("type") or "").lower() in ("submit", "image"))
            ),
        )
        submit_text = ""
        if submit is not None:
            submit_text = (
                submit.text(100) if submit.tag == "button" else (submit.get("value") or "")
            )
        heading_el = None
        for ancestor in form.ancestors():
            heading_el = ancestor.find(("h1", "h2", "h3", "legend"))
            if heading_el is not None:
                break
        method = (form.get("method") or "get").lower()
        forms.append(
            FormInfo(
                page_url=doc.url,
                action=doc.resolve(form.get("action")) or doc.url.split("#", 1)[0],
                method="post" if method == "post" else "get",
                fields=tuple(fields),
                submit_text=submit_text.strip(),
                submit_id=submit.get("id") if submit is not None else None,
                form_id=form_id,
                form_index=index,
                heading=heading_el.text(120) if heading_el is not None else "",
                role_search=form.get("role") == "search"
                or form.closest(("header", "nav")) is not None,
                submit_outside=outside_submit is not None,
            )
        )
    return forms


def _query_families(links: Iterable[tuple[str, str]], page_url: str) -> list[LinkFamily]:
    groups: dict[tuple[str, frozenset[str]], list[tuple[dict[str, str], str]]] = {}
    for url, text in links:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if not query:
            continue
        base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        groups.setdefault((base, frozenset(query)), []).append((query, text))
    families: list[LinkFamily] = []
    for (base, keys), members in groups.items():
        if len(members) < 2:
            continue
        varying = [k for k in sorted(keys) if len({m[0][k] for m in members}) > 1]
        if len(varying) != 1:
            continue
        key = varying[0]
        seen: dict[str, str] = {}
        for query, text in members:
            value = query[key]
            label = re.sub(r"\s*\(\d+\)\s*$", "", text).strip()  # "Kitchen (12)" -> "Kitchen"
            if value not in seen or (not seen[value] and label):
                seen[value] = label
        fixed = tuple(sorted((k, v) for k, v in members[0][0].items() if k != key))
        families.append(
            LinkFamily(page_url, urlsplit(base).path, key, False, tuple(seen.items()), fixed)
        )
    return families


def _path_families(links: Iterable[tuple[str, str]], page_url: str) -> list[LinkFamily]:
    """Links equal but for one path segment: ``/genre/scifi``, ``/genre/poetry``."""
    groups: dict[tuple[str, int, tuple[str, ...]], dict[str, str]] = {}
    for url, text in links:
        parts = urlsplit(url)
        if parts.query:
            continue
        segments = parts.path.rstrip("/").split("/")
        origin = f"{parts.scheme}://{parts.netloc}"
        for position in range(1, len(segments)):
            shape = (*segments[:position], "{}", *segments[position + 1 :])
            values = groups.setdefault((origin, position, shape), {})
            values.setdefault(segments[position], text.strip())
    families: list[LinkFamily] = []
    for (_origin, position, shape), values in groups.items():
        if len(values) < 2:
            continue
        param = shape[position - 1] if position > 1 else "item"
        families.append(
            LinkFamily(page_url, "/".join(shape) or "/", param, True, tuple(values.items()))
        )
    return families


# --------------------------------------------------------------------------- entry points


def analyze_document(doc: Document) -> PageAnalysis:
    """Analyse a parsed page (see the module docstring)."""
    origin = urlsplit(doc.url)
    links: list[tuple[str, str]] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for a in doc.root.find_all("a", lambda el: bool(el.get("href"))):
        url = doc.resolve(a.get("href"))
        if url is None or url in seen:
            continue
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue
        seen.add(url)
        text = a.text(120) or a.get("aria-label") or a.get("title") or ""
        if a.get("download") is not None:
            continue
        if is_destructive_link(url, text):
            skipped.append(url)
            continue
        links.append((url, text))
    data = extract_document(doc)
    samples = [str(item["title"]) for item in data["items"] if item.get("title")]
    for table in data["tables"]:
        for row in table["rows"]:
            texts = [str(v) for k, v in row.items() if k != "url" and not str(v).isdigit()]
            named = row.get("title") or row.get("name")
            samples.append(str(named) if named else max(texts, key=len, default=""))
    return PageAnalysis(
        url=doc.url,
        pattern=url_pattern(doc.url),
        title=doc.title,
        forms=tuple(_forms(doc)),
        families=tuple(_query_families(links, doc.url) + _path_families(links, doc.url)),
        links=tuple(links),
        skipped_links=tuple(skipped),
        items=tuple(data["items"]),
        samples=tuple(s for s in samples if s),
        truncated=doc.truncated,
    )


def analyze(html: str, url: str) -> PageAnalysis:
    """Analyse a page's rendered HTML."""
    return analyze_document(parse_html(html, url, max_nodes=DISCOVERY_MAX_NODES))
