"""walt: turn a website's built-in functionality into validated, reusable tools.

::

    import walt

    with walt.UnifiedClient(allow_hosts=["127.0.0.1:8000"]) as client:
        found = client.discover("http://127.0.0.1:8000/")
        result = client.execute(found.tool("search_products"), {"q": "kettle"})
        print(result.records)

Names are imported on first use, so ``import walt`` stays light: it never
imports Playwright, redis or httpx.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from walt._version import __version__

if TYPE_CHECKING:
    from walt.backends.base import Backend, BackendConfig
    from walt.backends.mock import MockBackend
    from walt.client import AsyncClient, UnifiedClient
    from walt.core.cache import CacheStats, TTLCache
    from walt.core.costs import Budget, Cost, CostLedger, CostMeter, ModelPrice, PriceTable
    from walt.core.errors import (
        AuthError,
        BackendUnavailableError,
        BrowserNotFoundError,
        BudgetExceededError,
        DeadLetterError,
        DiscoveryError,
        ExecutionError,
        JobCancelledError,
        JobNotFoundError,
        LLMRequiredError,
        QueueError,
        RemoteError,
        ToolFormatError,
        ToolNotFoundError,
        UnknownModelError,
        UrlBlockedError,
        ValidationError,
        WaltError,
        WaltTimeoutError,
    )
    from walt.core.llm import LLM, LLMMessage, LLMResponse
    from walt.core.messages import (
        DiscoverRequest,
        DiscoverResult,
        ExecuteRequest,
        ExecuteResult,
        GenerateRequest,
        GenerateResult,
        Health,
        ProgressEvent,
    )
    from walt.core.models import (
        Annotations,
        Locator,
        ResultsRegion,
        Tool,
        ToolCandidate,
        ToolInput,
    )
    from walt.core.toolfile import load_candidates, load_tool, load_tools
    from walt.core.urls import UrlPolicy
    from walt.notebook import progress_bar
    from walt.store import DirectoryStore, ToolStats, ToolStore

_EXPORTS: dict[str, str] = {
    # client and backends
    "UnifiedClient": "walt.client",
    "AsyncClient": "walt.client",
    "Backend": "walt.backends.base",
    "BackendConfig": "walt.backends.base",
    "MockBackend": "walt.backends.mock",
    # tools
    "Tool": "walt.core.models",
    "ToolInput": "walt.core.models",
    "ToolCandidate": "walt.core.models",
    "Locator": "walt.core.models",
    "Annotations": "walt.core.models",
    "ResultsRegion": "walt.core.models",
    "load_tool": "walt.core.toolfile",
    "load_tools": "walt.core.toolfile",
    "load_candidates": "walt.core.toolfile",
    # requests and results
    "DiscoverRequest": "walt.core.messages",
    "DiscoverResult": "walt.core.messages",
    "GenerateRequest": "walt.core.messages",
    "GenerateResult": "walt.core.messages",
    "ExecuteRequest": "walt.core.messages",
    "ExecuteResult": "walt.core.messages",
    "Health": "walt.core.messages",
    "ProgressEvent": "walt.core.messages",
    # policy, cache, costs, LLM, store
    "UrlPolicy": "walt.core.urls",
    "TTLCache": "walt.core.cache",
    "CacheStats": "walt.core.cache",
    "PriceTable": "walt.core.costs",
    "ModelPrice": "walt.core.costs",
    "Budget": "walt.core.costs",
    "Cost": "walt.core.costs",
    "CostMeter": "walt.core.costs",
    "CostLedger": "walt.core.costs",
    "LLM": "walt.core.llm",
    "LLMMessage": "walt.core.llm",
    "LLMResponse": "walt.core.llm",
    "ToolStore": "walt.store",
    "DirectoryStore": "walt.store",
    "ToolStats": "walt.store",
    "progress_bar": "walt.notebook",
    # errors
    "WaltError": "walt.core.errors",
    "ValidationError": "walt.core.errors",
    "UrlBlockedError": "walt.core.errors",
    "ToolFormatError": "walt.core.errors",
    "UnknownModelError": "walt.core.errors",
    "BackendUnavailableError": "walt.core.errors",
    "BrowserNotFoundError": "walt.core.errors",
    "WaltTimeoutError": "walt.core.errors",
    "DiscoveryError": "walt.core.errors",
    "ExecutionError": "walt.core.errors",
    "DialogError": "walt.core.errors",
    "ClickInterceptedError": "walt.core.errors",
    "LLMRequiredError": "walt.core.errors",
    "BudgetExceededError": "walt.core.errors",
    "QueueError": "walt.core.errors",
    "JobNotFoundError": "walt.core.errors",
    "JobCancelledError": "walt.core.errors",
    "DeadLetterError": "walt.core.errors",
    "RemoteError": "walt.core.errors",
    "AuthError": "walt.core.errors",
    "ToolNotFoundError": "walt.core.errors",
}

__all__ = [
    "LLM",
    "Annotations",
    "AsyncClient",
    "AuthError",
    "Backend",
    "BackendConfig",
    "BackendUnavailableError",
    "BrowserNotFoundError",
    "Budget",
    "BudgetExceededError",
    "CacheStats",
    "ClickInterceptedError",
    "Cost",
    "CostLedger",
    "CostMeter",
    "DeadLetterError",
    "DialogError",
    "DirectoryStore",
    "DiscoverRequest",
    "DiscoverResult",
    "DiscoveryError",
    "ExecuteRequest",
    "ExecuteResult",
    "ExecutionError",
    "GenerateRequest",
    "GenerateResult",
    "Health",
    "JobCancelledError",
    "JobNotFoundError",
    "LLMMessage",
    "LLMRequiredError",
    "LLMResponse",
    "Locator",
    "MockBackend",
    "ModelPrice",
    "PriceTable",
    "ProgressEvent",
    "QueueError",
    "RemoteError",
    "ResultsRegion",
    "TTLCache",
    "Tool",
    "ToolCandidate",
    "ToolFormatError",
    "ToolInput",
    "ToolNotFoundError",
    "ToolStats",
    "ToolStore",
    "UnifiedClient",
    "UnknownModelError",
    "UrlBlockedError",
    "UrlPolicy",
    "ValidationError",
    "WaltError",
    "WaltTimeoutError",
    "__version__",
    "load_candidates",
    "load_tool",
    "load_tools",
    "progress_bar",
]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'walt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _tables_in_notebooks() -> None:
    from walt.notebook import register_html

    register_html()


# Inside IPython (a notebook) tools and results render as tables; elsewhere ``import walt``
# stays light (the data classes know nothing of notebooks: walt.notebook registers them).
if "IPython" in sys.modules:
    _tables_in_notebooks()
