"""The in-process backend: Playwright and the HTTP fast path in this process.

One browser per process and event loop is shared by every in-process backend
(reference counted, closed with the last one); each job gets a fresh context.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

from walt.backends.base import BackendConfig
from walt.core.errors import BrowserNotFoundError, ValidationError
from walt.core.messages import (
    DiscoverRequest,
    DiscoverResult,
    ExecuteRequest,
    ExecuteResult,
    GenerateRequest,
    GenerateResult,
    Health,
    ProgressCallback,
)
from walt.engine.browser import BrowserPool, find_browser
from walt.engine.executor import Executor
from walt.engine.http import HttpFetcher

__all__ = ["InProcessBackend", "shared_pool"]

_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, ...], list[Any]]] = (
    weakref.WeakKeyDictionary()
)


def shared_pool(browser_path: str | None, max_contexts: int) -> BrowserPool:
    """The process's browser pool for the running loop (created on first use)."""
    loop = asyncio.get_running_loop()
    pools = _POOLS.setdefault(loop, {})
    key = (browser_path, max_contexts)
    entry = pools.get(key)
    if entry is None:
        entry = pools[key] = [
            BrowserPool(executable_path=browser_path, max_contexts=max_contexts),
            0,
        ]
    entry[1] += 1
    pool: BrowserPool = entry[0]
    return pool


async def release_pool(pool: BrowserPool) -> None:
    for pools in list(_POOLS.values()):
        for key, entry in list(pools.items()):
            if entry[0] is pool:
                entry[1] -= 1
                if entry[1] <= 0:
                    del pools[key]
                    await pool.close()
                return
    await pool.close()


class InProcessBackend:
    """Runs tools (and discovery) in this process.

    Options (``backend_options=``): ``max_contexts`` (concurrent browser
    contexts, default 4), ``pool`` (a :class:`BrowserPool` to use instead of
    the shared one), ``dialogs`` (``dismiss``/``accept``), ``popups``
    (``close``/``keep``), ``reuse_contexts`` (default true: a job without auth state
    may get a context a finished job used, once it is reset to what a new context
    holds, see :mod:`walt.engine.session`; false: a new context for every job).
    """

    name = "inprocess"

    def __init__(self, config: BackendConfig | None = None) -> None:
        self.config = config or BackendConfig()
        options = self.config.options
        self._max_contexts = int(options.get("max_contexts", 4))
        self._reuse_contexts = options.get("reuse_contexts", True)
        if not isinstance(self._reuse_contexts, bool):
            raise ValidationError(
                f"backend option reuse_contexts must be true or false, got {self._reuse_contexts!r}"
            )
        self._own_pool: BrowserPool | None = options.get("pool")
        self._pool: BrowserPool | None = self._own_pool
        self._shared = False
        self.fetcher = HttpFetcher(self.config.policy)
        self._executor: Executor | None = None

    @classmethod
    def from_config(cls, config: BackendConfig) -> InProcessBackend:
        return cls(config)

    @property
    def pool(self) -> BrowserPool:
        if self._pool is None:
            self._pool = shared_pool(self.config.browser_path, self._max_contexts)
            self._shared = True
        return self._pool

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            options = self.config.options
            self._executor = Executor(
                pool=self.pool,
                fetcher=self.fetcher,
                policy=self.config.policy,
                prices=self.config.prices,
                llm=self.config.llm,
                dialogs=options.get("dialogs", "dismiss"),
                popups=options.get("popups", "close"),
                reuse_sessions=self._reuse_contexts,
            )
        return self._executor

    async def execute(self, request: ExecuteRequest) -> ExecuteResult:
        return await self.executor.execute(request, backend=self.name)

    async def discover(
        self, request: DiscoverRequest, *, progress: ProgressCallback | None = None
    ) -> DiscoverResult:
        from walt.engine.discovery import discover

        return await discover(self.executor, request, progress=progress, backend=self.name)

    async def generate(
        self, request: GenerateRequest, *, progress: ProgressCallback | None = None
    ) -> GenerateResult:
        from walt.engine.discovery import generate

        return await generate(self.executor, request, progress=progress, backend=self.name)

    async def health(self) -> Health:
        started = time.perf_counter()
        try:
            choice = find_browser(self.config.browser_path)
        except BrowserNotFoundError as exc:
            return Health(ok=False, backend=self.name, detail=exc.message)
        info: dict[str, Any] = {"browser": choice.path, "browser_source": choice.source}
        if self._pool is not None:
            stats = self._pool.stats
            info.update(active=stats.active, launches=stats.launches, contexts=stats.contexts)
        return Health(
            ok=True,
            backend=self.name,
            detail=f"browser {choice.path} ({choice.source})",
            latency_ms=(time.perf_counter() - started) * 1000,
            info=info,
        )

    async def aclose(self) -> None:
        if self._executor is not None:
            await self._executor.aclose()
        await self.fetcher.aclose()
        if self._pool is not None and self._shared:
            await release_pool(self._pool)
        self._pool = None
        self._executor = None
