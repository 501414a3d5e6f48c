"""``MockBackend``: a backend whose answers come from a function, for hosts' own tests.

::

    def handler(operation, request):
        if operation == "execute":
            return ExecuteResult(ok=True, tool=request.tool.name, path="http")
        raise NotImplementedError(operation)


    client = walt.UnifiedClient(backend=walt.MockBackend(handler))

``handler(operation, request)`` gets ``"discover"``, ``"generate"``,
``"execute"`` or ``"health"`` (request ``None``) and returns the result, or
raises what the backend should raise. It may be a coroutine function. For
``"health"``, returning ``None`` means healthy. Every call is recorded in
:attr:`MockBackend.calls`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from walt.core.errors import ValidationError
from walt.core.messages import (
    DiscoverRequest,
    DiscoverResult,
    ExecuteRequest,
    ExecuteResult,
    GenerateRequest,
    GenerateResult,
    Health,
    ProgressCallback,
)

__all__ = ["MockBackend"]

Handler = Callable[[str, Any], Any]


class MockBackend:
    """A backend that delegates every operation to ``handler``."""

    def __init__(self, handler: Handler, *, name: str = "mock") -> None:
        self.name = name
        self._handler = handler
        self.calls: list[tuple[str, Any]] = []
        self.closed = False

    async def _call(self, operation: str, request: Any, expected: type | None) -> Any:
        self.calls.append((operation, request))
        result = self._handler(operation, request)
        if inspect.isawaitable(result):
            result = await result
        if expected is not None and not isinstance(result, expected):
            raise ValidationError(
                f"MockBackend handler returned {type(result).__name__} for {operation!r}; "
                f"expected {expected.__name__}"
            )
        return result

    async def discover(
        self, request: DiscoverRequest, *, progress: ProgressCallback | None = None
    ) -> DiscoverResult:
        result: DiscoverResult = await self._call("discover", request, DiscoverResult)
        return result

    async def generate(
        self, request: GenerateRequest, *, progress: ProgressCallback | None = None
    ) -> GenerateResult:
        result: GenerateResult = await self._call("generate", request, GenerateResult)
        return result

    async def execute(self, request: ExecuteRequest) -> ExecuteResult:
        result: ExecuteResult = await self._call("execute", request, ExecuteResult)
        return result

    async def health(self) -> Health:
        try:
            result = await self._call("health", None, None)
        except Exception as exc:
            return Health(ok=False, backend=self.name, detail=str(exc))
        if result is None:
            return Health(ok=True, backend=self.name)
        if isinstance(result, Health):
            return result
        return Health(ok=bool(result), backend=self.name)

    async def aclose(self) -> None:
        self.closed = True
