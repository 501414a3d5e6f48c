"""The state of one execution, shared by the HTTP path and the browser's steps."""

from __future__ import annotations

import time
from typing import Any, Literal

import attrs

from walt.core.costs import CostMeter
from walt.core.errors import ExecutionError
from walt.core.messages import StepRecord
from walt.core.models import (
    ClickStep,
    InputStep,
    NavigationStep,
    SelectChangeStep,
    Step,
    Tool,
)
from walt.core.placeholders import find_placeholders, is_blank
from walt.core.urls import redact_url

__all__ = ["RunState", "check_status", "step_skippable"]


@attrs.define
class RunState:
    """The state of one execution."""

    tool: Tool
    values: dict[str, Any]
    provided: set[str]
    meter: CostMeter
    step_timeout: float
    optional: set[str]
    path: Literal["http", "browser"] = "http"
    records: list[StepRecord] = attrs.field(factory=list)
    current_url: str = ""
    final_url: str | None = None
    status: int | None = None
    title: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict)
    extracted: bool = False
    auth_state: dict[str, Any] | None = None
    blocked: list[Any] = attrs.field(factory=list)
    screenshot: bytes | None = None
    include_html: bool = False

    @property
    def system(self) -> dict[str, str]:
        return {"current_url": self.current_url, "start_url": self.tool.start_url or ""}

    def record(self, index: int, step: Step, status: str, started: float, **kw: Any) -> None:
        self.records.append(
            StepRecord(
                index=index,
                type=step.type,
                status=status,  # type: ignore[arg-type]
                description=step.description,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                **kw,
            )
        )


def check_status(index: int, step: Step, url: str, status: int | None) -> None:
    if status is not None and status >= 400:
        raise ExecutionError(
            f"step {index} ({step.type}): {redact_url(url)} answered HTTP {status}",
            step=index,
            step_type=step.type,
            details={"url": redact_url(url), "status": status},
        )


def step_skippable(step: Step, run: RunState) -> bool:
    """A step whose placeholders are all optional inputs left empty is skipped (an edit
    keeps what the form shows for each of them)."""
    templates: list[str | None] = []
    if isinstance(step, NavigationStep):
        if step.url is not None:
            templates.append(step.url)
        elif step.url_operation is not None:
            names = [n for v in step.url_operation.replace.values() for n in find_placeholders(v)]
            if names and not any(n in run.provided for n in names):
                return all(n in run.optional for n in names)
            return False
    elif isinstance(step, InputStep):
        templates.append(step.value)
    elif isinstance(step, SelectChangeStep):
        templates.append(step.selected_text)
    elif isinstance(step, ClickStep):
        templates.extend(loc.value for loc in step.candidates() if find_placeholders(loc.value))
        if not templates:
            return False
    else:
        return False
    return all(is_blank(t, run.values, run.optional) for t in templates if t)
