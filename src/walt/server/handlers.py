"""The service's routes, one plain function each: an async handler that takes the
Starlette request and reads what the service shares from ``request.app.state``
(the client, the jobs and the OpenAPI document, set by
:func:`walt.server.app.create_app`).

:data:`walt.server.routes.OPERATIONS` binds each to its path and describes it; the app
wraps the handlers that return data (not a response) with its error handling and time
limit, and sends their answer as JSON.
"""

from __future__ import annotations

import json
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from walt.client import AsyncClient
from walt.core.converter import structure
from walt.core.errors import ToolNotFoundError, ValidationError
from walt.core.messages import DiscoverRequest, ExecuteRequest, GenerateRequest
from walt.core.models import Tool
from walt.core.toolfile import tool_to_dict
from walt.core.validate import validate_tool_name
from walt.server.jobs import Jobs, dispatch
from walt.store import ToolStore

__all__ = [
    "MAX_JSON_DEPTH",
    "discover",
    "execute",
    "generate",
    "get_tool",
    "health",
    "healthz",
    "job_cancel",
    "job_events",
    "job_result",
    "job_status",
    "list_tools",
    "openapi",
    "parse_body",
    "run_tool",
    "submit",
]

_TOO_DEEP: Final = object()
MAX_JSON_DEPTH = 64
"""Nesting depth of a request body beyond which it is refused (no tool needs more)."""


def parse_body(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object; :class:`ValidationError` for anything else, a
    body nested deeper than :data:`MAX_JSON_DEPTH` included."""
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("the request body is not JSON") from None
    except RecursionError:
        data = _TOO_DEEP  # deeper than the parser goes: refused below
    if data is _TOO_DEEP or _depth(data) > MAX_JSON_DEPTH:
        raise ValidationError(f"the request body is nested deeper than {MAX_JSON_DEPTH} levels")
    if not isinstance(data, dict):
        raise ValidationError("the request body must be a JSON object")
    return data


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


# --------------------------------------------------------------------------- shared state


def _client(request: Request) -> AsyncClient:
    client: AsyncClient = request.app.state.client
    return client


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


async def _body(request: Request) -> dict[str, Any]:
    return parse_body(await request.body())


def _store(request: Request) -> ToolStore:
    store = _client(request).store
    if store is None:
        raise ToolNotFoundError("this service has no tool store (walt serve --tools DIR)")
    return store


async def _stored(request: Request, name: str) -> Tool:
    try:
        return await _store(request).get(name)
    except ToolNotFoundError:
        # The store's own message names its directory: not for callers.
        raise ToolNotFoundError(
            f"no tool {name!r} in this service's store", details={"name": name}
        ) from None


# --------------------------------------------------------------------------- routes


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def openapi(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


async def health(request: Request) -> Any:
    return await _client(request).health()


async def discover(request: Request) -> Any:
    body = structure(await _body(request), DiscoverRequest, what="discover request")
    return await dispatch(_client(request), "discover", body)


async def generate(request: Request) -> Any:
    body = structure(await _body(request), GenerateRequest, what="generate request")
    return await dispatch(_client(request), "generate", body)


async def execute(request: Request) -> Any:
    body = structure(await _body(request), ExecuteRequest, what="execute request")
    return await dispatch(_client(request), "execute", body)


async def submit(request: Request) -> Any:
    body = await _body(request)
    if not isinstance(body.get("request"), dict):
        raise ValidationError("a job needs a 'request' object")
    return await _jobs(request).submit(str(body.get("kind", "")), body["request"])


async def job_status(request: Request) -> Any:
    return await _jobs(request).status(request.path_params["job_id"])


async def job_result(request: Request) -> Any:
    try:
        timeout = float(request.query_params.get("timeout", "30"))
    except ValueError:
        raise ValidationError("timeout must be a number of seconds") from None
    job_id = request.path_params["job_id"]
    return await _jobs(request).result(job_id, max(0.0, min(timeout, 600.0)))


async def job_events(request: Request) -> Any:
    try:
        after = max(0, int(request.query_params.get("after", "0")))
    except ValueError:
        raise ValidationError("after must be an integer") from None
    return await _jobs(request).events(request.path_params["job_id"], after)


async def job_cancel(request: Request) -> Any:
    return await _jobs(request).cancel(request.path_params["job_id"])


async def list_tools(request: Request) -> Any:
    return [tool_to_dict(tool) for tool in await _store(request).list()]


async def get_tool(request: Request) -> Any:
    name = validate_tool_name(request.path_params["name"])
    return tool_to_dict(await _stored(request, name))


async def run_tool(request: Request) -> Any:
    name = validate_tool_name(request.path_params["name"])
    body = await _body(request)
    inputs = body.get("inputs", {})
    if not isinstance(inputs, dict):
        raise ValidationError("'inputs' must be an object")
    tool = await _stored(request, name)  # the configured store only, never a file path
    return await _client(request).execute(tool, inputs)
