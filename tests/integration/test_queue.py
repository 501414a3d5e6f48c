"""The Redis queue against a real redis-server and real ``walt worker`` processes."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import walt
from tests import demo_tools as t
from tests.services import RedisServer, start_worker
from walt.backends.base import BackendConfig
from walt.backends.redis.queue import RedisQueueBackend
from walt.core.errors import (
    BackendUnavailableError,
    DeadLetterError,
    ExecutionError,
    JobCancelledError,
    LLMRequiredError,
    QueueError,
    WaltTimeoutError,
)
from walt.core.messages import ExecuteRequest
from walt.core.models import AgentStep, NavigationStep, Tool
from walt.demo import PAGE_SIZE, DemoSite

pytestmark = [pytest.mark.redis, pytest.mark.browser]


def client_for(redis_server: RedisServer, queue: str, **kwargs: Any) -> walt.UnifiedClient:
    return walt.UnifiedClient(
        "redis", redis_url=redis_server.url, queue=queue, allow_hosts=["127.0.0.1/32"], **kwargs
    )


def wait_for_worker(redis_server: RedisServer, queue: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    with client_for(redis_server, queue) as client:
        while time.monotonic() < deadline:
            client.async_client._health.clear()
            if client.health().ok:
                return
            time.sleep(0.2)
    raise AssertionError("no worker came up")


def backend(redis_server: RedisServer, queue: str) -> RedisQueueBackend:
    return RedisQueueBackend(BackendConfig(redis_url=redis_server.url, queue=queue))


def test_every_job_kind_through_the_queue(
    redis_server: RedisServer, queue: str, worker: Any, demo_site: DemoSite
) -> None:
    wait_for_worker(redis_server, queue)
    with client_for(redis_server, queue) as client:
        result = client.execute(t.search_url_tool(demo_site.url), {"q": "everyday", "sort": "name"})
        assert result.ok and result.backend == "inprocess"  # ran by the worker's engine
        expected = demo_site.data.search_products(q="everyday", sort="name")[:PAGE_SIZE]
        assert [r["title"] for r in result.records] == [p.name for p in expected]
        form = client.execute(t.search_form_tool(demo_site.url), {"q": "teapot"})
        assert form.path == "browser" and [r["title"] for r in form.records] == ["Solar Teapot"]
        events: list[walt.ProgressEvent] = []
        found = client.discover(demo_site.url, max_tools=50, max_pages=30, progress=events.append)
        assert {"search_products", "sort_products"} <= {tool.name for tool in found.tools}
        phases = [e.phase for e in events]  # the worker's progress reached this caller
        assert phases[0] == "start" and phases[-1] == "done"
        assert "crawl" in phases and "validate" in phases
        assert max(e.pages_seen for e in events) >= 10
        generated = client.generate(demo_site.url, "sort products by price")
        assert generated.tool.name == "sort_products"
        health = client.health()
        assert health.ok and health.workers == 1


def test_failures_come_back_typed(
    redis_server: RedisServer, queue: str, worker: Any, demo_site: DemoSite
) -> None:
    wait_for_worker(redis_server, queue)
    with client_for(redis_server, queue) as client:
        failing = Tool(
            name="missing",
            steps=(
                NavigationStep(url=demo_site.url),
                walt.core.models.ClickStep(css_selector="#nope", timeout=1),
            ),
        )
        result = client.execute(failing)
        assert not result.ok and isinstance(result.error, ExecutionError)
        assert result.error.step == 1
        needs_llm = Tool(
            name="agentic", steps=(NavigationStep(url=demo_site.url), AgentStep(task="x"))
        )
        with pytest.raises(LLMRequiredError, match="this tool needs an LLM"):
            client.execute(needs_llm)


async def test_malformed_jobs_are_answered_not_dropped(
    redis_server: RedisServer, queue: str, worker: Any
) -> None:
    queue_backend = backend(redis_server, queue)
    try:
        keys = queue_backend.keys
        redis = queue_backend.redis
        await redis.hset(keys.job("bad1"), mapping={"state": "queued", "kind": "execute"})
        await redis.xadd(keys.stream, {"id": "bad1", "envelope": "{not json"})
        await redis.xadd(keys.stream, {"garbage": "no id at all"})
        handle = walt.backends.redis.queue.JobHandle(
            queue_backend, "bad1", "execute", existing=True
        )
        started = time.monotonic()
        with pytest.raises(QueueError, match="malformed job"):
            await handle.result(timeout=20)
        assert time.monotonic() - started < 15
        for _ in range(50):
            if await redis.xlen(keys.dead):
                break
            await asyncio.sleep(0.1)
        dead = await queue_backend.dead_letters()
        assert dead and dead[0]["garbage"] == "no id at all" and "malformed" in dead[0]["reason"]
    finally:
        await queue_backend.aclose()


async def test_client_timeout_then_resubmission_attaches_instead_of_rerunning(
    redis_server: RedisServer, queue: str, worker: Any, demo_site: DemoSite
) -> None:
    queue_backend = backend(redis_server, queue)
    try:
        slow = t.page_tool(demo_site.url, "awkward/slow?ms=2500")
        request = ExecuteRequest(tool=slow, timeout=20)
        handle = await queue_backend.submit("execute", request, timeout=20)
        with pytest.raises(WaltTimeoutError, match="may still run"):
            await handle.result(timeout=0.5)
        again = await queue_backend.submit("execute", request, timeout=20)  # same request_id
        assert again.existing and again.id == handle.id
        result = await again.result(timeout=30)
        assert result.ok
        slow_hits = [r for r in demo_site.requests if "awkward/slow?ms=2500" in r]
        assert len(slow_hits) == 1  # ran once
        status = await handle.status()
        assert status.state == "done" and status.attempt == 1
    finally:
        await queue_backend.aclose()


async def test_cancel_a_queued_job(
    redis_server: RedisServer, queue: str, demo_site: DemoSite
) -> None:
    queue_backend = backend(redis_server, queue)  # no worker on this queue
    try:
        handle = await queue_backend.submit(
            "execute", ExecuteRequest(tool=t.search_url_tool(demo_site.url))
        )
        assert (await handle.status()).state == "queued"
        assert await handle.cancel() is True
        with pytest.raises(JobCancelledError):
            await handle.result(timeout=5)
        stats = await queue_backend.stats()
        assert stats.counters["cancelled"] == 1
        health = await queue_backend.health()
        assert not health.ok and "no live worker" in health.detail
    finally:
        await queue_backend.aclose()


def test_sigterm_finishes_and_acknowledges_the_running_job(
    redis_server: RedisServer, queue: str, demo_site: DemoSite, tmp_path: Path
) -> None:
    process = start_worker(redis_server.url, queue=queue, log=tmp_path / "w.log")
    try:
        wait_for_worker(redis_server, queue)

        async def scenario() -> None:
            queue_backend = backend(redis_server, queue)
            try:
                handle = await queue_backend.submit(
                    "execute",
                    ExecuteRequest(tool=t.page_tool(demo_site.url, "awkward/slow?ms=2000")),
                )
                for _ in range(100):
                    if (await handle.status()).state == "running":
                        break
                    await asyncio.sleep(0.05)
                process.send_signal(signal.SIGTERM)
                result = await handle.result(timeout=30)
                assert result.ok
                stats = await queue_backend.stats()
                assert stats.in_flight == 0 and stats.queued == 0
            finally:
                await queue_backend.aclose()

        asyncio.run(scenario())
        assert process.wait(30) == 0
        assert "stopped after 1 jobs" in (tmp_path / "w.log").read_text()
    finally:
        if process.poll() is None:
            process.kill()


def test_second_signal_aborts_and_another_worker_reclaims(
    redis_server: RedisServer, queue: str, demo_site: DemoSite, tmp_path: Path
) -> None:
    first = start_worker(redis_server.url, queue=queue, lease=2.0, log=tmp_path / "a.log")
    second = None
    try:
        wait_for_worker(redis_server, queue)

        async def scenario() -> None:
            nonlocal second
            queue_backend = backend(redis_server, queue)
            try:
                handle = await queue_backend.submit(
                    "execute",
                    ExecuteRequest(tool=t.page_tool(demo_site.url, "awkward/slow?ms=4000")),
                )
                for _ in range(100):
                    if (await handle.status()).state == "running":
                        break
                    await asyncio.sleep(0.05)
                first.send_signal(signal.SIGTERM)
                await asyncio.sleep(0.3)
                first.send_signal(signal.SIGTERM)
                assert await asyncio.to_thread(first.wait, 20) == 0
                assert (await handle.status()).state == "running"  # not acknowledged
                second = start_worker(
                    redis_server.url, queue=queue, lease=2.0, log=tmp_path / "b.log"
                )
                result = await handle.result(timeout=40)
                assert result.ok
                status = await handle.status()
                assert status.attempt == 2 and status.worker != handle.id
            finally:
                await queue_backend.aclose()

        asyncio.run(scenario())
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()


def test_dead_letters_after_max_deliveries_and_requeue(
    redis_server: RedisServer, queue: str, demo_site: DemoSite, tmp_path: Path
) -> None:
    first = start_worker(
        redis_server.url, queue=queue, lease=1.5, max_deliveries=1, log=tmp_path / "a.log"
    )
    second = None
    try:
        wait_for_worker(redis_server, queue)

        async def scenario() -> str:
            nonlocal second
            queue_backend = backend(redis_server, queue)
            try:
                handle = await queue_backend.submit(
                    "execute",
                    ExecuteRequest(tool=t.page_tool(demo_site.url, "awkward/slow?ms=3000")),
                )
                for _ in range(100):
                    if (await handle.status()).state == "running":
                        break
                    await asyncio.sleep(0.05)
                first.kill()  # SIGKILL: no goodbye, no acknowledgement
                first.wait(10)
                second = start_worker(
                    redis_server.url,
                    queue=queue,
                    lease=1.5,
                    max_deliveries=1,
                    log=tmp_path / "b.log",
                )
                with pytest.raises(DeadLetterError, match="failed on all 1 deliveries"):
                    await handle.result(timeout=40)
                stats = await queue_backend.stats()
                assert stats.dead == 1 and stats.counters["dead"] == 1
                return handle.id
            finally:
                await queue_backend.aclose()

        job_id = asyncio.run(scenario())
        status = subprocess.run(
            [
                sys.executable,
                "-m",
                "walt",
                "status",
                "--redis",
                redis_server.url,
                "--queue",
                queue,
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        figures = json.loads(status.stdout)
        assert figures["dead"] == 1 and figures["counters"]["dead"] == 1
        assert [w["alive"] for w in figures["workers"]].count(True) == 1
        requeued = subprocess.run(
            [
                sys.executable,
                "-m",
                "walt",
                "requeue-dead",
                "--redis",
                redis_server.url,
                "--queue",
                queue,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "requeued 1" in requeued.stdout

        async def after() -> None:
            queue_backend = backend(redis_server, queue)
            try:
                handle = walt.backends.redis.queue.JobHandle(
                    queue_backend, job_id, "execute", existing=True
                )
                assert (await handle.result(timeout=40)).ok
            finally:
                await queue_backend.aclose()

        asyncio.run(after())
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()


def test_redis_down(demo_site: DemoSite, caplog: pytest.LogCaptureFixture) -> None:
    dead_url = "redis://127.0.0.1:1/0"
    with walt.UnifiedClient(
        "redis", redis_url=dead_url, allow_hosts=["127.0.0.1/32"], retries=0
    ) as c:
        with pytest.raises(BackendUnavailableError):
            c.execute(t.search_url_tool(demo_site.url), {"q": "tea"})
    with caplog.at_level(logging.WARNING, logger="walt"):
        with walt.UnifiedClient(
            allow_hosts=["127.0.0.1/32"], environ={"WALT_REDIS_URL": dead_url}
        ) as c:
            result = c.execute(t.search_url_tool(demo_site.url), {"q": "tea"})
    assert result.ok and result.backend == "inprocess"
    assert any(
        "backend redis is unavailable" in r.getMessage() and "inprocess" in r.getMessage()
        for r in caplog.records
    )


def test_auto_mode_uses_redis_when_configured_and_healthy(
    redis_server: RedisServer, queue: str, worker: Any, demo_site: DemoSite
) -> None:
    wait_for_worker(redis_server, queue)
    env = {"WALT_REDIS_URL": redis_server.url, "WALT_QUEUE": queue}
    with walt.UnifiedClient(allow_hosts=["127.0.0.1/32"], environ=env) as client:
        result = client.execute(t.search_url_tool(demo_site.url), {"q": "kettle"})
        assert result.ok
        assert client.costs.summary("backend").keys() == {"redis"}


async def test_tool_store_in_redis(redis_server: RedisServer, queue: str) -> None:
    from walt.backends.redis.store import RedisToolStore

    store = RedisToolStore(redis_server.url, namespace=queue)
    try:
        tool = Tool(name="search_x", steps=(NavigationStep(url="https://x.example/"),))
        await store.put(tool)
        assert [x.name for x in await store.list()] == ["search_x"]
        assert await store.get("search_x") == tool
        await asyncio.gather(
            *(
                store.record_run("search_x", ok=i % 5 != 0, elapsed_ms=float(i), cost=0.001)
                for i in range(200)
            )
        )
        stats = await store.stats("search_x")
        assert stats.runs == 200 and stats.failures == 40 and stats.successes == 160
        assert stats.mean_ms == pytest.approx(99.5)
        assert stats.total_cost == pytest.approx(0.2)
        assert stats.p95_ms >= 180
        assert await store.delete("search_x") is True
    finally:
        await store.aclose()


def test_discovered_tools_are_shared_through_the_store(
    redis_server: RedisServer, queue: str, demo_site: DemoSite, tmp_path: Path
) -> None:
    process = start_worker(
        redis_server.url, queue=queue, extra=("--save-discovered",), log=tmp_path / "w.log"
    )
    try:
        wait_for_worker(redis_server, queue)
        with client_for(redis_server, queue) as producer:
            producer.discover(demo_site.url, max_tools=50, max_pages=30)
        with client_for(redis_server, queue, store="redis") as consumer:
            names = {tool.name for tool in consumer.list_tools()}
            assert {"search_products", "sort_products"} <= names
            result = consumer.execute("sort_products", {"sort": "price_asc"})
            assert result.ok
            stats = asyncio.run(_stats(redis_server.url, queue))
            assert stats.runs == 1 and stats.successes == 1
    finally:
        process.kill()
        process.wait(10)


async def _stats(url: str, queue: str) -> Any:
    from walt.backends.redis.store import RedisToolStore

    store = RedisToolStore(url, namespace=queue)
    try:
        return await store.stats("sort_products")
    finally:
        await store.aclose()
