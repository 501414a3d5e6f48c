"""Planted secrets never reach a log line (walt's, httpx's, httpcore's) at DEBUG, nor the
health of a backend whose Redis URL carries a password in any spelling."""

from __future__ import annotations

import logging

import pytest

import walt
from tests.sites import html, serve
from walt.backends.redis.urls import mask_redis_url

TOKEN = "PLANTEDtoken1"
SEARCH = "PLANTEDquery2"
COOKIE = "PLANTEDcookie3"
PASSWORD = "PLANTEDredis4"


def test_a_debug_run_logs_no_query_values_cookies_or_passwords(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = (
        "<html><body><ul><li><a href='/a'>Alpha item</a></li><li>Beta item</li></ul></body></html>"
    )
    with serve({"/search": lambda r: html(page)}) as site, caplog.at_level(logging.DEBUG):
        with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
            tool = walt.Tool(
                name="search",
                url_template=site.url + "search?token=" + TOKEN + "&q={q}",
                inputs=(walt.ToolInput("q"),),
            )
            auth = {"cookies": [{"name": "sid", "value": COOKIE, "domain": "127.0.0.1"}]}
            result = client.execute(tool, {"q": SEARCH}, auth=auth)
            assert result.ok, result.error
            assert any(r.headers.get("Cookie") == f"sid={COOKIE}" for r in site.log)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request" in logged or "GET" in logged  # httpx and walt did log the request
    for secret in (TOKEN, SEARCH, COOKIE):
        assert secret not in logged


@pytest.mark.parametrize(
    "url",
    [
        f"redis://:{PASSWORD}@127.0.0.1:1/0",
        f"redis://default:{PASSWORD}@127.0.0.1:1/0",
        f"redis://127.0.0.1:1/0?password={PASSWORD}",
        f"unix:///tmp/nowhere.sock?password={PASSWORD}&db=0",
    ],
)
def test_redis_passwords_are_masked_in_every_spelling(url: str) -> None:
    assert PASSWORD not in mask_redis_url(url)
    with walt.UnifiedClient("redis", redis_url=url) as client:
        health = client.health()
    assert PASSWORD not in repr(health)
