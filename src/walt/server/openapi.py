"""The OpenAPI document of the walt service, with JSON Schemas derived from the attrs models.

The schemas come from the same classes the converter serialises, so the
document cannot drift from what the service actually sends and accepts.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import attrs

from walt._version import __version__
from walt.core.converter import renames_for
from walt.core.errors import WaltError
from walt.core.models import STEP_TYPES
from walt.server.errors import ERROR_STATUSES
from walt.server.routes import OPERATIONS, Operation, SchemaSource

__all__ = ["openapi_document"]


class SchemaRegistry:
    """The document's schema registry: each attrs class described once, referenced."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, cls: type[Any]) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.components:
            self.components[name] = {}  # placeholder: recursion stops here
            self.components[name] = self._object(cls)
        return {"$ref": f"#/components/schemas/{name}"}

    def _object(self, cls: type[Any]) -> dict[str, Any]:
        hints = get_type_hints(cls)
        renames = renames_for(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        if getattr(cls, "type", None) and cls in STEP_TYPES.values():
            properties["type"] = {"const": cls.type}
            required.append("type")
        for field in attrs.fields(cls):
            if field.name in ("origin",) or not field.init:
                continue
            name = renames.get(field.name, field.name)
            if field.name == "extra":
                continue
            properties[name] = self.of(hints[field.name])
            if field.default is attrs.NOTHING:
                required.append(name)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if cls.__doc__:
            schema["description"] = " ".join(cls.__doc__.split())[:500]
        return schema

    def of(self, hint: Any) -> dict[str, Any]:
        origin = get_origin(hint)
        args = get_args(hint)
        if hint is Any:
            return {}
        if hint is type(None):
            return {"type": "null"}
        if hint is str:
            return {"type": "string"}
        if hint is bool:
            return {"type": "boolean"}
        if hint is int:
            return {"type": "integer"}
        if hint is float:
            return {"type": "number"}
        if hint is bytes:
            return {"type": "string", "contentEncoding": "base64"}
        if origin is Literal:
            return {"enum": list(args)}
        if origin in (Union, types.UnionType):
            return {"anyOf": [self.of(a) for a in args]}
        if origin in (list, tuple):
            return {"type": "array", "items": self.of(args[0]) if args else {}}
        if origin is dict or hint is dict:
            return {"type": "object"}
        if isinstance(hint, type) and issubclass(hint, WaltError):
            return {"$ref": "#/components/schemas/Error"}
        if isinstance(hint, type) and attrs.has(hint):
            return self.ref(hint)
        return {}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _answer(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS: dict[str, Any] = {
    str(status): {"$ref": "#/components/responses/Error"} for status in ERROR_STATUSES
}
"""Every error status, on every operation: the request guard (401, 408, 413, 415, 421)
stands before every route, and any route can fail with the backend's errors."""


def _schema(source: SchemaSource, s: SchemaRegistry) -> dict[str, Any]:
    if source is None:
        return {}
    if isinstance(source, type):
        return s.ref(source)
    return source(s)


def _operation(op: Operation, s: SchemaRegistry) -> dict[str, Any]:
    """One operation of the route table, as OpenAPI describes it."""
    entry: dict[str, Any] = {"summary": op.summary, "operationId": op.name}
    if op.request is not None:
        entry["requestBody"] = _body(_schema(op.request, s))
    description = "Accepted" if op.status == 202 else "OK"
    responses: dict[str, Any] = {str(op.status): _answer(_schema(op.answer, s), description)}
    if op.public:
        entry["security"] = []
        responses["421"] = {"$ref": "#/components/responses/Error"}  # the Host check only
    else:
        responses |= ERRORS
    entry["responses"] = responses
    return entry


def openapi_document() -> dict[str, Any]:
    """The service's OpenAPI 3.1 document, built from :data:`walt.server.routes.OPERATIONS`
    and the attrs classes that go on the wire."""
    s = SchemaRegistry()
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.documented_path, {})[op.method.lower()] = _operation(op, s)
    s.components["Error"] = {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
    }
    s.components["ErrorDetail"] = {
        "description": "WaltError.to_dict(): the class name, a stable code, JSON-safe "
        "details, whether the same request may succeed if sent again, and the cause",
        "type": "object",
        "required": ["type", "code", "message", "details", "retryable"],
        "additionalProperties": False,
        "properties": {
            "type": {"type": "string"},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "details": {"type": "object"},
            "retryable": {"type": "boolean"},
            "cause": {
                "description": "A walt error (this shape) or another exception (type, message)",
                "type": "object",
                "required": ["type", "message"],
                "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "walt",
            "version": __version__,
            "description": "Discover, generate and run website tools.",
        },
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "schemas": s.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "A typed walt error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
        },
    }
