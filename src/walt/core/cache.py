"""A size-bounded LRU cache with a time-to-live per entry, safe from threads and asyncio.

:class:`TTLCache` wraps :class:`cachetools.TLRUCache` behind one lock, counts
hits, misses and evictions (an eviction is a removal for capacity or expiry;
``delete`` and overwrites are not evictions), and collapses concurrent misses
of one key into a single computation (*single flight*), whether the callers are
threads (:meth:`TTLCache.get_or_compute`) or coroutines
(:meth:`TTLCache.aget_or_compute`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Awaitable, Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

import attrs
import cachetools

__all__ = ["CacheStats", "TTLCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING: Any = object()


@attrs.frozen
class CacheStats:
    """A snapshot of a cache's counters."""

    size: int
    maxsize: int
    hits: int
    misses: int
    evictions: int
    expirations: int

    @property
    def hit_rate(self) -> float:
        """Hits over lookups (0.0 before the first lookup)."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


@attrs.frozen
class _Entry(Generic[V]):
    value: V
    ttl: float


class _CountingTLRU(cachetools.TLRUCache[Any, Any]):
    """TLRUCache that counts removals for capacity and for expiry."""

    def __init__(self, maxsize: int, timer: Callable[[], float]) -> None:
        super().__init__(maxsize, ttu=lambda _k, entry, now: now + entry.ttl, timer=timer)
        self.capacity_evictions = 0
        self.expirations = 0

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self.capacity_evictions += 1
        return item

    def expire(self, time: float | None = None) -> Any:
        expired = super().expire(time)
        self.expirations += len(expired)
        return expired


class TTLCache(Generic[K, V]):
    """An LRU cache of at most ``maxsize`` entries, each living ``ttl`` seconds by default.

    All methods may be called from any thread and from coroutines: the lock is
    never held across an ``await`` or while a value is being computed.
    """

    def __init__(
        self,
        maxsize: int = 500,
        ttl: float = 24 * 3600.0,
        *,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.default_ttl = ttl
        self._data = _CountingTLRU(maxsize, timer)
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._inflight: dict[K, concurrent.futures.Future[V]] = {}

    # ------------------------------------------------------------------ basic operations

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value under ``key``, or ``default``; counts a hit or a miss."""
        value = self._lookup(key)
        return default if value is _MISSING else value

    def set(self, key: K, value: V, ttl: float | None = None) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds (the default TTL when None)."""
        life = self.default_ttl if ttl is None else ttl
        if life <= 0:
            raise ValueError("ttl must be positive")
        with self._lock:
            self._data.expire()
            # An overwrite is not an eviction: remove first so TLRU does not count it.
            self._data.pop(key, None)
            self._data[key] = _Entry(value, life)

    def delete(self, key: K) -> bool:
        """Remove ``key``; True if it was present. Not counted as an eviction."""
        with self._lock:
            self._data.expire()
            return self._data.pop(key, _MISSING) is not _MISSING

    def clear(self) -> None:
        """Drop every entry (counters are kept)."""
        with self._lock:
            self._data.clear()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            self._data.expire()
            return len(self._data)

    def keys(self) -> Iterator[K]:
        with self._lock:
            self._data.expire()
            return iter(list(self._data.keys()))

    def stats(self) -> CacheStats:
        with self._lock:
            self._data.expire()
            return CacheStats(
                size=len(self._data),
                maxsize=int(self._data.maxsize),
                hits=self._hits,
                misses=self._misses,
                evictions=self._data.capacity_evictions + self._data.expirations,
                expirations=self._data.expirations,
            )

    # ------------------------------------------------------------------ single flight

    def get_or_compute(self, key: K, compute: Callable[[], V], ttl: float | None = None) -> V:
        """Return the cached value, or compute it once however many threads ask at once.

        An exception from ``compute`` reaches every waiter and nothing is cached.
        """
        while True:
            value = self._lookup(key)
            if value is not _MISSING:
                return value  # type: ignore[no-any-return]
            future, leader = self._claim(key)
            if not leader:
                try:
                    return future.result()
                except concurrent.futures.CancelledError:
                    continue  # the leader gave up; try again
            try:
                result = compute()
            except BaseException as exc:
                self._finish(key, future, exc=exc)
                raise
            self._finish(key, future, result=result, ttl=ttl)
            return result

    async def aget_or_compute(
        self, key: K, compute: Callable[[], Awaitable[V]], ttl: float | None = None
    ) -> V:
        """:meth:`get_or_compute` for coroutines: concurrent misses await one computation.

        If the computing task is cancelled, a waiting task takes over.
        """
        while True:
            value = self._lookup(key)
            if value is not _MISSING:
                return value  # type: ignore[no-any-return]
            future, leader = self._claim(key)
            if not leader:
                try:
                    return await asyncio.wrap_future(future)
                except asyncio.CancelledError:
                    if future.cancelled():
                        continue
                    raise
            try:
                result = await compute()
            except asyncio.CancelledError:
                self._finish(key, future, cancel=True)
                raise
            except BaseException as exc:
                self._finish(key, future, exc=exc)
                raise
            self._finish(key, future, result=result, ttl=ttl)
            return result

    # ------------------------------------------------------------------ internals

    def _lookup(self, key: K) -> Any:
        with self._lock:
            self._data.expire()
            entry = self._data.get(key, _MISSING)
            if entry is _MISSING:
                self._misses += 1
                return _MISSING
            self._hits += 1
            return entry.value

    def _claim(self, key: K) -> tuple[concurrent.futures.Future[V], bool]:
        with self._lock:
            future = self._inflight.get(key)
            if future is not None:
                return future, False
            future = concurrent.futures.Future()
            self._inflight[key] = future
            return future, True

    def _finish(
        self,
        key: K,
        future: concurrent.futures.Future[V],
        *,
        result: Any = _MISSING,
        exc: BaseException | None = None,
        cancel: bool = False,
        ttl: float | None = None,
    ) -> None:
        if result is not _MISSING:
            self.set(key, result, ttl)
        with self._lock:
            if self._inflight.get(key) is future:
                del self._inflight[key]
        if cancel:
            future.cancel()
        elif exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
