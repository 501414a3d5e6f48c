"""The remote backend: the client side of ``walt serve``, over HTTP (httpx).

Requests and results are the same JSON as on the queue; the service's error
documents become the same exception classes here. A refused connection is
:class:`BackendUnavailableError` (nothing was started, so ``auto`` mode may
fall back); a timeout is :class:`WaltTimeoutError` (the work may still run).
The service URL is configuration, not user input: the URL policy does not
apply to it (the service applies its own policy to what it visits).
"""

from __future__ import annotations

import contextlib
import inspect
import time
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from walt._version import __version__
from walt.backends.base import BackendConfig
from walt.core.converter import converter, structure
from walt.core.errors import (
    BackendUnavailableError,
    RemoteError,
    ValidationError,
    WaltError,
    WaltTimeoutError,
)
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
from walt.core.urls import redact_url

if TYPE_CHECKING:
    import httpx

__all__ = ["RemoteBackend"]

T = TypeVar("T")
MARGIN = 30.0
"""Seconds allowed on top of a request's own time limit for the round trip."""


class RemoteBackend:
    """Sends requests to a walt service (``walt serve``)."""

    name = "remote"

    def __init__(
        self,
        config: BackendConfig | None = None,
        *,
        url: str | None = None,
        token: str | None = None,
    ) -> None:
        self.config = config or BackendConfig()
        base = url or self.config.remote_url
        if not base:
            raise ValidationError(
                "the remote backend needs a URL: remote_url=..., --remote or WALT_REMOTE_URL"
            )
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
            raise ValidationError(
                f"invalid service URL {redact_url(base)}: use http(s)://host:port"
            )
        self.url = base.rstrip("/")
        self.token = token or self.config.remote_token
        self._http: httpx.AsyncClient | None = None

    @classmethod
    def from_config(cls, config: BackendConfig) -> RemoteBackend:
        return cls(config)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx

            headers = {"User-Agent": f"walt/{__version__}"}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            self._http = httpx.AsyncClient(
                base_url=self.url,
                headers=headers,
                trust_env=False,
                timeout=httpx.Timeout(60.0, connect=5.0),
            )
        return self._http

    async def _call(
        self, method: str, path: str, body: Any = None, *, timeout: float = 60.0
    ) -> Any:
        import httpx

        try:
            response = await self._client().request(method, path, json=body, timeout=timeout)
        except httpx.ConnectError as exc:
            raise BackendUnavailableError(
                f"the walt service at {self.url} cannot be reached: {exc}",
                details={"url": self.url},
            ) from exc
        except httpx.TimeoutException as exc:
            raise WaltTimeoutError(
                f"the walt service at {self.url} did not answer within {timeout:g} s "
                "(the work may still be running there)",
                details={"url": self.url},
            ) from exc
        except httpx.HTTPError as exc:
            raise RemoteError(f"talking to {self.url} failed: {exc}", retryable=True) from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            if isinstance(data, dict) and isinstance(data.get("error"), dict):
                raise WaltError.from_dict(data["error"])
            raise RemoteError(
                f"the walt service answered HTTP {response.status_code}: {response.text[:200]}",
                details={"status": response.status_code},
                retryable=response.status_code in (502, 503, 504),
            )
        return data

    async def discover(
        self, request: DiscoverRequest, *, progress: ProgressCallback | None = None
    ) -> DiscoverResult:
        data = await self._crawl("discover", request, progress)
        return structure(data, DiscoverResult, error=RemoteError, what="discover result")

    async def generate(
        self, request: GenerateRequest, *, progress: ProgressCallback | None = None
    ) -> GenerateResult:
        data = await self._crawl("generate", request, progress)
        return structure(data, GenerateResult, error=RemoteError, what="generate result")

    async def _crawl(
        self,
        kind: str,
        request: DiscoverRequest | GenerateRequest,
        progress: ProgressCallback | None,
    ) -> Any:
        if progress is None:
            return await self._call(
                "POST",
                f"/v1/{kind}",
                converter.unstructure(request),
                timeout=request.time_budget + MARGIN,
            )
        # With a progress callback the discovery runs as a job whose events are passed on.
        job = await self.submit(kind, request)
        job_id, seen = job["id"], 0
        deadline = time.monotonic() + request.time_budget + MARGIN

        async def pass_on_events() -> None:
            nonlocal seen
            page = await self._call("GET", f"/v1/jobs/{job_id}/events?after={seen}", timeout=10)
            for raw in page.get("events", []):
                with contextlib.suppress(Exception):
                    outcome = progress(structure(raw, ProgressEvent, error=RemoteError))
                    if inspect.isawaitable(outcome):
                        await outcome
            seen = int(page.get("next", seen))

        while True:
            await pass_on_events()
            try:
                data = await self._call("GET", f"/v1/jobs/{job_id}/result?timeout=0.5", timeout=10)
            except WaltTimeoutError as exc:
                if exc.details.get("job_id") != job_id or time.monotonic() > deadline:
                    raise
                continue
            await pass_on_events()  # what came between the last look and the result
            return data

    async def execute(self, request: ExecuteRequest) -> ExecuteResult:
        data = await self._call(
            "POST", "/v1/execute", converter.unstructure(request), timeout=request.timeout + MARGIN
        )
        return structure(data, ExecuteResult, error=RemoteError, what="execute result")

    async def submit(self, kind: str, request: Any) -> dict[str, Any]:
        """Submit a job without waiting; returns ``{"id", "kind", "state"}``."""
        data: dict[str, Any] = await self._call(
            "POST", "/v1/jobs", {"kind": kind, "request": converter.unstructure(request)}
        )
        return data

    async def job_status(self, job_id: str) -> dict[str, Any]:
        data: dict[str, Any] = await self._call("GET", f"/v1/jobs/{job_id}")
        return data

    async def health(self) -> Health:
        started = time.perf_counter()
        try:
            data = await self._call("GET", "/v1/health", timeout=5.0)
            health = structure(data, Health, error=RemoteError, what="health")
        except WaltError as exc:
            return Health(ok=False, backend=self.name, detail=exc.message)
        latency = (time.perf_counter() - started) * 1000
        return Health(
            ok=health.ok,
            backend=self.name,
            latency_ms=latency,
            workers=health.workers,
            detail=f"{self.url}: {health.backend} {health.detail}".strip(),
            info={"service": health.backend, **health.info},
        )

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
