"""Logging: library loggers under ``walt.*`` and the logger a host injects.

A host passes its own logger to a client (a stdlib ``Logger``, a
``LoggerAdapter``, a structlog logger: anything with ``debug``/``info``/
``warning``/``error``/``exception``). While the client works on a request, every
walt module logs to that logger with structured context (``job_id``,
``backend``, ``tool``, ``url`` with credentials removed): the context travels in
a :mod:`contextvars` variable, so it follows the work into tasks and threads
started with :func:`asyncio.to_thread` without being passed around.

Per-operation lines are DEBUG. Nothing is printed.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, Protocol, runtime_checkable

from walt.core.redact import redact_url

__all__ = [
    "LoggerLike",
    "ScrubFilter",
    "WaltLogger",
    "get_logger",
    "log_context",
    "scrub",
    "use_logger",
]

logging.getLogger("walt").addHandler(logging.NullHandler())

_URL_IN_TEXT: Final = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_QUERY_VALUE: Final = re.compile(r"([?&;][^=&#\s]*=)[^&#\s]*")


def scrub(text: str) -> str:
    """``text`` with every URL in it fit for a log line: no user information and no
    query values (a value may be a token, a search, a person's name); keys are kept."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: _QUERY_VALUE.sub(r"\1***", redact_url(m.group(0))), text)


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)  # an httpx.URL, a yarl URL: scrubbed as the text it prints as
    return scrub(text) if "://" in text else value


class ScrubFilter(logging.Filter):
    """Scrubs the URLs of records other libraries log (httpx, httpcore: their request
    lines carry full URLs, query strings included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_scrubbed(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _scrubbed(v) for k, v in record.args.items()}
        return True


_SCRUB = ScrubFilter()
for _name in (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "uvicorn.access",
):
    logging.getLogger(_name).addFilter(_SCRUB)


@runtime_checkable
class LoggerLike(Protocol):
    """What walt needs of an injected logger."""

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def info(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def warning(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def error(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def exception(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


_injected: contextvars.ContextVar[LoggerLike | None] = contextvars.ContextVar(
    "walt_logger", default=None
)
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "walt_log_context", default=_EMPTY
)

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
}
_SAFE_KEYS = ("job_id", "backend", "tool", "url", "operation", "worker", "queue", "attempt")


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None:
            continue
        out[key] = redact_url(value) if key.endswith("url") and isinstance(value, str) else value
    return out


@contextlib.contextmanager
def use_logger(logger: LoggerLike | None) -> Iterator[None]:
    """Send every walt log line of the current context (and tasks it starts) to ``logger``."""
    token = _injected.set(logger)
    try:
        yield
    finally:
        _injected.reset(token)


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add structured fields (``job_id=...``, ``tool=...``) to every line logged inside."""
    token = _context.set({**_context.get(), **_clean(fields)})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, Any]:
    return dict(_context.get())


class WaltLogger:
    """A module's logger: writes to the injected logger if any, else to ``logging.getLogger(name)``.

    stdlib loggers receive the context as ``extra={"walt": {...}}`` plus one
    attribute per field; loggers with ``bind`` (structlog) are bound to it.
    """

    __slots__ = ("_default", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._default = logging.getLogger(name)

    def _emit(self, level: str, msg: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        target: Any = _injected.get() or self._default
        is_stdlib = isinstance(target, logging.Logger | logging.LoggerAdapter)
        if is_stdlib and not target.isEnabledFor(_LEVELS[level]):
            return  # before any formatting: DEBUG lines cost nothing when DEBUG is off
        msg = scrub(msg)
        args = tuple(_scrubbed(a) for a in args)
        fields = {**_context.get(), **_clean(kwargs.pop("fields", {}) or {})}
        if is_stdlib:
            extra = dict(kwargs.pop("extra", None) or {})
            extra.setdefault("walt", fields)
            for key in _SAFE_KEYS:
                if key in fields:
                    extra.setdefault(f"walt_{key}", fields[key])
            kwargs["extra"] = extra
            kwargs.setdefault("stacklevel", 3)
            getattr(target, level)(msg, *args, **kwargs)
            return
        if fields and hasattr(target, "bind"):
            target = target.bind(**fields)
        text = msg % args if args else msg
        if hasattr(target, "bind"):
            getattr(target, level)(text, **{k: v for k, v in kwargs.items() if k == "exc_info"})
        else:
            getattr(target, level)(text)

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._emit("debug", msg, args, kwargs)

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._emit("info", msg, args, kwargs)

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._emit("warning", msg, args, kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._emit("error", msg, args, kwargs)

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("exc_info", True)
        self._emit("exception", msg, args, kwargs)


def get_logger(name: str) -> WaltLogger:
    """The logger for a walt module (``name`` is its ``__name__``)."""
    return WaltLogger(name)
