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

__all__ = ["Backend", "BackendConfig", "BackendFactory", "JobBackend"]


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


@runtime_checkable
class JobBackend(Protocol):
    """A backend that keeps jobs itself (a queue): a job submitted without waiting can be
    looked up by its id from any process. The service hands its ``/v1/jobs`` routes to
    such a backend and keeps the jobs of any other backend in its own process; it never
    needs to know which backend it has.

    ``kind`` is ``discover``, ``generate`` or ``execute``; a job's state is its wire
    form (``id``, ``kind``, ``state`` and what else the backend knows); events are the
    job's progress events, oldest first. An unknown id raises
    :class:`~walt.core.errors.JobNotFoundError`."""

    async def submit_job(self, kind: str, request: Any, *, timeout: float) -> str: ...

    async def job_state(self, job_id: str) -> dict[str, Any]: ...

    async def job_result(self, job_id: str, timeout: float) -> Any: ...

    async def job_events(self, job_id: str) -> list[dict[str, Any]]: ...

    async def cancel_job(self, job_id: str) -> bool: ...


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
