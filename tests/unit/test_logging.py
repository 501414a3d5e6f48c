from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from walt.core.logging import get_logger, log_context, use_logger


class Recorder:
    """A structlog-like logger: has bind() and keyword context."""

    def __init__(
        self, context: dict[str, Any] | None = None, sink: list[Any] | None = None
    ) -> None:
        self.context = context or {}
        self.sink: list[Any] = [] if sink is None else sink

    def bind(self, **kw: Any) -> Recorder:
        return Recorder({**self.context, **kw}, self.sink)

    def _log(self, level: str, msg: str, **kw: Any) -> None:
        self.sink.append((level, msg, dict(self.context)))

    def debug(self, msg: str, *a: Any, **kw: Any) -> None:
        self._log("debug", msg)

    def info(self, msg: str, *a: Any, **kw: Any) -> None:
        self._log("info", msg)

    def warning(self, msg: str, *a: Any, **kw: Any) -> None:
        self._log("warning", msg)

    def error(self, msg: str, *a: Any, **kw: Any) -> None:
        self._log("error", msg)

    def exception(self, msg: str, *a: Any, **kw: Any) -> None:
        self._log("exception", msg)


def test_package_logger_has_a_null_handler() -> None:
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("walt").handlers)


def test_module_loggers_use_walt_names(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("walt.engine.test")
    with caplog.at_level(logging.DEBUG, logger="walt"):
        with log_context(job_id="j1", url="https://u:secret@example.com/?token=t"):
            log.debug("hello %s", "world")
    record = caplog.records[-1]
    assert record.name == "walt.engine.test"
    assert record.getMessage() == "hello world"
    assert record.walt_job_id == "j1"  # type: ignore[attr-defined]
    assert "secret" not in record.walt_url  # type: ignore[attr-defined]
    assert "token=t" not in record.walt_url  # type: ignore[attr-defined]


def test_injected_stdlib_logger_receives_everything(caplog: pytest.LogCaptureFixture) -> None:
    host = logging.getLogger("host.app")
    log = get_logger("walt.x")
    with caplog.at_level(logging.DEBUG, logger="host.app"), use_logger(host):
        log.info("from walt")
    assert [r.name for r in caplog.records] == ["host.app"]


def test_injected_adapter_and_levels(caplog: pytest.LogCaptureFixture) -> None:
    host = logging.LoggerAdapter(logging.getLogger("host.adapter"), {"app": "demo"})
    log = get_logger("walt.x")
    with caplog.at_level(logging.INFO, logger="host.adapter"), use_logger(host):
        log.debug("hidden")
        log.warning("shown")
    assert [r.getMessage() for r in caplog.records] == ["shown"]


def test_structlog_like_logger_is_bound_with_context() -> None:
    recorder = Recorder()
    log = get_logger("walt.x")
    with use_logger(recorder), log_context(backend="redis", tool="search"):
        log.info("ran %d steps", 3)
    assert recorder.sink == [("info", "ran 3 steps", {"backend": "redis", "tool": "search"})]


async def test_context_follows_tasks_and_threads() -> None:
    recorder = Recorder()
    log = get_logger("walt.x")

    async def child() -> None:
        log.debug("in task")
        await asyncio.to_thread(log.debug, "in thread")

    with use_logger(recorder), log_context(job_id="abc"):
        await asyncio.create_task(child())
    assert [entry[2]["job_id"] for entry in recorder.sink] == ["abc", "abc"]
