"""A tool store in Redis, shared by every worker and client of one Redis.

Tools discovered by one worker (``walt worker --save-discovered``) are listed
and run by every client with ``store="redis"``. Each tool's quality figures
(runs, successes, failures, mean and p95 time, cost) are updated after each
execution by one Lua script, so concurrent updates never lose a count.
"""

from __future__ import annotations

import json
import time
from typing import Any, Final

from walt.core.errors import ToolNotFoundError
from walt.core.models import Tool
from walt.core.toolfile import load_tool, tool_to_json
from walt.core.validate import validate_tool_name
from walt.store import MAX_SAMPLES, ToolStats

__all__ = ["RedisToolStore"]

# KEYS: stats hash, durations list   ARGV: ok(1/0), elapsed_ms, cost, now, max_samples
RECORD: Final = """
redis.call('HINCRBY', KEYS[1], 'runs', 1)
if ARGV[1] == '1' then
  redis.call('HINCRBY', KEYS[1], 'successes', 1)
else
  redis.call('HINCRBY', KEYS[1], 'failures', 1)
end
redis.call('HINCRBYFLOAT', KEYS[1], 'total_ms', ARGV[2])
redis.call('HINCRBYFLOAT', KEYS[1], 'total_cost', ARGV[3])
redis.call('HSET', KEYS[1], 'last_run_at', ARGV[4])
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
return 1
"""


class RedisToolStore:
    """Tools and their figures in Redis, under ``walt:{namespace}:`` (one Cluster slot)."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        namespace: str = "walt",
        redis: Any = None,
    ) -> None:
        from walt.backends.redis.queue import connect

        if redis is None and not redis_url:
            raise ToolNotFoundError("the Redis tool store needs a Redis URL")
        self._redis: Any = (
            redis if redis is not None else connect(str(redis_url), max_connections=16)
        )
        self.prefix = f"walt:{{{namespace}}}:"
        self._tools = self.prefix + "tools"
        self._record = self._redis.register_script(RECORD)

    def _stats_key(self, name: str) -> str:
        return f"{self.prefix}tstats:{name}"

    def _durations_key(self, name: str) -> str:
        return f"{self.prefix}tdur:{name}"

    async def list(self) -> list[Tool]:
        raw = await self._redis.hgetall(self._tools)
        return [load_tool(json.loads(raw[name])) for name in sorted(raw)]

    async def get(self, name: str) -> Tool:
        validate_tool_name(name)
        raw = await self._redis.hget(self._tools, name)
        if raw is None:
            raise ToolNotFoundError(
                f"no tool named {name!r} in the Redis store", details={"name": name}
            )
        return load_tool(json.loads(raw))

    async def put(self, tool: Tool) -> None:
        await self._redis.hset(
            self._tools, validate_tool_name(tool.function_name), tool_to_json(tool, indent=None)
        )

    async def delete(self, name: str) -> bool:
        validate_tool_name(name)
        removed = await self._redis.hdel(self._tools, name)
        await self._redis.delete(self._stats_key(name), self._durations_key(name))
        return bool(removed)

    async def record_run(self, name: str, *, ok: bool, elapsed_ms: float, cost: float) -> None:
        validate_tool_name(name)
        await self._record(
            keys=[self._stats_key(name), self._durations_key(name)],
            args=[
                "1" if ok else "0",
                repr(float(elapsed_ms)),
                repr(float(cost)),
                time.time(),
                MAX_SAMPLES,
            ],
        )

    async def stats(self, name: str) -> ToolStats:
        validate_tool_name(name)
        data = await self._redis.hgetall(self._stats_key(name))
        samples = [float(x) for x in await self._redis.lrange(self._durations_key(name), 0, -1)]
        return ToolStats.from_totals(data, samples)

    async def aclose(self) -> None:
        await self._redis.aclose()
