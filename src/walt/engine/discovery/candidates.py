"""From analysed pages to candidate tools. Pure.

* A GET form becomes a URL template; a POST form becomes browser steps (so CSRF
  tokens stay fresh); hidden fields are constants, never inputs.
* The same form on many pages (a header search box) becomes one tool; a form
  found on ``/item/12/edit`` and ``/item/13/edit`` becomes one tool with an
  ``item_id`` input; forms with one action merge into the richest.
* Link families become sort, filter, pagination and detail-page tools, and
  compose into the search tool whose results page they sit on.
* Each tool gets a kind, annotations that follow from it, a name a developer
  would choose, unique within the site, and a "what / precondition / outcome"
  description. Locators prefer stable ids, names, labels and roles to CSS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Final
from urllib.parse import quote, urlsplit

import attrs

from walt.core.models import (
    Annotations,
    ClickStep,
    InputStep,
    Locator,
    NavigationStep,
    Provenance,
    SelectChangeStep,
    Step,
    Tool,
    ToolInput,
)
from walt.engine.discovery.analyze import (
    PAGE_PARAMS,
    SORT_PARAMS,
    Field,
    FormInfo,
    LinkFamily,
    PageAnalysis,
    is_destructive_link,
    is_generated_id,
)

__all__ = ["Candidate", "build_candidates"]

_OPAQUE_SEGMENT: Final = re.compile(r"^(?:\d+|[0-9a-f]{8,}|[0-9a-f-]{32,36})$", re.IGNORECASE)
_WORD: Final = re.compile(r"[a-z][a-z0-9]*")
_NOUN_AFTER_SEARCH: Final = re.compile(
    r"\b(?:search|find|filter|browse)\s+(?:for\s+|the\s+|all\s+|our\s+|in\s+)?([a-z][a-z-]{2,})",
    re.IGNORECASE,
)
_GENERIC_SEGMENTS: Final = frozenset(
    {
        "search",
        "find",
        "results",
        "result",
        "list",
        "index",
        "index.php",
        "query",
        "s",
        "q",
        "api",
        "v1",
        "v2",
        "www",
        "html",
        "new",
        "edit",
        "create",
        "add",
        "update",
        "delete",
        "remove",
        "comment",
        "comments",
        "reply",
        "view",
        "show",
        "page",
        "pages",
        "",
    }
)
_VERBS: Final = frozenset(
    {
        "create",
        "add",
        "new",
        "save",
        "update",
        "edit",
        "submit",
        "post",
        "send",
        "publish",
        "delete",
        "remove",
        "confirm",
        "log",
        "sign",
        "in",
        "up",
        "changes",
        "change",
        "a",
        "an",
        "the",
        "your",
        "my",
        "this",
        "go",
        "ok",
        "yes",
        "continue",
        "apply",
        "search",
        "find",
        "comment",
        "reply",
        "subscribe",
        "register",
        "filter",
    }
)
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
READ_KINDS: Final = frozenset({"search", "filter", "sort", "paginate", "navigate", "extract"})
MAX_ENUM: Final = 200


@attrs.define
class Candidate:
    """A tool before validation, with what validating it needs."""

    tool: Tool
    source: str  # "form", "links", "path", "link"
    page_url: str
    pages: int = 1
    family: LinkFamily | None = None
    form: FormInfo | None = None
    term_field: str | None = None  # the search box's input name
    path_param: str | None = None  # the input that fills a path segment
    sample_ids: tuple[str, ...] = ()  # values seen for path_param

    @property
    def kind(self) -> str:
        return self.tool.kind or "navigate"

    @property
    def is_write(self) -> bool:
        return self.kind not in READ_KINDS


# --------------------------------------------------------------------------- words and names


def _snake(text: str, limit: int = 40) -> str:
    words = _WORD.findall(text.lower())
    return "_".join(words)[:limit].strip("_")


def _singular(noun: str) -> str:
    if noun.endswith("ies") and len(noun) > 4:
        return noun[:-3] + "y"
    if noun.endswith(("ches", "shes", "sses", "xes")):
        return noun[:-2]
    if noun.endswith("s") and not noun.endswith("ss") and len(noun) > 3:
        return noun[:-1]
    return noun


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _path_noun(path: str) -> str | None:
    segments = _segments(path)
    for segment in reversed(segments):
        word = _snake(segment.split(".")[0], 30)
        if (
            word
            and word not in _GENERIC_SEGMENTS
            and not _OPAQUE_SEGMENT.match(segment)
            and segment != "{}"
        ):
            return word
    return None


def _noun_before_id(path: str) -> str | None:
    """``/tracker/ticket/{}/edit`` -> ``ticket``: the segment naming the identified thing."""
    segments = _segments(path)
    for index, segment in enumerate(segments):
        if (segment == "{}" or _OPAQUE_SEGMENT.match(segment)) and index > 0:
            word = _snake(segments[index - 1], 30)
            if word and word not in _GENERIC_SEGMENTS:
                return _singular(word)
    return None


_NOT_NOUNS: Final = frozenset(
    {"results", "result", "here", "this", "site", "entire", "everything", "all", "now", "it"}
)


def _search_noun(texts: Iterable[str], path: str) -> str:
    for text in texts:
        for match in _NOUN_AFTER_SEARCH.finditer(text or ""):
            word = _snake(match.group(1), 30)
            if word not in _NOT_NOUNS:
                return word
    return _path_noun(path) or "items"


def _object_noun(texts: Iterable[str], path: str) -> str:
    """The thing a write form acts on: from its button or heading, else its URL."""
    noun = _noun_before_id(path)
    if noun:
        return noun
    for text in texts:
        words = [w for w in _WORD.findall((text or "").lower()) if w not in _VERBS]
        if words:
            return _singular(words[-1])
    return _singular(_path_noun(path) or "item")


def _input_name(raw: str, taken: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_") or "value"
    if name[0].isdigit():
        name = f"f_{name}"
    name = name[:60]
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


# --------------------------------------------------------------------------- paths with ids


def _generalize(path: str) -> tuple[str, list[tuple[int, str]]]:
    """Opaque segments become ``{}``; returns the shape and (index, segment) of each."""
    segments = path.split("/")
    found: list[tuple[int, str]] = []
    for index, segment in enumerate(segments):
        if segment and _OPAQUE_SEGMENT.match(segment):
            found.append((index, segment))
            segments[index] = "{}"
    return "/".join(segments), found


def _path_template(path: str, names: dict[int, str]) -> str:
    segments = path.split("/")
    for index, name in names.items():
        segments[index] = "{" + name + "}"
    return "/".join(segments)


def _id_param_names(shape: str, taken: set[str]) -> dict[int, str]:
    segments = shape.split("/")
    names: dict[int, str] = {}
    for index, segment in enumerate(segments):
        if segment == "{}":
            before = _snake(segments[index - 1], 30) if index > 0 else ""
            noun = _singular(before) if before and before not in _GENERIC_SEGMENTS else "item"
            names[index] = _input_name(f"{noun}_id", taken)
    return names


# --------------------------------------------------------------------------- locators


def _css_attr(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _form_selector(form: FormInfo, action_template: str) -> str:
    if form.form_id and not is_generated_id(form.form_id):
        return f"form[id={_css_attr(form.form_id)}]"
    return f"form[action$={_css_attr(action_template)}]"


def _field_locators(field: Field, form_selector: str) -> tuple[Locator, ...]:
    out: list[Locator] = []
    if field.element_id and not is_generated_id(field.element_id):
        out.append(Locator("id", field.element_id))
    out.append(Locator("css", f"{form_selector} [name={_css_attr(field.name)}]"))
    if field.label:
        out.insert(len(out) - 1, Locator("label", field.label))
    if field.placeholder:
        out.insert(len(out) - 1, Locator("placeholder", field.placeholder))
    # "name" alone may match the same field of another form (a header search box): it
    # comes after the form-scoped CSS, which is exact.
    out.append(Locator("name", field.name))
    return tuple(out)


def _submit_locators(form: FormInfo, form_selector: str) -> tuple[Locator, ...]:
    out: list[Locator] = []
    if form.submit_id and not is_generated_id(form.submit_id):
        out.append(Locator("id", form.submit_id))
    if form.submit_text:
        out.append(Locator("role", "button", role_name=form.submit_text))
    if form.submit_outside and form.form_id:
        out.append(Locator("css", f"[form={_css_attr(form.form_id)}][type=submit]"))
    out.append(Locator("css", f"{form_selector} [type=submit]"))
    return tuple(out)


# --------------------------------------------------------------------------- inputs from fields


def _input_for(field: Field, name: str, *, for_url: bool) -> ToolInput | None:
    """A field's input schema; None for fields that are not inputs (hidden, passwords in URLs)."""
    description = field.label or field.placeholder or None
    common: dict[str, Any] = {"name": name, "description": description, "required": field.required}
    if field.kind in ("select", "radio"):
        options = [(v, lbl) for v, lbl in field.options[:MAX_ENUM] if v != ""]
        if not options:
            return None
        has_blank = any(v == "" for v, _ in field.options)
        return ToolInput(
            **{**common, "required": field.required and not has_blank},
            type="string",
            enum=tuple(v for v, _ in options),
            enum_labels=tuple(lbl for _, lbl in options),
            default=field.default if field.default and field.default != "" else None,
        )
    if field.kind == "checkbox":
        if for_url:
            label = field.label or field.name
            return ToolInput(
                **{
                    **common,
                    "required": False,
                    "description": f"{label} (pass {field.checkbox_value!r} to tick it)",
                },
                type="string",
                enum=(field.checkbox_value,),
                enum_labels=(label,),
            )
        return ToolInput(**{**common, "required": False}, type="boolean")
    if field.kind == "number":
        return ToolInput(
            **common,
            type="integer" if field.integer else "number",
            minimum=field.minimum,
            maximum=field.maximum,
        )
    fmt = {
        "email": "email",
        "url": "uri",
        "date": "date",
        "datetime": "date-time",
        "time": "time",
    }.get(field.kind)
    return ToolInput(**common, type="string", format=fmt, pattern=field.pattern)


# --------------------------------------------------------------------------- kinds


def _write_kind(form: FormInfo, action_path: str) -> str:
    if any(f.kind == "password" for f in form.fields):
        return "login"
    # The button and the URL say what a form does; a heading nearby is only a last resort
    # (a ticket titled "Login page times out" does not make its comment form a login).
    for text in (f"{form.submit_text} {action_path}", form.heading):
        words = text.lower()
        if re.search(r"\bdelete\b|\bremove\b|\bdestroy\b", words):
            return "delete"
        if re.search(r"comment|reply", words):
            return "comment"
        if re.search(r"\bedit\b|\bupdate\b|\bsave\b", words):
            return "edit"
        if re.search(r"log ?in|sign ?in", words):
            return "login"
        if re.search(r"\bcreate\b|\bnew\b|\badd\b|\bpost\b|\bsubmit\b", words):
            return "create"
    return "create"


def _annotations(kind: str) -> Annotations:
    if kind in READ_KINDS:
        return Annotations(read_only=True, destructive=False, idempotent=True, open_world=True)
    if kind in ("edit", "delete"):
        return Annotations(read_only=False, destructive=True, idempotent=True, open_world=True)
    if kind == "login":
        return Annotations(read_only=False, destructive=False, idempotent=True, open_world=True)
    return Annotations(read_only=False, destructive=False, idempotent=False, open_world=True)


def _is_search_field(field: Field) -> bool:
    text = f"{field.name} {field.label} {field.placeholder}".lower()
    return field.kind == "text" and (
        field.name.lower() in ("q", "query", "s", "search", "keywords", "keyword", "term", "text")
        or any(w in text for w in ("search", "keyword", "find", "query"))
    )


# --------------------------------------------------------------------------- descriptions


def _describe_inputs(inputs: Sequence[ToolInput]) -> str:
    parts = [i.description or i.name.replace("_", " ") for i in inputs]
    parts = [p.lower() for p in parts if p]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _description(
    kind: str,
    noun: str,
    inputs: Sequence[ToolInput],
    path: str,
    auth: bool,
    extra: str = "",
    verb: str = "",
) -> str:
    pre = "Precondition: logged in (run with auth=...)." if auth else "Precondition: none."
    optional = [i for i in inputs if not i.required]
    main = [i for i in inputs if i.required]
    if kind == "search":
        what = f"Search {noun}"
        if main:
            what += f" by {_describe_inputs(main)}"
        if optional:
            what += f", optionally narrowed by {_describe_inputs(optional)}"
        outcome = f"Outcome: the results page listing the matching {noun}."
    elif kind == "filter":
        what = f"List {noun} filtered by {_describe_inputs(inputs)}"
        outcome = f"Outcome: only the {noun} matching the chosen option."
    elif kind == "sort":
        what = f"List {noun} sorted in the chosen order"
        outcome = f"Outcome: the {noun} list in that order."
    elif kind == "paginate":
        what = f"Open a page of the {noun} list"
        outcome = f"Outcome: that page of {noun}."
    elif kind == "navigate":
        what = f"Open the page of one {noun} by its id"
        outcome = f"Outcome: the {noun}'s page with its details."
    elif kind == "login":
        what = "Log in with a username and password"
        outcome = "Outcome: a signed-in session (use walt login to save it as auth state)."
        pre = "Precondition: an account on the site."
    elif kind == "delete":
        what = f"Delete a {noun}"
        outcome = f"Outcome: the {noun} is removed (this cannot be undone)."
    elif kind == "edit":
        fields = _describe_inputs([i for i in inputs if not i.name.endswith("_id")])
        what = f"Change a {noun}'s {fields}"
        outcome = f"Outcome: the {noun} is saved with the new values."
    elif kind == "comment":
        what = f"Add a comment to a {noun}"
        outcome = f"Outcome: the comment appears on the {noun}'s page."
    elif verb and verb.lower() not in ("create", "add", "new", "submit", "save"):
        what = f"{verb} ({_describe_inputs(inputs)})"
        outcome = "Outcome: the site confirms it."
    else:
        what = f"Create a {noun} from {_describe_inputs(inputs)}"
        outcome = f"Outcome: the new {noun} is saved and shown."
    return f"{what}{extra}. {pre} {outcome}"


# --------------------------------------------------------------------------- building


@attrs.define
class _FormGroup:
    form: FormInfo
    shape: str  # action path shape with {} for ids
    page_shape: str
    pages: list[str] = attrs.field(factory=list)
    placeholders: list[str] = attrs.field(factory=list)
    labels: list[str] = attrs.field(factory=list)
    ids: list[str] = attrs.field(factory=list)

    @property
    def texts(self) -> list[str]:
        """What names the thing searched, most telling first."""
        return [*self.placeholders, *self.labels, self.form.submit_text, self.form.heading]


def _group_forms(pages: Sequence[PageAnalysis]) -> list[_FormGroup]:
    groups: dict[tuple[str, str, frozenset[str]], _FormGroup] = {}
    for page in pages:
        for form in page.forms:
            action = urlsplit(form.action)
            shape, ids = _generalize(action.path)
            page_shape, page_ids = _generalize(urlsplit(form.page_url).path)
            key = (
                form.method,
                f"{action.scheme}://{action.netloc}{shape}",
                frozenset(f.name for f in form.visible_fields),
            )
            group = groups.get(key)
            if group is None:
                group = groups[key] = _FormGroup(form, shape, page_shape)
            group.pages.append(form.page_url)
            group.ids.extend(seg for _, seg in ids or page_ids)
            group.placeholders.extend(f.placeholder for f in form.fields if f.placeholder)
            group.labels.extend(f.label for f in form.fields if f.label)
            if len(form.fields) > len(group.form.fields):
                group.form = form
    # Forms with one action merge into the richest (a header search box into the full form).
    merged: list[_FormGroup] = []
    for group in sorted(groups.values(), key=lambda g: -len(g.form.visible_fields)):
        names = {f.name for f in group.form.visible_fields}
        for target in merged:
            target_names = {f.name for f in target.form.visible_fields}
            same_action = (
                target.form.method,
                target.shape,
                urlsplit(target.form.action).netloc,
            ) == (group.form.method, group.shape, urlsplit(group.form.action).netloc)
            if same_action and names <= target_names:
                target.pages.extend(group.pages)
                target.placeholders.extend(group.placeholders)
                target.labels.extend(group.labels)
                target.ids.extend(group.ids)
                break
        else:
            merged.append(group)
    return merged


def _provenance(page_url: str, created_at: str, generator: str) -> Provenance:
    parts = urlsplit(page_url)
    return Provenance(
        source="walt-discovery",
        site=f"{parts.scheme}://{parts.netloc}",
        page_url=page_url,
        created_at=created_at,
        generator=generator,
    )


def _id_inputs(id_names: dict[int, str], samples: Sequence[str]) -> list[ToolInput]:
    numeric = bool(samples) and all(s.isdigit() for s in samples)
    return [
        ToolInput(
            name, type="integer" if numeric else "string", description=f"id of the {name[:-3]}"
        )
        for name in id_names.values()
    ]


def _form_candidate(
    group: _FormGroup, auth: bool, created_at: str, generator: str
) -> Candidate | None:
    form = group.form
    action = urlsplit(form.action)
    origin = f"{action.scheme}://{action.netloc}"
    taken: set[str] = set()
    id_names = _id_param_names(group.shape, taken)
    action_template = _path_template(group.shape, id_names)
    visible = [f for f in form.fields if f.kind != "hidden" and not f.hidden_by_style]
    constants = [f for f in form.fields if f.kind == "hidden" or f.hidden_by_style]
    if form.method == "get":
        search_fields = [f for f in visible if _is_search_field(f)]
        texts = group.texts
        is_write = bool(
            re.search(
                r"subscribe|register|sign ?up|send|join",
                " ".join([form.submit_text, form.heading, action.path]).lower(),
            )
        )
        if is_write:
            kind = "create"
        elif search_fields or any(f.kind == "text" for f in visible):
            kind = "search"
        elif visible:
            kind = "filter"
        else:
            return None
        noun = (
            _search_noun([t for t in texts if t], action.path)
            if kind != "create"
            else _object_noun([form.submit_text, form.heading], action.path)
        )
        inputs: list[ToolInput] = []
        pairs: list[str] = []
        term = None
        for field in visible:
            name = _input_name(field.name, taken)
            schema = _input_for(field, name, for_url=True)
            if schema is None:
                continue
            if (
                kind == "search"
                and term is None
                and (field in search_fields or field.kind == "text")
            ):
                # The search box is the point of a search tool: required, described plainly.
                term = name
                label = schema.description or ""
                if not label or label.lower().startswith(("search", "find")):
                    label = f"words to look for in {noun}"
                schema = attrs.evolve(schema, description=label, required=True)
            inputs.append(schema)
            pairs.append(f"{quote(field.name, safe='[]')}={{{name}}}")
        for field in constants:
            if field.default is not None and field.kind in ("hidden", "select", "text"):
                pairs.append(f"{quote(field.name, safe='[]')}={quote(field.default, safe='')}")
        template = f"{origin}{action_template}" + ("?" + "&".join(pairs) if pairs else "")
        all_inputs = tuple(_id_inputs(id_names, group.ids) + inputs)
        if kind == "search":
            name = f"search_{noun}"
        elif kind == "filter":
            name = f"filter_{noun}_by_{_snake(visible[0].name, 20)}"
        else:
            name = f"{_snake(form.submit_text, 20) or 'submit'}_{_singular(noun)}"
        verb = form.submit_text if kind == "create" else ""
        tool = Tool(
            name=name,
            description=_description(
                kind, noun, all_inputs, action.path, auth and kind == "create", verb=verb
            ),
            kind=kind,  # type: ignore[arg-type]
            start_url=form.page_url,
            url_template=template,
            inputs=all_inputs,
            steps=(NavigationStep(url=template, description=f"Open the {noun} results"),),
            annotations=_annotations(kind),
            provenance=_provenance(form.page_url, created_at, generator),
        )
        return Candidate(
            tool,
            "form",
            form.page_url,
            len(set(group.pages)),
            form=form,
            term_field=term,
            path_param=next(iter(id_names.values()), None),
            sample_ids=tuple(group.ids),
        )
    # POST: browser steps on the page that carries the form.
    kind = _write_kind(form, action.path)
    noun = _object_noun(
        [form.submit_text, form.heading],
        group.page_shape if "{}" in group.page_shape else action.path,
    )
    page = urlsplit(form.page_url)
    page_ids = dict(
        zip(
            [i for i, s in enumerate(group.page_shape.split("/")) if s == "{}"],
            list(id_names.values()),
            strict=False,
        )
    )
    page_template = f"{page.scheme}://{page.netloc}{_path_template(group.page_shape, page_ids)}"
    if page.query:
        page_template += "?" + page.query
    selector = _form_selector(form, action_template)
    steps: list[Step] = [
        NavigationStep(url=page_template, description="Open the page with the form")
    ]
    inputs = _id_inputs(id_names, group.ids)
    for field in visible:
        name = _input_name(field.name, taken)
        schema = _input_for(field, name, for_url=False)
        if schema is None:
            continue
        inputs.append(schema)
        locators = _field_locators(field, selector)
        label = field.label or field.placeholder or field.name
        if field.kind == "select":
            steps.append(
                SelectChangeStep(
                    locators=locators, selected_text=f"{{{name}}}", description=f"Choose {label}"
                )
            )
        elif field.kind == "radio":
            steps.append(
                ClickStep(
                    locators=(
                        Locator(
                            "css", f'{selector} [name={_css_attr(field.name)}][value="{{{name}}}"]'
                        ),
                    ),
                    description=f"Choose {label}",
                )
            )
        else:
            steps.append(
                InputStep(locators=locators, value=f"{{{name}}}", description=f"Fill {label}")
            )
    steps.append(
        ClickStep(
            locators=_submit_locators(form, selector),
            description=f"Submit: {form.submit_text or 'the form'}",
        )
    )
    name = {
        "login": "log_in",
        "delete": f"delete_{noun}",
        "comment": f"comment_on_{noun}",
        "edit": f"edit_{noun}",
    }.get(kind, f"create_{noun}")
    tool = Tool(
        name=name,
        description=_description(kind, noun, inputs, action.path, auth and kind != "login"),
        kind=kind,  # type: ignore[arg-type]
        start_url=form.page_url,
        inputs=tuple(inputs),
        steps=tuple(steps),
        annotations=_annotations(kind),
        provenance=_provenance(form.page_url, created_at, generator),
    )
    return Candidate(
        tool,
        "form",
        form.page_url,
        len(set(group.pages)),
        form=form,
        path_param=next(iter(id_names.values()), None),
        sample_ids=tuple(group.ids),
    )


def _family_kind(family: LinkFamily) -> str:
    key = family.param.lower()
    values = " ".join(v.lower() for v, _ in family.values)
    if family.in_path:
        return "navigate" if family.numeric else "filter"
    if key in PAGE_PARAMS and family.numeric:
        return "paginate"
    if key in SORT_PARAMS or re.search(r"\b(asc|desc)\b|_asc|_desc", values):
        return "sort"
    return "filter"


def _family_candidate(
    family: LinkFamily, noun_for_path: dict[str, str], auth: bool, created_at: str, generator: str
) -> Candidate:
    page = urlsplit(family.page_url)
    origin = f"{page.scheme}://{page.netloc}"
    kind = _family_kind(family)
    taken: set[str] = set()
    if family.in_path:
        segment = _snake(family.param, 30) or "item"
        noun = (
            _singular(segment)
            if kind == "navigate"
            else (_path_noun(family.path.replace("{}", "")) or segment)
        )
        name_in = _input_name(f"{_singular(segment)}_id" if kind == "navigate" else segment, taken)
        template = origin + family.path.replace("{}", "{" + name_in + "}")
        values = [v for v, _ in family.values]
        if kind == "navigate":
            spec = ToolInput(
                name_in,
                type="integer" if family.numeric else "string",
                description=f"id of the {noun}",
            )
            name = f"view_{noun}"
        else:
            spec = ToolInput(
                name_in,
                enum=tuple(values[:MAX_ENUM]),
                enum_labels=tuple(lbl or v for v, lbl in family.values[:MAX_ENUM]),
                description=segment.replace("_", " "),
            )
            name = f"browse_{segment}"
        tool = Tool(
            name=name,
            description=_description(kind, noun, (spec,), family.path, False),
            kind=kind,  # type: ignore[arg-type]
            start_url=family.page_url,
            url_template=template,
            inputs=(spec,),
            steps=(NavigationStep(url=template),),
            annotations=_annotations(kind),
            provenance=_provenance(family.page_url, created_at, generator),
        )
        return Candidate(
            tool,
            "path",
            family.page_url,
            family=family,
            path_param=name_in,
            sample_ids=tuple(values),
        )
    noun = noun_for_path.get(family.path) or _path_noun(family.path) or "items"
    name_in = _input_name(family.param, taken)
    if kind == "paginate":
        spec = ToolInput(
            name_in,
            type="integer",
            minimum=1 if family.param.lower() not in ("offset", "start", "skip") else 0,
            description="page number",
        )
        name = f"paginate_{noun}"
    else:
        options = family.values[:MAX_ENUM]
        spec = ToolInput(
            name_in,
            enum=tuple(v for v, _ in options),
            enum_labels=tuple(lbl or v for v, lbl in options),
            description=family.param.replace("_", " "),
        )
        name = f"sort_{noun}" if kind == "sort" else f"filter_{noun}_by_{_snake(family.param, 20)}"
    fixed = [
        f"{quote(k, safe='[]')}={quote(v, safe='')}"
        for k, v in family.fixed
        if k not in (family.param,) and v != "" and k.lower() not in PAGE_PARAMS
    ]
    template = f"{origin}{family.path}?" + "&".join(
        [*fixed, f"{quote(family.param, safe='[]')}={{{name_in}}}"]
    )
    extra = (
        f" (carries {', '.join(k for k, _ in family.fixed)} of the page it was found on)"
        if fixed
        else ""
    )
    tool = Tool(
        name=name,
        description=_description(kind, noun, (spec,), family.path, False, extra),
        kind=kind,  # type: ignore[arg-type]
        start_url=family.page_url,
        url_template=template,
        inputs=(spec,),
        steps=(NavigationStep(url=template),),
        annotations=_annotations(kind),
        provenance=_provenance(family.page_url, created_at, generator),
    )
    return Candidate(tool, "links", family.page_url, family=family)


def _merge_families(pages: Sequence[PageAnalysis]) -> list[LinkFamily]:
    merged: dict[tuple[str, str, bool], LinkFamily] = {}
    for page in pages:
        for family in page.families:
            key = (urlsplit(family.page_url).netloc + family.path, family.param, family.in_path)
            prior = merged.get(key)
            if prior is None:
                merged[key] = family
                continue
            values = dict(prior.values)
            for value, label in family.values:
                if value not in values or (not values[value] and label):
                    values[value] = label
            # The fewest fixed parameters: the most general links.
            fixed = prior.fixed if len(prior.fixed) <= len(family.fixed) else family.fixed
            merged[key] = attrs.evolve(prior, values=tuple(values.items()), fixed=fixed)
    return list(merged.values())


def _compose(search: Candidate, families: Sequence[LinkFamily]) -> Candidate:
    """A search tool whose results page has sort/filter/page links takes them as optional inputs."""
    tool = search.tool
    assert tool.url_template is not None
    action_path = urlsplit(tool.url_template.split("?", 1)[0]).path
    names = {i.name for i in tool.inputs}
    form_fields = {f.name for f in search.form.fields} if search.form else set()
    template = tool.url_template
    inputs = list(tool.inputs)
    for family in families:
        if family.in_path or family.path != action_path or family.param in form_fields:
            continue
        kind = _family_kind(family)
        name = _input_name(family.param, names)
        if kind == "paginate":
            spec = ToolInput(
                name, type="integer", required=False, minimum=1, description="page number"
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
        return search
    noun = tool.name.removeprefix("search_")
    description = _description("search", noun, inputs, action_path, False)
    steps = (NavigationStep(url=template, description=f"Open the {noun} results"),)
    search.tool = attrs.evolve(
        tool, url_template=template, inputs=tuple(inputs), steps=steps, description=description
    )
    return search


def _delete_from_links(
    pages: Sequence[PageAnalysis], existing: set[str], auth: bool, created_at: str, generator: str
) -> list[Candidate]:
    """Delete links are never followed; a delete tool is inferred from them instead."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for page in pages:
        for url in page.skipped_links:
            parts = urlsplit(url)
            if not re.search(r"delete|remove|destroy", parts.path, re.IGNORECASE) or parts.query:
                continue
            shape, ids = _generalize(parts.path)
            if not ids or shape in seen:
                continue
            seen.add(shape)
            taken: set[str] = set()
            id_names = _id_param_names(shape, taken)
            noun = _noun_before_id(shape) or "item"
            if f"delete_{noun}" in existing:
                continue
            template = f"{parts.scheme}://{parts.netloc}{_path_template(shape, id_names)}"
            inputs = tuple(_id_inputs(id_names, [seg for _, seg in ids]))
            tool = Tool(
                name=f"delete_{noun}",
                description=_description(
                    "delete", noun, inputs, shape, auth, " (opens its delete link, then confirms)"
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
                    ),
                ),
                annotations=_annotations("delete"),
                provenance=_provenance(page.url, created_at, generator),
            )
            out.append(
                Candidate(
                    tool,
                    "link",
                    page.url,
                    path_param=next(iter(id_names.values())),
                    sample_ids=tuple(seg for _, seg in ids),
                )
            )
    return out


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
    pages: Sequence[PageAnalysis], *, auth: bool = False, created_at: str = "", generator: str = ""
) -> list[Candidate]:
    """Every tool the analysed pages offer, before validation, in a stable order."""
    candidates: list[Candidate] = []
    for group in _group_forms(pages):
        candidate = _form_candidate(group, auth, created_at, generator)
        if candidate is not None:
            candidates.append(candidate)
    noun_for_path = {
        urlsplit((c.tool.url_template or "").split("?", 1)[0]).path: c.tool.name.removeprefix(
            "search_"
        )
        for c in candidates
        if c.kind == "search"
    }
    families = _merge_families(pages)
    for candidate in candidates:
        if candidate.kind == "search":
            _compose(candidate, families)
    for family in families:
        candidates.append(_family_candidate(family, noun_for_path, auth, created_at, generator))
    names = {c.tool.name for c in candidates}
    candidates.extend(_delete_from_links(pages, names, auth, created_at, generator))
    candidates.sort(key=lambda c: (_KIND_ORDER.get(c.kind, 99), c.tool.name))
    _unique_names(candidates)
    return [
        c for c in candidates if not is_destructive_link(c.tool.url_template or "") or c.is_write
    ]
