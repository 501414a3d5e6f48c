from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import walt
from tests.services import RedisServer, start_worker
from walt.demo import DemoSite

LOOPBACK_ONLY_HOST = "127.0.0.1/32"
"""Allows every port of 127.0.0.1 (demo sites, test servers) and nothing else: 127.0.0.2 and
169.254.169.254 stay blocked, which the SSRF tests rely on."""


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    with DemoSite() as site:
        yield site


@pytest.fixture
def fresh_site() -> Iterator[DemoSite]:
    """A demo site of its own, for tests that write."""
    with DemoSite() as site:
        yield site


@pytest.fixture(scope="session")
def client() -> Iterator[walt.UnifiedClient]:
    with walt.UnifiedClient("inprocess", allow_hosts=[LOOPBACK_ONLY_HOST], cache=False) as c:
        yield c


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop(graceful=False)


@pytest.fixture
def queue() -> str:
    """A queue name of the test's own on the shared redis-server."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def worker(
    redis_server: RedisServer, queue: str, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``walt worker`` on the test's queue (killed afterwards if still running)."""
    process = start_worker(redis_server.url, queue=queue, log=tmp_path / "worker.log")
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(10)
