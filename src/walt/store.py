"""Tool stores: where tools live between discovery and execution, with their quality figures.

:class:`ToolStore` is the protocol; :class:`DirectoryStore` keeps tools in the
sfr-walt layout (``<dir>/<name>/<name>.tool.json``) with their figures in
``<dir>/<name>/stats.json``; the Redis store (``walt.backends.redis.store``)
shares them between every worker and client of one Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from walt.core.errors import ToolFormatError, ToolNotFoundError
from walt.core.models import Tool
from walt.core.toolfile import load_tool, read_limited, save_tool, tool_path

__all__ = ["DirectoryStore", "ToolStats", "ToolStore", "percentile"]

MAX_SAMPLES = 256
"""Durations kept per tool for the p95 (the most recent runs)."""


@attrs.frozen
class ToolStats:
    """Quality figures of one tool, updated after each execution."""

    runs: int = 0
    successes: int = 0
    failures: int = 0
    mean_ms: float = 0.0
    p95_ms: float = 0.0
    total_cost: float = 0.0
    last_run_at: float | None = None

    @property
    def success_rate(self) -> float:
        return self.successes / self.runs if self.runs else 0.0

    @classmethod
    def from_totals(cls, data: Mapping[str, Any], samples: Sequence[float]) -> ToolStats:
        """Figures from running totals (``runs``, ``total_ms``...) and recent durations."""
        runs = int(data.get("runs", 0) or 0)
        last = data.get("last_run_at")
        return cls(
            runs=runs,
            successes=int(data.get("successes", 0) or 0),
            failures=int(data.get("failures", 0) or 0),
            mean_ms=float(data.get("total_ms", 0.0) or 0.0) / runs if runs else 0.0,
            p95_ms=percentile(samples, 0.95),
            total_cost=float(data.get("total_cost", 0.0) or 0.0),
            last_run_at=float(last) if last not in (None, "") else None,
        )


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``samples`` by the nearest-rank method (0.0 when empty)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, math.ceil(q * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


@runtime_checkable
class ToolStore(Protocol):
    """Where tools are kept and their runs counted. All methods are coroutines."""

    async def list(self) -> list[Tool]: ...

    async def get(self, name: str) -> Tool: ...

    async def put(self, tool: Tool) -> None: ...

    async def delete(self, name: str) -> bool: ...

    async def record_run(self, name: str, *, ok: bool, elapsed_ms: float, cost: float) -> None: ...

    async def stats(self, name: str) -> ToolStats: ...


class DirectoryStore:
    """Tools in a directory, one sub-directory per tool (the sfr-walt layout).

    Safe for several processes on one machine: statistics are updated under
    an exclusive file lock and written atomically.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ paths

    def _dir(self, name: str) -> Path:
        return self.path_for(name).parent

    def path_for(self, name: str) -> Path:
        return tool_path(self.root, name)

    # ------------------------------------------------------------------ sync API

    def save_sync(self, tool: Tool) -> Path:
        return save_tool(tool, self.path_for(tool.function_name))

    def list_sync(self) -> list[Tool]:
        if not self.root.is_dir():
            return []
        tools = []
        for path in sorted(self.root.rglob("*.tool.json")):
            try:
                tools.append(load_tool(path))
            except ToolFormatError:
                continue  # one bad file must not hide the others; `walt validate` reports it
        return tools

    def get_sync(self, name: str) -> Tool:
        path = self.path_for(name)
        if path.is_file():
            return load_tool(path)
        for tool in self.list_sync():
            if tool.function_name == name:
                return tool
        raise ToolNotFoundError(
            f"no tool named {name!r} in {str(self.root)!r}", details={"name": name}
        )

    def delete_sync(self, name: str) -> bool:
        directory = self._dir(name)
        if not directory.is_dir():
            return False
        for child in directory.iterdir():
            if child.is_file():
                child.unlink()
        with contextlib.suppress(OSError):
            directory.rmdir()
        return True

    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[Path]:
        directory = self._dir(name)
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock, open(directory / ".stats.lock", "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield directory / "stats.json"
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    @staticmethod
    def _read_stats(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(read_limited(path, 1_000_000))
        except (OSError, ValueError, ToolFormatError):
            return {}
        return data if isinstance(data, dict) else {}

    def record_run_sync(self, name: str, *, ok: bool, elapsed_ms: float, cost: float) -> None:
        with self._locked(name) as path:
            data = self._read_stats(path)
            samples = [float(x) for x in data.get("samples", []) if isinstance(x, int | float)]
            samples = [*samples, float(elapsed_ms)][-MAX_SAMPLES:]
            runs = int(data.get("runs", 0)) + 1
            total_ms = float(data.get("total_ms", 0.0)) + elapsed_ms
            record = {
                "runs": runs,
                "successes": int(data.get("successes", 0)) + (1 if ok else 0),
                "failures": int(data.get("failures", 0)) + (0 if ok else 1),
                "total_ms": total_ms,
                "total_cost": float(data.get("total_cost", 0.0)) + cost,
                "last_run_at": time.time(),
                "samples": samples,
            }
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".stats.", suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                json.dump(record, handle)
            os.replace(tmp, path)

    def stats_sync(self, name: str) -> ToolStats:
        data = self._read_stats(self._dir(name) / "stats.json")
        samples = [float(x) for x in data.get("samples", []) if isinstance(x, int | float)]
        return ToolStats.from_totals(data, samples)

    # ------------------------------------------------------------------ ToolStore

    async def list(self) -> list[Tool]:
        return await asyncio.to_thread(self.list_sync)

    async def get(self, name: str) -> Tool:
        return await asyncio.to_thread(self.get_sync, name)

    async def put(self, tool: Tool) -> None:
        await asyncio.to_thread(self.save_sync, tool)

    async def delete(self, name: str) -> bool:
        return await asyncio.to_thread(self.delete_sync, name)

    async def record_run(self, name: str, *, ok: bool, elapsed_ms: float, cost: float) -> None:
        await asyncio.to_thread(self.record_run_sync, name, ok=ok, elapsed_ms=elapsed_ms, cost=cost)

    async def stats(self, name: str) -> ToolStats:
        return await asyncio.to_thread(self.stats_sync, name)
