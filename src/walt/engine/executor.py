"""Running a tool: the HTTP fast path for URL tools, the browser for the rest.

Inputs are checked before anything runs. Each step has its own timeout and the
whole run one more; waits are events (Playwright's auto-waiting, load states,
a bounded network idle), never fixed sleeps. A step that fails ends the run
with an :class:`~walt.core.errors.ExecutionError` naming the step and what was
looked for, returned in the result together with the steps that ran, the
requests the guard blocked and, if asked, a screenshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import time
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from walt.core.costs import CostMeter, PriceTable
from walt.core.errors import (
    BackendUnavailableError,
    ExecutionError,
    LLMRequiredError,
    UrlBlockedError,
    WaltError,
    WaltTimeoutError,
    translate,
)
from walt.core.llm import LLM
from walt.core.logging import get_logger
from walt.core.messages import ExecuteRequest, ExecuteResult, StepRecord
from walt.core.models import (
    AgentStep,
    ClickStep,
    ElementStep,
    ExtractPageContentStep,
    InputStep,
    KeyPressStep,
    NavigationStep,
    ResultsRegion,
    ScrollStep,
    SelectChangeStep,
    Step,
    Tool,
    WaitStep,
)
from walt.core.placeholders import (
    apply_url_operation,
    find_placeholders,
    is_blank,
    render_text,
    render_url,
)
from walt.core.urls import UrlPolicy, redact_url
from walt.engine.browser import BrowserPool
from walt.engine.extract import extract
from walt.engine.guard import DialogPolicy, PopupPolicy
from walt.engine.http import Fetched, HttpFetcher, cookie_jar
from walt.engine.locate import locate, not_found, render_locators
from walt.engine.session import SessionPool

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["Executor"]

log = get_logger(__name__)

_BOOLEAN_WORDS: Final = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off"})
_TRUE_WORDS: Final = frozenset({"true", "1", "yes", "on"})
_SET_VALUE: Final = """(el, value) => {
  el.value = value;
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
}"""
_SET_CHECKED: Final = """(el, checked) => {
  el.checked = checked;
  el.dispatchEvent(new Event("change", {bubbles: true}));
}"""
BIG_PAGE: Final = 200_000
"""Pages larger than this (characters) are extracted on a worker thread."""
MAX_TEXT: Final = 4000
SETTLE_IDLE: Final = 2.0
"""The bound on the network-idle wait of a wait step without ``seconds``."""


async def extract_async(html: str, url: str, region: ResultsRegion | None = None) -> dict[str, Any]:
    if len(html) > BIG_PAGE:
        return await asyncio.to_thread(extract, html, url, region)
    return extract(html, url, region)


MAX_ROWS: Final = 200


def _delimited(fetched_type: str, text: str) -> list[dict[str, Any]]:
    """Rows of a CSV or TSV body, keyed by its header line (at most MAX_ROWS)."""
    delimiter = "\t" if "tab-separated" in fetched_type else ","
    reader = csv.DictReader(io.StringIO(text[:1_000_000]), delimiter=delimiter)
    rows: list[dict[str, Any]] = []
    with contextlib.suppress(csv.Error):
        for row in reader:
            rows.append({str(k): v for k, v in row.items() if k is not None})
            if len(rows) >= MAX_ROWS:
                break
    return rows


def _non_html(fetched_type: str, text: str) -> dict[str, Any]:
    if fetched_type == "application/json" or fetched_type.endswith("+json"):
        with contextlib.suppress(ValueError):
            return {"content_type": fetched_type, "json": json.loads(text[:1_000_000])}
    if fetched_type in ("text/csv", "text/tab-separated-values", "application/csv"):
        return {
            "content_type": fetched_type,
            "items": _delimited(fetched_type, text),
            "size": len(text),
            "truncated": len(text) > 1_000_000,
        }
    return {
        "content_type": fetched_type,
        "text": text[:MAX_TEXT],
        "size": len(text),
        "truncated": len(text) > MAX_TEXT,
    }


@attrs.define
class _Run:
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


def _check_status(index: int, step: Step, url: str, status: int | None) -> None:
    if status is not None and status >= 400:
        raise ExecutionError(
            f"step {index} ({step.type}): {redact_url(url)} answered HTTP {status}",
            step=index,
            step_type=step.type,
            details={"url": redact_url(url), "status": status},
        )


def _step_skippable(step: Step, run: _Run) -> bool:
    """A step whose placeholders are all optional inputs left empty is skipped."""
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
    else:
        return False
    return all(is_blank(t, run.values, run.optional) for t in templates if t)


class Executor:
    """Runs tools for the in-process backend (one per backend, shared by its jobs)."""

    def __init__(
        self,
        *,
        pool: BrowserPool,
        fetcher: HttpFetcher,
        policy: UrlPolicy,
        prices: PriceTable | None = None,
        llm: LLM | None = None,
        dialogs: DialogPolicy = "dismiss",
        popups: PopupPolicy = "close",
    ) -> None:
        self.pool = pool
        self.fetcher = fetcher
        self.policy = policy
        self.prices = prices or PriceTable()
        self.llm = llm
        self.dialogs = dialogs
        self.popups = popups
        self.sessions = SessionPool(pool, policy, dialogs=dialogs, popups=popups)

    async def aclose(self) -> None:
        """Close the spare browser session and wait for used ones to close.

        The fetcher and the browser pool belong to whoever made them (the backend).
        """
        await self.sessions.aclose()

    # ------------------------------------------------------------------ entry point

    async def execute(
        self, request: ExecuteRequest, *, backend: str = "inprocess"
    ) -> ExecuteResult:
        tool = request.tool
        values = tool.check_inputs(request.inputs)
        provided = {k for k, v in request.inputs.items() if v is not None}
        for index, step in enumerate(tool.steps):
            if isinstance(step, AgentStep) and self.llm is None:
                raise LLMRequiredError(
                    f"this tool needs an LLM: step {index} is an agent step "
                    f"({step.task[:80]!r}); pass llm=... to the client",
                    step=index,
                    step_type="agent",
                )
        run = _Run(
            tool=tool,
            values=values,
            provided=provided,
            meter=CostMeter(self.prices, request.budget),
            step_timeout=request.step_timeout,
            optional={i.name for i in tool.inputs if not i.required},
            current_url=request.start_url or tool.start_url or "",
            include_html=request.include_html,
        )
        use_http = (
            request.prefer_http
            and tool.is_url_tool
            and not request.capture_auth
            and not (
                self.llm is not None
                and any(isinstance(s, ExtractPageContentStep) and s.goal for s in tool.steps)
            )
        )
        started = time.perf_counter()
        error: WaltError | None = None
        try:
            async with asyncio.timeout(request.timeout):
                if use_http:
                    await self._run_http(run, request.auth)
                else:
                    run.path = "browser"
                    await self._run_browser(run, request)
        except TimeoutError:
            error = WaltTimeoutError(
                f"tool {tool.function_name!r} took longer than {request.timeout:g} s "
                f"(stopped at step {len(run.records)})",
                details={"step": len(run.records), "timeout": request.timeout},
            )
        except BackendUnavailableError as exc:
            if not run.records:
                raise  # nothing ran (no browser, say): the caller may send the job elsewhere
            error = exc
        except WaltError as exc:
            error = exc
        except Exception as exc:  # a bug or an unexpected dependency error: still a typed result
            error = translate(exc, ExecutionError)
        elapsed = (time.perf_counter() - started) * 1000
        ok = error is None
        log.debug(
            "ran %s via %s in %.0f ms: %s",
            tool.function_name,
            run.path,
            elapsed,
            "ok" if ok else error,
        )
        return ExecuteResult(
            ok=ok,
            tool=tool.function_name,
            path=run.path,
            final_url=run.final_url,
            title=run.title,
            status=run.status,
            data=run.data,
            steps=tuple(run.records),
            cost=run.meter.snapshot(),
            blocked=tuple(run.blocked),
            elapsed_ms=elapsed,
            error=error,
            screenshot=run.screenshot,
            backend=backend,
            request_id=request.request_id,
            auth_state=run.auth_state,
        )

    # ------------------------------------------------------------------ HTTP path

    async def _run_http(self, run: _Run, auth: dict[str, Any] | None) -> None:
        tool = run.tool
        jar = cookie_jar(auth)
        fetched: Fetched | None = None

        async def get(url: str, index: int, step: Step | None) -> Fetched:
            result = await self.fetcher.fetch(
                url, jar=jar, meter=run.meter, timeout=run.step_timeout
            )
            run.current_url = run.final_url = result.url
            run.status = result.status
            if result.status >= 400:
                raise ExecutionError(
                    f"step {index} ({step.type if step else 'navigation'}): "
                    f"{redact_url(result.url)} answered HTTP {result.status}",
                    step=index,
                    step_type=step.type if step else "navigation",
                    details={"url": redact_url(result.url), "status": result.status},
                )
            return result

        if tool.url_template:
            t0 = time.perf_counter()
            url = render_url(tool.url_template, run.values, run.system)
            try:
                fetched = await get(url, 0, None)
            finally:
                self._http_record(run, 0, t0, fetched)
        else:
            for index, step in enumerate(tool.steps):
                t0 = time.perf_counter()
                if _step_skippable(step, run):
                    run.record(index, step, "skipped", t0, detail="optional inputs left empty")
                    continue
                if isinstance(step, NavigationStep):
                    url = self._navigation_url(step, run)
                    try:
                        fetched = await get(url, index, step)
                        run.record(index, step, "ok", t0, url=redact_url(fetched.url))
                    except WaltError:
                        run.record(index, step, "failed", t0, url=redact_url(url))
                        raise
                elif isinstance(step, ExtractPageContentStep) and fetched is not None:
                    run.data = await self._http_data(fetched, tool.results)
                    run.extracted = True
                    run.record(index, step, "ok", t0)
                else:
                    run.record(index, step, "ok", t0, detail="nothing to wait for over HTTP")
        if fetched is not None:
            if not run.extracted:
                run.data = await self._http_data(fetched, tool.results)
            if run.include_html:
                run.data["html"] = fetched.text
            run.title = run.data.get("title") or None

    @staticmethod
    def _http_record(run: _Run, index: int, t0: float, fetched: Fetched | None) -> None:
        run.records.append(
            StepRecord(
                index=index,
                type="navigation",
                status="ok" if fetched is not None and fetched.status < 400 else "failed",
                description="GET the URL template",
                elapsed_ms=(time.perf_counter() - t0) * 1000,
                url=redact_url(fetched.url) if fetched else None,
            )
        )

    @staticmethod
    async def _http_data(fetched: Fetched, region: ResultsRegion | None) -> dict[str, Any]:
        if fetched.content_type not in ("text/html", "application/xhtml+xml", ""):
            return _non_html(fetched.content_type, fetched.text)
        data = await extract_async(fetched.text, fetched.url, region)
        if fetched.truncated:
            data["truncated"] = True
        return data

    def _navigation_url(self, step: NavigationStep, run: _Run) -> str:
        if step.url is not None:
            return render_url(step.url, run.values, run.system)
        assert step.url_operation is not None
        if not run.current_url and "{current_url}" in step.url_operation.base:
            raise ExecutionError(
                "a url_operation on {current_url} needs a current page: give the tool a "
                "start_url or run it with start_url=...",
                step_type="navigation",
            )
        return apply_url_operation(step.url_operation, run.values, run.system, run.provided)

    # ------------------------------------------------------------------ browser path

    async def _run_browser(self, run: _Run, request: ExecuteRequest) -> None:
        async with self.pool.slot():
            opened = time.perf_counter()
            session = await self.sessions.take(request.auth, run.step_timeout)
            run.blocked = session.guard.blocked
            page = session.page
            page.on("response", lambda r: self._on_response(run, page, r))
            try:
                await self._steps(page, run)
                if not run.extracted:
                    run.data = await self._page_data(page, run)
                run.final_url = page.url
                run.title = run.data.get("title") or await _title(page)
                if request.capture_auth:
                    run.auth_state = dict(await session.context.storage_state())
            except Exception:
                run.final_url = page.url
                if request.screenshot_on_failure:
                    with contextlib.suppress(Exception):
                        run.screenshot = await page.screenshot(type="png", timeout=5000)
                raise
            finally:
                guard = session.guard
                if guard.dialogs:
                    run.data["dialogs"] = list(guard.dialogs)
                if guard.popups:
                    run.data["popups"] = list(guard.popups)
                run.blocked = list(guard.blocked)
                self.sessions.release(session)
                self.sessions.refill()
                run.meter.charge_browser(time.perf_counter() - opened)

    @staticmethod
    def _on_response(run: _Run, page: Page, response: Any) -> None:
        try:
            if response.frame == page.main_frame and response.request.is_navigation_request():
                run.status = response.status
        except Exception:  # the frame may be gone already
            pass

    async def _steps(self, page: Page, run: _Run) -> None:
        tool = run.tool
        steps = tool.steps
        first = steps[0] if steps else None
        if first is None and tool.url_template:
            url = render_url(tool.url_template, run.values, run.system)
            await self._goto(page, run, url, 0, NavigationStep(url=tool.url_template))
        elif not (isinstance(first, NavigationStep) and first.url is not None):
            if not run.current_url:
                raise ExecutionError(
                    "the tool does not start with a navigation and has no start_url: "
                    "run it with start_url=... (the page it works on)",
                    step=0,
                    step_type=first.type if first else "navigation",
                )
            await self._goto(page, run, run.current_url, 0, first or NavigationStep(url=""))
        for index, step in enumerate(steps):
            t0 = time.perf_counter()
            if _step_skippable(step, run):
                run.record(index, step, "skipped", t0, detail="optional inputs left empty")
                continue
            timeout = step.timeout or run.step_timeout
            locator_used: str | None = None
            status_before = run.status
            try:
                run.meter.ensure_affordable(timeout * run.meter.prices.browser_second, "a step")
                locator_used = await self._step(page, run, index, step, timeout)
                if run.status != status_before:
                    _check_status(index, step, page.url, run.status)
            except WaltError as exc:
                run.record(
                    index, step, "failed", t0, detail=exc.message[:300], url=redact_url(page.url)
                )
                raise
            except Exception as exc:
                run.record(
                    index, step, "failed", t0, detail=str(exc)[:300], url=redact_url(page.url)
                )
                raise _step_error(index, step, exc) from exc
            run.current_url = page.url
            run.record(index, step, "ok", t0, locator=locator_used, url=redact_url(page.url))

    async def _goto(self, page: Page, run: _Run, url: str, index: int, step: Step) -> None:
        checked = await self.policy.acheck(url)
        timeout = (step.timeout or run.step_timeout) * 1000
        response = await page.goto(checked, wait_until="load", timeout=timeout)
        status = response.status if response is not None else None
        run.current_url = page.url
        if (
            status is not None
            and status == 403
            and response is not None
            and (response.headers.get("x-walt-blocked") == "1")
        ):
            raise UrlBlockedError(
                f"step {index}: the URL policy refused a request while loading {redact_url(url)}",
                details={"url": redact_url(url), "step": index},
            )
        _check_status(index, step, page.url, status)

    async def _settle(self, page: Page, timeout: float) -> None:
        """After an action: the load state of whatever it started (no fixed sleep)."""
        with contextlib.suppress(Exception):
            await page.wait_for_load_state("load", timeout=timeout * 1000)

    async def _step(
        self, page: Page, run: _Run, index: int, step: Step, timeout: float
    ) -> str | None:
        values, system = run.values, run.system
        if isinstance(step, NavigationStep):
            await self._goto(page, run, self._navigation_url(step, run), index, step)
            return None
        if isinstance(step, WaitStep):
            bound = step.seconds if step.seconds else SETTLE_IDLE
            state = step.until or "networkidle"
            with contextlib.suppress(Exception):  # the bound was reached: carry on
                await page.wait_for_load_state(state, timeout=min(bound, timeout) * 1000)  # type: ignore[arg-type]
            return None
        if isinstance(step, ScrollStep):
            await page.mouse.wheel(step.scroll_x, step.scroll_y)
            return None
        if isinstance(step, ExtractPageContentStep):
            run.data = await self._extract_step(page, run, step, index)
            run.extracted = True
            return None
        if isinstance(step, AgentStep):
            from walt.engine.agent import run_agent_step

            assert self.llm is not None
            task = render_text(step.task, values, system)
            await run_agent_step(
                page, self.llm, run.meter, task, step.max_steps, timeout, index, self.policy
            )
            run.current_url = page.url
            return None
        if isinstance(step, KeyPressStep) and not step.candidates():
            await page.keyboard.press(render_text(step.key, values, system))
            await self._settle(page, timeout)
            return None
        assert isinstance(step, ElementStep)
        candidates = render_locators(step, values, system)
        located = await locate(
            page, candidates, timeout=timeout, step_index=index, step_type=step.type
        )
        try:
            await self._act(page, run, index, step, located.locator, timeout)
        except WaltError:
            raise
        except Exception as exc:
            if len(candidates) == 1 and _is_not_found(exc):
                raise await not_found(
                    page, candidates, timeout=timeout, step_index=index, step_type=step.type
                ) from exc
            raise
        return located.description

    async def _act(
        self, page: Page, run: _Run, index: int, step: ElementStep, target: Any, timeout: float
    ) -> None:
        values, system = run.values, run.system
        if isinstance(step, ClickStep):
            await target.click(timeout=timeout * 1000)
            await self._settle(page, timeout)
        elif isinstance(step, InputStep):
            await self._fill(target, render_text(step.value, values, system), timeout)
        elif isinstance(step, SelectChangeStep):
            await self._select(
                target, render_text(step.selected_text, values, system), timeout, index
            )
        elif isinstance(step, KeyPressStep):
            await target.press(render_text(step.key, values, system), timeout=timeout * 1000)
            await self._settle(page, timeout)

    @staticmethod
    async def _fill(target: Any, text: str, timeout: float) -> None:
        # Only a boolean-looking value can be meant for a checkbox: ask the type then only.
        if text.strip().lower() in _BOOLEAN_WORDS:
            kind = (await target.get_attribute("type", timeout=timeout * 1000) or "").lower()
            if kind in ("checkbox", "radio"):
                if not await target.is_visible():
                    await target.evaluate(_SET_CHECKED, text.strip().lower() in _TRUE_WORDS)
                    return
                await target.set_checked(
                    text.strip().lower() in _TRUE_WORDS, timeout=timeout * 1000
                )
                return
        if not await target.is_visible():
            # A field the page keeps out of sight (a closed tab, a row's hidden id): what
            # the form submits is its value, so set it as a script would.
            await target.evaluate(_SET_VALUE, text)
            return
        await target.fill(text, timeout=timeout * 1000)

    @staticmethod
    async def _select(target: Any, text: str, timeout: float, index: int) -> None:
        try:
            await target.select_option(label=text, timeout=min(timeout, 2.0) * 1000)
            return
        except Exception:
            pass
        try:
            await target.select_option(value=text, timeout=min(timeout, 2.0) * 1000)
            return
        except Exception:
            pass
        options = await target.evaluate(
            "el => Array.from(el.options || []).map(o => o.label + ' (' + o.value + ')')"
        )
        raise ExecutionError(
            f"step {index} (select_change): no option labelled or valued {text!r}; "
            f"options: {', '.join(options[:30])}",
            step=index,
            step_type="select_change",
            details={"wanted": text, "options": options[:50]},
        )

    async def _page_data(self, page: Page, run: _Run) -> dict[str, Any]:
        html = await page.content()
        data = await extract_async(html, page.url, run.tool.results)
        if run.include_html:
            data["html"] = html
        return data

    async def _extract_step(
        self, page: Page, run: _Run, step: ExtractPageContentStep, index: int
    ) -> dict[str, Any]:
        data = await self._page_data(page, run)
        if step.goal and self.llm is not None:
            from walt.engine.agent import llm_extract

            goal = render_text(step.goal, run.values, run.system)
            data["llm_extraction"] = await llm_extract(self.llm, run.meter, goal, data)
        return data


async def _title(page: Page) -> str | None:
    with contextlib.suppress(Exception):
        return await page.title()
    return None


def _is_not_found(exc: Exception) -> bool:
    """A Playwright timeout or strictness violation: the target was not exactly one element."""
    text = str(exc)
    return (
        "strict mode violation" in text
        or "Timeout" in type(exc).__name__
        or ("Timeout" in text and "waiting for" in text)
    )


def _step_error(index: int, step: Step, exc: Exception) -> WaltError:
    mapped = translate(exc, ExecutionError)
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    message = f"step {index} ({step.type}) failed: {first_line}"
    err = type(mapped)(message, details={"step": index, "step_type": step.type})
    err.__cause__ = exc
    return err
