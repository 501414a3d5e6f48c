"""Typed errors shared by every part of walt.

Every error walt raises is a :class:`WaltError`. Each carries a stable machine
``code``, a human ``message``, JSON-safe ``details`` and a ``retryable`` flag,
and converts to and from a plain dict so that an error raised inside a Redis
worker or behind the HTTP service reaches the caller as the same class.

Where a caller would naturally catch a builtin, the walt error is that builtin
too (``except ValueError`` catches a bad URL, ``except TimeoutError`` catches a
timeout)::

    Exception
     └── WaltError                         code="walt_error"
          ├── ValidationError (ValueError)        "validation_error"
          │    ├── UrlBlockedError                 "url_blocked"
          │    ├── ToolFormatError                 "tool_format_error"
          │    └── UnknownModelError (LookupError) "unknown_model"
          ├── BackendUnavailableError (ConnectionError)  "backend_unavailable"
          │    └── BrowserNotFoundError            "browser_not_found"
          ├── WaltTimeoutError (TimeoutError)      "timeout"
          ├── DiscoveryError                       "discovery_error"
          ├── ExecutionError                       "execution_error"
          │    ├── DialogError                     "unexpected_dialog"
          │    ├── ClickInterceptedError           "click_intercepted"
          │    └── LLMRequiredError                "llm_required"
          ├── BudgetExceededError                  "budget_exceeded"
          ├── QueueError                           "queue_error"
          │    ├── JobNotFoundError (LookupError)  "job_not_found"
          │    ├── JobCancelledError               "job_cancelled"
          │    └── DeadLetterError                 "dead_letter"
          ├── RemoteError                          "remote_error"
          ├── AuthError (PermissionError)          "auth_error"
          └── ToolNotFoundError (LookupError)      "tool_not_found"

:func:`translate` maps an exception from a dependency (Playwright, redis-py,
httpx, the standard library) to the walt error a caller should see, without
importing the dependency, and :func:`translating` does it for a block.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "AuthError",
    "BackendUnavailableError",
    "BrowserNotFoundError",
    "BudgetExceededError",
    "ClickInterceptedError",
    "DeadLetterError",
    "DialogError",
    "DiscoveryError",
    "ExecutionError",
    "JobCancelledError",
    "JobNotFoundError",
    "LLMRequiredError",
    "Problem",
    "QueueError",
    "RemoteError",
    "ToolFormatError",
    "ToolNotFoundError",
    "UnknownModelError",
    "UrlBlockedError",
    "ValidationError",
    "WaltError",
    "WaltTimeoutError",
    "error_class_for_code",
    "translate",
    "translating",
]

_REGISTRY: dict[str, type[WaltError]] = {}


def _json_safe(value: Any, depth: int = 0) -> Any:
    """Reduce ``value`` to JSON types so details always cross a queue or HTTP."""
    if depth > 8:
        return repr(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v, depth + 1) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _describe_cause(cause: BaseException) -> dict[str, Any]:
    if isinstance(cause, WaltError):
        return cause.to_dict()
    return {
        "type": f"{type(cause).__module__}.{type(cause).__qualname__}",
        "message": str(cause),
    }


class WaltError(Exception):
    """Root of every error walt raises.

    ``code`` is stable and machine readable; ``details`` is a JSON-safe mapping
    with whatever helps a caller (the URL refused, the step that failed...);
    ``retryable`` says whether the same request may succeed if sent again.
    """

    code: ClassVar[str] = "walt_error"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
        retryable: bool | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            # An instance may refine the class code ("url_blocked" -> more precise
            # codes are not used; but a RemoteError keeps the server's code).
            self.code = code  # type: ignore[misc]
        self.details: dict[str, Any] = _json_safe(dict(details or {}))
        self.retryable = self.default_retryable if retryable is None else retryable
        if cause is not None:
            self.__cause__ = cause

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            _REGISTRY[cls.code] = cls

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"

    @property
    def cause(self) -> BaseException | None:
        """The exception this one was raised from, if any."""
        return self.__cause__

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-safe dict from which :meth:`from_dict` rebuilds this error."""
        data: dict[str, Any] = {
            "type": type(self).__name__,
            "code": self.code,
            "message": self.message,
            "details": self.details,
            "retryable": self.retryable,
        }
        if self.__cause__ is not None:
            data["cause"] = _describe_cause(self.__cause__)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WaltError:
        """Rebuild an error from :meth:`to_dict` output, as the most precise class known.

        An unknown code (from a newer walt, or a third party) becomes the class
        this method is called on, keeping the code, so nothing is lost.
        """
        code = str(data.get("code") or "walt_error")
        target: type[WaltError] = _REGISTRY.get(code, cls)
        if not issubclass(target, cls):
            target = cls
        err = target.__new__(target)
        WaltError.__init__(
            err,
            str(data.get("message", "")),
            code=code if code != target.code else None,
            details=data.get("details") if isinstance(data.get("details"), Mapping) else None,
            retryable=bool(data["retryable"]) if "retryable" in data else None,
        )
        err._restore_extra()
        cause = data.get("cause")
        if isinstance(cause, Mapping):
            if "code" in cause:
                err.__cause__ = WaltError.from_dict(cause)
            else:
                err.__cause__ = RemoteCause(
                    str(cause.get("type", "")), str(cause.get("message", ""))
                )
        return err

    def _restore_extra(self) -> None:
        """Re-derive attributes that subclasses expose from ``details``."""

    def __reduce__(self) -> tuple[Any, ...]:
        cause = self.__cause__
        if cause is not None:
            try:
                pickle.dumps(cause)
            except Exception:  # an unpicklable cause must not make the error unpicklable
                cause = RemoteCause(
                    f"{type(cause).__module__}.{type(cause).__qualname__}", str(cause)
                )
        return (_rebuild, (self.to_dict(), cause))


class RemoteCause(Exception):
    """Stands in for a cause that could not travel (another process, an unpicklable object)."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}" if type_name else message)
        self.type_name = type_name
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (RemoteCause, (self.type_name, self.message))


def _rebuild(data: Mapping[str, Any], cause: BaseException | None) -> WaltError:
    err = WaltError.from_dict({k: v for k, v in data.items() if k != "cause"})
    if cause is not None:
        err.__cause__ = cause
    return err


def error_class_for_code(code: str) -> type[WaltError]:
    """The walt error class registered for ``code`` (``WaltError`` when unknown)."""
    return _REGISTRY.get(code, WaltError)


_REGISTRY["walt_error"] = WaltError


# --------------------------------------------------------------------------- validation


class ValidationError(WaltError, ValueError):
    """A request, input or document is not acceptable; sending it again will not help."""

    code = "validation_error"


class Problem(tuple[str, str]):
    """One problem of a document: ``(path, message)``, printed as ``path: message``."""

    __slots__ = ()

    def __new__(cls, path: str, message: str) -> Problem:
        return super().__new__(cls, (path, message))

    @property
    def path(self) -> str:
        return self[0]

    @property
    def message(self) -> str:
        return self[1]

    def __str__(self) -> str:
        return f"{self[0]}: {self[1]}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Problem, (self[0], self[1]))


class UrlBlockedError(ValidationError):
    """The URL policy refused a destination. ``details`` holds ``url`` (redacted) and ``reason``."""

    code = "url_blocked"

    @property
    def reason(self) -> str:
        return str(self.details.get("reason", self.message))


class ToolFormatError(ValidationError):
    """A tool document is malformed. :attr:`problems` lists every problem with its JSON path."""

    code = "tool_format_error"

    def __init__(
        self,
        message: str,
        *,
        problems: Sequence[tuple[str, str]] = (),
        source: str | None = None,
        **kwargs: Any,
    ) -> None:
        details = dict(kwargs.pop("details", None) or {})
        details["problems"] = [[p, m] for p, m in problems]
        if source is not None:
            details["source"] = source
        if problems and "\n" not in message:
            message = message + "\n" + "\n".join(f"  {p}: {m}" for p, m in problems)
        super().__init__(message, details=details, **kwargs)
        self._restore_extra()

    def _restore_extra(self) -> None:
        raw = self.details.get("problems") or []
        self.problems: list[Problem] = [
            Problem(str(item[0]), str(item[1]))
            for item in raw
            if isinstance(item, list | tuple) and len(item) == 2
        ]


class UnknownModelError(ValidationError, LookupError):
    """The price table has no entry for an LLM model and no default price is configured."""

    code = "unknown_model"


# --------------------------------------------------------------------------- infrastructure


class BackendUnavailableError(WaltError, ConnectionError):
    """A backend (browser, Redis, remote service) cannot be reached; nothing was started.

    The client's ``auto`` mode falls back to the next backend on this error only.
    """

    code = "backend_unavailable"
    default_retryable = True


class BrowserNotFoundError(BackendUnavailableError):
    """No usable Chromium was found; the message says exactly what to install."""

    code = "browser_not_found"
    default_retryable = False


class WaltTimeoutError(WaltError, TimeoutError):
    """An operation ran out of time. The work may still be running elsewhere."""

    code = "timeout"


class DiscoveryError(WaltError):
    """Discovery could not produce what was asked (``details`` says what was found)."""

    code = "discovery_error"


class ExecutionError(WaltError):
    """A tool failed while running. ``details`` names the failing step when there is one."""

    code = "execution_error"

    def __init__(
        self,
        message: str,
        *,
        step: int | None = None,
        step_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        details = dict(kwargs.pop("details", None) or {})
        if step is not None:
            details["step"] = step
        if step_type is not None:
            details["step_type"] = step_type
        super().__init__(message, details=details, **kwargs)

    @property
    def step(self) -> int | None:
        """Index (0-based) of the failing step, when a step failed."""
        value = self.details.get("step")
        return value if isinstance(value, int) else None


class DialogError(ExecutionError):
    """A step opened a dialog (alert, confirm, prompt) the tool did not expect; it was
    dismissed and the step failed (``details["dialog"]`` holds its type and message)."""

    code = "unexpected_dialog"


class ClickInterceptedError(ExecutionError):
    """Another element covered the step's target (a consent banner, a modal) and offered no
    way to close it; ``details["covering"]`` describes that element."""

    code = "click_intercepted"


class LLMRequiredError(ExecutionError):
    """The tool has a step that needs an LLM and none was given."""

    code = "llm_required"


class BudgetExceededError(WaltError):
    """The job would spend more than its budget; it was stopped before spending it."""

    code = "budget_exceeded"


class QueueError(WaltError):
    """The job queue failed to accept, run or answer a job."""

    code = "queue_error"


class JobNotFoundError(QueueError, LookupError):
    """No job with this id exists (or its record has expired)."""

    code = "job_not_found"


class JobCancelledError(QueueError):
    """The job was cancelled before it produced a result."""

    code = "job_cancelled"


class DeadLetterError(QueueError):
    """The job failed on every delivery allowed and was moved to the dead-letter stream."""

    code = "dead_letter"


class RemoteError(WaltError):
    """The remote service answered with an error walt could not map to a known class."""

    code = "remote_error"


class AuthError(WaltError, PermissionError):
    """Credentials were missing or refused (the service token, a Redis password...)."""

    code = "auth_error"


class ToolNotFoundError(WaltError, LookupError):
    """A tool name is unknown to the tool store."""

    code = "tool_not_found"


# --------------------------------------------------------------------------- translation

# Matched against "module.QualName" of every class in the exception's MRO, so
# dependencies are recognised without being imported.
_BY_QUALNAME: dict[str, type[WaltError]] = {
    "playwright._impl._errors.TimeoutError": WaltTimeoutError,
    "playwright._impl._errors.TargetClosedError": BackendUnavailableError,
    "playwright._impl._errors.Error": ExecutionError,
    "redis.exceptions.TimeoutError": WaltTimeoutError,
    "redis.exceptions.AuthenticationError": AuthError,
    "redis.exceptions.AuthenticationWrongNumberOfArgsError": AuthError,
    "redis.exceptions.NoPermissionError": AuthError,
    "redis.exceptions.ConnectionError": BackendUnavailableError,
    "redis.exceptions.BusyLoadingError": BackendUnavailableError,
    "redis.exceptions.ResponseError": QueueError,
    "redis.exceptions.RedisError": QueueError,
    "httpx.TimeoutException": WaltTimeoutError,
    "httpx.ConnectError": BackendUnavailableError,
    "httpx.TooManyRedirects": ExecutionError,
    "httpx.TransportError": BackendUnavailableError,
    "httpx.HTTPError": RemoteError,
    "httpcore.TimeoutException": WaltTimeoutError,
    "httpcore.ConnectError": BackendUnavailableError,
}

_BY_BUILTIN: tuple[tuple[type[BaseException], type[WaltError]], ...] = (
    (TimeoutError, WaltTimeoutError),
    (ConnectionError, BackendUnavailableError),
    (PermissionError, AuthError),
    (ValueError, ValidationError),
)


def _qualnames(exc: BaseException) -> Iterator[str]:
    for klass in type(exc).__mro__:
        module = klass.__module__
        yield f"{module}.{klass.__qualname__}"
        # httpx and redis define errors in private modules and re-export them.
        top = module.split(".", 1)[0]
        yield f"{top}.{klass.__qualname__}"


def translate(
    exc: BaseException,
    default: type[WaltError] = WaltError,
    message: str | None = None,
    **details: Any,
) -> WaltError:
    """Map any exception to the walt error a caller should see, keeping it as the cause.

    A :class:`WaltError` is returned unchanged. Errors of Playwright, redis-py and
    httpx are recognised by name (none of them is imported); builtins map by type
    (``TimeoutError`` to :class:`WaltTimeoutError`, ``ConnectionError`` to
    :class:`BackendUnavailableError`...); anything else becomes ``default``.
    """
    if isinstance(exc, WaltError):
        return exc
    target: type[WaltError] | None = None
    for name in _qualnames(exc):
        if name in _BY_QUALNAME:
            target = _BY_QUALNAME[name]
            break
    if target is None:
        for builtin, mapped in _BY_BUILTIN:
            if isinstance(exc, builtin):
                target = mapped
                break
    target = target or default
    text = message or str(exc) or type(exc).__name__
    err = target(text, details=details or None)
    err.__cause__ = exc
    return err


@contextlib.contextmanager
def translating(
    default: type[WaltError] = WaltError, message: str | None = None, **details: Any
) -> Iterator[None]:
    """Re-raise any exception of the block as the walt error :func:`translate` picks.

    Used at each I/O boundary (browser, Redis, HTTP) so callers only ever catch
    walt errors (or the builtins they also are). Cancellation passes through.
    """
    try:
        yield
    except WaltError:
        raise
    except Exception as exc:
        raise translate(exc, default, message, **details) from exc
