from __future__ import annotations

import json
import pickle

import pytest

import walt
from walt.core import errors as e

ALL_ERRORS = [
    cls for cls in vars(e).values() if isinstance(cls, type) and issubclass(cls, e.WaltError)
]


def test_every_error_class_is_exported_and_has_a_unique_code() -> None:
    codes = [cls.code for cls in ALL_ERRORS]
    assert len(codes) == len(set(codes))
    for cls in ALL_ERRORS:
        assert getattr(walt, cls.__name__) is cls


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (e.ValidationError, ValueError),
        (e.UrlBlockedError, ValueError),
        (e.ToolFormatError, ValueError),
        (e.WaltTimeoutError, TimeoutError),
        (e.BackendUnavailableError, ConnectionError),
        (e.AuthError, PermissionError),
        (e.JobNotFoundError, LookupError),
        (e.ToolNotFoundError, LookupError),
    ],
)
def test_errors_are_the_builtins_callers_catch(cls: type[e.WaltError], builtin: type) -> None:
    assert issubclass(cls, builtin)
    assert issubclass(cls, e.WaltError)
    with pytest.raises(builtin):
        raise cls("boom")


def test_hierarchy() -> None:
    assert issubclass(e.UrlBlockedError, e.ValidationError)
    assert issubclass(e.ToolFormatError, e.ValidationError)
    assert issubclass(e.LLMRequiredError, e.ExecutionError)
    assert issubclass(e.DeadLetterError, e.QueueError)
    assert issubclass(e.BrowserNotFoundError, e.BackendUnavailableError)


@pytest.mark.parametrize("cls", ALL_ERRORS)
def test_round_trip_through_dict_json_and_pickle(cls: type[e.WaltError]) -> None:
    err = cls.__new__(cls)
    e.WaltError.__init__(err, "something failed", details={"url": "http://x/", "n": 3})
    err._restore_extra()
    data = json.loads(json.dumps(err.to_dict()))
    back = e.WaltError.from_dict(data)
    assert type(back) is cls
    assert back.message == "something failed"
    assert back.details["n"] == 3
    assert back.retryable == err.retryable
    assert back.code == cls.code
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is cls
    assert again.to_dict() == err.to_dict()


def test_tool_format_error_keeps_problems_across_the_wire() -> None:
    err = e.ToolFormatError("bad tool", problems=[("$.name", "missing"), ("$.steps[0]", "x")])
    assert [str(p) for p in err.problems] == ["$.name: missing", "$.steps[0]: x"]
    assert "$.name: missing" in str(err)
    back = e.WaltError.from_dict(err.to_dict())
    assert isinstance(back, e.ToolFormatError)
    assert back.problems == err.problems
    assert pickle.loads(pickle.dumps(err)).problems == err.problems


def test_execution_error_names_the_step() -> None:
    err = e.ExecutionError("element not found", step=2, step_type="click")
    back = e.WaltError.from_dict(err.to_dict())
    assert isinstance(back, e.ExecutionError)
    assert back.step == 2
    assert back.details["step_type"] == "click"


def test_cause_is_kept_in_process_and_described_across_the_wire() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "refused")
        except OSError as inner:
            raise e.translate(inner) from inner
    except e.WaltError as err:
        caught = err
    assert isinstance(caught, e.BackendUnavailableError)
    assert isinstance(caught.cause, ConnectionRefusedError)
    wire = caught.to_dict()
    assert wire["cause"]["type"] == "builtins.ConnectionRefusedError"
    rebuilt = e.WaltError.from_dict(wire)
    assert isinstance(rebuilt.cause, e.RemoteCause)
    assert "ConnectionRefusedError" in str(rebuilt.cause)
    pickled = pickle.loads(pickle.dumps(caught))
    assert isinstance(pickled.cause, ConnectionRefusedError)


def test_unpicklable_cause_does_not_break_pickling() -> None:
    class Weird(Exception):
        def __reduce__(self):  # type: ignore[override]
            raise TypeError("no")

    err = e.ExecutionError("x")
    err.__cause__ = Weird("odd")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back.cause, e.RemoteCause)
    assert "odd" in str(back.cause)


def test_walt_error_cause_survives_the_wire_as_walt_error() -> None:
    inner = e.UrlBlockedError("refused", details={"reason": "loopback"})
    outer = e.DiscoveryError("discovery failed")
    outer.__cause__ = inner
    back = e.WaltError.from_dict(outer.to_dict())
    assert isinstance(back.cause, e.UrlBlockedError)
    assert back.cause.reason == "loopback"


def test_unknown_code_keeps_the_code() -> None:
    back = e.WaltError.from_dict({"code": "from_the_future", "message": "hi", "retryable": True})
    assert type(back) is e.WaltError
    assert back.code == "from_the_future"
    assert back.retryable is True
    as_remote = e.RemoteError.from_dict({"code": "from_the_future", "message": "hi"})
    assert isinstance(as_remote, e.RemoteError)


def test_details_are_made_json_safe() -> None:
    err = e.WaltError(
        "x", details={"set": {1}, "obj": object(), "bytes": b"ab", "nested": {"t": (1, 2)}}
    )
    json.dumps(err.to_dict())
    assert err.details["bytes"] == "ab"
    assert err.details["nested"]["t"] == [1, 2]


class _FakePlaywrightTimeout(Exception):
    pass


_FakePlaywrightTimeout.__module__ = "playwright._impl._errors"
_FakePlaywrightTimeout.__qualname__ = "TimeoutError"


class _FakeRedisConnectionError(Exception):
    pass


_FakeRedisConnectionError.__module__ = "redis.exceptions"
_FakeRedisConnectionError.__qualname__ = "ConnectionError"


class _FakeHttpxConnectError(Exception):
    pass


_FakeHttpxConnectError.__module__ = "httpx._exceptions"
_FakeHttpxConnectError.__qualname__ = "ConnectError"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (_FakePlaywrightTimeout("slow"), e.WaltTimeoutError),
        (_FakeRedisConnectionError("down"), e.BackendUnavailableError),
        (_FakeHttpxConnectError("refused"), e.BackendUnavailableError),
        (TimeoutError("t"), e.WaltTimeoutError),
        (TimeoutError(), e.WaltTimeoutError),
        (ConnectionResetError(), e.BackendUnavailableError),
        (PermissionError(), e.AuthError),
        (ValueError("v"), e.ValidationError),
        (RuntimeError("r"), e.ExecutionError),
    ],
)
def test_translate_maps_dependency_errors(exc: Exception, expected: type) -> None:
    mapped = e.translate(exc, default=e.ExecutionError)
    assert type(mapped) is expected
    assert mapped.cause is exc


def test_translating_context_manager_reraises_walt_errors_unchanged() -> None:
    original = e.QueueError("q")
    with pytest.raises(e.QueueError) as info, e.translating():
        raise original
    assert info.value is original
    with pytest.raises(e.WaltTimeoutError) as info2, e.translating(e.ExecutionError, step=3):
        raise TimeoutError("late")
    assert info2.value.details == {"step": 3}
    assert isinstance(info2.value.__cause__, TimeoutError)


def test_translate_returns_walt_errors_unchanged() -> None:
    err = e.AuthError("no")
    assert e.translate(err) is err


def test_retryable_defaults() -> None:
    assert e.BackendUnavailableError("x").retryable is True
    assert e.BrowserNotFoundError("x").retryable is False
    assert e.ValidationError("x").retryable is False
    assert e.WaltTimeoutError("x", retryable=True).retryable is True


def test_module_docstring_draws_every_class() -> None:
    doc = e.__doc__ or ""
    for cls in ALL_ERRORS:
        assert cls.__name__ in doc, cls.__name__
