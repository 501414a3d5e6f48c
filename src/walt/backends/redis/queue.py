"""The Redis-queue backend: jobs on a Redis stream, run by ``walt worker`` processes.

``discover``, ``generate`` and ``execute`` enqueue a job and wait for its
result; :meth:`RedisQueueBackend.submit` returns a :class:`JobHandle` for
callers who do not want to wait. The guarantee is **at-least-once**: a job
whose worker dies is run again by another worker (tools declare whether they
are idempotent), a job that fails on every allowed delivery ends in the
dead-letter stream, and every job reaches exactly one final state.

Results reach the caller without a race: each client reads one stream of its
own (its inbox), registered before the job is enqueued, so a result written
before the caller starts waiting is still there; a waiter without an inbox
(another process holding a job id) blocks on the job's ``done`` list, which
keeps its token. The request id is the job id: sending the same request again
attaches to the job instead of running it twice.

Works with Redis 6.2+ (``redis://``, ``rediss://`` for TLS, passwords and ACL
users in the URL). Every key of a queue shares one Cluster hash tag; for
Sentinel pass a client built with :mod:`redis.asyncio.sentinel` as
``backend_options={"redis": client}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar, cast

import attrs

from walt.backends.base import BackendConfig
from walt.backends.redis.protocol import (
    CANCEL,
    FINAL_STATES,
    OUTAGE_TOLERANCE,
    RESULT_TYPES,
    SUBMIT,
    JobKind,
    Keys,
    encode_envelope,
    is_transient,
    reconnect_pause,
    retry_transient,
)
from walt.backends.redis.urls import mask_redis_url, validate_redis_url
from walt.core.converter import converter
from walt.core.errors import (
    AuthError,
    BackendUnavailableError,
    JobCancelledError,
    JobNotFoundError,
    QueueError,
    ValidationError,
    WaltError,
    WaltTimeoutError,
    translate,
)
from walt.core.logging import get_logger
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

__all__ = ["JobHandle", "JobStatus", "QueueStats", "RedisQueueBackend", "WorkerInfo", "connect"]

log = get_logger(__name__)

DEFAULT_QUEUE_WAIT = 120.0
"""Seconds a job may wait in line on top of its own time limit before callers give up."""


def connect(url: str, *, max_connections: int = 64) -> Any:
    """An asyncio Redis client for ``url`` (``redis://``, ``rediss://``, ``unix://``).

    Typed ``Any`` on purpose: it decodes responses to ``str``, which redis-py's
    annotations (``bytes | str`` everywhere) cannot express.
    """
    try:
        import redis.asyncio as aioredis_module
    except ImportError as exc:  # pragma: no cover - the extra is installed in tests
        raise BackendUnavailableError(
            "the Redis backend needs redis-py: pip install 'walt-tools[redis]'", retryable=False
        ) from exc
    validate_redis_url(url)
    # A blocking pool waits for a free connection instead of failing under a burst of jobs.
    pool = aioredis_module.BlockingConnectionPool.from_url(
        url,
        decode_responses=True,
        max_connections=max_connections,
        timeout=30,
        socket_connect_timeout=5,
        health_check_interval=15,
    )
    return aioredis_module.Redis(connection_pool=pool)


def _refused(exc: BaseException) -> bool:
    """True when the connection was refused: the request cannot have reached Redis."""
    text = str(exc).lower()
    if "connection refused" in text or "error 111" in text or "no such file" in text:
        return True
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) in (
            errno.ECONNREFUSED,
            errno.ENOENT,
        ):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


_T = TypeVar("_T")


def _redis_error(exc: BaseException, url: str, doing: str) -> WaltError:
    masked = mask_redis_url(url)
    mapped = translate(exc, QueueError, f"Redis at {masked}: {doing} failed: {exc}")
    if isinstance(mapped, AuthError):
        return mapped
    if isinstance(mapped, BackendUnavailableError) and not _refused(exc):
        # A connection lost mid-request may have delivered it: not "nothing started".
        err = QueueError(mapped.message, retryable=True)
        err.__cause__ = exc
        return err
    return mapped


# --------------------------------------------------------------------------- records


@attrs.frozen
class JobStatus:
    """Where a job is: ``queued``, ``running``, ``done``, ``failed``, ``dead`` or ``cancelled``."""

    id: str
    state: str
    kind: str | None = None
    attempt: int = 0
    worker: str | None = None
    created_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    error: WaltError | None = attrs.field(default=None, eq=False)
    cancel_requested: bool = False

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


@attrs.frozen
class WorkerInfo:
    id: str
    alive: bool
    host: str | None = None
    pid: int | None = None
    concurrency: int | None = None
    started_at: float | None = None
    heartbeat_age: float | None = None
    jobs: tuple[str, ...] = ()
    processed: int = 0


@attrs.frozen
class QueueStats:
    """The figures of one queue, for ``walt status`` and health endpoints."""

    queue: str
    queued: int
    in_flight: int
    dead: int
    workers: tuple[WorkerInfo, ...]
    counters: dict[str, int] = attrs.field(factory=dict)

    @property
    def depth(self) -> int:
        return self.queued + self.in_flight

    @property
    def live_workers(self) -> int:
        return sum(1 for w in self.workers if w.alive)


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _outcome(kind: str, state: str, payload: str | None, job_id: str) -> Any:
    """The result of a final job, or raise its typed error."""
    if state == "cancelled":
        raise JobCancelledError(f"job {job_id} was cancelled", details={"job_id": job_id})
    try:
        data = json.loads(payload or "{}")
    except ValueError:
        raise QueueError(f"job {job_id} has an unreadable outcome") from None
    if "error" in data and isinstance(data["error"], dict):
        raise WaltError.from_dict(data["error"])
    if kind == "ping":
        return data.get("result")
    result_type = RESULT_TYPES.get(kind)
    if result_type is None or "result" not in data:
        raise QueueError(f"job {job_id} finished as {state!r} without a result")
    return converter.structure(data["result"], result_type)


# --------------------------------------------------------------------------- handle


class JobHandle:
    """A submitted job: its :meth:`status`, its :meth:`result` (waiting), :meth:`cancel`."""

    def __init__(
        self, backend: RedisQueueBackend, job_id: str, kind: str, *, existing: bool
    ) -> None:
        self.backend = backend
        self.id = job_id
        self.kind = kind
        self.existing = existing  # True when this submission attached to an earlier one

    def __repr__(self) -> str:
        return f"JobHandle({self.id!r}, kind={self.kind!r})"

    async def status(self) -> JobStatus:
        return await self.backend.job_status(self.id)

    async def result(self, timeout: float | None = None) -> Any:
        """The job's result; raises its typed error, or WaltTimeoutError after ``timeout``."""
        return await self.backend.wait(self.id, self.kind, timeout)

    async def cancel(self) -> bool:
        """Cancel a queued job (True), or ask its worker to stop it when running."""
        return await self.backend.cancel(self.id)


# --------------------------------------------------------------------------- backend


class RedisQueueBackend:
    """Sends work to ``walt worker`` processes through Redis (see the module docstring).

    Options (``backend_options=``): ``queue_wait`` (seconds a job may wait in
    line, default 120), ``job_ttl`` (seconds job records are kept, default one
    day), ``outage_tolerance`` (seconds submitting and waiting keep retrying through a
    Redis restart or failover, with jittered backoff; default 30), ``redis`` (a ready
    ``redis.asyncio`` client, e.g. from Sentinel).
    """

    name = "redis"

    def __init__(
        self,
        config: BackendConfig | None = None,
        *,
        redis_url: str | None = None,
        queue: str | None = None,
    ) -> None:
        self.config = config or BackendConfig()
        url = redis_url or self.config.redis_url
        options = self.config.options
        if not url and options.get("redis") is None:
            raise ValidationError(
                "the redis backend needs a Redis URL: redis_url=..., --redis or WALT_REDIS_URL"
            )
        self.url = url or "redis://<client given>"
        self.keys = Keys(queue or self.config.queue)
        self.queue_wait = float(options.get("queue_wait", DEFAULT_QUEUE_WAIT))
        self.job_ttl = int(options.get("job_ttl", 24 * 3600))
        self.outage_tolerance = float(options.get("outage_tolerance", OUTAGE_TOLERANCE))
        self._redis: Any = options.get("redis")
        self._owns_redis = self._redis is None
        self.client_id = uuid.uuid4().hex[:16]
        self._inbox = self.keys.inbox(self.client_id)
        self._waiters: dict[str, asyncio.Future[tuple[str, str | None]]] = {}
        # How many outcomes this client's inbox received per job (chaos tests check it is 1).
        self.deliveries: Counter[str] = Counter()
        self._reader: asyncio.Task[None] | None = None
        self._scripts: dict[str, Any] = {}
        self._closed = False

    @classmethod
    def from_config(cls, config: BackendConfig) -> RedisQueueBackend:
        return cls(config)

    @property
    def redis(self) -> Any:
        if self._redis is None:
            self._redis = connect(self.url)
        return self._redis

    def _script(self, source: str) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self.redis.register_script(source)
        return script

    # ------------------------------------------------------------------ submitting

    async def submit(
        self,
        kind: JobKind,
        request: Any,
        *,
        job_id: str | None = None,
        timeout: float = 60.0,
    ) -> JobHandle:
        """Enqueue a job; with the id of an existing job, attach to it instead (idempotent)."""
        if self._closed:
            raise QueueError("this backend is closed")
        job_id = job_id or getattr(request, "request_id", None) or uuid.uuid4().hex
        if not 0 < len(job_id) <= 128 or any(c in job_id for c in "{} \r\n"):
            raise ValidationError(f"invalid job id {job_id!r}")
        envelope = encode_envelope(
            job_id, kind, request, timeout=timeout + self.queue_wait, reply_to=self._inbox
        )
        future: asyncio.Future[tuple[str, str | None]] = asyncio.get_running_loop().create_future()
        self._waiters[job_id] = future  # before the job exists: its result cannot be missed
        try:
            self._ensure_reader()
            # Idempotent by job id: a retry after a reply lost in an outage attaches to
            # the job the first attempt created.
            created, _state = await retry_transient(
                lambda: self._script(SUBMIT)(
                    keys=[self.keys.job(job_id), self.keys.stream, self.keys.stats],
                    args=[
                        job_id,
                        envelope,
                        kind,
                        time.time(),
                        time.time() + timeout + self.queue_wait,
                        self.job_ttl,
                    ],
                ),
                limit=self.outage_tolerance,
                log=log,
            )
        except Exception as exc:
            self._waiters.pop(job_id, None)
            future.cancel()
            if isinstance(exc, WaltError):
                raise
            raise _redis_error(exc, self.url, "enqueueing a job") from exc
        existing = not bool(int(created))
        if existing:
            # Someone else's submission: its result goes to their inbox, we watch the record.
            self._waiters.pop(job_id, None)
            future.cancel()
            log.debug("job %s already exists; attaching to it", job_id)
        else:
            log.debug("enqueued %s job %s on %s", kind, job_id, self.keys.queue)
        return JobHandle(self, job_id, kind, existing=existing)

    def _ensure_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.ensure_future(self._read_inbox())

    async def _read_inbox(self) -> None:
        last_id = "0"
        failures = 0
        while not self._closed:
            try:
                replies = await self.redis.xread({self._inbox: last_id}, count=200, block=1000)
                if failures:
                    failures = 0
                    await self._recheck_waiters()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.debug("inbox read failed (%s); retrying", exc)
                await asyncio.sleep(reconnect_pause(failures))
                continue
            for _stream, entries in replies or []:
                for entry_id, fields in entries:
                    last_id = entry_id
                    self.deliveries[fields.get("id", "")] += 1
                    future = self._waiters.pop(fields.get("id", ""), None)
                    if future is not None and not future.done():
                        future.set_result(
                            (fields.get("state", "failed"), fields.get("outcome") or None)
                        )
            if not self._waiters and replies:
                with contextlib.suppress(Exception):
                    await self.redis.xtrim(self._inbox, minid=last_id)

    async def _recheck_waiters(self) -> None:
        """After a lost connection, look up jobs that may have finished meanwhile."""
        for job_id, future in list(self._waiters.items()):
            state, payload = await self.redis.hmget(self.keys.job(job_id), ["state", "outcome"])
            if state in FINAL_STATES and not future.done():
                self._waiters.pop(job_id, None)
                future.set_result((state, payload))

    # ------------------------------------------------------------------ waiting

    async def wait(self, job_id: str, kind: str, timeout: float | None) -> Any:
        """Wait for a job's outcome (see the module docstring on why nothing is missed)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        future = self._waiters.get(job_id)
        state: str | None
        payload: str | None
        try:
            if future is not None:
                state, payload = await asyncio.wait_for(asyncio.shield(future), timeout)
                if not payload:
                    payload = await retry_transient(
                        lambda: self.redis.hget(self.keys.job(job_id), "outcome"),
                        limit=self.outage_tolerance,
                    )
            else:
                state, payload = await self._wait_record(job_id, deadline)
        except TimeoutError:
            raise WaltTimeoutError(
                f"no result for job {job_id} within {timeout:g} s; it may still run: wait again "
                "with its handle, or send the same request (same request_id) to attach to it",
                details={"job_id": job_id, "timeout": timeout},
            ) from None
        except WaltError:
            raise
        except Exception as exc:
            raise _redis_error(exc, self.url, f"waiting for job {job_id}") from exc
        self._waiters.pop(job_id, None)
        return _outcome(kind, state or "failed", payload, job_id)

    async def _wait_record(self, job_id: str, deadline: float | None) -> tuple[str, str | None]:
        key, done = self.keys.job(job_id), self.keys.done(job_id)
        while True:
            state, payload = await retry_transient(
                lambda: self.redis.hmget(key, ["state", "outcome"]), limit=self.outage_tolerance
            )
            if state is None:
                raise JobNotFoundError(
                    f"no job {job_id} (never submitted, or expired)", details={"job_id": job_id}
                )
            if state in FINAL_STATES:
                return state, payload
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError
            # Rotating the list onto itself waits without consuming the token.
            block = 5.0 if remaining is None else max(0.05, min(remaining, 5.0))
            try:
                await self.redis.blmove(done, done, block, "RIGHT", "LEFT")
            except Exception as exc:
                if not is_transient(exc):
                    raise
                await asyncio.sleep(reconnect_pause(1))  # the record read retries

    async def _run(
        self, kind: JobKind, request: Any, timeout: float, progress: ProgressCallback | None = None
    ) -> Any:
        handle = await self.submit(kind, request, timeout=timeout)
        if progress is None:
            return await handle.result(timeout + self.queue_wait)
        finished = asyncio.Event()
        follower = asyncio.ensure_future(self._follow_progress(handle.id, progress, finished))
        try:
            return await handle.result(timeout + self.queue_wait)
        finally:
            finished.set()  # the follower reads what is left (the final "done"), then stops
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(follower, 2.0)

    async def _follow_progress(
        self, job_id: str, progress: ProgressCallback, finished: asyncio.Event
    ) -> None:
        """Hand the worker's progress events for ``job_id`` to ``progress`` as they come."""
        key, last = self.keys.progress(job_id), "0"
        failures = 0
        while True:
            final = finished.is_set()
            try:
                replies = await self.redis.xread(
                    {key: last}, count=100, block=None if final else 500
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                if final:
                    return
                failures += 1
                await asyncio.sleep(reconnect_pause(failures))
                continue
            failures = 0
            for _stream, entries in replies or []:
                for entry_id, fields in entries:
                    last = entry_id
                    with contextlib.suppress(Exception):
                        event = converter.structure(json.loads(fields["event"]), ProgressEvent)
                        outcome = progress(event)
                        if asyncio.iscoroutine(outcome):
                            await outcome
            if final:
                return

    # ------------------------------------------------------------------ Backend protocol

    async def discover(
        self, request: DiscoverRequest, *, progress: ProgressCallback | None = None
    ) -> DiscoverResult:
        result: DiscoverResult = await self._run("discover", request, request.time_budget, progress)
        return result

    async def generate(
        self, request: GenerateRequest, *, progress: ProgressCallback | None = None
    ) -> GenerateResult:
        result: GenerateResult = await self._run("generate", request, request.time_budget, progress)
        return result

    async def execute(self, request: ExecuteRequest) -> ExecuteResult:
        result: ExecuteResult = await self._run("execute", request, request.timeout)
        return result

    async def ping(self, timeout: float = 5.0) -> float:
        """A no-op job's round trip through a worker, in milliseconds."""
        started = time.perf_counter()
        handle = await self.submit("ping", None, timeout=timeout)
        await handle.result(timeout)
        return (time.perf_counter() - started) * 1000

    async def health(self) -> Health:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self.redis.ping(), 2.0)
            workers = await self._live_workers()
        except Exception as exc:
            return Health(
                ok=False, backend=self.name, detail=f"Redis at {mask_redis_url(self.url)}: {exc}"
            )
        latency = (time.perf_counter() - started) * 1000
        if not workers:
            return Health(
                ok=False,
                backend=self.name,
                latency_ms=latency,
                workers=0,
                detail=f"no live worker on queue {self.keys.queue!r}",
            )
        return Health(
            ok=True,
            backend=self.name,
            latency_ms=latency,
            workers=len(workers),
            detail=f"{len(workers)} live workers on queue {self.keys.queue!r}",
        )

    async def _live_workers(self) -> list[str]:
        ids = sorted(await self.redis.smembers(self.keys.workers))
        if not ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for worker_id in ids:
            pipe.exists(self.keys.worker(worker_id))
        flags = await pipe.execute()
        return [w for w, flag in zip(ids, flags, strict=True) if flag]

    # ------------------------------------------------------------------ JobBackend

    async def submit_job(self, kind: str, request: Any, *, timeout: float) -> str:
        """:class:`~walt.backends.base.JobBackend`: enqueue, return the job's id."""
        if kind not in ("discover", "generate", "execute"):
            raise ValidationError(f"kind must be discover, generate or execute, not {kind!r}")
        handle = await self.submit(cast(JobKind, kind), request, timeout=timeout)
        return handle.id

    async def job_state(self, job_id: str) -> dict[str, Any]:
        state: dict[str, Any] = converter.unstructure(await self.job_status(job_id))
        return state

    async def job_result(self, job_id: str, timeout: float) -> Any:
        status = await self.job_status(job_id)
        return await self.wait(job_id, status.kind or "execute", timeout)

    async def job_events(self, job_id: str) -> list[dict[str, Any]]:
        entries = await self.redis.xrange(self.keys.progress(job_id))
        return [json.loads(fields["event"]) for _entry, fields in entries]

    async def cancel_job(self, job_id: str) -> bool:
        return await self.cancel(job_id)

    # ------------------------------------------------------------------ operations

    async def job_status(self, job_id: str) -> JobStatus:
        data = await self.redis.hgetall(self.keys.job(job_id))
        if not data:
            raise JobNotFoundError(
                f"no job {job_id} (never submitted, or expired)", details={"job_id": job_id}
            )
        error = None
        if data.get("outcome"):
            with contextlib.suppress(ValueError, TypeError):
                outcome = json.loads(data["outcome"])
                if isinstance(outcome.get("error"), dict):
                    error = WaltError.from_dict(outcome["error"])
        return JobStatus(
            id=job_id,
            state=data.get("state", "unknown"),
            kind=data.get("kind"),
            attempt=int(data.get("attempt", 0) or 0),
            worker=data.get("worker"),
            created_at=_float(data.get("created_at")),
            started_at=_float(data.get("started_at")),
            finished_at=_float(data.get("finished_at")),
            error=error,
            cancel_requested=data.get("cancel_requested") == "1",
        )

    async def cancel(self, job_id: str) -> bool:
        outcome = json.dumps({"error": JobCancelledError(f"job {job_id} was cancelled").to_dict()})
        result = await self._script(CANCEL)(
            keys=[self.keys.job(job_id), self.keys.done(job_id), self.keys.stats, self._inbox],
            args=[
                time.time(),
                outcome,
                "1" if job_id in self._waiters else "0",
                job_id,
                self.job_ttl,
            ],
        )
        if result == "missing":
            raise JobNotFoundError(f"no job {job_id}", details={"job_id": job_id})
        return result in ("cancelled", "requested")

    async def stats(self) -> QueueStats:
        """Queue depth, jobs in flight, dead letters, workers and counters; a Redis that
        cannot be reached or refuses the credentials is a typed error, one line long."""
        return await self._typed(self._stats(), "reading the queue's status")

    async def _stats(self) -> QueueStats:
        r = self.redis
        length = await r.xlen(self.keys.stream) if await r.exists(self.keys.stream) else 0
        in_flight = 0
        with contextlib.suppress(Exception):
            summary = await r.xpending(self.keys.stream, self.keys.group)
            in_flight = int(summary.get("pending", 0) if isinstance(summary, dict) else summary[0])
        dead = await r.xlen(self.keys.dead) if await r.exists(self.keys.dead) else 0
        counters = {k: int(v) for k, v in (await r.hgetall(self.keys.stats)).items()}
        workers: list[WorkerInfo] = []
        now = time.time()
        for worker_id in sorted(await r.smembers(self.keys.workers)):
            raw = await r.get(self.keys.worker(worker_id))
            if raw is None:
                workers.append(WorkerInfo(id=worker_id, alive=False))
                continue
            info = json.loads(raw)
            workers.append(
                WorkerInfo(
                    id=worker_id,
                    alive=True,
                    host=info.get("host"),
                    pid=info.get("pid"),
                    concurrency=info.get("concurrency"),
                    started_at=info.get("started_at"),
                    heartbeat_age=now - float(info.get("heartbeat", now)),
                    jobs=tuple(info.get("jobs", ())),
                    processed=int(info.get("processed", 0)),
                )
            )
        return QueueStats(
            queue=self.keys.queue,
            queued=max(0, length - in_flight),
            in_flight=in_flight,
            dead=dead,
            workers=tuple(workers),
            counters=counters,
        )

    async def dead_letters(self, count: int = 100) -> list[dict[str, Any]]:
        entries = await self.redis.xrange(self.keys.dead, count=count)
        return [{"entry": entry_id, **fields} for entry_id, fields in entries]

    async def requeue_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Put dead letters back in line (all, or those of ``job_ids``) with fresh attempts;
        Redis failures are typed errors."""
        return await self._typed(self._requeue_dead(job_ids), "requeueing dead letters")

    async def _typed(self, call: Awaitable[_T], doing: str) -> _T:
        """``call``'s result; a Redis failure (unreachable, wrong credentials) as the typed
        error of :func:`_redis_error`."""
        try:
            return await call
        except WaltError:
            raise
        except Exception as exc:
            raise _redis_error(exc, self.url, doing) from None

    async def _requeue_dead(self, job_ids: Sequence[str] | None) -> int:
        moved = 0
        for entry_id, fields in await self.redis.xrange(self.keys.dead):
            job_id = fields.get("id", "")
            if job_ids is not None and job_id not in job_ids:
                continue
            envelope = fields.get("envelope", "")
            pipe = self.redis.pipeline(transaction=True)
            pipe.xadd(self.keys.stream, {"id": job_id, "envelope": envelope})
            pipe.hset(self.keys.job(job_id), mapping={"state": "queued", "attempt": 0})
            pipe.hdel(self.keys.job(job_id), "outcome", "finished_at")
            pipe.delete(self.keys.done(job_id))
            pipe.xdel(self.keys.dead, entry_id)
            pipe.hincrby(self.keys.stats, "requeued", 1)
            await pipe.execute()
            moved += 1
        return moved

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        for future in self._waiters.values():
            future.cancel()
        self._waiters.clear()
        if self._redis is not None and self._owns_redis:
            with contextlib.suppress(Exception):
                await self._redis.delete(self._inbox)
            with contextlib.suppress(Exception):
                await self._redis.aclose()
