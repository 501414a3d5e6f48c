"""``UnifiedClient`` (sync) and ``AsyncClient``: validate, cache, route to a backend, retry.

Every request is validated before it leaves the client (URLs by the URL
policy, goals, ``max_tools``, tool inputs), discovery results are cached under
a normalized key, and the request is routed to a backend:

* ``backend="inprocess" | "redis" | "remote" | <plugin name> | <instance>``
  uses exactly that backend;
* ``backend="auto"`` (the default) uses the remote service if one is
  configured and healthy, else the Redis queue if configured and healthy, else
  the in-process backend. Health answers are remembered for ``health_ttl``
  seconds. It falls back only on :class:`BackendUnavailableError` (the work
  was not started), never on a validation error, never after a timeout of work
  that may still be running.

Errors marked retryable are retried a bounded number of times with jittered
backoff; a tool that is not idempotent is only retried when the backend said
nothing was started.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import json
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

import attrs
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from walt._portal import LoopPortal
from walt.backends.base import Backend, BackendConfig
from walt.backends.registry import create_backend
from walt.core.cache import CacheStats, TTLCache
from walt.core.costs import Budget, CostLedger, PriceTable
from walt.core.errors import (
    AuthError,
    BackendUnavailableError,
    DiscoveryError,
    ExecutionError,
    ToolNotFoundError,
    ValidationError,
    WaltError,
)
from walt.core.llm import LLM
from walt.core.logging import LoggerLike, get_logger, log_context, use_logger
from walt.core.messages import (
    DiscoverRequest,
    DiscoverResult,
    ExecuteRequest,
    ExecuteResult,
    GenerateRequest,
    GenerateResult,
    Health,
    ProgressCallback,
    ProgressEvent,
)
from walt.core.models import Tool
from walt.core.placeholders import coerce_inputs
from walt.core.toolfile import load_tool
from walt.core.urls import UrlPolicy, redact_url
from walt.core.validate import TOOL_NAME_RE, validate_goal, validate_max_tools
from walt.settings import Settings
from walt.store import DirectoryStore, ToolStore

__all__ = ["AsyncClient", "UnifiedClient"]

log = get_logger("walt.client")
T = TypeVar("T")

ToolRef = Tool | str | os.PathLike[str]
AuthRef = Mapping[str, Any] | str | os.PathLike[str] | None


def load_auth_state(auth: AuthRef) -> dict[str, Any] | None:
    """A Playwright storage state from a dict or a JSON file (``--auth STATE.json``)."""
    if auth is None:
        return None
    if isinstance(auth, Mapping):
        data: Any = dict(auth)
    else:
        path = Path(auth)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValidationError(
                f"cannot read auth state {str(path)!r}: {exc.strerror or exc}"
            ) from None
        except ValueError:
            raise ValidationError(f"auth state {str(path)!r} is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("cookies", []), list):
        raise ValidationError(
            "auth state must be a Playwright storage state: an object with 'cookies' "
            "and 'origins' lists"
        )
    return data


def _fingerprint(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class AsyncClient:
    """The asynchronous walt client. See the module docstring for routing rules.

    Arguments left as ``None`` come from the ``WALT_*`` environment variables
    (:mod:`walt.settings`).
    """

    def __init__(
        self,
        backend: str | Backend | None = None,
        *,
        redis_url: str | None = None,
        remote_url: str | None = None,
        remote_token: str | None = None,
        queue: str | None = None,
        policy: UrlPolicy | None = None,
        allow_private: bool | None = None,
        allow_hosts: tuple[str, ...] | list[str] | str | None = None,
        cache: TTLCache[str, Any] | bool = True,
        cache_size: int = 500,
        cache_ttl: float = 24 * 3600.0,
        prices: PriceTable | None = None,
        budget: Budget | None = None,
        logger: LoggerLike | None = None,
        retries: int = 2,
        llm: LLM | None = None,
        store: ToolStore | str | os.PathLike[str] | None = None,
        browser_path: str | None = None,
        health_timeout: float = 2.0,
        health_ttl: float = 30.0,
        backend_options: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._instance: Backend | None = None
        backend_name: str | None = None
        if isinstance(backend, str):
            backend_name = backend
        elif backend is not None:
            if not isinstance(backend, Backend):
                raise ValidationError(
                    "backend must be a name or an object implementing the Backend protocol"
                )
            self._instance = backend
        self.settings = Settings.resolve(
            environ,
            backend=backend_name,
            redis_url=redis_url,
            remote_url=remote_url,
            remote_token=remote_token,
            queue=queue,
            allow_private=allow_private,
            allow_hosts=allow_hosts,
            browser_path=browser_path,
        )
        if retries < 0:
            raise ValidationError("retries must be 0 or more")
        self.policy = policy or UrlPolicy(
            allow_private=self.settings.allow_private, allow_hosts=self.settings.allow_hosts
        )
        self.prices = prices or PriceTable()
        self.budget = budget
        self.costs = CostLedger()
        self._logger = logger
        self._retries = retries
        self._llm = llm
        if store is None and self.settings.tools_dir:
            store = self.settings.tools_dir
        self._owns_store = isinstance(store, str | os.PathLike)
        self.store: ToolStore | None = self._make_store(store)
        if cache is True:
            self.cache: TTLCache[str, Any] | None = TTLCache(cache_size, cache_ttl)
        elif cache is False:
            self.cache = None
        else:
            self.cache = cache
        self._health_timeout = health_timeout
        self._health_ttl = health_ttl
        self._backend_options = dict(backend_options or {})
        self._backends: dict[str, Backend] = {}
        self._health: dict[str, tuple[float, Health]] = {}
        self._closed = False

    # ------------------------------------------------------------------ configuration

    @property
    def mode(self) -> str:
        """The configured backend name (``auto`` included) or the instance's name."""
        return self._instance.name if self._instance is not None else self.settings.backend

    def _config(self) -> BackendConfig:
        return BackendConfig(
            policy=self.policy,
            prices=self.prices,
            redis_url=self.settings.redis_url,
            remote_url=self.settings.remote_url,
            remote_token=self.settings.remote_token,
            queue=self.settings.queue,
            browser_path=self.settings.browser_path,
            llm=self._llm,
            store=self.store,
            options=self._backend_options,
        )

    def _make_store(self, store: ToolStore | str | os.PathLike[str] | None) -> ToolStore | None:
        """``"redis"``: the Redis tool store of the client's Redis; other strings: directories."""
        if store == "redis":
            if not self.settings.redis_url:
                raise ValidationError(
                    'store="redis" needs a Redis URL (redis_url= or WALT_REDIS_URL)'
                )
            from walt.backends.redis.store import RedisToolStore

            return RedisToolStore(self.settings.redis_url, namespace=self.settings.queue)
        if isinstance(store, str | os.PathLike):
            return DirectoryStore(store)
        return store

    def _candidates(self) -> list[str]:
        if self._instance is not None:
            return [self._instance.name]
        if self.settings.backend != "auto":
            return [self.settings.backend]
        names = []
        if self.settings.remote_url:
            names.append("remote")
        if self.settings.redis_url:
            names.append("redis")
        names.append("inprocess")
        return names

    def get_backend(self, name: str | None = None) -> Backend:
        """The backend called ``name`` (default: the configured one; in auto mode the last
        resort), created on first use."""
        if name is None:
            name = self._candidates()[0 if self.settings.backend != "auto" else -1]
        return self._backend(name)

    def _backend(self, name: str) -> Backend:
        if self._closed:
            raise WaltError("this client is closed")
        if self._instance is not None:
            return self._instance
        backend = self._backends.get(name)
        if backend is None:
            backend = create_backend(name, self._config())
            self._backends[name] = backend
        return backend

    async def _health_of(self, name: str) -> Health:
        now = time.monotonic()
        cached = self._health.get(name)
        if cached is not None and cached[0] > now:
            return cached[1]
        started = time.perf_counter()
        try:
            backend = self._backend(name)
            health = await asyncio.wait_for(backend.health(), self._health_timeout)
        except TimeoutError:
            health = Health(ok=False, backend=name, detail="health check timed out")
        except WaltError as exc:
            health = Health(ok=False, backend=name, detail=exc.message)
        except Exception as exc:
            health = Health(ok=False, backend=name, detail=f"{type(exc).__name__}: {exc}")
        if health.latency_ms is None:
            health = attrs.evolve(health, latency_ms=(time.perf_counter() - started) * 1000)
        self._health[name] = (now + self._health_ttl, health)
        return health

    def _mark_unavailable(self, name: str, detail: str) -> None:
        self._health[name] = (
            time.monotonic() + self._health_ttl,
            Health(ok=False, backend=name, detail=detail),
        )

    # ------------------------------------------------------------------ dispatch

    async def _retrying(
        self, call: Callable[[], Awaitable[T]], *, idempotent: bool, fallback_next: bool
    ) -> T:
        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, WaltError) or not exc.retryable:
                return False
            if isinstance(exc, BackendUnavailableError):
                return not fallback_next  # fall back at once instead of retrying
            return idempotent

        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self._retries + 1),
            wait=wait_random_exponential(multiplier=0.1, max=2.0),
            retry=retry_if_exception(retryable),
            reraise=True,
        ):
            with attempt:
                return await call()
        raise AssertionError("unreachable")  # pragma: no cover

    async def _dispatch(
        self, operation: str, call: Callable[[Backend], Awaitable[T]], *, idempotent: bool
    ) -> tuple[T, str]:
        names = self._candidates()
        auto = self._instance is None and self.settings.backend == "auto"
        for index, name in enumerate(names):
            has_next = auto and index < len(names) - 1
            if has_next:
                health = await self._health_of(name)
                if not health.ok:
                    log.warning(
                        "backend %s is unavailable (%s); falling back to %s",
                        name,
                        health.detail,
                        names[index + 1],
                    )
                    continue
            with log_context(backend=name):
                try:
                    backend = self._backend(name)
                    log.debug("%s via backend %s", operation, name)
                    result = await self._retrying(
                        functools.partial(call, backend),
                        idempotent=idempotent,
                        fallback_next=has_next,
                    )
                    return result, name
                except BackendUnavailableError as exc:
                    if not has_next:
                        raise
                    self._mark_unavailable(name, exc.message)
                    log.warning(
                        "backend %s is unavailable (%s); falling back to %s",
                        name,
                        exc.message,
                        names[index + 1],
                    )
        raise BackendUnavailableError("no backend is available")  # pragma: no cover

    # ------------------------------------------------------------------ operations

    async def discover(
        self,
        url: str,
        goal: str | None = None,
        max_tools: int = 50,
        *,
        max_pages: int = 300,
        pages_per_pattern: int = 2,
        max_depth: int = 3,
        time_budget: float = 25.0,
        validate_writes: bool = False,
        respect_robots: bool = True,
        auth: AuthRef = None,
        budget: Budget | None = None,
        progress: ProgressCallback | None = None,
        refresh: bool = False,
        request_id: str | None = None,
    ) -> DiscoverResult:
        """Find the tools of the site at ``url`` (cached for the client's cache TTL)."""
        with use_logger(self._logger), log_context(operation="discover", url=url):
            request = DiscoverRequest(
                goal=validate_goal(goal),
                max_tools=validate_max_tools(max_tools),
                **await self._crawl_options(
                    url,
                    max_pages=max_pages,
                    pages_per_pattern=pages_per_pattern,
                    max_depth=max_depth,
                    time_budget=time_budget,
                    validate_writes=validate_writes,
                    respect_robots=respect_robots,
                    auth=auth,
                    budget=budget,
                    request_id=request_id,
                ),
            )
            key = self._cache_key("discover", request)

            async def run() -> DiscoverResult:
                result, name = await self._dispatch(
                    "discover",
                    lambda b: b.discover(request, progress=progress),
                    idempotent=not request.validate_writes,
                )
                self.costs.record(result.cost, tool=None, method="discover", backend=name)
                return result

            return await self._cached(key, run, refresh, progress)

    async def generate(
        self,
        url: str,
        goal: str,
        *,
        max_pages: int = 300,
        pages_per_pattern: int = 2,
        max_depth: int = 3,
        time_budget: float = 25.0,
        validate_writes: bool = False,
        respect_robots: bool = True,
        auth: AuthRef = None,
        budget: Budget | None = None,
        progress: ProgressCallback | None = None,
        refresh: bool = False,
        request_id: str | None = None,
    ) -> GenerateResult:
        """Build the single best tool of the site at ``url`` for ``goal``."""
        with use_logger(self._logger), log_context(operation="generate", url=url):
            clean_goal = validate_goal(goal)
            if clean_goal is None:
                raise ValidationError("generate needs a goal")
            request = GenerateRequest(
                goal=clean_goal,
                **await self._crawl_options(
                    url,
                    max_pages=max_pages,
                    pages_per_pattern=pages_per_pattern,
                    max_depth=max_depth,
                    time_budget=time_budget,
                    validate_writes=validate_writes,
                    respect_robots=respect_robots,
                    auth=auth,
                    budget=budget,
                    request_id=request_id,
                ),
            )
            key = self._cache_key("generate", request)

            async def run() -> GenerateResult:
                result, name = await self._dispatch(
                    "generate",
                    lambda b: b.generate(request, progress=progress),
                    idempotent=not request.validate_writes,
                )
                self.costs.record(result.cost, tool=None, method="generate", backend=name)
                return result

            return await self._cached(key, run, refresh, progress)

    async def execute(
        self,
        tool: ToolRef,
        inputs: Mapping[str, Any] | None = None,
        *,
        auth: AuthRef = None,
        timeout: float = 60.0,
        step_timeout: float = 15.0,
        screenshot_on_failure: bool = False,
        prefer_http: bool = True,
        start_url: str | None = None,
        budget: Budget | None = None,
        capture_auth: bool = False,
        include_html: bool = False,
        request_id: str | None = None,
    ) -> ExecuteResult:
        """Run a tool (a :class:`Tool`, a tool file path, or a tool name known to the store).

        Inputs are checked before anything runs. A tool that fails returns a
        result with ``ok=False`` and ``error`` set; call
        :meth:`ExecuteResult.raise_for_error` to raise it. ``start_url`` is the
        page a tool that starts mid-site (with a click) works on.
        """
        with use_logger(self._logger):
            resolved, from_store = await self._resolve_tool(tool)
            with log_context(operation="execute", tool=resolved.function_name):
                request = ExecuteRequest(
                    tool=resolved,
                    inputs=coerce_inputs(resolved, inputs or {}),
                    auth=load_auth_state(auth),
                    timeout=_positive("timeout", timeout),
                    step_timeout=_positive("step_timeout", step_timeout),
                    screenshot_on_failure=bool(screenshot_on_failure),
                    prefer_http=bool(prefer_http) and not capture_auth,
                    start_url=await self.policy.acheck(start_url) if start_url else None,
                    capture_auth=bool(capture_auth),
                    include_html=bool(include_html),
                    budget=budget or self.budget,
                    **_request_id(request_id),
                )
                with log_context(job_id=request.request_id):
                    result, name = await self._dispatch(
                        "execute", lambda b: b.execute(request), idempotent=resolved.is_idempotent
                    )
                self.costs.record(
                    result.cost, tool=resolved.function_name, method="execute", backend=name
                )
                if from_store and self.store is not None:
                    await self.store.record_run(
                        resolved.function_name,
                        ok=result.ok,
                        elapsed_ms=result.elapsed_ms,
                        cost=result.cost.total,
                    )
                return result

    async def login(
        self,
        tool: ToolRef,
        inputs: Mapping[str, Any] | None = None,
        *,
        save: str | os.PathLike[str] | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """Log in and return the browser's auth state (cookies, storage).

        ``tool`` is a login tool, or the URL of the site's login page: walt then finds
        the page's login form itself, and ``inputs`` may name its fields as the form
        does or simply ``username`` and ``password``. The state also records
        ``walt_landing_url``, the page the login led to, where a discovery with this
        state starts too. Pass the returned dict (or the file written with ``save=``)
        as ``auth=`` to later calls.

        Raises the tool's error if a step fails, and :class:`AuthError` when the
        site shows its login form again after submitting (wrong credentials).
        """
        given = dict(inputs or {})
        if isinstance(tool, str) and tool.startswith(("http://", "https://")):
            found = await self.generate(tool, "log in", max_pages=1, pages_per_pattern=1)
            if found.tool.kind != "login":
                raise DiscoveryError(
                    f"no login form on {redact_url(tool)}; found {found.tool.name} instead",
                    details={"url": redact_url(tool), "found": found.tool.name},
                )
            tool = found.tool
            given = _login_inputs(found.tool, given)
        result = await self.execute(tool, given, timeout=timeout, capture_auth=True)
        result.raise_for_error()
        if result.auth_state is None:
            raise ExecutionError("the backend returned no auth state for the login tool")
        if any(
            field.get("type") == "password"
            for form in result.data.get("forms") or []
            for field in form.get("fields") or []
        ):
            raise AuthError(
                "the site showed its login form again after the login: wrong credentials?",
                details={"final_url": redact_url(result.final_url or "")},
            )
        state = dict(result.auth_state)
        if result.final_url:
            state["walt_landing_url"] = result.final_url
        if save is not None:
            path = Path(save)
            await asyncio.to_thread(path.write_text, json.dumps(state, indent=2))
            os.chmod(path, 0o600)  # cookies are credentials
        return state

    async def health(self) -> Health:
        """Health of the backend that would take the next request (auto mode checks in order)."""
        with use_logger(self._logger):
            names = self._candidates()
            checked: dict[str, Any] = {}
            for name in names:
                health = await self._health_of(name)
                checked[name] = {"ok": health.ok, "detail": health.detail}
                if health.ok:
                    return attrs.evolve(health, info={**health.info, "checked": checked})
            return attrs.evolve(health, info={**health.info, "checked": checked})

    async def list_tools(self) -> list[Tool]:
        """Every tool in the client's tool store."""
        if self.store is None:
            raise ValidationError("no tool store configured: pass store=DIR or set WALT_TOOLS_DIR")
        return await self.store.list()

    def cache_stats(self) -> CacheStats | None:
        return self.cache.stats() if self.cache is not None else None

    async def aclose(self) -> None:
        """Close every backend this client created (an instance passed in is closed too)."""
        if self._closed:
            return
        self._closed = True
        backends = list(self._backends.values())
        if self._instance is not None:
            backends.append(self._instance)
        self._backends.clear()
        for backend in backends:
            try:
                await backend.aclose()
            except Exception as exc:  # closing must not hide the others
                log.warning("closing backend %s failed: %s", backend.name, exc)
        closer = getattr(self.store, "aclose", None)
        if self._owns_store and closer is not None:
            try:
                await closer()
            except Exception as exc:
                log.warning("closing the tool store failed: %s", exc)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ helpers

    async def _resolve_tool(self, tool: ToolRef) -> tuple[Tool, bool]:
        if isinstance(tool, Tool):
            return tool, False
        if isinstance(tool, os.PathLike):
            return load_tool(tool), False
        if not isinstance(tool, str):
            raise ValidationError(
                f"tool must be a Tool, a path or a tool name, not {type(tool).__name__}"
            )
        if (
            tool.endswith(".json")
            or os.sep in tool
            or await asyncio.to_thread(os.path.exists, tool)
        ):
            return load_tool(tool), False
        if TOOL_NAME_RE.match(tool):
            if self.store is None:
                raise ToolNotFoundError(
                    f"{tool!r} is not a file, and no tool store is configured to look it up "
                    "(pass store=DIR or set WALT_TOOLS_DIR)",
                    details={"name": tool},
                )
            return await self.store.get(tool), True
        raise ValidationError(f"{tool!r} is neither a tool file nor a valid tool name")

    async def _crawl_options(
        self,
        url: str,
        *,
        max_pages: int,
        pages_per_pattern: int,
        max_depth: int,
        time_budget: float,
        validate_writes: bool,
        respect_robots: bool,
        auth: AuthRef,
        budget: Budget | None,
        request_id: str | None,
    ) -> dict[str, Any]:
        """The checked fields discovery and generation requests share."""
        return {
            "url": await self.policy.acheck(url),
            "max_pages": _bounded_int("max_pages", max_pages, 1, 1000),
            "pages_per_pattern": _bounded_int("pages_per_pattern", pages_per_pattern, 1, 50),
            "max_depth": _bounded_int("max_depth", max_depth, 0, 20),
            "time_budget": _positive("time_budget", time_budget),
            "validate_writes": bool(validate_writes),
            "respect_robots": bool(respect_robots),
            "auth": load_auth_state(auth),
            "budget": budget or self.budget,
            **_request_id(request_id),
        }

    def _cache_key(self, operation: str, request: DiscoverRequest | GenerateRequest) -> str:
        goal = request.goal.lower() if request.goal else None
        parts = {
            "op": operation,
            "backend": self.mode,
            "url": request.url,
            "goal": goal,
            "max_tools": getattr(request, "max_tools", None),
            "max_pages": request.max_pages,
            "pages_per_pattern": request.pages_per_pattern,
            "max_depth": request.max_depth,
            "validate_writes": request.validate_writes,
            "robots": request.respect_robots,
            "auth": _fingerprint(request.auth) if request.auth else None,
        }
        return json.dumps(parts, sort_keys=True)

    async def _cached(
        self,
        key: str,
        run: Callable[[], Awaitable[T]],
        refresh: bool,
        progress: ProgressCallback | None,
    ) -> T:
        if self.cache is None:
            return await run()
        if refresh:
            self.cache.delete(key)
        elif key in self.cache:
            log.debug("discovery cache hit")
            if progress is not None:
                outcome = progress(ProgressEvent(phase="done", message="from cache"))
                if inspect.isawaitable(outcome):
                    await outcome
        value: T = await self.cache.aget_or_compute(key, run)
        return value


_USER_ALIASES: Final = ("username", "user", "login", "email")


def _login_inputs(tool: Tool, given: Mapping[str, Any]) -> dict[str, Any]:
    """``username``/``password`` mapped onto a login form's own field names."""
    names = {spec.name for spec in tool.inputs}
    out = {k: v for k, v in given.items() if k in names}
    password = next((s.name for s in tool.inputs if s.format == "password"), None)
    user = next(
        (
            s.name
            for s in tool.inputs
            if s.format != "password" and s.type == "string" and not s.enum
        ),
        None,
    )
    if password is not None and password not in out and "password" in given:
        out[password] = given["password"]
    alias = next((a for a in _USER_ALIASES if a in given), None)
    if user is not None and user not in out and alias is not None:
        out[user] = given[alias]
    unknown = set(given) - names - {"password", *_USER_ALIASES}
    if unknown:
        raise ValidationError(
            f"the login form has no field {sorted(unknown)[0]!r} "
            f"(fields: {', '.join(sorted(names))})"
        )
    return out


def _request_id(value: str | None) -> dict[str, str]:
    """A caller's request id (the job id on the queue: resending it attaches, not reruns)."""
    if value is None:
        return {}
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= 128
        or any(c in value for c in "{} \r\n")
    ):
        raise ValidationError("request_id must be 1 to 128 characters without spaces or braces")
    return {"request_id": value}


def _bounded_int(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValidationError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _blocking(
    method: Callable[Concatenate[AsyncClient, _P], Coroutine[Any, Any, _R]],
) -> Callable[Concatenate[UnifiedClient, _P], _R]:
    """``method`` of the async client as a blocking method of :class:`UnifiedClient`,
    with the same parameters and docstring."""

    @functools.wraps(method)
    def blocking(self: UnifiedClient, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return self._portal.run(method(self._async, *args, **kwargs))

    return blocking


class UnifiedClient:
    """The synchronous walt client: same arguments and methods as :class:`AsyncClient`.

    Work runs on a private event-loop thread, so it also works where a loop is
    already running (Jupyter). Use it as a context manager or call :meth:`close`.
    """

    # The parameters of AsyncClient, spelled out (a test keeps the two lists equal).
    def __init__(
        self,
        backend: str | Backend | None = None,
        *,
        redis_url: str | None = None,
        remote_url: str | None = None,
        remote_token: str | None = None,
        queue: str | None = None,
        policy: UrlPolicy | None = None,
        allow_private: bool | None = None,
        allow_hosts: tuple[str, ...] | list[str] | str | None = None,
        cache: TTLCache[str, Any] | bool = True,
        cache_size: int = 500,
        cache_ttl: float = 24 * 3600.0,
        prices: PriceTable | None = None,
        budget: Budget | None = None,
        logger: LoggerLike | None = None,
        retries: int = 2,
        llm: LLM | None = None,
        store: ToolStore | str | os.PathLike[str] | None = None,
        browser_path: str | None = None,
        health_timeout: float = 2.0,
        health_ttl: float = 30.0,
        backend_options: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._async = AsyncClient(
            backend,
            redis_url=redis_url,
            remote_url=remote_url,
            remote_token=remote_token,
            queue=queue,
            policy=policy,
            allow_private=allow_private,
            allow_hosts=allow_hosts,
            cache=cache,
            cache_size=cache_size,
            cache_ttl=cache_ttl,
            prices=prices,
            budget=budget,
            logger=logger,
            retries=retries,
            llm=llm,
            store=store,
            browser_path=browser_path,
            health_timeout=health_timeout,
            health_ttl=health_ttl,
            backend_options=backend_options,
            environ=environ,
        )
        self._portal = LoopPortal()

    @property
    def settings(self) -> Settings:
        return self._async.settings

    @property
    def policy(self) -> UrlPolicy:
        return self._async.policy

    @property
    def costs(self) -> CostLedger:
        return self._async.costs

    @property
    def store(self) -> ToolStore | None:
        return self._async.store

    @property
    def mode(self) -> str:
        return self._async.mode

    @property
    def async_client(self) -> AsyncClient:
        """The :class:`AsyncClient` underneath (its coroutines run on this client's loop)."""
        return self._async

    # The coroutines of AsyncClient, run to completion: same parameters, same types.
    discover = _blocking(AsyncClient.discover)
    generate = _blocking(AsyncClient.generate)
    execute = _blocking(AsyncClient.execute)
    login = _blocking(AsyncClient.login)

    def health(self) -> Health:
        return self._portal.run(self._async.health())

    def list_tools(self) -> list[Tool]:
        return self._portal.run(self._async.list_tools())

    def cache_stats(self) -> CacheStats | None:
        return self._async.cache_stats()

    def close(self) -> None:
        """Close the backends and stop the private loop."""
        try:
            self._portal.run(self._async.aclose())
        finally:
            self._portal.close()

    def __enter__(self) -> UnifiedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
