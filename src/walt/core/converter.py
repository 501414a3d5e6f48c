"""The one cattrs converter behind every wire format walt speaks.

Tool files, queue envelopes, HTTP bodies and CLI ``--json`` output are all
produced and read by :data:`converter`, so a request or result is the same
bytes whichever way it travels. The converter is strict about primitive types
(a dict is never silently turned into a string) and reports every problem of a
document with its JSON path (:func:`structure`).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterator, Mapping
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from walt.core import models as m
from walt.core.errors import Problem, ToolFormatError, ValidationError, WaltError

__all__ = ["converter", "problems_of", "structure", "unstructure"]

T = TypeVar("T")


def json_type(value: Any) -> str:
    """The JSON name of a Python value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _structure_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {json_type(value)}")
    return value


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("expected an integer, got boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {json_type(value)}")


def _structure_float(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {json_type(value)}")
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return float(value)


def _structure_bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {json_type(value)}")
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_scalar_union(t: Any) -> bool:
    args = get_args(t)
    non_null = [a for a in args if a is not type(None)]
    return get_origin(t) in (Union, UnionType) and len(non_null) > 1 and set(args) <= _SCALARS


def _structure_scalar(value: Any, t: Any) -> Any:
    if value is None and type(None) in get_args(t):
        return None
    if isinstance(value, str | bool | int | float):
        return value
    raise TypeError(f"expected a string, number or boolean, got {json_type(value)}")


def _is_homogeneous_sequence(t: Any) -> bool:
    origin = get_origin(t)
    args = get_args(t)
    if origin is list:
        return len(args) == 1
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def _make_sequence_hook(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    """Arrays only: cattrs alone would turn a dict or a string into a sequence of its keys."""

    def factory(t: Any) -> Callable[[Any, Any], Any]:
        inner = get_args(t)[0]
        make = list if get_origin(t) is list else tuple

        def structure_sequence(value: Any, _: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise TypeError(f"expected an array, got {json_type(value)}")
            handler = conv.get_structure_hook(inner)
            items: list[Any] = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    items.append(handler(item, inner))
                except Exception as exc:
                    exc.__notes__ = [
                        *getattr(exc, "__notes__", []),
                        IterableValidationNote(f"Structuring {t} @ index {index}", index, inner),
                    ]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {t}", errors, t)
            return make(items)

        return structure_sequence

    return factory


def _structure_any_dict(value: Any, _: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {json_type(value)}")
    return {str(k): v for k, v in value.items()}


def _structure_str_dict(value: Any, _: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {json_type(value)}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str):
            raise TypeError(f"expected a string for {key!r}, got {json_type(item)}")
        out[str(key)] = item
    return out


# Wire names that differ from attribute names (sfr-walt's camelCase keys).
RENAMES: dict[type, dict[str, str]] = {
    m.ElementStep: {
        "css_selector": "cssSelector",
        "element_tag": "elementTag",
        "element_hash": "elementHash",
    },
    m.SelectChangeStep: {"selected_text": "selectedText"},
    m.ScrollStep: {"scroll_x": "scrollX", "scroll_y": "scrollY"},
    m.Tool: {"inputs": "input_schema"},
}


def renames_for(cls: type) -> dict[str, str]:
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        out.update(RENAMES.get(klass, {}))
    return out


def wire_name(cls: type, attribute: str) -> str:
    return renames_for(cls).get(attribute, attribute)


def _omittable(field: attrs.Attribute[Any]) -> bool:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return True
    return default is None or default == ()


def _register_model(conv: cattrs.Converter, cls: type[Any]) -> None:
    """Hooks for a model class: wire renames, quiet defaults, unknown keys kept in ``extra``."""
    renames = renames_for(cls)
    fields = attrs.fields(cls)
    has_extra = any(f.name == "extra" for f in fields)
    overrides: dict[str, Any] = {}
    for field in fields:
        if field.name in ("extra", "origin"):
            overrides[field.name] = override(omit=True)
        else:
            overrides[field.name] = override(
                rename=renames.get(field.name), omit_if_default=_omittable(field)
            )
    base_structure = make_dict_structure_fn(cls, conv, **overrides)
    base_unstructure = make_dict_unstructure_fn(cls, conv, **overrides)
    wire_names = {renames.get(f.name, f.name) for f in fields if f.name not in ("extra", "origin")}
    step_type: str | None = getattr(cls, "type", None) if issubclass(cls, m.StepBase) else None
    if step_type is not None:
        wire_names.add("type")

    def structure_hook(data: Any, _: Any) -> Any:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an object, got {json_type(data)}")
        known = {
            k: v
            for k, v in data.items()
            if k in wire_names and not (step_type is not None and k == "type")
        }
        obj = base_structure(known, cls)
        if has_extra:
            extra = {str(k): v for k, v in data.items() if k not in wire_names}
            if extra:
                obj = attrs.evolve(obj, extra=extra)
        return obj

    def unstructure_hook(obj: Any) -> dict[str, Any]:
        data: dict[str, Any] = base_unstructure(obj)
        if step_type is not None:
            data = {"type": step_type, **data}
        if has_extra and obj.extra:
            for key, value in obj.extra.items():
                data.setdefault(key, value)
        return data

    conv.register_structure_hook(cls, structure_hook)
    conv.register_unstructure_hook(cls, unstructure_hook)


class StepTypeError(ValueError):
    pass


def _make_step_hook(conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    known = ", ".join(m.STEP_TYPES)

    def structure_step(data: Any, _: Any) -> Any:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a step object, got {json_type(data)}")
        kind = data.get("type")
        if not isinstance(kind, str):
            raise StepTypeError(f"a step needs a string 'type' (one of {known})")
        cls = m.STEP_TYPES.get(kind)
        if cls is None:
            raise StepTypeError(f"unknown step type {kind!r} (expected one of {known})")
        return conv.structure(data, cls)

    return structure_step


def _register_errors(conv: cattrs.Converter) -> None:
    def structure_error(data: Any, cls: type[WaltError]) -> WaltError:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an error object, got {json_type(data)}")
        return cls.from_dict(data)

    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, WaltError), structure_error
    )
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, WaltError), lambda e: e.to_dict()
    )


def _structure_bytes(value: Any, _: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"expected base64 text, got {json_type(value)}")
    return base64.b64decode(value, validate=True)


def make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook_func(_is_scalar_union, _structure_scalar)
    conv.register_structure_hook_factory(_is_homogeneous_sequence, _make_sequence_hook(conv))
    conv.register_structure_hook_func(lambda t: t == dict[str, Any], _structure_any_dict)
    conv.register_structure_hook_func(lambda t: t == dict[str, str], _structure_str_dict)
    conv.register_structure_hook(bytes, _structure_bytes)
    conv.register_unstructure_hook(bytes, lambda b: base64.b64encode(b).decode("ascii"))
    for cls in (
        m.ToolInput,
        m.Locator,
        m.UrlOperation,
        m.Annotations,
        m.Provenance,
        m.Validation,
        m.ResultsRegion,
        m.ApiRequest,
        m.CandidateElement,
        m.ToolCandidate,
        *m.STEP_TYPES.values(),
        m.Tool,
    ):
        _register_model(conv, cls)
    step_hook = _make_step_hook(conv)
    conv.register_structure_hook(m.Step, step_hook)
    # Unstructuring a tuple[Step, ...] dispatches on the declared union: route to the class.
    conv.register_unstructure_hook(m.Step, lambda s: conv.unstructure(s, type(s)))
    _register_errors(conv)
    return conv


converter: cattrs.Converter = make_converter()
"""The converter for every walt wire format (tools, requests, results, errors)."""


# --------------------------------------------------------------------------- problems


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return "required field is missing"
    text = str(exc)
    if isinstance(exc, StepTypeError | TypeError | ValueError) and text:
        return text
    return text or type(exc).__name__


def problems_of(exc: BaseException, path: str = "$") -> Iterator[Problem]:
    """Every problem inside a cattrs detailed-validation error, as ``(path, message)``."""
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            yield from problems_of(sub, f"{path}.{wire_name(exc.cl, note.name)}")
        for sub in without:
            yield from problems_of(sub, path)
    elif isinstance(exc, IterableValidationError):
        indexed, loose = exc.group_exceptions()
        for item_exc, inote in indexed:
            index = inote.index
            yield from problems_of(
                item_exc, f"{path}[{index!r}]" if isinstance(index, str) else f"{path}[{index}]"
            )
        for item_exc in loose:
            yield from problems_of(item_exc, path)
    elif isinstance(exc, BaseExceptionGroup):
        for member in exc.exceptions:
            yield from problems_of(member, path)
    else:
        yield Problem(path, _describe(exc))


def structure(
    data: Any,
    cls: type[T],
    *,
    error: type[WaltError] = ValidationError,
    what: str | None = None,
) -> T:
    """``converter.structure`` raising ``error`` with every ``path: problem`` on bad input."""
    try:
        return converter.structure(data, cls)
    except WaltError:
        raise
    except Exception as exc:
        problems = list(problems_of(exc))
        name = what or getattr(cls, "__name__", str(cls))
        message = f"invalid {name}: " + "; ".join(str(p) for p in problems[:20])
        if len(problems) > 20:
            message += f"; and {len(problems) - 20} more"
        if issubclass(error, ToolFormatError):
            raise ToolFormatError(f"invalid {name}", problems=problems) from exc
        raise error(message, details={"problems": [list(p) for p in problems]}) from exc


def unstructure(obj: Any, cls: Any = None) -> Any:
    """``converter.unstructure``: JSON-ready data for any walt model, request or result."""
    return converter.unstructure(obj, cls) if cls is not None else converter.unstructure(obj)
