import subprocess
import sys

import walt


def test_all_names_resolve_and_are_sorted() -> None:
    names = [n for n in walt.__all__ if n != "__version__"]
    assert set(names) == set(walt._EXPORTS) and len(names) == len(set(names))
    for name in walt.__all__:
        assert getattr(walt, name) is not None, name
    for name in (
        "load_tool",
        "load_tools",
        "Tool",
        "UrlPolicy",
        "MockBackend",
        "UnifiedClient",
        "AsyncClient",
        "WaltError",
        "ValidationError",
        "UrlBlockedError",
        "ToolFormatError",
        "BackendUnavailableError",
        "WaltTimeoutError",
        "DiscoveryError",
        "ExecutionError",
        "BudgetExceededError",
        "QueueError",
        "RemoteError",
        "AuthError",
        "Cost",
        "PriceTable",
        "Budget",
        "CostMeter",
        "TTLCache",
        "CacheStats",
        "LLM",
    ):
        assert name in walt.__all__, name


def test_import_walt_does_not_import_heavy_dependencies() -> None:
    code = (
        "import walt, sys\n"
        "for n in walt.__all__: getattr(walt, n)\n"
        "heavy = {'playwright', 'redis', 'httpx'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_attribute() -> None:
    import pytest

    with pytest.raises(AttributeError):
        walt.does_not_exist  # noqa: B018
