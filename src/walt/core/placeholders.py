"""Placeholders: which inputs a tool uses, input checking, and rendering escaped per context.

A placeholder is ``{name}``. ``{current_url}`` (the page the browser is on) and
``{start_url}`` (the tool's start page) are system variables; a declared input
of the same name wins. Rendering depends on where the placeholder sits:

* in a URL: raw at the very start (a base URL input), percent-encoded in the
  path (``/`` kept, ``.``/``..`` segments refused), in the query (everything
  encoded; a ``name={p}`` pair whose value is missing is dropped) and in the
  fragment;
* in form values, keys and agent tasks: plain text;
* in CSS selectors: escaped as a CSS string.

Nothing in a tool or an input is ever evaluated.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from walt.core.css import css_string
from walt.core.errors import ValidationError
from walt.core.patterns import UnsupportedPatternError, pattern_matches

if TYPE_CHECKING:
    from walt.core.models import Step, Tool, ToolInput, UrlOperation

__all__ = [
    "PLACEHOLDER_RE",
    "SYSTEM_VARIABLES",
    "InputValues",
    "apply_url_operation",
    "coerce_inputs",
    "find_placeholders",
    "placeholder_names",
    "render_text",
    "render_url",
    "step_placeholders",
    "tool_placeholders",
    "undeclared_placeholders",
    "unused_inputs",
]

PLACEHOLDER_RE: Final = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.\-]{0,63})\}")
SYSTEM_VARIABLES: Final = frozenset({"current_url", "start_url"})
InputValues: TypeAlias = dict[str, Any]
Context: TypeAlias = Literal["text", "css", "xpath", "json"]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def find_placeholders(template: str | None) -> list[str]:
    """Placeholder names in ``template``, in order (with repeats)."""
    if not template:
        return []
    return PLACEHOLDER_RE.findall(template)


# Fields of each step that are templates (attribute name, wire name).
_TEMPLATE_FIELDS: Final = (
    ("url", "url"),
    ("value", "value"),
    ("selected_text", "selectedText"),
    ("key", "key"),
    ("task", "task"),
    ("goal", "goal"),
    ("css_selector", "cssSelector"),
    ("xpath", "xpath"),
    ("repeat", "repeat"),
    ("frame", "frame"),
)


def step_placeholders(step: Step, path: str = "$") -> Iterator[tuple[str, str]]:
    """``(name, json_path)`` for every placeholder a step uses."""
    for attr, wire in _TEMPLATE_FIELDS:
        value = getattr(step, attr, None)
        if isinstance(value, str):
            for name in find_placeholders(value):
                yield name, f"{path}.{wire}"
    operation = getattr(step, "url_operation", None)
    if operation is not None:
        for name in find_placeholders(operation.base):
            yield name, f"{path}.url_operation.base"
        for key, value in operation.replace.items():
            for name in find_placeholders(value):
                yield name, f"{path}.url_operation.replace[{key!r}]"
    for index, locator in enumerate(getattr(step, "locators", ()) or ()):
        for text in (locator.value, locator.role_name):
            for name in find_placeholders(text):
                yield name, f"{path}.locators[{index}]"


def tool_placeholders(tool: Tool) -> Iterator[tuple[str, str]]:
    """``(name, json_path)`` for every placeholder of a tool (steps, URL template, request)."""
    for name in find_placeholders(tool.url_template):
        yield name, "$.url_template"
    if tool.request is not None:
        for name in find_placeholders(tool.request.url):
            yield name, "$.request.url"
        for name in find_placeholders(tool.request.body):
            yield name, "$.request.body"
    for index, step in enumerate(tool.steps):
        yield from step_placeholders(step, f"$.steps[{index}]")


def placeholder_names(tool: Tool) -> set[str]:
    """Names of every ``{placeholder}`` the steps and URL template use."""
    return {name for name, _path in tool_placeholders(tool)}


def undeclared_placeholders(tool: Tool) -> set[str]:
    """Placeholders that are neither inputs nor system variables (``{current_url}``...)."""
    return placeholder_names(tool) - set(tool.input_names) - SYSTEM_VARIABLES


def unused_inputs(tool: Tool) -> set[str]:
    """Inputs no placeholder uses."""
    return set(tool.input_names) - placeholder_names(tool)


# --------------------------------------------------------------------------- input checking


def _coerce(value: Any, type_: str, name: str) -> Any:
    if type_ == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return as_text(value)
        raise ValidationError(f"input {name!r} must be a string, got {type(value).__name__}")
    if type_ == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValidationError(f"input {name!r} must be true or false, got {value!r}")
    if type_ in ("integer", "number"):
        number: Any = value
        if isinstance(value, bool):
            raise ValidationError(f"input {name!r} must be a number, got a boolean")
        if isinstance(value, str):
            try:
                number = float(value.strip()) if type_ == "number" else int(value.strip())
            except ValueError:
                raise ValidationError(
                    f"input {name!r} must be {'a number' if type_ == 'number' else 'an integer'}"
                    f", got {value!r}"
                ) from None
        if not isinstance(number, int | float) or (
            isinstance(number, float) and not math.isfinite(number)
        ):
            raise ValidationError(f"input {name!r} must be a number, got {value!r}")
        if type_ == "integer" and isinstance(number, float):
            if not number.is_integer():
                raise ValidationError(f"input {name!r} must be an integer, got {value!r}")
            number = int(number)
        return number
    if type_ == "array":
        items = list(value) if isinstance(value, list | tuple) else [value]
        return [_coerce(item, "string", name) for item in items]
    raise ValidationError(f"input {name!r} has an unknown type {type_!r}")


def _enum_choice(spec: ToolInput, value: Any) -> tuple[Any, str | None]:
    """``value`` as one of ``spec.enum``: the value itself, or the value of the label it
    names (case-insensitively, as a person reads the option). Returns (value, problem)."""
    assert spec.enum is not None
    text = as_text(value)
    values = [as_text(v) for v in spec.enum]
    if text in values:
        return value, None
    labels = spec.enum_labels or ()
    folded = text.strip().casefold()
    for option, label in zip(spec.enum, labels, strict=False):
        if label.strip().casefold() == folded:
            return (as_text(option) if spec.type in ("string", "array") else option), None
    for option in spec.enum:
        if as_text(option).casefold() == folded:
            return option, None
    choices = [
        f"{v!r} ({label})" if label and label != v else repr(v)
        for v, label in zip(values, [*labels, *[""] * len(values)], strict=False)
    ]
    shown = ", ".join(choices[:30]) + (", ..." if len(choices) > 30 else "")
    return value, f"input {spec.name!r} must be one of {shown} (a value or its label); got {text!r}"


def coerce_inputs(tool: Tool, values: Mapping[str, Any]) -> InputValues:
    """Check ``values`` against the tool's inputs before anything runs.

    Strings that spell a number or boolean are accepted for numeric and
    boolean inputs (command lines and LLMs send text). Unknown names, missing
    required inputs, wrong types, values outside an enum and numbers outside
    ``minimum``/``maximum`` are all reported in one :class:`ValidationError`.
    Defaults fill missing optional inputs.
    """
    if not isinstance(values, Mapping):
        raise ValidationError(f"inputs must be a mapping, got {type(values).__name__}")
    problems: list[str] = []
    declared = {i.name: i for i in tool.inputs}
    out: InputValues = {}
    for name in values:
        if name not in declared:
            known = ", ".join(declared) or "none"
            problems.append(f"unknown input {name!r} (inputs: {known})")
    for spec in tool.inputs:
        if spec.name not in values or values[spec.name] is None:
            if spec.default is not None:
                out[spec.name] = spec.default
            elif spec.required:
                problems.append(f"missing required input {spec.name!r}")
            continue
        try:
            value = _coerce(values[spec.name], spec.type, spec.name)
        except ValidationError as exc:
            problems.append(exc.message)
            continue
        if spec.enum is not None and isinstance(value, list):
            chosen = [_enum_choice(spec, item) for item in value if item != ""]
            wrong = [problem for _, problem in chosen if problem]
            if wrong:
                problems.extend(wrong)
                continue
            value = [item for item, _ in chosen]
        elif spec.enum is not None and value != "":
            value, problem = _enum_choice(spec, value)
            if problem:
                problems.append(problem)
                continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            if spec.minimum is not None and value < spec.minimum:
                problems.append(f"input {spec.name!r} must be at least {spec.minimum:g}")
            if spec.maximum is not None and value > spec.maximum:
                problems.append(f"input {spec.name!r} must be at most {spec.maximum:g}")
        if isinstance(value, str) and spec.pattern:
            try:
                if not pattern_matches(spec.pattern, value):
                    problems.append(f"input {spec.name!r} must match {spec.pattern!r}")
            except UnsupportedPatternError:
                pass  # a bad pattern in a tool file is the file's problem, not the caller's
        out[spec.name] = value
    if problems:
        raise ValidationError(
            f"invalid inputs for tool {tool.name!r}: " + "; ".join(problems),
            details={"tool": tool.name, "problems": problems},
        )
    return out


# --------------------------------------------------------------------------- rendering


def as_text(value: Any) -> str:
    """The text form of an input value (``True`` -> ``true``, ``2.0`` -> ``2``; a list's
    items joined by commas)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(as_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _lookup(name: str, values: Mapping[str, Any], system: Mapping[str, str]) -> str:
    if name in values:
        return as_text(values[name])
    if name in system:
        return system[name] or ""
    return ""


def _css_escape(text: str) -> str:
    """``text`` for the inside of a quoted CSS string (either quote is escaped)."""
    return css_string(text)[1:-1].replace("'", "\\'")


def render_text(
    template: str,
    values: Mapping[str, Any],
    system: Mapping[str, str] | None = None,
    *,
    context: Context = "text",
) -> str:
    """Substitute placeholders as plain text (``css`` escapes for a CSS string)."""
    sysvars = system or {}

    def sub(match: re.Match[str]) -> str:
        text = _lookup(match.group(1), values, sysvars)
        if context == "css":
            return _css_escape(text)
        if context == "json":
            return json.dumps(text)[1:-1]  # the inside of a JSON string
        if context == "xpath" and "'" in text and '"' in text:
            raise ValidationError(
                f"input {match.group(1)!r} cannot contain both kinds of quotes inside an XPath"
            )
        return text

    return PLACEHOLDER_RE.sub(sub, template)


def is_blank(template: str | None, values: Mapping[str, Any], optional: set[str]) -> bool:
    """True if ``template`` uses placeholders, all optional, and every one is missing or empty."""
    names = find_placeholders(template)
    if not names:
        return False
    return all(n in optional and as_text(values.get(n)) == "" for n in names)


_PATH_SAFE: Final = "/:@!$&'()*+,;=-._~"
_FRAGMENT_SAFE: Final = "/:@!$&'()*+,;=-._~?"
_AUTHORITY_RE: Final = re.compile(r"^[A-Za-z0-9.\-:\[\]]*$")


def _encode_path_value(name: str, text: str) -> str:
    segments = text.split("/")
    if any(seg in (".", "..") for seg in segments):
        raise ValidationError(f"input {name!r} must not contain '.' or '..' path segments")
    return quote(text, safe=_PATH_SAFE)


def _query_text(text: str, encoding: str | None) -> str:
    """A query value percent-encoded in ``encoding`` (a form's submission charset), with
    characters it cannot encode written as numeric character references, as browsers do."""
    if not encoding:
        return quote(text, safe="")
    return quote(text, safe="", encoding=encoding, errors="xmlcharrefreplace")


def _drop_and_repeat(
    template: str, values: Mapping[str, Any], sysvars: Mapping[str, str], encoding: str | None
) -> str:
    """Drop ``name={p}`` query pairs whose placeholders are all empty; repeat a pair whose
    value is a list once per item (a checkbox group: ``color=red&color=blue``)."""
    head, qmark, rest = template.partition("?")
    if not qmark:
        return template
    query, hashmark, fragment = rest.partition("#")
    kept: list[str] = []
    for pair in query.split("&"):
        names = find_placeholders(pair)
        key, eq, value_template = pair.partition("=")
        if not names or not eq or find_placeholders(key):
            kept.append(pair)
            continue
        if all(_lookup(n, values, sysvars) == "" for n in names):
            continue
        listed = values.get(names[0]) if value_template == "{" + names[0] + "}" else None
        if isinstance(listed, list | tuple):
            kept.extend(
                f"{key}={_query_text(as_text(item), encoding)}" for item in listed if item != ""
            )
            continue
        kept.append(pair)
    return head + ("?" + "&".join(kept) if kept else "") + (hashmark + fragment)


def render_url(
    template: str,
    values: Mapping[str, Any],
    system: Mapping[str, str] | None = None,
    *,
    encoding: str | None = None,
) -> str:
    """Render a URL template, escaping each placeholder for the part of the URL it sits in.

    Where a placeholder sits is read from the template (its ``?`` and ``#``), so
    rendering is linear in the template's size. Query values are percent-encoded
    in ``encoding`` (the form's submission charset; UTF-8 by default); the path and
    the fragment in UTF-8, as browsers do. The result still has to pass the URL
    policy: rendering only guarantees that an input cannot change the structure of
    the URL around it.
    """
    sysvars = system or {}
    template = _drop_and_repeat(template, values, sysvars, encoding)
    hash_at = template.find("#")
    query_at = template.find("?")
    if hash_at >= 0 and 0 <= hash_at < query_at:
        query_at = -1  # a "?" inside the fragment is the fragment's
    scheme_end = template.find("://")
    authority_end = template.find("/", scheme_end + 3) if scheme_end >= 0 else -1
    out: list[str] = []
    pos = 0
    for match in PLACEHOLDER_RE.finditer(template):
        at = match.start()
        out.append(template[pos:at])
        name = match.group(1)
        text = _lookup(name, values, sysvars)
        if at == 0:
            out.append(text)  # a whole base URL (checked by the policy afterwards)
        elif 0 <= hash_at < at:
            out.append(quote(text, safe=_FRAGMENT_SAFE))
        elif 0 <= query_at < at:
            out.append(_query_text(text, encoding))
        elif scheme_end >= 0 and (authority_end < 0 or at < authority_end):
            if not _AUTHORITY_RE.match(text):
                raise ValidationError(f"input {name!r} is not a valid host")
            out.append(text)
        else:
            out.append(_encode_path_value(name, text))
        pos = match.end()
    out.append(template[pos:])
    return "".join(out)


_INT_STEP_RE: Final = re.compile(r"^[+-]\d{1,9}$")


def apply_url_operation(
    operation: UrlOperation,
    values: Mapping[str, Any],
    system: Mapping[str, str],
    provided: set[str] | None = None,
) -> str:
    """The URL an ``url_operation`` makes: set, remove or increment query parameters of ``base``.

    A replace entry whose placeholders were not provided leaves the parameter as
    it is; one rendered empty on purpose removes it; ``+N``/``-N`` adds to the
    current integer value (a missing page counts as 1, a missing offset as 0).
    """
    base = render_url(operation.base, values, system)
    parts = urlsplit(base)
    params = parse_qsl(parts.query, keep_blank_values=True)
    given = set(values) if provided is None else provided
    updates: dict[str, str | None] = {}
    for key, template in operation.replace.items():
        names = find_placeholders(template)
        if names and not any(n in given or n in system for n in names):
            continue  # not provided: leave the parameter alone
        rendered = render_text(template, values, system)
        updates[key] = rendered if rendered != "" else None
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, value in params:
        if key in updates:
            if key in seen:
                continue
            seen.add(key)
            new = updates[key]
            if new is None:
                continue
            result.append((key, _increment(key, value, new)))
        else:
            result.append((key, value))
    for key, new in updates.items():
        if key not in seen and new is not None:
            result.append((key, _increment(key, None, new)))
    query = urlencode(result, quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _increment(key: str, current: str | None, new: str) -> str:
    if not _INT_STEP_RE.match(new):
        return new
    lowered = key.lower()
    floor = 0 if any(w in lowered for w in ("offset", "start", "skip")) else 1
    if current is None or current == "":
        base = floor
    elif current.lstrip("-").isdigit():
        base = int(current)
    else:
        return new
    return str(max(floor, base + int(new)))
