"""The Backend protocol: one async interface in front of every place work can run.

A backend is anything with these methods; it does not inherit from a base
class (``typing.Protocol``). Requests and results are the attrs classes of
:mod:`walt.core.messages`, designed to cross a queue or HTTP unchanged.

Contract for implementers:

* raise :class:`~walt.core.errors.BackendUnavailableError` only when the work
  was *not* started (connection refused, no worker): the client may then run it
  elsewhere. Once work may be running, raise anything else (a timeout is
  :class:`~walt.core.errors.WaltTimeoutError`), never that.
* a failing tool is a result (``ExecuteResult(ok=False, error=...)``), not an
  exception; invalid requests raise :class:`~walt.core.errors.ValidationError`.
* ``health()`` is cheap and never raises: it answers ``Health(ok=False, ...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from walt.core.costs import PriceTable
from walt.core.urls import UrlPolicy

if TYPE_CHECKING:
    from walt.core.llm import LLM
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
    from walt.store import ToolStore

__all__ = ["Backend", "BackendConfig", "BackendFactory"]


@runtime_checkable
class Backend(Protocol):
    """What every backend provides (see the module docstring for the error contract)."""

    name: str

    async def discover(
        self, request: DiscoverRequest, *, progress: ProgressCallback | None = None
    ) -> DiscoverResult: ...

    async def generate(
        self, request: GenerateRequest, *, progress: ProgressCallback | None = None
    ) -> GenerateResult: ...

    async def execute(self, request: ExecuteRequest) -> ExecuteResult: ...

    async def health(self) -> Health: ...

    async def aclose(self) -> None: ...


@attrs.frozen(kw_only=True)
class BackendConfig:
    """Everything a backend factory may need, resolved by the client from arguments and env.

    Plugins receive it too: ``factory(config) -> Backend`` (or ``cls.from_config``).
    ``options`` carries backend-specific settings the client does not interpret.
    """

    policy: UrlPolicy = attrs.field(factory=UrlPolicy)
    prices: PriceTable = attrs.field(factory=PriceTable)
    redis_url: str | None = attrs.field(default=None, repr=False)
    remote_url: str | None = None
    remote_token: str | None = attrs.field(default=None, repr=False)
    queue: str = "walt"
    browser_path: str | None = None
    llm: LLM | None = None
    store: ToolStore | None = None
    options: dict[str, Any] = attrs.field(factory=dict)


class BackendFactory(Protocol):
    def __call__(self, config: BackendConfig) -> Backend: ...
