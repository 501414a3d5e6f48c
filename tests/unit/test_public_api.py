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


def test_the_sync_client_spells_out_the_async_clients_parameters() -> None:
    # IDEs and type checkers see every parameter (the constructor's written out, the
    # methods' carried by a ParamSpec and __wrapped__), not **kwargs.
    import inspect

    pairs = [
        (walt.UnifiedClient.__init__, walt.AsyncClient.__init__),
        (walt.UnifiedClient.discover, walt.AsyncClient.discover),
        (walt.UnifiedClient.generate, walt.AsyncClient.generate),
        (walt.UnifiedClient.execute, walt.AsyncClient.execute),
        (walt.UnifiedClient.login, walt.AsyncClient.login),
    ]
    for sync, asynchronous in pairs:
        got = inspect.signature(sync).parameters
        assert list(got) == list(inspect.signature(asynchronous).parameters)
        assert "kwargs" not in got
        assert sync.__doc__ == asynchronous.__doc__
    # The constructor's are written out: same kinds, defaults and annotations.
    assert list(inspect.signature(walt.UnifiedClient.__init__).parameters.values()) == list(
        inspect.signature(walt.AsyncClient.__init__).parameters.values()
    )
    assert "time_budget" in inspect.signature(walt.UnifiedClient.discover).parameters
