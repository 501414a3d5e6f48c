"""The HTTP path at its edges: bounded decoding of stacked codings, cookies applied as a
browser applies them, one connection pool per TLS server name."""

from __future__ import annotations

import gzip
import time
import zlib

import httpx
import pytest

from walt.core.urls import UrlPolicy
from walt.engine.decoding import BoundedDecoder, UnsupportedEncodingError
from walt.engine.http import HttpFetcher, cookie_jar


def _bomb(megabytes: int, layers: int) -> bytes:
    """``layers`` of gzip around ``megabytes`` MiB of one byte, built without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"a" * (1 << 20)
    body = b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()
    for _ in range(layers - 1):
        body = gzip.compress(body, 9)
    return body


@pytest.mark.parametrize(
    ("codings", "layers"), [("gzip", 1), ("gzip, gzip", 2), ("x-gzip, gzip, gzip", 3)]
)
def test_stacked_gzip_stops_at_the_limit(codings: str, layers: int) -> None:
    body = _bomb(256, layers)
    assert len(body) < 300_000
    decoder = BoundedDecoder(codings, 1_000_000)
    out = b"".join(decoder.feed(body[i : i + 4096]) for i in range(0, len(body), 4096))
    assert decoder.over and len(out) == 1_000_001
    assert set(out) == {ord("a")}


def test_small_bodies_decode_whole_in_any_chunking() -> None:
    text = b"walt " * 5000
    for codings, body in (
        ("gzip", gzip.compress(text)),
        ("deflate", zlib.compress(text)),
        ("gzip, deflate", zlib.compress(gzip.compress(text))),
        ("", text),
    ):
        for step in (1, 7, 4096):
            decoder = BoundedDecoder(codings, 10_000_000)
            out = b"".join(decoder.feed(body[i : i + step]) for i in range(0, len(body), step))
            out += decoder.finish()
            assert out == text and not decoder.over, (codings, step)


def test_raw_deflate_and_concatenated_gzip_members() -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = packer.compress(b"raw deflate") + packer.flush()
    assert BoundedDecoder("deflate", 100).feed(raw) == b"raw deflate"
    members = gzip.compress(b"one ") + gzip.compress(b"two")
    decoder = BoundedDecoder("gzip", 100)
    assert decoder.feed(members) + decoder.finish() == b"one two"


def test_codings_walt_did_not_ask_for_are_an_error() -> None:
    with pytest.raises(UnsupportedEncodingError, match="br"):
        BoundedDecoder("br", 100)


def _cookies(url: str, state: dict[str, object]) -> str | None:
    request = httpx.Request("GET", url)
    cookie_jar(state).set_cookie_header(request)
    return request.headers.get("cookie")


def test_auth_cookies_follow_domain_path_secure_and_expiry() -> None:
    state = {
        "cookies": [
            {"name": "host", "value": "1", "domain": "shop.test", "path": "/", "expires": -1},
            {"name": "dom", "value": "2", "domain": ".shop.test", "path": "/"},
            {"name": "sec", "value": "3", "domain": "shop.test", "path": "/", "secure": True},
            {"name": "old", "value": "4", "domain": "shop.test", "expires": time.time() - 5},
            {"name": "acct", "value": "5", "domain": "shop.test", "path": "/account"},
        ]
    }
    assert _cookies("http://shop.test/", state) == "host=1; dom=2"
    assert _cookies("https://shop.test/account/x", state) == "acct=5; host=1; sec=3; dom=2"
    assert _cookies("http://a.shop.test/", state) == "dom=2"
    assert _cookies("http://other.test/", state) is None


def test_connection_pools_are_per_tls_server_name() -> None:
    fetcher = HttpFetcher(UrlPolicy())
    a = fetcher._http("https", "a.test")
    assert fetcher._http("https", "a.test") is a
    assert fetcher._http("https", "b.test") is not a
    assert fetcher._http("http", "a.test") is fetcher._http("http", "b.test")
