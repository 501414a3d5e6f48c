"""From forms to candidate tools. Pure.

Forms are grouped first: the same form on many pages (a header search box) is
one tool; a form found on ``/item/12/edit`` and ``/item/13/edit``, or on
``?id=a&do=edit`` and ``?id=b&do=edit``, is one tool with an id input; forms
with one action merge into the richest.

Then one of two builders makes the tool:

* :func:`url_candidate` for a GET form: a URL template built as the HTML
  standard's form submission builds the entry list (controls in tree order by
  form owner, disabled ones left out, a checkbox group as one list input, the
  submitter's name and value: an input when the form has several buttons,
  otherwise the default button's pair). Hidden fields are constants.
* :func:`steps_candidate` for a POST form (CSRF tokens stay fresh) or a search
  a script runs: browser steps that open the page, fill what the caller gave
  (inputs left out keep what the form shows at run time) and press the button.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlsplit

import attrs

from walt.core.css import css_string
from walt.core.models import (
    Annotations,
    ClickStep,
    ElementStep,
    InputStep,
    Locator,
    NavigationStep,
    Provenance,
    SelectChangeStep,
    Step,
    Tool,
    ToolInput,
)
from walt.core.patterns import pattern_error
from walt.engine.discovery.analyze import (
    PAGE_PARAMS,
    SORT_PARAMS,
    Field,
    FormInfo,
    PageAnalysis,
    Submitter,
    is_generated_id,
)
from walt.engine.discovery.semantics import (
    READ_KINDS,
    form_kind,
    is_query_box,
    is_search_field,
    primary_submitter,
)
from walt.engine.discovery.words import (
    GENERIC_SEGMENTS,
    describe,
    input_name,
    object_noun,
    search_noun,
    singular,
    snake,
)

__all__ = [
    "MAX_ENUM",
    "FormGroup",
    "annotations_for",
    "group_forms",
    "provenance",
    "record_keys",
    "steps_candidate",
    "url_candidate",
]

MAX_ENUM: Final = 200
_OPAQUE: Final = re.compile(
    r"^(?:\d+|[0-9a-f]{8,}|[0-9a-f-]{32,36})$|^([a-z][a-z_-]*?)[-_]?(\d+)$", re.IGNORECASE
)


# --------------------------------------------------------------------------- shared helpers


def annotations_for(kind: str) -> Annotations:
    if kind in READ_KINDS:
        return Annotations(read_only=True, destructive=False, idempotent=True, open_world=True)
    if kind in ("edit", "delete"):
        return Annotations(read_only=False, destructive=True, idempotent=True, open_world=True)
    if kind == "login":
        return Annotations(read_only=False, destructive=False, idempotent=True, open_world=True)
    return Annotations(read_only=False, destructive=False, idempotent=False, open_world=True)


def provenance(page_url: str, created_at: str, generator: str) -> Provenance:
    parts = urlsplit(page_url)
    return Provenance(
        source="walt-discovery",
        site=f"{parts.scheme}://{parts.netloc}",
        page_url=page_url,
        created_at=created_at,
        generator=generator,
    )


def record_keys(values: Mapping[tuple[str, str], set[str]]) -> set[tuple[str, str]]:
    """Query keys that name a record: many values across the site, not a small vocabulary
    of words (``id=garden:compost`` is a record; ``do=edit`` chooses a view)."""
    out: set[tuple[str, str]] = set()
    for key, seen in values.items():
        if key[1].lower() in PAGE_PARAMS or key[1].lower() in SORT_PARAMS:
            continue  # which page or order of a listing, not which record
        present = {v for v in seen if v}
        if len(present) < 3 or any(v.startswith(("/", "http:", "https:")) for v in present):
            continue  # a page to return to (?url=/list), not a record
        wordy = all(re.fullmatch(r"[a-z_]{1,24}", v, re.IGNORECASE) for v in present)
        if not wordy or len(present) > 12:
            out.add(key)
    return out


@attrs.define
class _Path:
    """A path (and query) with its ids generalized: the shape, and each id's sample."""

    template: str  # with {} where ids go
    ids: list[tuple[str, str]]  # (noun, sample)


def _generalize(path: str) -> _Path:
    segments = path.split("/")
    ids: list[tuple[str, str]] = []
    for index, segment in enumerate(segments):
        if not segment:
            continue
        match = _OPAQUE.match(segment)
        if match is None:
            continue
        if match.group(1):
            segments[index] = match.group(1) + "{}"
            ids.append((match.group(1), match.group(2)))
        else:
            before = segments[index - 1] if index > 0 else ""
            ids.append((before, segment))
            segments[index] = "{}"
    return _Path("/".join(segments), ids)


def _id_names(ids: Sequence[tuple[str, str]], taken: set[str]) -> list[str]:
    names = []
    for noun, _sample in ids:
        word = snake(noun, 30)
        base = singular(word) if word and word not in GENERIC_SEGMENTS else "item"
        names.append(input_name(f"{base}_id", taken))
    return names


def _fill(template: str, names: Sequence[str]) -> str:
    out = template
    for name in names:
        out = out.replace("{}", "{" + name + "}", 1)
    return out


def _plain_number(value: str) -> bool:
    """An id an integer input gives back as written: ASCII digits, no leading zero."""
    return value.isascii() and value.isdigit() and (value == "0" or not value.startswith("0"))


def _id_inputs(names: Sequence[str], samples: Sequence[Sequence[str]]) -> list[ToolInput]:
    out = []
    for index, name in enumerate(names):
        seen = [s[index] for s in samples if index < len(s)]
        numeric = bool(seen) and all(v.isdigit() for v in seen)
        out.append(
            ToolInput(
                name,
                type="integer" if numeric else "string",
                description=f"id of the {name.removesuffix('_id').replace('_', ' ')}",
            )
        )
    return out


# --------------------------------------------------------------------------- grouping


@attrs.define
class FormGroup:
    form: FormInfo
    kind: str
    action: _Path
    page: _Path
    page_query: list[tuple[str, str, bool]]  # (key, value, is a record id)
    pages: list[str] = attrs.field(factory=list)
    samples: list[list[str]] = attrs.field(factory=list)  # id values, one list per page
    placeholders: list[str] = attrs.field(factory=list)
    labels: list[str] = attrs.field(factory=list)
    prefilled: bool = False
    empty: bool = False
    state: set[str] = attrs.field(factory=set)  # hidden fields that vary: the page's state

    seen_values: dict[str, list[str]] = attrs.field(factory=dict)

    def hidden_seen(self, form: FormInfo) -> None:
        """Fields whose value differs between instances (or that only some carry) hold the
        page's state (the page id, a refinement, the words searched for), not the form's
        constants or defaults."""
        mine = {f.name: f.default for f in self.form.fields if f.kind != "password"}
        theirs = {f.name: f.default for f in form.fields if f.kind != "password"}
        for name in mine.keys() | theirs.keys():
            for value in (mine.get(name), theirs.get(name)):
                if value:
                    self.seen_values.setdefault(name, []).append(value)
            if mine.get(name) != theirs.get(name):
                self.state.add(name)

    def state_default(self, name: str) -> str | None:
        """The value a state field had most often (non-empty), for its input's default."""
        values = self.seen_values.get(name)
        if not values:
            return None
        return max(dict.fromkeys(values), key=values.count)

    @property
    def texts(self) -> list[str]:
        """What names the thing searched, most telling first."""
        return [
            *self.placeholders,
            *self.labels,
            self.form.submit_text,
            self.form.legend,
            self.form.heading,
        ]


def _richer(form: FormInfo, than: FormInfo) -> bool:
    """The instance a group is built from: most visible fields, then fewest hidden ones
    (a results page's copy of a search box carries the refinements of that page)."""

    def rank(f: FormInfo) -> tuple[int, int]:
        return (len(f.visible_fields), -(len(f.fields) - len(f.visible_fields)))

    return rank(form) > rank(than)


def _page_query(url: str, keys: set[tuple[str, str]], method: str) -> list[tuple[str, str, bool]]:
    parts = urlsplit(url)
    return [
        (k, v, (parts.path, k) in keys) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]


def _content_state(form: FormInfo) -> tuple[bool, bool]:
    texts = [f for f in form.visible_fields if f.kind in ("text", "textarea")]
    if not texts:
        return False, False
    filled = any(f.default for f in texts)
    return filled, not filled


def group_forms(
    pages: Sequence[PageAnalysis], values: Mapping[tuple[str, str], set[str]]
) -> list[FormGroup]:
    keys = record_keys(values)
    groups: dict[tuple[object, ...], FormGroup] = {}
    for page in pages:
        for form in page.forms:
            kind = form_kind(form)
            if kind is None:
                continue
            action = _generalize(urlsplit(form.action).path)
            page_path = _generalize(urlsplit(form.page_url).path)
            query = _page_query(form.page_url, keys, form.method)
            visible = frozenset(f.name for f in form.visible_fields)
            action_keys: tuple[str, ...] = ()
            if form.method != "get":
                # A POST's action query is part of what it does (?do=edit vs ?do=save);
                # a GET form's is replaced by the form data.
                action_keys = tuple(sorted({k for k, _ in parse_qsl(urlsplit(form.action).query)}))
            # A form the site names (a stable id) is one form whatever fields a page adds
            # (a "minor edit" box only for pages that exist); otherwise its fields say.
            named = form.form_id if form.form_id and not is_generated_id(form.form_id) else None
            key = (
                form.method,
                urlsplit(form.action).netloc,
                action.template,
                action_keys,
                named or visible,
                kind in READ_KINDS,
                form.revealed_by,
            )
            group = groups.get(key)
            if group is None:
                group = groups[key] = FormGroup(form, kind, action, page_path, query)
            else:
                group.hidden_seen(form)
                if _richer(form, group.form):
                    group.form = form
                    group.page, group.page_query = page_path, query
            group.pages.append(form.page_url)
            id_values = [v for _, v in action.ids or page_path.ids] + [
                v for _, v, is_id in query if is_id
            ]
            group.samples.append(id_values)
            group.placeholders.extend(f.placeholder for f in form.fields if f.placeholder)
            group.labels.extend(f.label for f in form.fields if f.label)
            filled, empty = _content_state(form)
            group.prefilled |= filled
            group.empty |= empty
    # Forms with one action merge into the richest (a header search box into the full form).
    merged: list[FormGroup] = []
    for group in sorted(groups.values(), key=lambda g: -len(g.form.visible_fields)):
        names = {f.name for f in group.form.visible_fields}
        for target in merged:
            same = (
                target.form.method == group.form.method == "get"
                and target.action.template == group.action.template
                and urlsplit(target.form.action).netloc == urlsplit(group.form.action).netloc
                and (target.kind in READ_KINDS) == (group.kind in READ_KINDS)
            )
            if same and names <= {f.name for f in target.form.visible_fields}:
                target.pages.extend(group.pages)
                target.placeholders.extend(group.placeholders)
                target.labels.extend(group.labels)
                break
        else:
            merged.append(group)
    return merged


# --------------------------------------------------------------------------- locators


def form_selector(form: FormInfo, action_template: str) -> str:
    """A CSS selector for the form on any page of its kind: its stable id, else its action
    when the action names no record (and is the form's own, not its button's
    ``formaction``), else the form that has its first named field."""
    if form.form_id and not is_generated_id(form.form_id):
        return f"form[id={css_string(form.form_id)}]"
    button = form.default_submitter
    overridden = button is not None and button.formaction is not None
    if action_template and "{" not in action_template and not overridden:
        return f"form[action*={css_string(action_template)}]"
    submitted = [f for f in form.fields if f.submitted]
    named = next((f.name for f in submitted if f.kind != "hidden"), None)
    named = named or next((f.name for f in submitted), None)
    if named:
        return f"form:has([name={css_string(named)}])"
    return "form"


def _field_locators(field: Field, selector: str) -> tuple[Locator, ...]:
    out: list[Locator] = []
    if field.element_id and not is_generated_id(field.element_id):
        out.append(Locator("id", field.element_id))
    if field.label and field.kind not in ("radio",):
        out.append(Locator("label", field.label))
    if field.placeholder:
        out.append(Locator("placeholder", field.placeholder))
    if not field.submitted:
        return tuple(out)  # it has no name to find it by
    out.append(Locator("css", within(selector, f"[name={css_string(field.name)}]")))
    # "name" alone may match the same field of another form (a header search box): it
    # comes after the form-scoped CSS, which is exact.
    out.append(Locator("name", field.name))
    return tuple(out)


def within(selector: str, inner: str) -> str:
    """``inner`` inside ``selector`` (a Playwright chain when the selector is one)."""
    return f"{selector} >> {inner}" if selector.startswith("css=") else f"{selector} {inner}"


def _submit_locators(
    form: FormInfo, selector: str, choice: str | None, *, row: bool = False
) -> tuple[Locator, ...]:
    """The submitter's locators; ``row``: the selector names one row's copy of a form that
    every row of a list has."""
    if choice is not None:
        return (
            Locator("role", "button", role_name=f"{{{choice}}}"),
            Locator("css", within(selector, f'[type=submit][value="{{{choice}}}"]')),
        )
    if form.varying or row:
        # Every row has this button: the chosen row's form is the one the selector names.
        # One selector, not a list: each alternative of a list would need the scope.
        button = ":is([type=submit], button:not([type]))"
        return (Locator("css", within(selector, button)),)
    submitter = primary_submitter(form) if form.method != "get" else form.default_submitter
    out: list[Locator] = []
    if submitter is not None:
        if submitter.element_id and not is_generated_id(submitter.element_id):
            out.append(Locator("id", submitter.element_id))
        if submitter.text:
            out.append(Locator("role", "button", role_name=submitter.text))
        if submitter.outside and form.form_id:
            out.append(Locator("css", f"[form={css_string(form.form_id)}][type=submit]"))
        own = _own_attributes(submitter)
        if own and submitter.outside and form.form_id:
            out.append(Locator("css", f"[form={css_string(form.form_id)}]{own}"))
        elif own:
            out.append(Locator("css", within(selector, own)))
    if not form.by_button:
        # Any submit button of the form: not for a later button's own submission (the
        # first one found would be the form's default button).
        out.append(Locator("css", within(selector, "[type=submit]")))
    return tuple(out)


def _own_attributes(submitter: Submitter) -> str:
    """A CSS compound selector for a button that sends its form elsewhere: its formaction
    and formmethod, with its name and value ("" for a button that has neither of the
    first two)."""
    parts = []
    if submitter.formaction is not None:
        parts.append(f"[formaction={css_string(submitter.formaction)}]")
    if submitter.formmethod is not None:
        parts.append("[formmethod]")  # as written it may be any case, or an invalid value
    if parts and submitter.name:
        parts.append(f"[name={css_string(submitter.name)}]")
        if submitter.value:
            parts.append(f"[value={css_string(submitter.value)}]")
    return "".join(parts)


# --------------------------------------------------------------------------- inputs


def _input_for(field: Field, name: str, *, for_url: bool, keep_default: bool) -> ToolInput | None:
    """A field's input schema; None for fields that are not inputs."""
    description = field.label or field.placeholder or field.name.replace("_", " ")
    common: dict[str, Any] = {"name": name, "description": description, "required": field.required}
    default = field.default if keep_default and field.default not in (None, "") else None
    if field.kind in ("select", "radio") or (field.kind == "checkbox" and field.multiple):
        options = [(v, lbl) for v, lbl in field.options[:MAX_ENUM] if v != ""]
        if not options:
            return None
        if field.multiple:
            return ToolInput(
                **{**common, "required": field.required},
                type="array",
                enum=tuple(v for v, _ in options),
                enum_labels=tuple(lbl for _, lbl in options),
            )
        has_blank = any(v == "" for v, _ in field.options)
        return ToolInput(
            **{**common, "required": field.required and not has_blank},
            type="string",
            enum=tuple(v for v, _ in options),
            enum_labels=tuple(lbl for _, lbl in options),
            default=default,
        )
    if field.kind == "checkbox":
        if for_url:
            label = field.label or field.name
            ticked = keep_default and field.default is not None
            how = (
                "ticked unless you pass ''"
                if ticked
                else f"pass {field.checkbox_value!r} to tick it"
            )
            return ToolInput(
                **{**common, "required": False, "description": f"{label} ({how})"},
                type="string",
                enum=(field.checkbox_value,),
                enum_labels=(label,),
                default=field.checkbox_value if ticked else None,
            )
        return ToolInput(**{**common, "required": False}, type="boolean")
    if field.kind == "number":
        number: int | float | None = None
        if default is not None:
            # The schema's default is a number, as its type says (the markup's is text).
            number = int(float(default)) if field.integer else float(default)
        return ToolInput(
            **common,
            type="integer" if field.integer else "number",
            minimum=field.minimum,
            maximum=field.maximum,
            default=number,
        )
    fmt = {
        "email": "email",
        "url": "uri",
        "date": "date",
        "datetime": "date-time",
        "time": "time",
        "password": "password",
    }.get(field.kind)
    # A page's pattern RE2 cannot run (lookaround, backreferences) is left to the site.
    pattern = field.pattern if field.pattern and pattern_error(field.pattern) is None else None
    return ToolInput(**common, type="string", format=fmt, pattern=pattern, default=default)


def _submitter_input(form: FormInfo, taken: set[str]) -> tuple[ToolInput, str] | None:
    """Several submit buttons: the choice is an input, defaulting to the first (the button
    a browser uses when the form is submitted by pressing Enter)."""
    buttons = [s for s in form.submitters if s.text or s.value]
    if len(buttons) < 2:
        return None
    if form.method == "get":
        # One query parameter can only choose among buttons that share the default
        # button's name and send the form to the same place; an image button sends
        # coordinates, not a value.
        first = form.default_submitter
        if first is None or not first.name or first.image:
            return None
        named = [
            s
            for s in buttons
            if s.name == first.name
            and not s.image
            and (s.formaction, s.formmethod) == (first.formaction, first.formmethod)
        ]
        raw = first.name
        values = [s.value for s in named]
        labels = [s.text or s.value for s in named]
    else:
        raw = "submit"
        values = [s.text for s in buttons if s.text]
        labels = values
    if len(set(values)) < 2:
        return None
    name = input_name(raw, taken)
    return (
        ToolInput(
            name,
            type="string",
            enum=tuple(dict.fromkeys(values)),
            enum_labels=tuple(dict.fromkeys(labels))
            if len(set(labels)) == len(set(values))
            else None,
            default=values[0],
            required=False,
            description="which button submits the form (default: "
            + (labels[0] if labels else values[0])
            + ")",
        ),
        raw,
    )


# --------------------------------------------------------------------------- the two builders


@attrs.define
class Built:
    """What a builder made: the tool and the facts validation needs."""

    tool: Tool
    term_field: str | None = None
    path_param: str | None = None
    sample_ids: tuple[str, ...] = ()


def _noun(group: FormGroup, kind: str) -> str:
    form = group.form
    path = urlsplit(form.action).path
    if kind == "search":
        return search_noun([t for t in group.texts if t], path)
    if kind == "filter":
        return search_noun([form.legend, form.heading], path)
    primary = primary_submitter(form)
    texts = [form.legend, primary.text if primary else "", form.heading]
    return object_noun(texts, group.page.template if group.page.ids else path)


def _name(kind: str, noun: str, form: FormInfo, first_input: str | None) -> str:
    if kind == "search":
        return f"search_{noun}"
    if kind == "filter":
        if form.method == "post":
            return f"display_options_{noun}"
        by = snake(form.revealed_by, 20) if form.revealed_by else snake(first_input or "", 20)
        return f"filter_{noun}_by_{by}" if by else f"filter_{noun}"
    return {
        "login": "log_in",
        "delete": f"delete_{noun}",
        "comment": f"comment_on_{noun}",
        "edit": f"edit_{noun}",
    }.get(kind, f"create_{noun}")


def _site_label(form: FormInfo) -> str:
    primary = primary_submitter(form)
    for text in (form.legend, form.heading, primary.text if primary else ""):
        if text and len(text) <= 60:
            return text
    return ""


def url_candidate(
    group: FormGroup, kind: str, auth: bool, created_at: str, generator: str
) -> Built:
    """A GET form as a URL template (the module docstring says how the entry list is built)."""
    form = group.form
    action = urlsplit(form.action)
    taken: set[str] = set()
    id_names = _id_names(group.action.ids, taken)
    action_template = _fill(group.action.template, id_names)
    visible = [f for f in form.fields if f.kind != "hidden"]
    noun = _noun(group, kind)
    inputs: list[ToolInput] = []
    pairs: list[str] = []
    term: str | None = None
    for field in form.fields:
        if field.kind == "hidden":
            if field.name in group.state:
                # Page state (the namespace or record the page shows): an optional input
                # that keeps the value of the page the form was read on.
                name = input_name(field.name, taken)
                inputs.append(
                    ToolInput(
                        name,
                        required=False,
                        default=group.state_default(field.name),
                        description=f"{field.name.replace('_', ' ')} (as on the page it was "
                        "found on, when left out)",
                    )
                )
                pairs.append(f"{quote(field.name, safe='[]')}={{{name}}}")
                continue
            for value in field.defaults or ((field.default,) if field.default is not None else ()):
                pairs.append(f"{quote(field.name, safe='[]')}={quote(value, safe='')}")
            continue
        if field.kind == "password":
            continue
        name = input_name(field.name, taken)
        is_term = (
            kind == "search"
            and term is None
            and (
                is_search_field(field) or is_query_box(field) or field.kind in ("text", "textarea")
            )
        )
        # No default from what the page happened to show (the words searched for).
        keep = field.name not in group.state and not is_term
        schema = _input_for(field, name, for_url=True, keep_default=keep)
        if schema is None:
            continue
        if field.name in group.state and schema.enum and not field.multiple:
            # The option most pages showed, unless the field can be left blank ("any").
            common = group.state_default(field.name)
            blank = any(v == "" for v, _ in field.options)
            usable = common in schema.enum and not blank
            schema = attrs.evolve(schema, default=common if usable else None)
        if is_term:
            term = name
            label = schema.description or ""
            if not label or label.lower().startswith(("search", "find")) or label == field.name:
                label = f"words to look for in {noun}"
            schema = attrs.evolve(schema, description=label)
        inputs.append(schema)
        pairs.append(f"{quote(field.name, safe='[]')}={{{name}}}")
    choice = _submitter_input(form, taken)
    if choice is not None:
        spec, raw = choice
        inputs.append(spec)
        pairs.append(f"{quote(raw, safe='[]')}={{{spec.name}}}")
    elif form.default_submitter is not None:
        for key, value in form.default_submitter.entries:
            pairs.append(f"{quote(key, safe='[]')}={quote(value, safe='')}")
    template = f"{action.scheme}://{action.netloc}{action_template}" + (
        "?" + "&".join(pairs) if pairs else ""
    )
    all_inputs = tuple(_id_inputs(id_names, group.samples) + inputs)
    options = [f for f in visible if f.kind in ("select", "radio", "checkbox")]
    # A filter over several options is named after none of them.
    first = (
        options[0].name
        if len(options) == 1
        else (None if options else visible[0].name if visible else None)
    )
    verb = form.submit_text if kind == "create" else ""
    tool = Tool(
        encoding=form.charset if form.charset != "utf-8" else None,
        name=_name(kind, noun, form, first),
        description=describe(
            kind,
            noun,
            all_inputs,
            auth=auth and kind == "create",
            verb=verb,
            site_label=_site_label(form) if kind != "search" else "",
        ),
        kind=kind,  # type: ignore[arg-type]
        start_url=form.page_url,
        url_template=template,
        inputs=all_inputs,
        steps=(NavigationStep(url=template, description=f"Open the {noun} results"),),
        annotations=annotations_for(kind),
        provenance=provenance(form.page_url, created_at, generator),
    )
    return Built(
        tool,
        term_field=term,
        path_param=id_names[0] if id_names else None,
        sample_ids=tuple(s[0] for s in group.samples if s),
    )


def _page_template(group: FormGroup, taken: set[str]) -> tuple[str, list[str]]:
    """The URL of the page that carries the form, with its ids as placeholders."""
    page = urlsplit(group.form.page_url)
    names = _id_names(group.page.ids, taken)
    path = _fill(group.page.template, names)
    query: list[str] = []
    for key, value, is_id in group.page_query:
        if is_id:
            name = input_name(f"{snake(key, 20) or 'record'}", taken)
            if not name.endswith("id"):
                name = input_name(f"{name}_id", taken) if name != "id" else name
            names.append(name)
            query.append(f"{quote(key, safe='[]')}={{{name}}}")
        else:
            query.append(f"{quote(key, safe='[]')}={quote(value, safe='')}")
    return f"{page.scheme}://{page.netloc}{path}" + ("?" + "&".join(query) if query else ""), names


def _field_step(field: Field, name: str, selector: str, *, row: bool = False) -> Step:
    """The step that gives ``field`` its input's value; ``row``: the selector names one
    row's copy of a form every row has, and only a locator inside it finds the field (an
    id or a label would find the first row's)."""
    locators = (
        (Locator("css", within(selector, f"[name={css_string(field.name)}]")),)
        if row
        else _field_locators(field, selector)
    )
    label = field.label or field.placeholder or field.name
    if field.kind == "select":
        return SelectChangeStep(
            locators=locators, selected_text=f"{{{name}}}", description=f"Choose {label}"
        )
    if field.kind == "radio" or (field.kind == "checkbox" and field.multiple):
        return ClickStep(
            locators=(
                Locator(
                    "css", within(selector, f'[name={css_string(field.name)}][value="{{{name}}}"]')
                ),
            ),
            description=f"Choose {label}",
        )
    return InputStep(locators=locators, value=f"{{{name}}}", description=f"Fill {label}")


def steps_candidate(
    group: FormGroup, kind: str, auth: bool, created_at: str, generator: str
) -> Built:
    """A form as browser steps on the page that carries it (see the module docstring)."""
    form = group.form
    taken: set[str] = set()
    page_template, id_names = _page_template(group, taken)
    selector = form_selector(form, group.action.template)
    id_samples: list[str] = []
    row_input: str | None = None
    noun = _noun(group, kind)
    steps: list[Step] = [
        NavigationStep(url=page_template, description="Open the page with the form")
    ]
    inputs = _id_inputs(id_names, group.samples)
    if kind in READ_KINDS:
        # A read form's page ids are where it was seen, not what it is about: optional,
        # defaulting to that page.
        seen = group.samples[0] if group.samples else []
        inputs = [
            attrs.evolve(
                spec,
                required=False,
                default=(int(seen[i]) if spec.type == "integer" else seen[i])
                if i < len(seen)
                else None,
            )
            for i, spec in enumerate(inputs)
        ]
    term: str | None = None
    # An edit keeps what the form shows for every input the caller leaves out: no
    # defaults copied from the record the crawl happened to open.
    keep_default = kind not in ("edit",)
    varying = dict(form.varying)
    row_action = form.row_action if kind not in READ_KINDS else None
    by_action = row_action is not None
    if row_action is not None:
        # One form per row, the record's id in its action (/item/3/delete): the row is
        # chosen as a person does, by the form whose action names the record.
        # Named after the segment before the id: /cart/items/{} takes an item_id.
        before = row_action.split("{}")[0].rstrip("/").rpartition("/")[2]
        row_input = _id_names([(before or noun, "")], taken)[0]
        numeric = all(_plain_number(v) for v in form.row_ids)
        inputs.append(
            ToolInput(
                row_input,
                type="integer" if numeric else "string",
                description=f"id of the {noun} (one per row of the list)",
                # Written into a selector: an id, never a piece of CSS.
                pattern=None if numeric else r"^[A-Za-z0-9._~-]+$",
            )
        )
        written = row_action.replace("{}", f"{{{row_input}}}")
        selector = f"form[action={css_string(written)}]"
        id_samples = list(form.row_ids)
        varying = {}  # the row is chosen by its action: its hidden fields stay as they are
    elif varying:
        # One form per row: the row is chosen by its record id, written into the first
        # row's form (the id is all that differs between them).
        selector = f"css={selector} >> nth=0"
    submitted = {f.name for f in form.fields if f.submitted}
    for field in form.fields:
        if field.name in varying and kind not in READ_KINDS:
            name = input_name(
                field.name if field.name.endswith("id") else f"{field.name}_id", taken
            )
            samples = varying[field.name]
            numeric = all(v.isdigit() for v in samples if v)
            row_input = name
            inputs.append(
                ToolInput(
                    name,
                    type="integer" if numeric else "string",
                    description=f"{field.name} of the {noun} (one per row of the list)",
                )
            )
            steps.append(
                InputStep(
                    locators=(
                        Locator("css", within(selector, f"[name={css_string(field.name)}]")),
                    ),
                    value=f"{{{name}}}",
                    description=f"Choose the row: {field.name}",
                )
            )
            id_samples = list(samples)
            continue
        if field.kind == "hidden":
            continue
        called = field.name
        if not field.submitted and called in submitted:
            called += "_text"  # named after its label: a submitted field keeps that name
        name = input_name(called, taken)
        schema = _input_for(field, name, for_url=False, keep_default=keep_default)
        if schema is None:
            continue
        if kind == "edit":
            schema = attrs.evolve(schema, required=False)
        if kind == "search" and term is None and field.kind in ("text", "textarea"):
            term = name
        inputs.append(schema)
        steps.append(_field_step(field, name, selector, row=by_action))
        if field.suggests:
            # The word typed, then the suggestion it names chosen, as a person does: the
            # widget's script writes the chosen record into the form (walt.engine.listbox).
            steps.append(
                SelectChangeStep(
                    locators=_field_locators(field, selector),
                    selected_text=f"{{{name}}}",
                    description=f"Choose the suggestion {{{name}}}",
                )
            )
    choice = _submitter_input(form, taken)
    if choice is not None:
        inputs.append(choice[0])
    steps.append(
        ClickStep(
            locators=_submit_locators(
                form, selector, choice[0].name if choice else None, row=row_input is not None
            ),
            description=f"Submit: {form.submit_text or 'the form'}",
            # A delete asks "are you sure?" before it sends; the tool says yes. Any other
            # dialog is unexpected and fails the step.
            dialog="accept" if kind == "delete" else None,
        )
    )
    if form.frame is not None:
        steps = [
            attrs.evolve(step, frame=form.frame) if isinstance(step, ElementStep) else step
            for step in steps
        ]
    tool = Tool(
        name=_name(kind, noun, form, None),
        description=describe(
            kind,
            noun,
            inputs,
            auth=auth and kind != "login",
            site_label=_site_label(form),
        ),
        kind=kind,  # type: ignore[arg-type]
        start_url=form.page_url,
        inputs=tuple(inputs),
        steps=tuple(steps),
        annotations=annotations_for(kind),
        provenance=provenance(form.page_url, created_at, generator),
    )
    return Built(
        tool,
        term_field=term,
        path_param=row_input or (id_names[0] if id_names else None),
        sample_ids=tuple(id_samples) or tuple(s[0] for s in group.samples if s),
    )
