"""A fixed number of slots shared by work of different ranks.

:class:`asyncio.Semaphore` serves waiters first come, first served. The crawl's render
slots are wanted both by page visits and by tries of a page's controls; a try started
in a page already drawn is worth more than a new page, so it must not wait behind every
visit queued before it. :class:`RankedSlots` serves the waiter of the lowest rank first,
and waiters of one rank in the order they came.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator

__all__ = ["RankedSlots"]


class RankedSlots:
    """``size`` slots (at least 1): :meth:`hold` waits for one, ranked (see the module
    docstring). A freed slot passes straight to the next waiter, so a newcomer never
    takes it ahead of one that was waiting."""

    def __init__(self, size: int) -> None:
        self._free = max(1, size)
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def free(self) -> int:
        """Slots nobody holds (a freed slot a waiter was handed counts as held)."""
        return self._free

    @contextlib.asynccontextmanager
    async def hold(self, rank: int = 0) -> AsyncIterator[None]:
        """Hold a slot for the ``async with`` block; waiters of a lower ``rank`` get one
        first. Cancelling a waiter gives up its place (and the slot, if it was just
        handed one)."""
        await self._acquire(rank)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, rank: int) -> None:
        if self._free > 0 and not self._pending():
            self._free -= 1
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (rank, next(self._order), granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._release()  # handed a slot in the same moment it was cancelled
            raise

    def _pending(self) -> bool:
        return any(not granted.done() for _, _, granted in self._waiters)

    def _release(self) -> None:
        while self._waiters:
            _, _, granted = heapq.heappop(self._waiters)
            if not granted.done():  # a cancelled waiter is skipped
                granted.set_result(None)
                return
        self._free += 1
