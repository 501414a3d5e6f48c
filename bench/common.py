"""Timing helpers shared by the benchmarks: interleaved rounds, medians, ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from playwright.async_api import Page


@attrs.define
class Measurement:
    name: str
    samples_ms: list[float] = attrs.field(factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else float("nan")

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def interleaved(
    runs: dict[str, Callable[[], Awaitable[Any]]], *, rounds: int, warmup: int = 3
) -> dict[str, Measurement]:
    """Run each callable once per round, alternating, so noise hits all of them alike."""
    for _ in range(warmup):
        for fn in runs.values():
            await fn()
    results = {name: Measurement(name) for name in runs}
    for index in range(rounds):
        order = list(runs.items())
        if index % 2:
            order.reverse()
        for name, fn in order:
            started = time.perf_counter()
            await fn()
            results[name].samples_ms.append((time.perf_counter() - started) * 1000)
    return results


def row(name: str, walt_ms: float, base_ms: float, goal: str) -> dict[str, Any]:
    return {
        "benchmark": name,
        "walt_ms": round(walt_ms, 2),
        "baseline_ms": round(base_ms, 2),
        "ratio": round(walt_ms / base_ms, 3) if base_ms else None,
        "goal": goal,
    }


async def against_playwright(
    name: str,
    with_walt: Callable[[], Awaitable[Any]],
    hand_written: Callable[[Page], Awaitable[Any]],
    *,
    rounds: int,
    goal: str = "<= 1.2x",
) -> list[dict[str, Any]]:
    """Two rows: walt's run against the same steps written by hand in Playwright on one
    warm page of the same Chromium, and against those steps in a new context per run (the
    strictest isolation: no cache, no warm renderer, no cookies; walt gets the same
    isolation from a used context it resets, walt.engine.session), all three interleaved
    in this process (ratios walt / Playwright)."""
    from playwright.async_api import async_playwright

    from walt.engine.browser import find_browser, launch_args

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_browser().path, args=launch_args())
        try:
            page = await (await browser.new_context()).new_page()

            async def fresh() -> None:
                context = await browser.new_context()
                try:
                    await hand_written(await context.new_page())
                finally:
                    await context.close()

            runs = {"walt": with_walt, "playwright": lambda: hand_written(page), "fresh": fresh}
            m = await interleaved(runs, rounds=rounds)
        finally:
            await browser.close()
    return [
        row(name, m["walt"].median, m["playwright"].median, goal),
        row(
            name.replace("warm page", "fresh context per run").replace(
                "reused page", "fresh context per run"
            ),
            m["walt"].median,
            m["fresh"].median,
            goal,
        ),
    ]
