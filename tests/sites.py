"""Small sites served on 127.0.0.1 for tests: routes in, a real HTTP server out.

Each route is a function of the request that returns (status, headers, body);
every request is logged (method, path and query, body), so a test can say what
walt asked for and what it never asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs


@attrs.frozen
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: Mapping[str, str]

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("latin-1"), keep_blank_values=True)

    def arg(self, name: str, default: str = "") -> str:
        return (self.query.get(name) or [default])[0]


Response = tuple[int, dict[str, str], bytes | str]
Route = Callable[[Request], Response]


def html(body: str, status: int = 200, charset: str = "utf-8") -> Response:
    return status, {"Content-Type": f"text/html; charset={charset}"}, body.encode(charset)


class Site:
    """``Site({"/": handler, ...})`` serves the routes; ``log`` records every request."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self.routes = dict(routes)
        self.log: list[Request] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    self.rfile.read(length) if length else b"",
                    dict(self.headers),
                )
                site.log.append(request)
                route = site.routes.get(parts.path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = route(request)
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.netloc}/"

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.log if method is None or r.method == method]

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serve(routes: Mapping[str, Route]) -> Iterator[Site]:
    with Site(routes) as site:
        yield site
