from __future__ import annotations

import asyncio
import threading
import time

import pytest

from walt.core.cache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lru_capacity_evictions_are_counted() -> None:
    cache: TTLCache[str, int] = TTLCache(2, 60)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1  # a is now most recent
    cache.set("c", 3)  # evicts b
    assert cache.get("b") is None
    assert cache.get("a") == 1 and cache.get("c") == 3
    stats = cache.stats()
    assert stats.evictions == 1
    assert stats.size == 2
    assert stats.hits == 3 and stats.misses == 1
    assert stats.hit_rate == pytest.approx(0.75)


def test_deletes_and_overwrites_are_not_evictions() -> None:
    cache: TTLCache[str, int] = TTLCache(2, 60)
    cache.set("a", 1)
    cache.set("a", 2)
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    cache.set("b", 1)
    cache.clear()
    assert cache.stats().evictions == 0


def test_per_entry_ttl_and_expiry_counted() -> None:
    clock = Clock()
    cache: TTLCache[str, str] = TTLCache(10, 100, timer=clock)
    cache.set("short", "x", ttl=5)
    cache.set("long", "y")
    clock.now = 6
    assert cache.get("short") is None
    assert cache.get("long") == "y"
    stats = cache.stats()
    assert stats.expirations == 1 and stats.evictions == 1
    clock.now = 101
    assert len(cache) == 0
    assert cache.stats().evictions == 2


def test_invalid_settings() -> None:
    with pytest.raises(ValueError):
        TTLCache(0, 1)
    with pytest.raises(ValueError):
        TTLCache(1, 0)
    with pytest.raises(ValueError):
        TTLCache(1, 1).set("a", 1, ttl=-1)


def test_single_flight_across_threads() -> None:
    cache: TTLCache[str, int] = TTLCache(10, 60)
    calls = 0
    gate = threading.Event()

    def compute() -> int:
        nonlocal calls
        calls += 1
        gate.wait(2)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    time.sleep(0.1)
    gate.set()
    for t in threads:
        t.join(5)
    assert results == [42] * 8
    assert calls == 1


def test_failed_computation_reaches_every_waiter_and_is_not_cached() -> None:
    cache: TTLCache[str, int] = TTLCache(10, 60)

    def boom() -> int:
        raise RuntimeError("nope")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", boom)
    assert cache.get_or_compute("k", lambda: 5) == 5


async def test_single_flight_across_coroutines() -> None:
    cache: TTLCache[str, int] = TTLCache(10, 60)
    calls = 0

    async def compute() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return 7

    results = await asyncio.gather(*(cache.aget_or_compute("k", compute) for _ in range(20)))
    assert results == [7] * 20
    assert calls == 1
    assert cache.stats().size == 1


async def test_async_errors_are_shared_and_not_cached() -> None:
    cache: TTLCache[str, int] = TTLCache(10, 60)

    async def boom() -> int:
        await asyncio.sleep(0.01)
        raise ValueError("bad")

    outcomes = await asyncio.gather(
        *(cache.aget_or_compute("k", boom) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(o, ValueError) for o in outcomes)
    assert "k" not in cache


async def test_cancelled_leader_hands_over_to_a_waiter() -> None:
    cache: TTLCache[str, int] = TTLCache(10, 60)
    started = asyncio.Event()
    calls = 0

    async def slow() -> int:
        nonlocal calls
        calls += 1
        started.set()
        await asyncio.sleep(0.2)
        return calls

    leader = asyncio.create_task(cache.aget_or_compute("k", slow))
    await started.wait()
    follower = asyncio.create_task(cache.aget_or_compute("k", slow))
    await asyncio.sleep(0.01)
    leader.cancel()
    assert await follower == 2
    assert calls == 2


async def test_sync_and_async_callers_share_one_flight() -> None:
    cache: TTLCache[str, int] = TTLCache(10, 60)
    calls = 0

    async def compute() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        return 3

    task = asyncio.create_task(cache.aget_or_compute("k", compute))
    await asyncio.sleep(0.01)
    value = await asyncio.to_thread(cache.get_or_compute, "k", lambda: 99)
    assert value == 3 and await task == 3
    assert calls == 1
