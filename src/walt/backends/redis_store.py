"""The old home of the Redis tool store, kept because the API reference named
``walt.backends.redis_store.RedisToolStore``; the store lives in
:mod:`walt.backends.redis.store`."""

from walt.backends.redis.store import RedisToolStore

__all__ = ["RedisToolStore"]
