"""Clients ride out a Redis outage: Redis stops for three seconds while forty clients
submit jobs through the queue; every client gets its result, none sees an error."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

import walt
from tests import demo_tools as t
from tests.services import RedisServer, start_worker
from walt.backends.base import BackendConfig
from walt.backends.redis.queue import RedisQueueBackend
from walt.core.errors import QueueError
from walt.core.messages import ExecuteRequest
from walt.demo import DemoSite

pytestmark = [pytest.mark.redis]

CLIENTS = 40


def test_forty_clients_ride_out_a_three_second_redis_outage(tmp_path: Path) -> None:
    asyncio.run(_outage(tmp_path))


async def _outage(tmp_path: Path) -> None:
    server = RedisServer(directory=str(tmp_path / "redis")).start()
    workers: list[subprocess.Popen[bytes]] = [
        start_worker(server.url, queue="outage", concurrency=4, log=tmp_path / f"w{i}.log")
        for i in range(2)
    ]
    try:
        with DemoSite() as site:
            tool = t.search_url_tool(site.url)

            async def client(index: int) -> walt.ExecuteResult:
                await asyncio.sleep(index * 0.1)  # arrivals spread over the outage
                backend = RedisQueueBackend(BackendConfig(redis_url=server.url, queue="outage"))
                try:
                    request = ExecuteRequest(tool=tool, inputs={"q": "kettle"}, timeout=30)
                    handle = await backend.submit("execute", request, timeout=30)
                    result: walt.ExecuteResult = await handle.result(timeout=90)
                    return result
                finally:
                    await backend.aclose()

            async def outage() -> None:
                await asyncio.sleep(0.5)
                await asyncio.to_thread(server.stop)
                await asyncio.sleep(3.0)
                await asyncio.to_thread(server.start)

            *results, _ = await asyncio.gather(
                *(client(i) for i in range(CLIENTS)), outage(), return_exceptions=True
            )
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
        server.stop(graceful=False)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures[:3]
    assert all(r.ok and r.records for r in results)  # type: ignore[union-attr]


def test_a_client_gives_up_after_its_outage_tolerance_with_a_typed_error(tmp_path: Path) -> None:
    async def main() -> None:
        backend = RedisQueueBackend(
            BackendConfig(redis_url="redis://127.0.0.1:1/0", options={"outage_tolerance": 1.0})
        )
        try:
            request = ExecuteRequest(tool=t.search_url_tool("http://127.0.0.1:1/"))
            with pytest.raises((QueueError, walt.BackendUnavailableError)):
                await backend.submit("execute", request, timeout=5)
        finally:
            await backend.aclose()

    asyncio.run(main())
