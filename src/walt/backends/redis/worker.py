"""``walt worker``: runs the jobs of a Redis queue with the in-process backend.

A worker reads the queue's stream through the consumer group, runs up to
``concurrency`` jobs at once on one shared browser, and keeps every running job
leased: a liveness key with a TTL for the worker, a lease key per job, and the
job's stream entry re-claimed by itself so its idle time stays low. A job is
taken over (XCLAIM) by another worker only when its entry has been idle longer
than the lease and its lease key has expired: its worker died or hung.

A job is delivered at most ``max_deliveries`` times; then it goes to the
dead-letter stream and its waiter gets a :class:`DeadLetterError`. A malformed
job is answered at once with a typed error, never dropped. Transient Redis
errors are retried with backoff; one bad job never stops the worker.

Signals are handled only when asked (``install_signal_handlers=True``, which
the CLI does): the first SIGTERM/SIGINT stops taking work, finishes and
acknowledges the running jobs and exits; a second aborts them, leaving them to
be reclaimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from walt.backends.base import Backend, BackendConfig
from walt.backends.redis.protocol import (
    FINISH,
    REQUEUE,
    START,
    Envelope,
    Keys,
    decode_envelope,
    encode_outcome,
    reconnect_pause,
    retry_transient,
)
from walt.backends.redis.queue import connect
from walt.backends.redis.urls import mask_redis_url
from walt.core.converter import converter
from walt.core.costs import PriceTable
from walt.core.errors import (
    BackendUnavailableError,
    DeadLetterError,
    JobCancelledError,
    QueueError,
    WaltError,
    WaltTimeoutError,
    translate,
)
from walt.core.logging import LoggerLike, get_logger, log_context, use_logger
from walt.core.urls import UrlPolicy

if TYPE_CHECKING:
    from walt.store import ToolStore

__all__ = ["Worker", "WorkerConfig"]

# The name it had before the worker moved here: logging configurations select it by name.
log = get_logger("walt.worker")
T = TypeVar("T")
INLINE_LIMIT = 200_000
"""Outcomes up to this size travel inside the caller's inbox entry (saves a round trip)."""


@attrs.frozen(kw_only=True)
class WorkerConfig:
    redis_url: str = attrs.field(repr=mask_redis_url)
    queue: str = "walt"
    concurrency: int = 4
    max_jobs: int | None = None
    lease_ttl: float = 30.0
    max_deliveries: int = 3
    result_ttl: int = 24 * 3600
    block_ms: int = 1000
    reclaim_every: float = 5.0
    worker_id: str | None = None
    policy: UrlPolicy = attrs.field(factory=UrlPolicy)
    prices: PriceTable = attrs.field(factory=PriceTable)
    browser_path: str | None = None
    save_discovered: bool = False


class _ProgressSink:
    """Publishes a discovery's progress events, in order, without slowing the discovery down."""

    def __init__(self, redis: Any, key: str) -> None:
        self._redis = redis
        self._key = key
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=1000)
        self._task = asyncio.ensure_future(self._publish())

    def emit(self, event: Any) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a slow Redis drops events, not work
            self._queue.put_nowait(json.dumps(converter.unstructure(event)))

    async def _publish(self) -> None:
        while (item := await self._queue.get()) is not None:
            with contextlib.suppress(Exception):
                await self._redis.xadd(self._key, {"event": item}, maxlen=500, approximate=True)
                await self._redis.expire(self._key, 600)

    async def close(self) -> None:
        self._queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._task, 5)


class Worker:
    """Runs jobs from a Redis queue (see the module docstring)."""

    def __init__(
        self,
        config: WorkerConfig,
        *,
        backend: Backend | None = None,
        store: ToolStore | None = None,
        logger: LoggerLike | None = None,
        redis: Any = None,
    ) -> None:
        if config.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.config = config
        self.keys = Keys(config.queue)
        self.id = config.worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._logger = logger
        self._redis = redis
        self._backend = backend
        self._store = store
        self._running: dict[str, tuple[asyncio.Task[None], str]] = {}  # job id -> (task, entry)
        self._stopping = asyncio.Event()
        self._aborted = False
        self.processed = 0
        self.started_jobs = 0
        self.started_at = time.time()
        self._scripts: dict[str, Any] = {}

    # ------------------------------------------------------------------ plumbing

    @property
    def redis(self) -> Any:
        if self._redis is None:
            self._redis = connect(
                self.config.redis_url, max_connections=self.config.concurrency + 8
            )
        return self._redis

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            from walt.backends.inprocess import InProcessBackend

            self._backend = InProcessBackend(
                BackendConfig(
                    policy=self.config.policy,
                    prices=self.config.prices,
                    browser_path=self.config.browser_path,
                    options={"max_contexts": self.config.concurrency},
                )
            )
        return self._backend

    def _script(self, source: str) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self.redis.register_script(source)
        return script

    async def _retry(self, call: Callable[[], Awaitable[T]], what: str, limit: float = 300.0) -> T:
        """Retry a Redis call through transient errors (a restart, a failover) for ``limit``
        s, with jittered backoff (:func:`~walt.backends.redis.protocol.retry_transient`)."""
        log.debug("redis: %s", what)
        return await retry_transient(call, limit=limit, log=log)

    # ------------------------------------------------------------------ lifecycle

    def request_stop(self) -> None:
        """Stop taking work; running jobs finish and are acknowledged."""
        self._stopping.set()

    def abort(self) -> None:
        """Stop now: running jobs are left unacknowledged, for another worker to reclaim."""
        self._aborted = True
        self._stopping.set()
        for task, _entry in list(self._running.values()):
            task.cancel()

    async def run(self, *, install_signal_handlers: bool = False) -> int:
        """Work until stopped (or ``max_jobs`` are done); returns the number of jobs run."""
        with use_logger(self._logger), log_context(worker=self.id, queue=self.keys.queue):
            if install_signal_handlers:
                self._install_signal_handlers()
            await self._retry(self._ensure_group, "creating the consumer group")
            await self._retry(self._heartbeat_once, "registering the worker")
            log.info(
                "worker %s on queue %s (concurrency %d)",
                self.id,
                self.keys.queue,
                self.config.concurrency,
            )
            heartbeat = asyncio.create_task(self._heartbeat_loop())
            try:
                await self._loop()
                if self._running and not self._aborted:
                    log.info("finishing %d running jobs before exiting", len(self._running))
                    await asyncio.gather(
                        *(t for t, _ in self._running.values()), return_exceptions=True
                    )
            finally:
                heartbeat.cancel()
                with contextlib.suppress(BaseException):
                    await heartbeat
                if self._aborted:
                    for task, _ in list(self._running.values()):
                        task.cancel()
                    await asyncio.gather(
                        *(t for t, _ in self._running.values()), return_exceptions=True
                    )
                await self._deregister()
                await self._close()
            return self.processed

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> None:
            if self._stopping.is_set():
                log.warning("second signal: aborting; running jobs will be reclaimed")
                self.abort()
            else:
                log.warning(
                    "signal %d: finishing running jobs, then exiting (again to abort)", signum
                )
                self.request_stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig)

    async def _ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.keys.stream, self.keys.group, id="0", mkstream=True)
        except Exception as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _info(self) -> str:
        return json.dumps(
            {
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "concurrency": self.config.concurrency,
                "started_at": self.started_at,
                "heartbeat": time.time(),
                "jobs": sorted(self._running),
                "processed": self.processed,
            }
        )

    async def _heartbeat_once(self) -> None:
        ttl_ms = int(self.config.lease_ttl * 1000)
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self.keys.worker(self.id), self._info(), px=ttl_ms)
        pipe.sadd(self.keys.workers, self.id)
        for job_id in self._running:
            pipe.set(self.keys.lease(job_id), self.id, px=ttl_ms)
            pipe.hget(self.keys.job(job_id), "cancel_requested")
        results = await pipe.execute()
        entries = [entry for _task, entry in self._running.values()]
        if entries:
            # Re-claiming our own entries keeps their idle time low: nobody reclaims a live job.
            await self.redis.xclaim(
                self.keys.stream, self.keys.group, self.id, 0, entries, justid=True
            )
        for (job_id, (task, _entry)), flag in zip(
            list(self._running.items()), results[3::2], strict=False
        ):
            if flag == "1" and not task.done():
                log.info("job %s: cancellation requested", job_id)
                task.cancel()

    async def _heartbeat_loop(self) -> None:
        interval = max(0.2, self.config.lease_ttl / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await self._heartbeat_once()
            except Exception as exc:
                log.warning("heartbeat failed: %s", exc)

    async def _deregister(self) -> None:
        with contextlib.suppress(Exception):
            pipe = self.redis.pipeline(transaction=False)
            pipe.delete(self.keys.worker(self.id))
            pipe.srem(self.keys.workers, self.id)
            if self._aborted:
                for job_id in self._running:
                    pipe.delete(self.keys.lease(job_id))  # reclaimable as soon as idle
            await pipe.execute()

    async def _close(self) -> None:
        if self._backend is not None:
            with contextlib.suppress(Exception):
                await self._backend.aclose()
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()

    # ------------------------------------------------------------------ the loop

    async def _loop(self) -> None:
        last_reclaim = 0.0
        failures = 0
        while not self._stopping.is_set():
            limit = self.config.max_jobs
            if limit is not None and self.started_jobs >= limit:
                break
            free = self.config.concurrency - len(self._running)
            if free <= 0:
                await asyncio.wait(
                    [t for t, _ in self._running.values()],
                    timeout=1.0,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                continue
            if limit is not None:
                free = min(free, limit - self.started_jobs)
            try:
                if time.monotonic() - last_reclaim >= self.config.reclaim_every:
                    last_reclaim = time.monotonic()
                    await self._reclaim(free)
                    free = self.config.concurrency - len(self._running)
                    if free <= 0:
                        continue
                replies = await self.redis.xreadgroup(
                    self.keys.group,
                    self.id,
                    {self.keys.stream: ">"},
                    count=free,
                    block=self.config.block_ms,
                )
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = reconnect_pause(failures, cap=5.0)
                log.warning("reading the queue failed (%s); retrying in %.1f s", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                if "NOGROUP" in str(exc):
                    with contextlib.suppress(Exception):
                        await self._ensure_group()
                continue
            for _stream, entries in replies or []:
                for entry_id, fields in entries:
                    self._spawn(entry_id, fields)

    def _spawn(self, entry_id: str, fields: dict[str, str]) -> None:
        job_id = fields.get("id") or f"entry-{entry_id}"
        if job_id in self._running:
            return  # already running here (a reclaim raced our own read)
        self.started_jobs += 1
        task = asyncio.create_task(self._handle(entry_id, fields))
        self._running[job_id] = (task, entry_id)
        task.add_done_callback(functools.partial(self._forget, job_id))

    def _forget(self, job_id: str, _task: asyncio.Task[None]) -> None:
        self._running.pop(job_id, None)

    async def _reclaim(self, free: int) -> None:
        """Take over jobs whose worker died or stopped renewing its lease."""
        min_idle = int(self.config.lease_ttl * 1000)
        pending = await self.redis.xpending_range(
            self.keys.stream,
            self.keys.group,
            min="-",
            max="+",
            count=max(free * 4, 10),
            idle=min_idle,
        )
        for entry in pending:
            if free <= 0:
                return
            entry_id = entry["message_id"]
            rows = await self.redis.xrange(self.keys.stream, entry_id, entry_id)
            if not rows:
                await self.redis.xack(self.keys.stream, self.keys.group, entry_id)
                continue
            job_id = rows[0][1].get("id", "")
            if job_id and await self.redis.exists(self.keys.lease(job_id)):
                continue  # its worker still holds the lease
            claimed = await self.redis.xclaim(
                self.keys.stream, self.keys.group, self.id, min_idle, [entry_id]
            )
            for claimed_id, fields in claimed or []:
                if fields:
                    log.info("reclaimed job %s from %s", job_id, entry.get("consumer"))
                    self._spawn(claimed_id, fields)
                    free -= 1

    # ------------------------------------------------------------------ one job

    async def _handle(self, entry_id: str, fields: dict[str, str]) -> None:
        job_id = fields.get("id", "")
        with log_context(job_id=job_id or None):
            try:
                await self._handle_job(entry_id, fields)
            except asyncio.CancelledError:
                if not self._aborted:
                    raise
            except Exception as exc:  # the worker must outlive any one job
                log.exception("job %s: unexpected failure: %s", job_id, exc)

    async def _handle_job(self, entry_id: str, fields: dict[str, str]) -> None:
        try:
            envelope = decode_envelope(fields.get("envelope"))
        except QueueError as exc:
            await self._malformed(entry_id, fields, exc)
            return
        ttl_ms = int(self.config.lease_ttl * 1000)
        outcome, attempt = await self._retry(
            lambda: self._script(START)(
                keys=[self.keys.job(envelope.id), self.keys.lease(envelope.id)],
                args=[self.id, time.time(), ttl_ms],
            ),
            "starting a job",
        )
        attempt = int(attempt)
        if outcome != "started":
            if outcome == "missing":
                await self._finish(
                    entry_id,
                    envelope,
                    "failed",
                    error=QueueError(f"job {envelope.id} has no record (expired?)"),
                )
            else:
                await self._ack(entry_id)  # already final (cancelled, or done by another worker)
            return
        if attempt > self.config.max_deliveries:
            await self._dead_letter(entry_id, envelope, fields, attempt)
            return
        if envelope.deadline and time.time() > envelope.deadline:
            await self._finish(
                entry_id,
                envelope,
                "failed",
                error=WaltTimeoutError(
                    f"job {envelope.id} expired before a worker could run it", retryable=False
                ),
            )
            return
        started = time.perf_counter()
        log.debug("running %s job %s (attempt %d)", envelope.kind, envelope.id, attempt)
        try:
            result = await self._execute(envelope)
        except asyncio.CancelledError:
            if self._aborted:
                raise  # left unacknowledged: reclaimed later
            await self._finish(
                entry_id,
                envelope,
                "cancelled",
                error=JobCancelledError(f"job {envelope.id} was cancelled"),
            )
            return
        except WaltError as exc:
            nothing_ran = isinstance(exc, BackendUnavailableError)
            if (
                exc.retryable
                and attempt < self.config.max_deliveries
                and (nothing_ran or self._idempotent(envelope))
            ):
                await self._requeue(entry_id, envelope, fields)
                return
            await self._finish(entry_id, envelope, "failed", error=exc)
            return
        except Exception as exc:
            await self._finish(entry_id, envelope, "failed", error=translate(exc, QueueError))
            return
        if envelope.kind == "discover" and self.config.save_discovered and self._store is not None:
            for tool in getattr(result, "tools", ()):
                with contextlib.suppress(Exception):
                    await self._store.put(tool)
        self.processed += 1
        log.debug("job %s done in %.0f ms", envelope.id, (time.perf_counter() - started) * 1000)
        await self._finish(entry_id, envelope, "done", result=result)

    @staticmethod
    def _idempotent(envelope: Envelope) -> bool:
        if envelope.kind != "execute":
            return not envelope.request.get("validate_writes", False)
        with contextlib.suppress(Exception):
            request = envelope.typed_request()
            return bool(request.tool.is_idempotent)
        return False

    async def _execute(self, envelope: Envelope) -> Any:
        if envelope.kind == "ping":
            return {"worker": self.id, "at": time.time()}
        request = envelope.typed_request()
        backend = self.backend
        if envelope.kind == "execute":
            return await backend.execute(request)
        sink = _ProgressSink(self.redis, self.keys.progress(envelope.id))
        try:
            if envelope.kind == "discover":
                return await backend.discover(request, progress=sink.emit)
            return await backend.generate(request, progress=sink.emit)
        finally:
            await sink.close()

    # ------------------------------------------------------------------ endings

    async def _finish(
        self,
        entry_id: str,
        envelope: Envelope,
        state: str,
        *,
        result: Any = None,
        error: WaltError | None = None,
    ) -> None:
        payload = encode_outcome(result, error)
        inline = payload if len(payload) <= INLINE_LIMIT else ""
        counter = {"done": "done", "failed": "failed", "dead": "dead", "cancelled": "cancelled"}[
            state
        ]
        inbox = (
            envelope.reply_to
            if envelope.reply_to and envelope.reply_to.startswith(self.keys.prefix)
            else None
        )
        keys = [
            self.keys.job(envelope.id),
            self.keys.done(envelope.id),
            self.keys.stream,
            self.keys.stats,
            self.keys.lease(envelope.id),
            inbox or self.keys.job(envelope.id),
        ]
        args = [
            state,
            payload,
            time.time(),
            self.config.result_ttl,
            entry_id,
            self.keys.group,
            counter,
            "1" if inbox else "0",
            envelope.id,
            inline,
        ]
        await self._retry(lambda: self._script(FINISH)(keys=keys, args=args), "finishing a job")

    async def _ack(self, entry_id: str) -> None:
        async def ack() -> None:
            pipe = self.redis.pipeline(transaction=True)
            pipe.xack(self.keys.stream, self.keys.group, entry_id)
            pipe.xdel(self.keys.stream, entry_id)
            await pipe.execute()

        await self._retry(ack, "acknowledging a job")

    async def _requeue(self, entry_id: str, envelope: Envelope, fields: dict[str, str]) -> None:
        log.info("job %s failed with a retryable error; back in line", envelope.id)
        await self._retry(
            lambda: self._script(REQUEUE)(
                keys=[self.keys.stream, self.keys.stats, self.keys.job(envelope.id)],
                args=[self.keys.group, entry_id, envelope.id, fields.get("envelope", "")],
            ),
            "requeueing a job",
        )

    async def _dead_letter(
        self, entry_id: str, envelope: Envelope, fields: dict[str, str], attempt: int
    ) -> None:
        reason = f"job {envelope.id} failed on all {self.config.max_deliveries} deliveries allowed"
        log.warning("%s: moved to the dead-letter stream", reason)
        await self._retry(
            lambda: self.redis.xadd(
                self.keys.dead,
                {
                    "id": envelope.id,
                    "envelope": fields.get("envelope", ""),
                    "reason": reason,
                    "attempts": str(attempt - 1),
                    "at": str(time.time()),
                },
            ),
            "dead-lettering a job",
        )
        await self._finish(
            entry_id,
            envelope,
            "dead",
            error=DeadLetterError(reason, details={"job_id": envelope.id, "attempts": attempt - 1}),
        )

    async def _malformed(self, entry_id: str, fields: dict[str, str], exc: QueueError) -> None:
        job_id = fields.get("id")
        log.warning("malformed job %s: %s", job_id or entry_id, exc.message)
        if job_id:
            raw = fields.get("envelope") or "{}"
            reply_to = None
            with contextlib.suppress(Exception):
                data = json.loads(raw)
                reply_to = data.get("reply_to") if isinstance(data, dict) else None
            placeholder = Envelope(
                id=job_id,
                kind="ping",
                request={},
                created_at=0,
                deadline=0,
                reply_to=reply_to if isinstance(reply_to, str) else None,
            )
            await self._finish(entry_id, placeholder, "failed", error=exc)
            return
        # No id to answer to: keep it for a person to look at, never drop it.
        await self._retry(
            lambda: self.redis.xadd(
                self.keys.dead, {**fields, "reason": exc.message, "at": str(time.time())}
            ),
            "dead-lettering a malformed job",
        )
        await self._ack(entry_id)
