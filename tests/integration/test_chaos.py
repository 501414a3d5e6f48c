"""The queue under failure: workers SIGKILLed and restarted, Redis down for 3 s once (AOF on)
while clients submit (they ride it out themselves).

Reduced in the suite (60 jobs); ``nox -s chaos`` runs it at full size (500 jobs,
``--chaos-full``). Every job must reach exactly one final state, every caller
get its result, every result be correct; the counts are printed.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests import demo_tools as t
from tests.services import RedisServer, start_worker
from walt.backends.base import BackendConfig
from walt.backends.redis.queue import JobHandle, RedisQueueBackend
from walt.core.errors import WaltError
from walt.core.messages import ExecuteRequest
from walt.demo import PAGE_SIZE, DemoSite

pytestmark = [pytest.mark.redis, pytest.mark.chaos]

WORDS = [
    "everyday",
    "kettle",
    "teapot",
    "garden",
    "steel",
    "vintage",
    "solar",
    "compact",
    "mini",
    "pro",
    "travel",
    "bamboo",
    "folding",
    "classic",
    "deluxe",
    "electric",
]
SORTS = ["price_asc", "price_desc", "name", "newest"]


def test_chaos(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    full = bool(request.config.getoption("--chaos-full"))
    jobs = 500 if full else 60
    rate = 20.0 if full else 10.0  # submissions per second
    kill_every = 3.0 if full else 1.5
    asyncio.run(_chaos(jobs, rate, kill_every, tmp_path))


async def _chaos(jobs: int, rate: float, kill_every: float, tmp_path: Path) -> None:
    rng = random.Random(7)
    server = RedisServer(directory=str(tmp_path / "redis")).start()
    (tmp_path / "logs").mkdir()
    workers: list[subprocess.Popen[bytes]] = []
    counter = 0

    def spawn() -> None:
        nonlocal counter
        counter += 1
        workers.append(
            start_worker(
                server.url,
                queue="chaos",
                concurrency=2,
                lease=2.0,
                max_deliveries=6,
                log=tmp_path / "logs" / f"w{counter}.log",
            )
        )

    with DemoSite() as site:
        for _ in range(3):
            spawn()
        backend = RedisQueueBackend(BackendConfig(redis_url=server.url, queue="chaos"))
        tool = t.search_url_tool(site.url)
        slow = t.page_tool(site.url, "awkward/slow?ms=600")
        expected: dict[str, list[str]] = {}
        handles: dict[str, JobHandle] = {}
        kills = 0
        redis_restarts = 0
        done_submitting = asyncio.Event()

        async def submit_all() -> None:
            for index in range(jobs):
                if index % 4 == 3:
                    # A slower job: kills then land on running jobs, which must be reclaimed.
                    job_request = ExecuteRequest(tool=slow, timeout=30)
                    expected[job_request.request_id] = ["Answered after 600 ms."]
                else:
                    inputs = {"q": rng.choice(WORDS), "sort": rng.choice(SORTS)}
                    found = site.data.search_products(q=inputs["q"], sort=inputs["sort"])
                    job_request = ExecuteRequest(tool=tool, inputs=inputs, timeout=30)
                    expected[job_request.request_id] = [p.name for p in found[:PAGE_SIZE]]
                # No retry here: the client itself rides out the Redis outage.
                handles[job_request.request_id] = await backend.submit(
                    "execute", job_request, timeout=30
                )
                await asyncio.sleep(1 / rate)
                if index == jobs // 10:
                    await asyncio.sleep(1.0)  # let the first jobs start before the chaos
            done_submitting.set()

        async def chaos() -> None:
            nonlocal kills, redis_restarts
            started = time.monotonic()
            while not done_submitting.is_set() or time.monotonic() - started < 2 * kill_every:
                await asyncio.sleep(kill_every)
                alive = [w for w in workers if w.poll() is None]
                if alive:
                    victim = rng.choice(alive)
                    victim.kill()  # SIGKILL: mid-job, no acknowledgement
                    await asyncio.to_thread(victim.wait, 10)
                    kills += 1
                    spawn()
                if redis_restarts == 0 and kills >= 2:
                    # Down for a few seconds while clients keep submitting: ordinary operations.
                    await asyncio.to_thread(server.stop)
                    await asyncio.sleep(3.0)
                    await asyncio.to_thread(server.start)
                    redis_restarts += 1

        async def collect() -> dict[str, Any]:
            await done_submitting.wait()
            outcomes: dict[str, Any] = {}

            async def one(job_id: str, handle: JobHandle) -> None:
                try:
                    outcomes[job_id] = await handle.result(timeout=180)
                except WaltError as exc:
                    outcomes[job_id] = exc

            await asyncio.gather(*(one(j, h) for j, h in handles.items()))
            return outcomes

        try:
            submitting = asyncio.create_task(submit_all())
            chaos_task = asyncio.create_task(chaos())
            outcomes = await collect()
            await submitting
            await chaos_task
            redis = backend.redis
            states: dict[str, str] = {}
            attempts: dict[str, int] = {}
            done_tokens: dict[str, int] = {}
            for job_id in handles:
                states[job_id] = await redis.hget(backend.keys.job(job_id), "state")
                attempts[job_id] = int(await redis.hget(backend.keys.job(job_id), "attempt") or 0)
                done_tokens[job_id] = await redis.llen(backend.keys.done(job_id))
            stats = await backend.stats()
        finally:
            await backend.aclose()
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait(10)
            server.stop(graceful=False)

    completed = sum(1 for o in outcomes.values() if not isinstance(o, WaltError))
    dead = sum(1 for s in states.values() if s == "dead")
    retried = sum(1 for a in attempts.values() if a > 1)
    lost = jobs - len(outcomes)
    twice = sum(1 for n in backend.deliveries.values() if n > 1)

    def correct(job_id: str, outcome: Any) -> bool:
        if isinstance(outcome, WaltError) or not outcome.ok:
            return False
        if expected[job_id] == ["Answered after 600 ms."]:
            return "Answered after 600 ms." in outcome.data["main_text"]
        return [r["title"] for r in outcome.records] == expected[job_id]

    wrong = [job_id for job_id, outcome in outcomes.items() if not correct(job_id, outcome)]
    print(
        f"\nchaos: jobs={jobs} completed={completed} retried={retried} dead={dead} lost={lost} "
        f"delivered_twice={twice} wrong={len(wrong)} worker_kills={kills} "
        f"redis_restarts={redis_restarts}"
    )
    assert kills >= 2 and redis_restarts == 1
    assert lost == 0
    assert twice == 0
    assert all(n == 1 for n in done_tokens.values()), "a job was finished twice"
    assert set(states.values()) == {"done"}, states
    assert completed == jobs and not wrong
    assert stats.queued == 0 and stats.in_flight == 0
