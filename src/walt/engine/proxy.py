"""The guard proxy: every connection the browser makes passes the URL policy.

Each browser context of a job gets its own proxy on 127.0.0.1. Chromium sends
everything through it (loopback included: the context is started with the
``<-loopback>`` bypass rule), so the proxy sees every document, redirect hop,
subresource, XHR, fetch, WebSocket and popup request. For each it checks the
URL with the policy, resolves the host once, checks every address, and
connects to exactly the address it checked: a page cannot make the browser
reach an internal address, and DNS cannot change its answer between the check
and the connection. Refused requests get a 403 and are recorded.

One request per client connection (``Connection: close`` both ways) keeps the
proxy simple and correct; on loopback the extra connections cost little.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Final

from walt.core.errors import UrlBlockedError
from walt.core.logging import get_logger
from walt.core.urls import UrlPolicy, redact_url

__all__ = ["GuardProxy"]

log = get_logger(__name__)

MAX_HEADER_BYTES: Final = 64 * 1024
_HOP_BY_HOP: Final = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authorization",
        b"proxy-authenticate",
        b"te",
        b"trailer",
        b"upgrade",
    }
)

BlockCallback = Callable[[str, str], None]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


async def _relay(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    """Copy both ways until the upstream side is done (then stop the other direction too)."""
    upload = asyncio.ensure_future(_pipe(client_reader, up_writer))
    download = asyncio.ensure_future(_pipe(up_reader, client_writer))
    try:
        await download
        # The browser may keep its side open (keep-alive) although we said "close".
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(upload), 0.5)
    finally:
        for task in (upload, download):
            task.cancel()
        await asyncio.gather(upload, download, return_exceptions=True)
        await _close(up_writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 1)


class GuardProxy:
    """A forward proxy on 127.0.0.1 that enforces ``policy`` on every connection."""

    def __init__(
        self,
        policy: UrlPolicy,
        on_block: BlockCallback,
        *,
        connect_timeout: float = 10.0,
        idle_timeout: float = 120.0,
        on_authorization: Callable[[], None] | None = None,
    ) -> None:
        self.policy = policy
        self._on_block = on_block
        # Told when a plain-HTTP request carries credentials (an Authorization field):
        # the browser keeps them for the context's life.
        self._on_authorization = on_authorization
        self._connect_timeout = connect_timeout
        self._idle_timeout = idle_timeout
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.requests = 0
        self.paused = False

    @property
    def port(self) -> int:
        assert self._server is not None, "proxy not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> GuardProxy:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", 0, limit=MAX_HEADER_BYTES
        )
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await self._cut_connections()

    async def pause(self) -> None:
        """Refuse every request from now on (403) and cut the connections open now, so
        that no response reaches the browser until :meth:`resume` (a context being reset:
        a beacon its last page sent as it left must not set a cookie afterwards)."""
        self.paused = True
        await self._cut_connections()

    def resume(self) -> None:
        self.paused = False

    async def _cut_connections(self) -> None:
        current = asyncio.current_task()
        open_now = [task for task in self._tasks if task is not current]
        for task in open_now:
            task.cancel()
        if open_now:
            await asyncio.gather(*open_now, return_exceptions=True)

    async def __aenter__(self) -> GuardProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ connections

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await asyncio.wait_for(self._serve(reader, writer), self._idle_timeout)
        except (
            TimeoutError,
            ConnectionError,
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            await _close(writer)
            if task is not None:
                self._tasks.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        try:
            method, target, _version = lines[0].decode("latin-1").split(" ", 2)
        except ValueError:
            await self._respond(writer, 400, "malformed request line")
            return
        self.requests += 1
        # Noted whatever the answer (refused, blocked, forwarded): the browser keeps them.
        self._note_authorization(lines[1:])
        if self.paused:
            await self._respond(writer, 403, "the browser context is being reset")
            return
        if method == "CONNECT":
            await self._tunnel(target, reader, writer)
        else:
            await self._forward(method, target, lines[1:], reader, writer)

    async def _check(self, url: str) -> tuple[str, int, list[str]] | None:
        try:
            parsed, addresses = await self.policy.aresolve(url)
        except UrlBlockedError as exc:
            self._on_block(redact_url(url), exc.reason)
            log.debug("blocked %s: %s", redact_url(url), exc.reason)
            return None
        return parsed.host, parsed.effective_port, addresses

    async def _connect(
        self, addresses: list[str], port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        last: Exception | None = None
        for address in addresses:
            try:
                return await asyncio.wait_for(
                    asyncio.open_connection(address, port), self._connect_timeout
                )
            except (OSError, TimeoutError) as exc:
                last = exc
        raise ConnectionError(f"cannot connect: {last}")

    async def _tunnel(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        host, _, port = target.rpartition(":")
        if not host or not port.isdigit():
            await self._respond(writer, 400, "malformed CONNECT target")
            return
        authority = host if port == "443" else f"{host}:{port}"
        checked = await self._check(f"https://{authority}/")
        if checked is None:
            await self._respond(writer, 403, "blocked by walt's URL policy")
            return
        _host, port_number, addresses = checked
        try:
            up_reader, up_writer = await self._connect(addresses, port_number)
        except ConnectionError:
            await self._respond(writer, 502, "upstream unreachable")
            return
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        await _relay(reader, writer, up_reader, up_writer)

    async def _forward(
        self,
        method: str,
        target: str,
        header_lines: list[bytes],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        if not target.lower().startswith(("http://", "https://")):
            await self._respond(writer, 400, "absolute URL expected")
            return
        checked = await self._check(target)
        if checked is None:
            await self._respond(writer, 403, "blocked by walt's URL policy")
            return
        _host, port, addresses = checked
        rest = target.split("//", 1)[1]
        slash = rest.find("/")
        path = rest[slash:] if slash >= 0 else "/"
        question = rest.find("?")
        if slash < 0 and question >= 0:
            path = "/" + rest[question:]
        try:
            up_reader, up_writer = await self._connect(addresses, port)
        except ConnectionError:
            await self._respond(writer, 502, "upstream unreachable")
            return
        out = [f"{method} {path} HTTP/1.1\r\n".encode("latin-1")]
        for line in header_lines:
            if not line:
                continue
            name = line.split(b":", 1)[0].strip().lower()
            if name not in _HOP_BY_HOP:
                out.append(line + b"\r\n")
        out.append(b"Connection: close\r\n\r\n")
        up_writer.write(b"".join(out))
        await up_writer.drain()
        await _relay(reader, writer, up_reader, up_writer)

    def _note_authorization(self, header_lines: list[bytes]) -> None:
        if self._on_authorization is not None and any(
            line.split(b":", 1)[0].strip().lower() == b"authorization" for line in header_lines
        ):
            self._on_authorization()

    @staticmethod
    async def _respond(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
        body = reason.encode()
        phrase = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}.get(status, "Error")
        head = (
            f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain\r\nX-Walt-Blocked: 1\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + body)
        with contextlib.suppress(ConnectionError, OSError):
            await writer.drain()
