"""The service's jobs: requests submitted without waiting (``/v1/jobs``).

A backend that keeps jobs itself (a :class:`~walt.backends.base.JobBackend`, such as the
Redis queue) keeps them; otherwise they run as tasks of this process. The service
reaches a queue only through that protocol, never a concrete backend.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from walt.backends.base import JobBackend
from walt.client import AsyncClient
from walt.core.converter import converter, structure
from walt.core.errors import JobNotFoundError, ValidationError, WaltTimeoutError
from walt.core.messages import DiscoverRequest, ExecuteRequest, GenerateRequest
from walt.core.placeholders import coerce_inputs

__all__ = ["MAX_EVENTS", "Jobs", "dispatch"]

MAX_EVENTS = 2000
"""Progress events kept per job run in this process."""


class Jobs:
    """Jobs submitted without waiting: on the backend when it keeps jobs itself (a
    :class:`~walt.backends.base.JobBackend`, such as the Redis queue), else here."""

    def __init__(self, client: AsyncClient, ttl: float = 3600.0) -> None:
        self.client = client
        self.ttl = ttl
        self._local: dict[str, tuple[str, asyncio.Task[Any], float]] = {}
        self._events: dict[str, list[dict[str, Any]]] = {}

    def _queue(self) -> JobBackend | None:
        """The backend itself when it keeps jobs (a queue), else None: jobs stay here."""
        if self.client.mode == "auto":
            return None  # auto may route anywhere: keep jobs here
        backend = self.client.get_backend()
        return backend if isinstance(backend, JobBackend) else None

    async def _validate(self, kind: str, request: Any) -> None:
        """What the client checks before dispatch, for jobs that go straight to the queue."""
        if kind == "execute":
            coerce_inputs(request.tool, request.inputs or {})
        else:
            await self.client.policy.acheck(request.url)

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id, (_kind, task, created) in list(self._local.items()):
            if task.done() and now - created > self.ttl:
                del self._local[job_id]
                self._events.pop(job_id, None)

    async def submit(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        request_type = {
            "discover": DiscoverRequest,
            "generate": GenerateRequest,
            "execute": ExecuteRequest,
        }.get(kind)
        if request_type is None:
            raise ValidationError(f"kind must be discover, generate or execute, not {kind!r}")
        request: Any = structure(body, request_type, what=f"{kind} request")
        queue = self._queue()
        if queue is not None:
            await self._validate(kind, request)
            limit = request.timeout if kind == "execute" else request.time_budget
            job_id = await queue.submit_job(kind, request, timeout=limit)
            return {"id": job_id, "kind": kind, "state": "queued"}
        self._forget_old()
        job_id = request.request_id or uuid.uuid4().hex
        if job_id in self._local:
            kind_, task, _ = self._local[job_id]
            return {"id": job_id, "kind": kind_, "state": self._state(task)}
        events = self._events[job_id] = []

        def record(event: Any) -> None:
            if len(events) < MAX_EVENTS:
                events.append(converter.unstructure(event))

        task = asyncio.ensure_future(dispatch(self.client, kind, request, progress=record))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self._local[job_id] = (kind, task, time.monotonic())
        return {"id": job_id, "kind": kind, "state": "running"}

    @staticmethod
    def _state(task: asyncio.Task[Any]) -> str:
        if not task.done():
            return "running"
        if task.cancelled():
            return "cancelled"
        return "failed" if task.exception() is not None else "done"

    async def status(self, job_id: str) -> dict[str, Any]:
        queue = self._queue()
        if queue is not None:
            return await queue.job_state(job_id)
        kind, task, _created = self._lookup(job_id)
        return {"id": job_id, "kind": kind, "state": self._state(task)}

    def _lookup(self, job_id: str) -> tuple[str, asyncio.Task[Any], float]:
        entry = self._local.get(job_id)
        if entry is None:
            raise JobNotFoundError(f"no job {job_id}", details={"job_id": job_id})
        return entry

    async def result(self, job_id: str, timeout: float) -> Any:
        queue = self._queue()
        if queue is not None:
            return await queue.job_result(job_id, timeout)
        _kind, task, _created = self._lookup(job_id)
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            raise WaltTimeoutError(
                f"job {job_id} is still running", details={"job_id": job_id}
            ) from None

    async def events(self, job_id: str, after: int) -> dict[str, Any]:
        """Progress events of a discovery job from number ``after`` on."""
        queue = self._queue()
        if queue is not None:
            found = await queue.job_events(job_id)
        else:
            self._lookup(job_id)
            found = self._events.get(job_id, [])
        return {"id": job_id, "next": len(found), "events": found[after:]}

    async def cancel(self, job_id: str) -> dict[str, Any]:
        queue = self._queue()
        if queue is not None:
            return {"id": job_id, "cancelled": await queue.cancel_job(job_id)}
        _kind, task, _created = self._lookup(job_id)
        cancelled = task.cancel()
        return {"id": job_id, "cancelled": cancelled}


async def dispatch(
    client: AsyncClient, kind: str, request: Any, progress: Callable[[Any], Any] | None = None
) -> Any:
    """Run one request of ``kind`` on the client, as the client's own method would."""
    common = {"auth": request.auth, "budget": request.budget, "request_id": request.request_id}
    if kind == "execute":
        return await client.execute(
            request.tool,
            request.inputs,
            timeout=request.timeout,
            step_timeout=request.step_timeout,
            screenshot_on_failure=request.screenshot_on_failure,
            prefer_http=request.prefer_http,
            start_url=request.start_url,
            capture_auth=request.capture_auth,
            include_html=request.include_html,
            **common,
        )
    options = {
        "progress": progress,
        "max_pages": request.max_pages,
        "max_depth": request.max_depth,
        "time_budget": request.time_budget,
        "validate_writes": request.validate_writes,
        "respect_robots": request.respect_robots,
        **common,
    }
    if kind == "discover":
        return await client.discover(request.url, request.goal, request.max_tools, **options)
    return await client.generate(request.url, request.goal, **options)
