"""The service's route table: one entry per operation, naming its handler (a plain
function of :mod:`walt.server.handlers`), read by the app (which serves it) and by the
OpenAPI document (which describes it), so neither can list a route the other lacks.

A schema is an attrs class that goes on the wire (described from the class, see
:mod:`walt.server.openapi`), a function of the document's schema registry returning a
JSON Schema (for shapes built around such classes), or None (no body).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol

import attrs
from starlette.requests import Request

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
from walt.core.models import Tool
from walt.server import handlers as h

__all__ = ["OPERATIONS", "Handler", "Operation", "SchemaSource", "Schemas"]


class Schemas(Protocol):
    """What a schema function gets: a reference to an attrs class's schema."""

    def ref(self, cls: type[Any]) -> dict[str, Any]: ...


SchemaSource = type | Callable[[Schemas], dict[str, Any]] | None
Handler = Callable[[Request], Awaitable[Any]]


@attrs.frozen
class Operation:
    """One route: ``handler`` serves it (its name is the operation's id); ``path`` is
    Starlette's (``{name:path}`` converters included); ``raw`` handlers build their own
    response (no error wrapping); ``public`` ones need no token."""

    handler: Handler
    method: str
    path: str
    summary: str
    request: SchemaSource = None
    answer: SchemaSource = None
    status: int = 200
    raw: bool = False
    public: bool = False

    @property
    def name(self) -> str:
        """The operation's id: its handler's name."""
        return self.handler.__name__

    @property
    def documented_path(self) -> str:
        """The OpenAPI form of the path: ``{name:path}`` becomes ``{name}``."""
        return re.sub(r"\{(\w+):\w+\}", r"{\1}", self.path)


def _job(_: Schemas) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": ["string", "null"]},
            "state": {"type": "string"},
        },
    }


def _job_request(_: Schemas) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["kind", "request"],
        "properties": {
            "kind": {"enum": ["discover", "generate", "execute"]},
            "request": {"type": "object"},
        },
    }


def _cancelled(_: Schemas) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "cancelled"],
        "properties": {"id": {"type": "string"}, "cancelled": {"type": "boolean"}},
    }


def _any(_: Schemas) -> dict[str, Any]:
    return {}


def _events(s: Schemas) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "next": {"type": "integer"},
            "events": {"type": "array", "items": s.ref(ProgressEvent)},
        },
    }


def _tools(s: Schemas) -> dict[str, Any]:
    return {"type": "array", "items": s.ref(Tool)}


def _inputs(_: Schemas) -> dict[str, Any]:
    return {"type": "object", "properties": {"inputs": {"type": "object"}}}


def _alive(_: Schemas) -> dict[str, Any]:
    return {"type": "object", "properties": {"ok": {"const": True}}}


def _document(_: Schemas) -> dict[str, Any]:
    return {"type": "object", "required": ["openapi", "paths"]}


OPERATIONS: Final[tuple[Operation, ...]] = (
    Operation(h.healthz, "GET", "/healthz", "Liveness (no authentication, no details)",
              answer=_alive, raw=True, public=True),
    Operation(h.openapi, "GET", "/openapi.json", "This document",
              answer=_document, raw=True, public=True),
    Operation(h.health, "GET", "/v1/health", "Backend health", answer=Health),
    Operation(h.discover, "POST", "/v1/discover", "Find the tools of a site",
              request=DiscoverRequest, answer=DiscoverResult),
    Operation(h.generate, "POST", "/v1/generate", "Build the best tool of a site for a goal",
              request=GenerateRequest, answer=GenerateResult),
    Operation(h.execute, "POST", "/v1/execute", "Run a tool",
              request=ExecuteRequest, answer=ExecuteResult),
    Operation(h.submit, "POST", "/v1/jobs", "Submit a job without waiting",
              request=_job_request, answer=_job, status=202),
    Operation(h.job_status, "GET", "/v1/jobs/{job_id}", "A job's status", answer=_job),
    Operation(h.job_cancel, "DELETE", "/v1/jobs/{job_id}", "Cancel a job", answer=_cancelled),
    Operation(h.job_result, "GET", "/v1/jobs/{job_id}/result",
              "Wait for a job's result (?timeout=seconds)", answer=_any),
    Operation(h.job_events, "GET", "/v1/jobs/{job_id}/events",
              "A discovery job's progress events (?after=number already seen)",
              answer=_events),
    Operation(h.list_tools, "GET", "/v1/tools", "The tools of the store", answer=_tools),
    Operation(h.run_tool, "POST", "/v1/tools/{name:path}/execute", "Run a tool of the store",
              request=_inputs, answer=ExecuteResult),
    Operation(h.get_tool, "GET", "/v1/tools/{name:path}", "One tool of the store", answer=Tool),
)  # fmt: skip
"""Every route of the service, in the order Starlette matches them."""
