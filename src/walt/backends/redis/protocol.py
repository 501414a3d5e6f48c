"""The Redis queue's protocol: key names, the job envelope, and the atomic scripts.

Every key of one queue carries the queue name as a Redis Cluster hash tag
(``walt:{jobs}:...``), so one queue lives in one slot and its Lua scripts are
valid on a cluster. Per queue:

=====================  ===================================================================
``{p}stream``           the jobs (a stream read by the consumer group ``workers``)
``{p}dead``             the dead-letter stream
``{p}job:<id>``         the status hash of a job (state, attempt, worker, times, result/error)
``{p}done:<id>``        a list holding one token once the job is final (waiters block on it)
``{p}inbox:<client>``   a client's stream of finished jobs (one blocking read per client)
``{p}progress:<id>``    a discovery's progress events, for a caller that asked for them
``{p}lease:<id>``       the running worker's lease on the job (a key with a TTL)
``{p}worker:<id>``      a worker's liveness key (TTL) with its description
``{p}workers``          the set of worker ids (for ``walt status``)
``{p}stats``            counters: enqueued, done, failed, dead, retried, cancelled
=====================  ===================================================================

States: ``queued`` -> ``running`` -> one of ``done`` (a result, possibly a
failed tool), ``failed`` (a typed error), ``dead`` (deliveries exhausted) or
``cancelled``. A final state is written once: the finishing script refuses to
overwrite one, so a job reclaimed from a worker that was only slow still ends
in exactly one final state.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, Literal, TypeVar

import attrs

from walt.core.converter import converter
from walt.core.errors import QueueError, ValidationError, WaltError
from walt.core.messages import (
    DiscoverRequest,
    DiscoverResult,
    ExecuteRequest,
    ExecuteResult,
    GenerateRequest,
    GenerateResult,
)

__all__ = [
    "ENVELOPE_VERSION",
    "FINAL_STATES",
    "OUTAGE_TOLERANCE",
    "Envelope",
    "JobKind",
    "Keys",
    "decode_envelope",
    "encode_envelope",
    "is_transient",
    "retry_transient",
]

ENVELOPE_VERSION: Final = 1
GROUP: Final = "workers"
FINAL_STATES: Final = frozenset({"done", "failed", "dead", "cancelled"})
JobKind = Literal["discover", "generate", "execute", "ping"]

REQUEST_TYPES: Final[dict[str, type[Any]]] = {
    "discover": DiscoverRequest,
    "generate": GenerateRequest,
    "execute": ExecuteRequest,
}
RESULT_TYPES: Final[dict[str, type[Any]]] = {
    "discover": DiscoverResult,
    "generate": GenerateResult,
    "execute": ExecuteResult,
}


class Keys:
    """Key names of one queue (all in one Cluster slot)."""

    def __init__(self, queue: str) -> None:
        if not queue or any(c in queue for c in "{}\r\n ") or len(queue) > 64:
            raise ValidationError(
                f"invalid queue name {queue!r}: 1-64 characters, no braces or spaces"
            )
        self.queue = queue
        self.prefix = f"walt:{{{queue}}}:"
        self.stream = self.prefix + "stream"
        self.dead = self.prefix + "dead"
        self.workers = self.prefix + "workers"
        self.stats = self.prefix + "stats"
        self.group = GROUP

    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    def done(self, job_id: str) -> str:
        return f"{self.prefix}done:{job_id}"

    def lease(self, job_id: str) -> str:
        return f"{self.prefix}lease:{job_id}"

    def worker(self, worker_id: str) -> str:
        return f"{self.prefix}worker:{worker_id}"

    def inbox(self, client_id: str) -> str:
        return f"{self.prefix}inbox:{client_id}"

    def progress(self, job_id: str) -> str:
        return f"{self.prefix}progress:{job_id}"


@attrs.frozen
class Envelope:
    """A job as it travels: what to do, for whom, until when."""

    id: str
    kind: JobKind
    request: dict[str, Any]
    created_at: float
    deadline: float
    reply_to: str | None = None
    version: int = ENVELOPE_VERSION

    def typed_request(self) -> Any:
        if self.kind == "ping":
            return None
        return converter.structure(self.request, REQUEST_TYPES[self.kind])


def encode_envelope(
    job_id: str,
    kind: JobKind,
    request: Any,
    *,
    timeout: float,
    reply_to: str | None = None,
) -> str:
    now = time.time()
    payload = {} if request is None else converter.unstructure(request)
    return json.dumps(
        {
            "v": ENVELOPE_VERSION,
            "id": job_id,
            "kind": kind,
            "request": payload,
            "created_at": now,
            "deadline": now + timeout,
            "reply_to": reply_to,
        },
        separators=(",", ":"),
    )


def decode_envelope(raw: str | bytes | None) -> Envelope:
    """Parse an envelope; a malformed one raises :class:`QueueError` saying why."""
    if raw is None:
        raise QueueError("malformed job: no envelope")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise QueueError(f"malformed job: the envelope is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise QueueError("malformed job: the envelope is not an object")
    version = data.get("v")
    if version != ENVELOPE_VERSION:
        raise QueueError(f"malformed job: unsupported envelope version {version!r}")
    kind = data.get("kind")
    if kind not in (*REQUEST_TYPES, "ping"):
        raise QueueError(f"malformed job: unknown kind {kind!r}")
    job_id, request = data.get("id"), data.get("request")
    if not isinstance(job_id, str) or not job_id or not isinstance(request, dict):
        raise QueueError("malformed job: missing id or request")
    try:
        created = float(data.get("created_at", 0))
        deadline = float(data.get("deadline", 0))
    except (TypeError, ValueError):
        raise QueueError("malformed job: bad timestamps") from None
    reply_to = data.get("reply_to")
    return Envelope(
        id=job_id,
        kind=kind,
        request=request,
        created_at=created,
        deadline=deadline,
        reply_to=reply_to if isinstance(reply_to, str) else None,
    )


def encode_outcome(result: Any = None, error: WaltError | None = None) -> str:
    """A final payload: ``{"result": ...}`` or ``{"error": {...}}``."""
    if error is not None:
        return json.dumps({"error": error.to_dict()}, separators=(",", ":"))
    return json.dumps({"result": converter.unstructure(result)}, separators=(",", ":"), default=str)


# --------------------------------------------------------------------------- Lua scripts

# KEYS: job, stream, stats   ARGV: id, envelope, kind, now, deadline, ttl
SUBMIT: Final = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGET', KEYS[1], 'state') or 'unknown'}
end
local sid = redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'envelope', ARGV[2])
redis.call('HSET', KEYS[1], 'state', 'queued', 'kind', ARGV[3], 'created_at', ARGV[4],
           'deadline', ARGV[5], 'attempt', 0, 'stream_id', sid)
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('HINCRBY', KEYS[3], 'enqueued', 1)
return {1, sid}
"""

# KEYS: job, lease   ARGV: worker, now, lease_ms
# Returns {outcome, attempt}: a job already final (or cancelled) is not started; every
# start counts as a delivery, whichever worker makes it.
START: Final = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == false then return {'missing', 0} end
if state == 'done' or state == 'failed' or state == 'dead' or state == 'cancelled' then
  return {state, 0}
end
local attempt = redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HSET', KEYS[1], 'state', 'running', 'worker', ARGV[1], 'started_at', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
return {'started', attempt}
"""

# KEYS: job, done, stream, stats, lease, inbox(or job)
# ARGV: state, payload, now, ttl, stream_id, group, counter, has_inbox, job_id, inline_payload
FINISH: Final = """
local state = redis.call('HGET', KEYS[1], 'state')
redis.call('XACK', KEYS[3], ARGV[6], ARGV[5])
redis.call('XDEL', KEYS[3], ARGV[5])
redis.call('DEL', KEYS[5])
if state == 'done' or state == 'failed' or state == 'dead' or state == 'cancelled' then
  return 0
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'outcome', ARGV[2], 'finished_at', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('HINCRBY', KEYS[4], ARGV[7], 1)
if ARGV[8] == '1' then
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', '10000', '*', 'id', ARGV[9], 'state', ARGV[1],
             'outcome', ARGV[10])
  redis.call('EXPIRE', KEYS[6], 3600)
end
return 1
"""

# KEYS: stream, stats, job   ARGV: group, old_stream_id, id, envelope
# A retryable failure: the job goes back in line as a new entry, atomically.
REQUEUE: Final = """
local state = redis.call('HGET', KEYS[3], 'state')
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if state == 'done' or state == 'failed' or state == 'dead' or state == 'cancelled' then
  return 0
end
local sid = redis.call('XADD', KEYS[1], '*', 'id', ARGV[3], 'envelope', ARGV[4])
redis.call('HSET', KEYS[3], 'state', 'queued', 'stream_id', sid)
redis.call('HINCRBY', KEYS[2], 'retried', 1)
return 1
"""

# KEYS: job, done, stats, inbox(or job)   ARGV: now, outcome, has_inbox, job_id, ttl
CANCEL: Final = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == false then return 'missing' end
if state == 'queued' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'outcome', ARGV[2], 'finished_at', ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  redis.call('RPUSH', KEYS[2], 'cancelled')
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  redis.call('HINCRBY', KEYS[3], 'cancelled', 1)
  if ARGV[3] == '1' then
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', '10000', '*', 'id', ARGV[4], 'state',
               'cancelled', 'outcome', ARGV[2])
  end
  return 'cancelled'
end
if state == 'running' then
  redis.call('HSET', KEYS[1], 'cancel_requested', '1')
  return 'requested'
end
return state
"""


# --------------------------------------------------------------------------- outages

T = TypeVar("T")

OUTAGE_TOLERANCE: Final = 30.0
"""Seconds a queue client keeps retrying through a Redis restart or failover."""


def is_transient(exc: BaseException) -> bool:
    """A connection-level Redis failure that a restart or failover explains (worth a
    retry): refused or dropped connections, timeouts, a server still loading its data."""
    name = type(exc).__module__ + "." + type(exc).__qualname__
    return (
        isinstance(exc, ConnectionError | TimeoutError | OSError)
        or name.startswith(
            (
                "redis.exceptions.ConnectionError",
                "redis.exceptions.TimeoutError",
                "redis.exceptions.BusyLoadingError",
                "redis.exceptions.TryAgainError",
            )
        )
        or "LOADING" in str(exc)
    )


def reconnect_pause(failures: int, cap: float = 2.0) -> float:
    """Seconds to wait before the next try of a loop that reads forever (a worker, an
    inbox reader) after ``failures`` failures in a row: full-jitter exponential backoff
    (uniform in 0.05 .. min(cap, 0.1 * 2**failures)), the same curve as
    :func:`retry_transient`, so readers that lost Redis together do not return together."""
    return random.uniform(0.05, max(0.05, min(cap, 0.1 * 2 ** min(failures, 32))))


async def retry_transient(
    call: Callable[[], Awaitable[T]], *, limit: float = OUTAGE_TOLERANCE, log: Any = None
) -> T:
    """``call()``, retried through transient failures (:func:`is_transient`) for ``limit``
    seconds with full-jitter exponential backoff (0.1 s doubling, at most 2 s apart), so
    clients reconnecting after an outage do not arrive together. Other errors, and the
    last transient one, are raised."""
    from tenacity import (
        AsyncRetrying,
        retry_if_exception,
        stop_after_delay,
        wait_random_exponential,
    )

    try:
        return await call()  # the common case, without the retry machinery's overhead
    except Exception as exc:
        if not is_transient(exc) or limit <= 0:
            raise
        if log is not None:
            log.debug("a Redis call failed (%s); retrying for up to %g s", exc, limit)
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=wait_random_exponential(multiplier=0.1, max=2.0),
        stop=stop_after_delay(limit),
        reraise=True,
    ):
        with attempt:
            return await call()
    raise AssertionError("unreachable")  # pragma: no cover
