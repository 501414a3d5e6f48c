"""The walt service: an HTTP API over a client (and so over any backend).

Safe by default: it binds 127.0.0.1 (the CLI), requires a bearer token unless
explicitly started without one on loopback, limits request sizes and times,
sends no CORS headers unless origins are configured, applies its own URL
policy to every URL it is asked to visit, and validates tool names (no path
traversal). Errors are typed error documents (``{"error": {...}}``) with
proper status codes; :class:`~walt.backends.remote.RemoteBackend` turns them
back into the same exception classes.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from walt.backends.base import JobBackend
from walt.client import AsyncClient
from walt.core.converter import converter, structure
from walt.core.errors import (
    JobNotFoundError,
    ToolNotFoundError,
    ValidationError,
    WaltError,
    WaltTimeoutError,
)
from walt.core.logging import get_logger
from walt.core.messages import DiscoverRequest, ExecuteRequest, GenerateRequest
from walt.core.validate import validate_tool_name
from walt.server.errors import error_response, status_for
from walt.server.guard import BODY_TIMEOUT, RequestGuard
from walt.server.openapi import openapi_document
from walt.server.routes import OPERATIONS

__all__ = ["create_app", "status_for"]

log = get_logger("walt.server")

DEFAULT_MAX_BODY = 2 * 1024 * 1024
MAX_EVENTS = 2000


class _Jobs:
    """Jobs submitted without waiting: on the backend when it keeps jobs itself (a
    :class:`~walt.backends.base.JobBackend`, such as the Redis queue), else here."""

    def __init__(self, client: AsyncClient, ttl: float = 3600.0) -> None:
        self.client = client
        self.ttl = ttl
        self._local: dict[str, tuple[str, asyncio.Task[Any], float]] = {}
        self._events: dict[str, list[dict[str, Any]]] = {}

    def _queue(self) -> JobBackend | None:
        """The backend itself when it keeps jobs (a queue), else None: jobs stay here."""
        if self.client.mode == "auto":
            return None  # auto may route anywhere: keep jobs here
        backend = self.client.get_backend()
        return backend if isinstance(backend, JobBackend) else None

    async def _validate(self, kind: str, request: Any) -> None:
        """What the client checks before dispatch, for jobs that go straight to the queue."""
        if kind == "execute":
            request.tool.check_inputs(request.inputs)
        else:
            await self.client.policy.acheck(request.url)

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id, (_kind, task, created) in list(self._local.items()):
            if task.done() and now - created > self.ttl:
                del self._local[job_id]
                self._events.pop(job_id, None)

    async def submit(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        request_type = {
            "discover": DiscoverRequest,
            "generate": GenerateRequest,
            "execute": ExecuteRequest,
        }.get(kind)
        if request_type is None:
            raise ValidationError(f"kind must be discover, generate or execute, not {kind!r}")
        request: Any = structure(body, request_type, what=f"{kind} request")
        queue = self._queue()
        if queue is not None:
            await self._validate(kind, request)
            limit = request.timeout if kind == "execute" else request.time_budget
            job_id = await queue.submit_job(kind, request, timeout=limit)
            return {"id": job_id, "kind": kind, "state": "queued"}
        self._forget_old()
        job_id = request.request_id or uuid.uuid4().hex
        if job_id in self._local:
            kind_, task, _ = self._local[job_id]
            return {"id": job_id, "kind": kind_, "state": self._state(task)}
        events = self._events[job_id] = []

        def record(event: Any) -> None:
            if len(events) < MAX_EVENTS:
                events.append(converter.unstructure(event))

        task = asyncio.ensure_future(_dispatch(self.client, kind, request, progress=record))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self._local[job_id] = (kind, task, time.monotonic())
        return {"id": job_id, "kind": kind, "state": "running"}

    @staticmethod
    def _state(task: asyncio.Task[Any]) -> str:
        if not task.done():
            return "running"
        if task.cancelled():
            return "cancelled"
        return "failed" if task.exception() is not None else "done"

    async def status(self, job_id: str) -> dict[str, Any]:
        queue = self._queue()
        if queue is not None:
            return await queue.job_state(job_id)
        kind, task, _created = self._lookup(job_id)
        return {"id": job_id, "kind": kind, "state": self._state(task)}

    def _lookup(self, job_id: str) -> tuple[str, asyncio.Task[Any], float]:
        entry = self._local.get(job_id)
        if entry is None:
            raise JobNotFoundError(f"no job {job_id}", details={"job_id": job_id})
        return entry

    async def result(self, job_id: str, timeout: float) -> Any:
        queue = self._queue()
        if queue is not None:
            return await queue.job_result(job_id, timeout)
        _kind, task, _created = self._lookup(job_id)
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            raise WaltTimeoutError(
                f"job {job_id} is still running", details={"job_id": job_id}
            ) from None

    async def events(self, job_id: str, after: int) -> dict[str, Any]:
        """Progress events of a discovery job from number ``after`` on."""
        queue = self._queue()
        if queue is not None:
            found = await queue.job_events(job_id)
        else:
            self._lookup(job_id)
            found = self._events.get(job_id, [])
        return {"id": job_id, "next": len(found), "events": found[after:]}

    async def cancel(self, job_id: str) -> dict[str, Any]:
        queue = self._queue()
        if queue is not None:
            return {"id": job_id, "cancelled": await queue.cancel_job(job_id)}
        _kind, task, _created = self._lookup(job_id)
        cancelled = task.cancel()
        return {"id": job_id, "cancelled": cancelled}


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


async def _dispatch(
    client: AsyncClient, kind: str, request: Any, progress: Callable[[Any], Any] | None = None
) -> Any:
    common = {"auth": request.auth, "budget": request.budget, "request_id": request.request_id}
    if kind == "execute":
        return await client.execute(
            request.tool,
            request.inputs,
            timeout=request.timeout,
            step_timeout=request.step_timeout,
            screenshot_on_failure=request.screenshot_on_failure,
            prefer_http=request.prefer_http,
            start_url=request.start_url,
            capture_auth=request.capture_auth,
            include_html=request.include_html,
            **common,
        )
    options = {
        "progress": progress,
        "max_pages": request.max_pages,
        "max_depth": request.max_depth,
        "time_budget": request.time_budget,
        "validate_writes": request.validate_writes,
        "respect_robots": request.respect_robots,
        **common,
    }
    if kind == "discover":
        return await client.discover(request.url, request.goal, request.max_tools, **options)
    return await client.generate(request.url, request.goal, **options)


def create_app(
    client: AsyncClient,
    *,
    token: str | None,
    max_body: int = DEFAULT_MAX_BODY,
    cors_origins: tuple[str, ...] = (),
    request_timeout: float = 900.0,
    allowed_hosts: frozenset[str] | None = None,
    body_timeout: float = BODY_TIMEOUT,
) -> Starlette:
    """The ASGI app. ``token=None`` disables authentication (the CLI allows it on loopback
    only); ``allowed_hosts`` are the ``Host`` names it answers (None: any, see
    :func:`walt.server.guard.allowed_hosts_for`); ``body_timeout`` the seconds a client
    has to send a request body (408 after)."""
    jobs = _Jobs(client)

    def handler(
        fn: Callable[[Request], Awaitable[Any]], status: int = 200
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                async with asyncio.timeout(request_timeout):
                    outcome = await fn(request)
            except WaltError as exc:  # before TimeoutError: WaltTimeoutError is one too
                return error_response(exc)
            except TimeoutError:
                return error_response(
                    WaltTimeoutError(f"the service gave up after {request_timeout:g} s")
                )
            except Exception as exc:  # never a stack trace to the caller
                log.exception("unexpected error in %s: %s", request.url.path, exc)
                # The exception's text may name the machine's files: it goes to the log only.
                return error_response(
                    WaltError(
                        "internal error (the service's log has the details)",
                        code="internal_error",
                        details={"exception": type(exc).__name__},
                    ),
                    500,
                )
            if isinstance(outcome, Response):
                return outcome
            return JSONResponse(converter.unstructure(outcome), status_code=status)

        return endpoint

    async def body_of(request: Request) -> dict[str, Any]:
        return parse_body(await request.body())

    async def discover(request: Request) -> Any:
        body = structure(await body_of(request), DiscoverRequest, what="discover request")
        return await _dispatch(client, "discover", body)

    async def generate(request: Request) -> Any:
        body = structure(await body_of(request), GenerateRequest, what="generate request")
        return await _dispatch(client, "generate", body)

    async def execute(request: Request) -> Any:
        body = structure(await body_of(request), ExecuteRequest, what="execute request")
        return await _dispatch(client, "execute", body)

    async def submit(request: Request) -> Any:
        body = await body_of(request)
        if not isinstance(body.get("request"), dict):
            raise ValidationError("a job needs a 'request' object")
        return await jobs.submit(str(body.get("kind", "")), body["request"])

    async def job_status(request: Request) -> Any:
        return await jobs.status(request.path_params["job_id"])

    async def job_result(request: Request) -> Any:
        try:
            timeout = float(request.query_params.get("timeout", "30"))
        except ValueError:
            raise ValidationError("timeout must be a number of seconds") from None
        return await jobs.result(request.path_params["job_id"], max(0.0, min(timeout, 600.0)))

    async def job_events(request: Request) -> Any:
        try:
            after = max(0, int(request.query_params.get("after", "0")))
        except ValueError:
            raise ValidationError("after must be an integer") from None
        return await jobs.events(request.path_params["job_id"], after)

    async def job_cancel(request: Request) -> Any:
        return await jobs.cancel(request.path_params["job_id"])

    def store() -> Any:
        if client.store is None:
            raise ToolNotFoundError("this service has no tool store (walt serve --tools DIR)")
        return client.store

    async def list_tools(request: Request) -> Any:
        return [tool.to_dict() for tool in await store().list()]

    async def stored(name: str) -> Any:
        try:
            return await store().get(name)
        except ToolNotFoundError:
            # The store's own message names its directory: not for callers.
            raise ToolNotFoundError(
                f"no tool {name!r} in this service's store", details={"name": name}
            ) from None

    async def get_tool(request: Request) -> Any:
        name = validate_tool_name(request.path_params["name"])
        return (await stored(name)).to_dict()

    async def run_tool(request: Request) -> Any:
        name = validate_tool_name(request.path_params["name"])
        body = await body_of(request)
        inputs = body.get("inputs", {})
        if not isinstance(inputs, dict):
            raise ValidationError("'inputs' must be an object")
        tool = await stored(name)  # the configured store only, never a file path
        return await client.execute(tool, inputs)

    async def health(request: Request) -> Any:
        return await client.health()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    handlers: dict[str, Callable[[Request], Awaitable[Any]]] = {
        "healthz": healthz,
        "openapi": openapi,
        "health": health,
        "discover": discover,
        "generate": generate,
        "execute": execute,
        "submit": submit,
        "job_status": job_status,
        "job_cancel": job_cancel,
        "job_result": job_result,
        "job_events": job_events,
        "list_tools": list_tools,
        "run_tool": run_tool,
        "get_tool": get_tool,
    }
    routes = [
        Route(
            op.path,
            handlers[op.name] if op.raw else handler(handlers[op.name], op.status),
            methods=[op.method],
        )
        for op in OPERATIONS
    ]
    middleware = [
        Middleware(
            RequestGuard,
            token=token,
            max_body=max_body,
            allowed_hosts=allowed_hosts,
            body_timeout=body_timeout,
        )
    ]
    if cors_origins:
        middleware.insert(
            0,
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST", "DELETE"],
                allow_headers=["Authorization", "Content-Type"],
            ),
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(
            WaltError(f"no route {request.method} {request.url.path}", code="not_found"), 404
        )

    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={404: not_found, 405: not_found}
    )
    app.state.client = client
    return app
