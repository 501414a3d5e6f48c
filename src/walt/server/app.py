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
import functools
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from walt.client import AsyncClient
from walt.core.converter import converter
from walt.core.errors import WaltError, WaltTimeoutError
from walt.core.logging import get_logger
from walt.server.errors import error_response, status_for
from walt.server.guard import BODY_TIMEOUT, RequestGuard
from walt.server.jobs import Jobs
from walt.server.openapi import openapi_document
from walt.server.routes import OPERATIONS, Handler, Operation

__all__ = ["create_app", "status_for"]

log = get_logger("walt.server")

DEFAULT_MAX_BODY = 2 * 1024 * 1024


async def _answer(request: Request, *, handler: Handler, status: int) -> Response:
    """Run a handler that returns data within the service's time limit: its answer as
    JSON, or a typed error document (never a stack trace)."""
    limit: float = request.app.state.request_timeout
    try:
        async with asyncio.timeout(limit):
            outcome = await handler(request)
    except WaltError as exc:  # before TimeoutError: WaltTimeoutError is one too
        return error_response(exc)
    except TimeoutError:
        return error_response(WaltTimeoutError(f"the service gave up after {limit:g} s"))
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


def _endpoint(op: Operation) -> Handler:
    """What Starlette calls for ``op``: a raw handler itself, any other through
    :func:`_answer` (a partial: Starlette sees through it to the coroutine function)."""
    if op.raw:
        return op.handler
    return functools.partial(_answer, handler=op.handler, status=op.status)


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(
        WaltError(f"no route {request.method} {request.url.path}", code="not_found"), 404
    )


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
    routes = [Route(op.path, _endpoint(op), methods=[op.method]) for op in OPERATIONS]
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
    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={404: _not_found, 405: _not_found}
    )
    # What the handlers share (walt.server.handlers reads it from request.app.state).
    state: Any = app.state
    state.client = client
    state.jobs = Jobs(client)
    state.request_timeout = request_timeout
    state.openapi = openapi_document()
    return app
