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
from walt.core.messages import (
    DiscoverRequest,
    DiscoverResult,
    ExecuteRequest,
    ExecuteResult,
    GenerateRequest,
    GenerateResult,
    Health,
    ProgressEvent,
)
from walt.core.models import STEP_TYPES, Tool
from walt.server.errors import ERROR_STATUSES

__all__ = ["openapi_document"]


class _Schemas:
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


def openapi_document() -> dict[str, Any]:
    s = _Schemas()
    operations = {
        "/v1/discover": ("Find the tools of a site", DiscoverRequest, DiscoverResult),
        "/v1/generate": (
            "Build the best tool of a site for a goal",
            GenerateRequest,
            GenerateResult,
        ),
        "/v1/execute": ("Run a tool", ExecuteRequest, ExecuteResult),
    }
    paths: dict[str, Any] = {}
    for path, (summary, request, result) in operations.items():
        paths[path] = {
            "post": {
                "summary": summary,
                "requestBody": _body(s.ref(request)),
                "responses": {"200": _answer(s.ref(result)), **ERRORS},
            }
        }
    job = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string"},
            "state": {"type": "string"},
        },
    }
    paths["/v1/jobs"] = {
        "post": {
            "summary": "Submit a job without waiting",
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["kind", "request"],
                    "properties": {
                        "kind": {"enum": ["discover", "generate", "execute"]},
                        "request": {"type": "object"},
                    },
                }
            ),
            "responses": {"202": _answer(job, "Accepted"), **ERRORS},
        }
    }
    paths["/v1/jobs/{job_id}"] = {
        "get": {"summary": "A job's status", "responses": {"200": _answer(job), **ERRORS}},
        "delete": {"summary": "Cancel a job", "responses": {"200": _answer(job), **ERRORS}},
    }
    paths["/v1/jobs/{job_id}/result"] = {
        "get": {
            "summary": "Wait for a job's result (?timeout=seconds)",
            "responses": {"200": _answer({}), **ERRORS},
        }
    }
    paths["/v1/jobs/{job_id}/events"] = {
        "get": {
            "summary": "A discovery job's progress events (?after=number already seen)",
            "responses": {
                "200": _answer(
                    {
                        "type": "object",
                        "properties": {
                            "next": {"type": "integer"},
                            "events": {"type": "array", "items": s.ref(ProgressEvent)},
                        },
                    }
                ),
                **ERRORS,
            },
        }
    }
    paths["/v1/tools"] = {
        "get": {
            "summary": "The tools of the store",
            "responses": {"200": _answer({"type": "array", "items": s.ref(Tool)}), **ERRORS},
        }
    }
    paths["/v1/tools/{name}"] = {
        "get": {
            "summary": "One tool of the store",
            "responses": {"200": _answer(s.ref(Tool)), **ERRORS},
        }
    }
    paths["/v1/tools/{name}/execute"] = {
        "post": {
            "summary": "Run a tool of the store",
            "requestBody": _body({"type": "object", "properties": {"inputs": {"type": "object"}}}),
            "responses": {"200": _answer(s.ref(ExecuteResult)), **ERRORS},
        }
    }
    paths["/v1/health"] = {
        "get": {
            "summary": "Backend health",
            "responses": {"200": _answer(s.ref(Health)), **ERRORS},
        }
    }
    paths["/healthz"] = {
        "get": {
            "summary": "Liveness (no authentication, no details)",
            "security": [],
            "responses": {
                "200": _answer({"type": "object", "properties": {"ok": {"const": True}}}),
                "421": {"$ref": "#/components/responses/Error"},
            },
        }
    }
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
