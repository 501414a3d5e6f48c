"""Everything walt knows of Redis, in one place: the queue's keys, job envelope and
scripts (``protocol``), the backend that sends jobs (``queue``), the worker loop that
runs them (``worker``), the shared tool store (``store``) and Redis URLs (``urls``).

Nothing is imported here: ``walt.backends.redis.urls`` is usable without the redis
client installed, and the rest imports it when it first connects.
"""
