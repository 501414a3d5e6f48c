"""The HTTP path against hostile servers on 127.0.0.1: a gzip bomb, a TLS certificate
for another name, a tab in a redirect's Location."""

from __future__ import annotations

import gzip
import http.server
import json
import ssl
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import walt
from tests.sites import Response, html, serve
from walt.core.urls import UrlPolicy
from walt.engine.http import HttpFetcher


def _bomb() -> bytes:
    """gzip, gzip around 1 GiB of one byte: about 1.8 KB on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"a" * (1 << 24)
    inner = b"".join(packer.compress(block) for _ in range(64)) + packer.flush()
    return gzip.compress(inner, 9)


BOMB = _bomb()


def test_a_stacked_gzip_bomb_stops_at_the_body_limit_in_bounded_memory(tmp_path: Path) -> None:
    assert len(BOMB) < 4000

    def bomb(_request: object) -> Response:
        headers = {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}
        return 200, headers, BOMB

    with serve({"/bomb": bomb}) as site:
        tool = tmp_path / "bomb.tool.json"
        tool.write_text(json.dumps({"name": "bomb", "url_template": site.url + "bomb"}))
        code = (
            "import json, resource, sys, walt\n"
            f"c = walt.UnifiedClient('inprocess', allow_hosts=['{site.netloc}'], cache=False)\n"
            f"r = c.execute(walt.load_tool({str(tool)!r}))\n"
            "print(json.dumps({'ok': r.ok, 'truncated': r.data.get('truncated'),\n"
            "  'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
        )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    print("gzip bomb run:", outcome)  # the figure the issue asked for (pytest -s shows it)
    assert outcome["truncated"] is True
    assert outcome["rss_mb"] < 400, outcome  # was 2,140 MB: the body decoded in one call


def test_a_tab_in_a_location_is_dropped_as_browsers_do() -> None:
    routes = {
        "/old": lambda r: (302, {"Location": "/ne\tw?x=\t1"}, b""),
        "/new": lambda r: html(f"<p>arrived {r.arg('x')}</p>"),
    }
    with serve(routes) as site:
        with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
            result = client.execute(walt.Tool(name="old", url_template=site.url + "old"))
    assert result.ok, result.error
    assert (result.final_url or "").endswith("/new?x=1")
    assert "arrived 1" in result.data["main_text"]


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 whose self-signed certificate names a.test only."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=a.test", "-addext", "subjectAltName=DNS:a.test",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<p>secret page</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


async def test_a_tls_failure_is_a_final_execution_error(tls_site: int) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    policy = UrlPolicy(allow_hosts=["127.0.0.1/32"], resolver=resolver)
    fetcher = HttpFetcher(policy)
    try:
        for host in ("a.test", "b.test"):  # untrusted issuer; and a name it does not cover
            with pytest.raises(walt.ExecutionError) as caught:
                await fetcher.fetch(f"https://{host}:{tls_site}/")
            error = caught.value
            assert error.code == "tls_error" and error.retryable is False
            assert not isinstance(error, walt.BackendUnavailableError)
    finally:
        await fetcher.aclose()
