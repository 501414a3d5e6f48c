"""Queue benchmark: walt's Redis queue vs rq on the same redis-server, same number of workers.

Two phases per system, in the same run:
* latency: 200 no-op jobs one at a time, enqueue-to-result as the caller sees it;
* throughput: 2000 no-op jobs submitted at once, jobs per second until the last result.
walt runs ``ping`` jobs (its no-op round trip); rq runs ``bench.rq_jobs.noop`` with
SimpleWorker (no fork per job, its fastest worker).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.services import RedisServer, start_worker

from walt.backends.base import BackendConfig
from walt.backends.redis_queue import RedisQueueBackend

WORKERS = 2
ROOT = Path(__file__).resolve().parent.parent


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _walt(url: str, sequential: int, bulk: int) -> dict[str, Any]:
    workers = [start_worker(url, queue="bench", concurrency=16) for _ in range(WORKERS)]
    backend = RedisQueueBackend(BackendConfig(redis_url=url, queue="bench"))
    try:
        for _ in range(100):
            if (await backend.health()).workers == WORKERS:
                break
            await asyncio.sleep(0.1)
        for _ in range(50):
            await backend.ping()
        latencies = [await backend.ping() for _ in range(sequential)]
        slots = asyncio.Semaphore(256)

        async def one() -> None:
            async with slots:
                handle = await backend.submit("ping", None, timeout=60)
                await handle.result(60)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(bulk)))
        elapsed = time.perf_counter() - started
    finally:
        await backend.aclose()
        for worker in workers:
            worker.terminate()
            worker.wait(20)
    return _summary(latencies, bulk, elapsed)


def _summary(latencies: list[float], bulk: int, elapsed: float) -> dict[str, Any]:
    return {
        "p50_ms": statistics.median(latencies),
        "p95_ms": _pct(latencies, 0.95),
        "jobs_per_s": bulk / elapsed,
    }


def _rq(url: str, sequential: int, bulk: int) -> dict[str, Any]:
    from redis import Redis
    from rq import Queue

    from bench.rq_jobs import noop

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rq.cli",
                "worker",
                "--url",
                url,
                "-w",
                "rq.worker.SimpleWorker",
                "--quiet",
                "rqbench",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    try:
        connection = Redis.from_url(url)
        queue = Queue("rqbench", connection=connection)
        time.sleep(2.0)
        for _ in range(50):
            queue.enqueue(noop).latest_result(timeout=10)
        latencies = []
        for _ in range(sequential):
            started = time.perf_counter()
            job = queue.enqueue(noop)
            result = job.latest_result(timeout=10)
            latencies.append((time.perf_counter() - started) * 1000)
            assert result is not None
        started = time.perf_counter()
        jobs = [queue.enqueue(noop) for _ in range(bulk)]
        for job in jobs:
            assert job.latest_result(timeout=60) is not None
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(20)
    return _summary(latencies, bulk, elapsed)


async def bench_queue(rounds: int, sequential: int = 200, bulk: int = 2000) -> list[dict[str, Any]]:
    server = RedisServer(aof=False).start()
    try:
        walt_figures = await _walt(server.url, sequential, bulk)
        rq_figures = await asyncio.to_thread(_rq, server.url, sequential, bulk)
    finally:
        server.stop(graceful=False)
    return [
        {
            "benchmark": f"queue throughput, {WORKERS} workers, {bulk} no-op jobs",
            "walt_jobs_per_s": round(walt_figures["jobs_per_s"], 1),
            "rq_jobs_per_s": round(rq_figures["jobs_per_s"], 1),
            "ratio": round(walt_figures["jobs_per_s"] / rq_figures["jobs_per_s"], 2),
            "goal": "walt >= rq",
        },
        {
            "benchmark": f"enqueue-to-result latency, one job at a time ({sequential} jobs)",
            "walt_p50_ms": round(walt_figures["p50_ms"], 2),
            "walt_p95_ms": round(walt_figures["p95_ms"], 2),
            "rq_p50_ms": round(rq_figures["p50_ms"], 2),
            "rq_p95_ms": round(rq_figures["p95_ms"], 2),
            "goal": "walt p50 < 2 ms",
        },
    ]
