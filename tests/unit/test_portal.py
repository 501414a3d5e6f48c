"""The sync client's private loop: works under a running loop, refuses a call from
inside itself, bounds a call's time, and stops its thread when closed."""

from __future__ import annotations

import asyncio
import threading

import pytest

from walt._portal import LoopPortal
from walt.core.errors import WaltError


def test_a_coroutine_runs_on_the_private_loop_even_under_a_running_loop() -> None:
    portal = LoopPortal()

    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    async def caller() -> str:  # as in Jupyter: a loop already runs in this thread
        return portal.run(where())

    try:
        assert asyncio.run(caller()) == "walt-loop"
        thread = portal._thread
    finally:
        portal.close()
    assert thread is not None and not thread.is_alive()


def test_a_call_from_inside_the_loop_is_refused() -> None:
    portal = LoopPortal()

    async def reenter() -> None:
        async def nothing() -> None:
            return None

        portal.run(nothing())

    try:
        with pytest.raises(WaltError, match="inside its own event loop"):
            portal.run(reenter())
    finally:
        portal.close()


def test_a_call_past_its_timeout_is_cancelled() -> None:
    portal = LoopPortal()
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    try:
        with pytest.raises(TimeoutError):
            portal.run(forever(), timeout=0.2)
        assert cancelled.wait(5)
        assert portal.run(asyncio.sleep(0, "still usable")) == "still usable"
    finally:
        portal.close()


def test_a_client_left_open_does_not_hold_the_interpreter_at_exit() -> None:
    import subprocess
    import sys

    code = (
        "import asyncio\n"
        "from walt._portal import LoopPortal\n"
        "p = LoopPortal()\n"
        "print(p.run(asyncio.sleep(0, 'ran')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "ran"
