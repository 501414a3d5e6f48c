"""The old home of the Redis worker, kept because docs/howto/workers.md told users to
import ``walt.worker.Worker``; the worker lives in :mod:`walt.backends.redis.worker`."""

from walt.backends.redis.worker import Worker, WorkerConfig

__all__ = ["Worker", "WorkerConfig"]
