"""The old home of the Redis-queue backend, kept because the API reference named
``walt.backends.redis_queue.RedisQueueBackend`` and ``JobHandle``; the backend lives in
:mod:`walt.backends.redis.queue`."""

from walt.backends.redis.queue import (
    JobHandle,
    JobStatus,
    QueueStats,
    RedisQueueBackend,
    WorkerInfo,
    connect,
)

__all__ = ["JobHandle", "JobStatus", "QueueStats", "RedisQueueBackend", "WorkerInfo", "connect"]
