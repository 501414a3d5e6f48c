"""What every request to walt's HTTP servers (the service, MCP over HTTP) passes first.

A pure ASGI middleware, so nothing is buffered before it decides:

* ``Host`` must name the server (DNS rebinding: a page on ``attacker.example`` that
  resolves its name to 127.0.0.1 sends ``Host: attacker.example``); the allowed names
  are the address the server is bound to and the names configured for it;
* a request with a body must say it is JSON (``application/json`` or ``*+json``): the
  "simple" requests a browser sends cross-site without asking (``text/plain``, forms)
  never reach a route;
* the bearer token, compared in constant time, when one is configured;
* the body: at most ``max_body`` bytes (declared or streamed, chunked included: 413),
  read within ``body_timeout`` seconds (408).

:class:`HeaderTimeoutProtocol` closes connections whose request headers do not arrive
within a bound (uvicorn times out idle keep-alive connections, not slow headers).
Every refusal is a typed error document (:mod:`walt.core.errors`).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterable
from typing import Any, Final

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from walt.core.errors import AuthError, WaltError
from walt.core.urls import is_loopback
from walt.server.errors import (
    MisdirectedRequestError,
    PayloadTooLargeError,
    RequestTimeoutError,
    UnsupportedMediaTypeError,
    error_response,
)

__all__ = [
    "HEADER_TIMEOUT",
    "HeaderTimeoutProtocol",
    "PayloadTooLargeError",
    "RequestGuard",
    "allowed_hosts_for",
]

HEADER_TIMEOUT: Final = 10.0
"""Seconds a client has to send a request's headers."""
BODY_TIMEOUT: Final = 30.0
"""Seconds a client has to send a request's body."""
LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_WILDCARDS: Final = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names, not a bind


def allowed_hosts_for(bind: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """The ``Host`` names a server bound to ``bind`` answers: the bound address (and the
    loopback names for a loopback address) plus ``extra``. None (any name) for a
    wildcard bind without configured names: there the token is the defence."""
    names = {_host_name(h) for h in extra if h}
    bound = _host_name(bind)
    if bound in _WILDCARDS:
        return frozenset(names) if names else None
    names.add(bound)
    if is_loopback(bound):
        names |= LOOPBACK_NAMES
    return frozenset(names)


def _host_name(value: str) -> str:
    """``Host`` header value -> lowercase name without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class RequestGuard:
    """The checks of the module docstring, before any route runs."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        max_body: int,
        allowed_hosts: frozenset[str] | None = None,
        body_timeout: float = BODY_TIMEOUT,
        open_paths: frozenset[str] = frozenset({"/healthz", "/openapi.json"}),
    ) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body
        self.allowed_hosts = allowed_hosts
        self.body_timeout = body_timeout
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check(scope)
        except WaltError as exc:
            await _refuse(exc, scope, receive, send)
            return
        received = 0
        started = asyncio.get_running_loop().time()

        async def limited_receive() -> Message:
            nonlocal received
            left = self.body_timeout - (asyncio.get_running_loop().time() - started)
            try:
                async with asyncio.timeout(max(0.0, left)):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeoutError(
                    f"the request body did not arrive within {self.body_timeout:g} s"
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise PayloadTooLargeError(f"request body larger than {self.max_body} bytes")
            return message

        try:
            await self.app(scope, limited_receive, send)
        except (PayloadTooLargeError, RequestTimeoutError) as exc:
            # Raised outside a route's own error handling (a body read by middleware).
            await _refuse(exc, scope, receive, send)

    def _check(self, scope: Scope) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.allowed_hosts is not None:
            host = _host_name(headers.get("host", ""))
            if host not in self.allowed_hosts:
                raise MisdirectedRequestError(
                    "this server does not answer for that Host name",
                    details={"allowed": sorted(self.allowed_hosts)},
                )
        path = scope.get("path", "")
        if self.token is not None and path not in self.open_paths:
            given = headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                raise AuthError(
                    "missing or wrong bearer token" if given else "this server needs a bearer token"
                )
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            raise PayloadTooLargeError(f"request body larger than {self.max_body} bytes")
        has_body = (length not in (None, "0")) or "transfer-encoding" in headers
        method = scope.get("method", "GET")
        if method in _BODY_METHODS and has_body and not _is_json(headers.get("content-type", "")):
            raise UnsupportedMediaTypeError(
                "the request body must be JSON (Content-Type: application/json)"
            )


async def _refuse(error: WaltError, scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(error)(scope, receive, send)


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a bound on the time a request's headers take: a timer
    runs from the connection (or the end of the previous response) until the headers
    are complete, however slowly their bytes trickle in; when it fires the connection
    is closed."""

    header_timeout: float = HEADER_TIMEOUT
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            if self._header_timer is None:
                self._arm()
        elif self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()
