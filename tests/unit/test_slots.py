"""RankedSlots: a lower rank is served first, one rank first come first served, and
neither a newcomer nor a cancelled waiter takes a slot from a waiter."""

from __future__ import annotations

import asyncio

import pytest

from walt.engine.slots import RankedSlots


async def _hold(slots: RankedSlots, rank: int, name: str, log: list[str], hold: float) -> None:
    async with slots.hold(rank):
        log.append(name)
        await asyncio.sleep(hold)


def test_a_lower_rank_is_served_before_waiters_that_came_first() -> None:
    async def main() -> list[str]:
        slots = RankedSlots(1)
        log: list[str] = []
        first = asyncio.create_task(_hold(slots, 1, "first", log, 0.05))
        await asyncio.sleep(0)  # it holds the slot
        waiters = [
            asyncio.create_task(_hold(slots, 1, "visit-1", log, 0)),
            asyncio.create_task(_hold(slots, 1, "visit-2", log, 0)),
        ]
        await asyncio.sleep(0)
        waiters.append(asyncio.create_task(_hold(slots, 0, "try", log, 0)))
        await asyncio.gather(first, *waiters)
        return log

    assert asyncio.run(main()) == ["first", "try", "visit-1", "visit-2"]


def test_a_freed_slot_goes_to_the_waiter_not_to_a_newcomer() -> None:
    async def main() -> list[str]:
        slots = RankedSlots(1)
        log: list[str] = []
        async with slots.hold(0):
            waiter = asyncio.create_task(_hold(slots, 5, "waiter", log, 0))
            await asyncio.sleep(0)
        # Released: the waiter owns the slot though it has not run yet.
        assert slots.free == 0
        newcomer = asyncio.create_task(_hold(slots, 0, "newcomer", log, 0))
        await asyncio.gather(waiter, newcomer)
        assert slots.free == 1
        return log

    assert asyncio.run(main()) == ["waiter", "newcomer"]


def test_a_cancelled_waiter_gives_up_its_place_and_no_slot_is_lost() -> None:
    async def main() -> list[str]:
        slots = RankedSlots(2)
        log: list[str] = []
        holders = [asyncio.create_task(_hold(slots, 0, f"h{i}", log, 0.05)) for i in range(2)]
        await asyncio.sleep(0)
        gone = asyncio.create_task(_hold(slots, 0, "gone", log, 0))
        kept = asyncio.create_task(_hold(slots, 1, "kept", log, 0))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.gather(*holders, kept)
        with pytest.raises(asyncio.CancelledError):
            await gone
        assert slots.free == 2
        return log

    assert asyncio.run(main()) == ["h0", "h1", "kept"]


def test_a_waiter_cancelled_as_it_is_handed_a_slot_frees_it() -> None:
    async def main() -> int:
        slots = RankedSlots(1)
        async with slots.hold():
            waiter = asyncio.create_task(_hold(slots, 0, "w", [], 0))
            await asyncio.sleep(0)
        waiter.cancel()  # handed the slot in the release, cancelled before it ran
        with pytest.raises(asyncio.CancelledError):
            await waiter
        return slots.free

    assert asyncio.run(main()) == 1


def test_size_below_one_still_gives_one_slot() -> None:
    assert RankedSlots(0).free == 1
