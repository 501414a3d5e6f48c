"""Finding Chromium and keeping one browser per process, shared by every job.

:func:`find_browser` looks, in order, at an explicit setting or
``WALT_BROWSER_PATH``, a Playwright-managed Chromium, then the system's
Chromium; with none it raises :class:`BrowserNotFoundError` saying exactly
what to install.

:class:`BrowserPool` starts the browser lazily, gives each job a fresh context
(no cookies leak between jobs) behind its own guard proxy, bounds the number of
concurrent contexts, restarts the browser if it crashed, and shuts it down
after an idle period.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from walt.core.errors import BackendUnavailableError, BrowserNotFoundError, translate
from walt.core.logging import get_logger
from walt.engine.effects import DOM_CLOCK_SCRIPT

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Playwright

__all__ = [
    "INSTALL_HINT",
    "BrowserChoice",
    "BrowserPool",
    "find_browser",
    "launch_args",
    "render_slots",
]

log = get_logger(__name__)

SYSTEM_BROWSERS: Final = (
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/lib/chromium/chromium",
)
PATH_BROWSERS: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LAUNCH_ARGS: Final = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--disable-quic",
    "--metrics-recording-only",
    "--mute-audio",
)
INSTALL_HINT: Final = (
    "walt found no Chromium. Install one of:\n"
    "  - Debian/Ubuntu: sudo apt-get install chromium-headless-shell   (or: chromium)\n"
    "  - anywhere with internet: pip install playwright && playwright install chromium\n"
    "or point walt at a Chromium/Chrome executable: WALT_BROWSER_PATH=/path/to/chrome "
    "(or browser_path=...)."
)


def render_slots() -> int:
    """Pages worth drawing at once: one per core. A browser lays out and runs a page's
    scripts on the machine's cores, so more pages at once make each slower, not the
    work sooner (a single-page application's page costs seconds of CPU)."""
    try:
        cores = len(os.sched_getaffinity(0))  # the cores this process may run on
    except AttributeError:  # not on this platform
        cores = os.cpu_count() or 1
    return max(1, cores)


def launch_args(extra: Sequence[str] = ()) -> list[str]:
    """The command line walt starts Chromium with, plus ``extra``."""
    args = [*LAUNCH_ARGS, *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox as root
    return args


@attrs.frozen
class BrowserChoice:
    """The browser to launch; ``path`` None means Playwright's own default."""

    path: str | None
    source: str


def _playwright_managed() -> str | None:
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(
        Path.home() / ".cache" / "ms-playwright"
    )
    if root == "0":
        return None
    patterns = (
        "chromium_headless_shell-*/chrome-*/headless_shell",
        "chromium_headless_shell-*/chrome-*/chrome-headless-shell",
        "chromium-*/chrome-linux*/chrome",
        "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium",
    )
    for pattern in patterns:
        found = sorted(glob.glob(os.path.join(root, pattern)), reverse=True)
        for path in found:
            if os.access(path, os.X_OK):
                return path
    return None


def find_browser(explicit: str | None = None) -> BrowserChoice:
    """The Chromium walt will use (see the module docstring for the order)."""
    configured = explicit or os.environ.get("WALT_BROWSER_PATH")
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return BrowserChoice(configured, "setting" if explicit else "WALT_BROWSER_PATH")
        raise BrowserNotFoundError(
            f"the configured browser {configured!r} does not exist or is not executable.\n"
            + INSTALL_HINT,
            details={"path": configured},
        )
    managed = _playwright_managed()
    if managed:
        return BrowserChoice(managed, "playwright")
    for path in SYSTEM_BROWSERS:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return BrowserChoice(path, "system")
    for name in PATH_BROWSERS:
        found = shutil.which(name)
        if found:
            return BrowserChoice(found, "system")
    raise BrowserNotFoundError(INSTALL_HINT)


@attrs.define
class PoolStats:
    launches: int = 0
    contexts: int = 0
    active: int = 0
    peak_active: int = 0
    crashes: int = 0


class BrowserPool:
    """One browser per process (per event loop), contexts handed out one per job.

    ``max_contexts`` bounds concurrent jobs (others wait); ``idle_timeout``
    closes the browser when no job has used it for that long.
    """

    def __init__(
        self,
        *,
        executable_path: str | None = None,
        max_contexts: int = 4,
        idle_timeout: float = 300.0,
        launch_timeout: float = 30.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        if max_contexts < 1:
            raise ValueError("max_contexts must be at least 1")
        self._explicit_path = executable_path
        self._limit = asyncio.Semaphore(max_contexts)
        self.max_contexts = max_contexts
        self.idle_timeout = idle_timeout
        self._launch_timeout = launch_timeout
        self._extra_args = extra_args
        self._lock = asyncio.Lock()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._idle_task: asyncio.Task[None] | None = None
        self._last_used = time.monotonic()
        self._closed = False
        self.stats = PoolStats()
        self.choice: BrowserChoice | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def _ensure_browser(self) -> Browser:
        async with self._lock:
            if self._closed:
                raise BackendUnavailableError("the browser pool is closed", retryable=False)
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self._browser is not None:
                self.stats.crashes += 1
                log.warning("the browser disconnected; starting a new one")
                self._browser = None
            self.choice = self.choice or find_browser(self._explicit_path)
            if self._playwright is None:
                from playwright.async_api import async_playwright

                try:
                    self._playwright = await async_playwright().start()
                except Exception as exc:
                    raise translate(
                        exc, BackendUnavailableError, "cannot start Playwright"
                    ) from exc
            args = launch_args(self._extra_args)
            started = time.perf_counter()
            try:
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self.choice.path,
                    headless=True,
                    args=args,
                    timeout=self._launch_timeout * 1000,
                )
            except Exception as exc:
                raise BackendUnavailableError(
                    f"cannot launch Chromium at {self.choice.path or 'the Playwright default'}: "
                    f"{exc}\n{INSTALL_HINT}",
                    details={"path": self.choice.path},
                    retryable=False,
                ) from exc
            self.stats.launches += 1
            log.debug(
                "launched %s (%s) in %.0f ms",
                self.choice.path,
                self.choice.source,
                (time.perf_counter() - started) * 1000,
            )
            if self._idle_task is None and self.idle_timeout > 0:
                self._idle_task = asyncio.create_task(self._idle_watch())
            return self._browser

    async def _idle_watch(self) -> None:
        try:
            while not self._closed:
                await asyncio.sleep(min(self.idle_timeout, 5.0))
                idle = time.monotonic() - self._last_used
                if self.stats.active == 0 and idle >= self.idle_timeout and self._browser:
                    async with self._lock:
                        if self.stats.active == 0 and self._browser is not None:
                            log.debug("closing the idle browser after %.0f s", idle)
                            browser, self._browser = self._browser, None
                            with contextlib.suppress(Exception):
                                await browser.close()
        except asyncio.CancelledError:
            pass

    def open_contexts(self) -> int:
        """Browser contexts open now (jobs running, sessions kept ready or being closed)."""
        return len(self._browser.contexts) if self.running and self._browser else 0

    async def warm(self) -> None:
        """Start the browser now instead of at the first job."""
        await self._ensure_browser()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the ``max_contexts`` places for the duration of a job."""
        async with self._limit:
            self.stats.active += 1
            self.stats.peak_active = max(self.stats.peak_active, self.stats.active)
            try:
                yield
            finally:
                self.stats.active -= 1
                self._last_used = time.monotonic()

    async def new_context(
        self,
        *,
        proxy_server: str | None = None,
        storage_state: dict[str, Any] | None = None,
        timeout: float = 30.0,
    ) -> BrowserContext:
        """A fresh context (the caller closes it); see :meth:`context` for the managed form."""
        context = await self._new_context(proxy_server, storage_state)
        self.stats.contexts += 1
        context.set_default_timeout(timeout * 1000)
        context.set_default_navigation_timeout(timeout * 1000)
        return context

    @contextlib.asynccontextmanager
    async def context(
        self,
        *,
        proxy_server: str | None = None,
        storage_state: dict[str, Any] | None = None,
        timeout: float = 30.0,
        on_context: Callable[[BrowserContext], Any] | None = None,
    ) -> AsyncIterator[BrowserContext]:
        """A fresh browser context for one job, closed (with its cookies) afterwards."""
        async with self.slot():
            context = await self.new_context(
                proxy_server=proxy_server, storage_state=storage_state, timeout=timeout
            )
            try:
                if on_context is not None:
                    outcome = on_context(context)
                    if asyncio.iscoroutine(outcome):
                        await outcome
                yield context
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(context.close(), 10)

    async def _new_context(
        self, proxy_server: str | None, storage_state: dict[str, Any] | None
    ) -> BrowserContext:
        options: dict[str, Any] = {
            "accept_downloads": False,
            "service_workers": "block",
            "java_script_enabled": True,
            "viewport": {"width": 1280, "height": 900},
        }
        if proxy_server is not None:
            options["proxy"] = {"server": proxy_server, "bypass": "<-loopback>"}
        if storage_state is not None:
            # Only what Playwright reads: walt keeps notes of its own (walt_landing_url).
            options["storage_state"] = {
                k: v for k, v in storage_state.items() if k in ("cookies", "origins")
            }
        for attempt in range(2):
            browser = await self._ensure_browser()
            try:
                context = await browser.new_context(**options)
                # Every page reports when a script last changed its DOM (walt.engine.effects).
                await context.add_init_script(DOM_CLOCK_SCRIPT)
                return context
            except Exception as exc:
                if attempt == 0 and not browser.is_connected():
                    continue  # crashed between jobs: relaunch once
                raise translate(
                    exc, BackendUnavailableError, f"cannot open a context: {exc}"
                ) from exc
        raise BackendUnavailableError("the browser keeps crashing")  # pragma: no cover

    async def close(self) -> None:
        """Close the browser and Playwright; the pool cannot be used afterwards."""
        async with self._lock:
            self._closed = True
            if self._idle_task is not None:
                self._idle_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._idle_task
                self._idle_task = None
            if self._browser is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._browser.close(), 10)
                self._browser = None
            if self._playwright is not None:
                with contextlib.suppress(Exception):
                    await self._playwright.stop()
                self._playwright = None
