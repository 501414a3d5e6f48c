"""walt's demo site: a shop, a ticket tracker behind a login, and awkward pages.

::

    with DemoSite() as site:  # serves on 127.0.0.1, a free port
        print(site.url)  # http://127.0.0.1:54321/
        site.data.search_products(q="kettle")  # the site's own answer, for checks

Used by the tests, the benchmarks and ``walt demo``. Each instance has its own
data and sessions; :meth:`DemoSite.reset` restores the seed data.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Any

from walt.demo.app import PAGE_SIZE, Session, make_handler
from walt.demo.data import USERS, SiteData

__all__ = ["PAGE_SIZE", "USERS", "DemoSite", "SiteData"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class DemoSite:
    """The demo site on ``host:port`` (port 0 picks a free one), in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.data = SiteData()
        self.sessions: dict[str, Session] = {}
        self.requests: list[str] = []
        self._server = _Server((host, port), make_handler(self.data, self.sessions, self.requests))
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The site's base URL, with a trailing slash."""
        return f"http://{self.host}:{self.port}/"

    @property
    def netloc(self) -> str:
        """``host:port``, the form ``allow_hosts`` takes."""
        return f"{self.host}:{self.port}"

    def start(self) -> DemoSite:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="walt-demo-site", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def reset(self) -> None:
        """Restore the seed data and forget every session."""
        self.data.reset()
        self.sessions.clear()
        self.requests.clear()

    def snapshot(self) -> dict[str, Any]:
        return self.data.snapshot()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
