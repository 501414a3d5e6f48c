"""A private event loop on a daemon thread, so sync code can run walt's coroutines.

It is what lets :class:`walt.UnifiedClient` work where an event loop is already
running (Jupyter, an async web framework calling sync code): the coroutine runs
on walt's own loop, never on the caller's. The loop and its thread are anyio's
blocking portal (:func:`anyio.from_thread.start_blocking_portal`), started on first
use; this module adds only walt's error for a call from inside that loop.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from walt.core.errors import WaltError

if TYPE_CHECKING:
    from anyio.from_thread import BlockingPortal

T = TypeVar("T")


def _named_thread(name: str) -> threading.Thread:
    thread = threading.current_thread()
    thread.name = name  # found by name in a thread dump
    return thread


async def _await(coro: Coroutine[Any, Any, T]) -> T:
    return await coro


class LoopPortal:
    """Runs coroutines on a private loop thread, started on first use."""

    def __init__(self, name: str = "walt-loop") -> None:
        self._name = name
        self._portal: BlockingPortal | None = None
        self._stack: contextlib.ExitStack | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _started(self) -> BlockingPortal:
        with self._lock:
            if self._portal is None:
                from anyio.from_thread import start_blocking_portal

                stack = contextlib.ExitStack()
                portal = stack.enter_context(start_blocking_portal("asyncio"))
                self._thread = portal.call(_named_thread, self._name)
                self._stack, self._portal = stack, portal
            return self._portal

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the private loop and wait for its result in this thread
        (``timeout`` seconds at most: then it is cancelled and ``TimeoutError`` raised)."""
        if self._thread is not None and threading.current_thread() is self._thread:
            coro.close()
            raise WaltError(
                "a walt sync client was called from inside its own event loop "
                "(from a progress callback?): use the AsyncClient there"
            )
        future = self._started().start_task_soon(_await, coro)
        try:
            result: T = future.result(timeout)
            return result
        except TimeoutError:
            future.cancel()
            raise
        except KeyboardInterrupt:
            future.cancel()
            raise

    def close(self) -> None:
        """Stop the loop (what still runs on it is cancelled) and its thread."""
        with self._lock:
            stack, portal = self._stack, self._portal
            self._stack = self._portal = self._thread = None
        if stack is None or portal is None:
            return
        with contextlib.suppress(Exception):  # the loop is being torn down regardless
            portal.call(portal.stop, True)
        with contextlib.suppress(Exception):
            stack.close()
