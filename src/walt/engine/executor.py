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
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final

from walt.core.costs import CostMeter, PriceTable
from walt.core.errors import (
    BackendUnavailableError,
    ExecutionError,
    LLMRequiredError,
    WaltError,
    WaltTimeoutError,
    translate,
)
from walt.core.llm import LLM
from walt.core.logging import get_logger
from walt.core.messages import ExecuteRequest, ExecuteResult, StepRecord
from walt.core.models import (
    AgentStep,
    ElementStep,
    ExtractPageContentStep,
    NavigationStep,
    ResultsRegion,
    Step,
    Tool,
)
from walt.core.placeholders import apply_url_operation, render_text, render_url
from walt.core.urls import UrlPolicy, redact_url
from walt.engine.browser import BrowserPool
from walt.engine.effects import RESTART_QUIET_SCRIPT, PageWatch
from walt.engine.extract import extract
from walt.engine.guard import DialogPolicy, PopupPolicy
from walt.engine.http import PAGE_TYPES, Fetched, HttpFetcher, cookie_jar, needs_rendering
from walt.engine.jsondata import json_records
from walt.engine.keeper import kept_documents, route_opening
from walt.engine.runstate import RunState, step_skippable
from walt.engine.session import BrowserSession, SessionPool
from walt.engine.shadow import document_html
from walt.engine.steps import BrowserSteps

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from playwright.async_api import Page

__all__ = ["Executor", "browser_gate"]

log = get_logger(__name__)

browser_gate: ContextVar[asyncio.Semaphore | None] = ContextVar("walt_browser_gate", default=None)
"""A semaphore the browser path holds while it runs a tool, set by a caller that bounds how
many pages are drawn at once (discovery's validation: one per core), for the runs started
in its task. It reaches a tool that goes to the browser only once its HTTP answer turns
out to be a script's shell. Unset: the pool's ``max_contexts`` is the only bound."""

BIG_PAGE: Final = 200_000
"""Pages larger than this (characters) are extracted on a worker thread."""
MAX_TEXT: Final = 4000
UNRENDERED_TEXT: Final = 80
"""Characters of main text below which a page without its results region counts as a script's
page that did not render."""


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


def _non_html(fetched_type: str, text: str, records: str | None = None) -> dict[str, Any]:
    if fetched_type == "application/json" or fetched_type.endswith("+json"):
        with contextlib.suppress(ValueError):
            document = json.loads(text[:1_000_000])
            return {
                "content_type": fetched_type,
                "json": document,
                "items": json_records(document, records),
            }
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
        reuse_sessions: bool = True,
    ) -> None:
        self.pool = pool
        self.fetcher = fetcher
        self.policy = policy
        self.prices = prices or PriceTable()
        self.llm = llm
        self.dialogs = dialogs
        self.popups = popups
        self.sessions = SessionPool(
            pool, policy, dialogs=dialogs, popups=popups, reuse=reuse_sessions
        )

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
        run = RunState(
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
            async with asyncio.timeout(request.timeout) as clock:
                rendered = False
                if use_http:
                    rendered = await self._run_http(run, request.auth)
                if not use_http or not rendered:
                    # A page a script builds: what came over HTTP is its shell.
                    run.records.clear()
                    run.extracted = False
                    run.path = "browser"
                    await self._run_browser(run, request, clock)
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

    async def _run_http(self, run: RunState, auth: dict[str, Any] | None) -> bool:
        """The tool over HTTP; False when the page it got is a script's shell (the browser
        must run it)."""
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

        if tool.request is not None:
            t0 = time.perf_counter()
            try:
                fetched = await self._call_api(run, jar)
            finally:
                self._http_record(run, 0, t0, fetched, "call the site's JSON endpoint")
        elif tool.url_template:
            t0 = time.perf_counter()
            url = render_url(tool.url_template, run.values, run.system, encoding=tool.encoding)
            try:
                fetched = await get(url, 0, None)
            finally:
                self._http_record(run, 0, t0, fetched)
        else:
            for index, step in enumerate(tool.steps):
                t0 = time.perf_counter()
                if step_skippable(step, run):
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
                run.data = await self._http_data(
                    fetched, tool.results, tool.request.records if tool.request else None
                )
            if run.include_html:
                run.data["html"] = fetched.text
            run.title = run.data.get("title") or None
            if tool.request is None and fetched.content_type in PAGE_TYPES:
                return not needs_rendering(fetched.text)
        return True

    async def _call_api(self, run: RunState, jar: Any) -> Fetched:
        """The tool's own JSON endpoint, called as the page calls it."""
        api = run.tool.request
        assert api is not None
        url = render_url(api.url, run.values, run.system)
        body = (
            render_text(api.body, run.values, run.system, context="json").encode()
            if api.body is not None
            else None
        )
        headers = dict(api.headers)
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        result = await self.fetcher.fetch(
            url,
            jar=jar,
            meter=run.meter,
            timeout=run.step_timeout,
            method=api.method,
            body=body,
            headers=headers,
        )
        run.current_url = run.final_url = result.url
        run.status = result.status
        if result.status >= 400:
            raise ExecutionError(
                f"{api.method} {redact_url(result.url)} answered HTTP {result.status}",
                step=0,
                step_type="navigation",
                details={"url": redact_url(result.url), "status": result.status},
            )
        return result

    @staticmethod
    def _http_record(
        run: RunState,
        index: int,
        t0: float,
        fetched: Fetched | None,
        description: str = "GET the URL template",
    ) -> None:
        run.records.append(
            StepRecord(
                index=index,
                type="navigation",
                status="ok" if fetched is not None and fetched.status < 400 else "failed",
                description=description,
                elapsed_ms=(time.perf_counter() - t0) * 1000,
                url=redact_url(fetched.url) if fetched else None,
            )
        )

    @staticmethod
    async def _http_data(
        fetched: Fetched, region: ResultsRegion | None, records: str | None = None
    ) -> dict[str, Any]:
        if fetched.content_type not in PAGE_TYPES:
            return _non_html(fetched.content_type, fetched.text, records)
        data = await extract_async(fetched.text, fetched.url, region)
        if fetched.truncated:
            data["truncated"] = True
        return data

    def _navigation_url(self, step: NavigationStep, run: RunState) -> str:
        if step.url is not None:
            return render_url(step.url, run.values, run.system, encoding=run.tool.encoding)
        assert step.url_operation is not None
        if not run.current_url and "{current_url}" in step.url_operation.base:
            raise ExecutionError(
                "a url_operation on {current_url} needs a current page: give the tool a "
                "start_url or run it with start_url=...",
                step_type="navigation",
            )
        return apply_url_operation(step.url_operation, run.values, run.system, run.provided)

    # ------------------------------------------------------------------ browser path

    @contextlib.asynccontextmanager
    async def _drawing_slot(self, clock: asyncio.Timeout | None) -> AsyncIterator[None]:
        """The caller's :data:`browser_gate`, if it set one; the time spent waiting for it
        is added to ``clock`` (the run's time limit): it is the caller's, not the tool's."""
        gate = browser_gate.get()
        if gate is None:
            yield
            return
        loop = asyncio.get_running_loop()
        asked = loop.time()
        async with gate:
            when = clock.when() if clock is not None else None
            if clock is not None and when is not None:
                clock.reschedule(when + loop.time() - asked)
            yield

    async def _run_browser(
        self, run: RunState, request: ExecuteRequest, clock: asyncio.Timeout | None = None
    ) -> None:
        keeper = kept_documents.get()
        opening = _route_opening(run) if keeper is not None else None
        async with self._drawing_slot(clock), self.pool.slot():
            opened = time.perf_counter()
            session = keeper.take(opening[0]) if keeper is not None and opening else None
            if session is None:
                session = await self.sessions.take(request.auth, run.step_timeout)
            else:
                log.debug("showing the route in the document of the last run")
                try:
                    await _ready_for_reuse(session, run.step_timeout)
                except BaseException:
                    assert keeper is not None
                    keeper.forget(session)
                    self.sessions.release(session)
                    raise
            # A login's session holds what it signed in with: never reset for another job.
            session.spent = session.spent or request.capture_auth
            guard = session.guard
            guard.follow_popups = True
            run.blocked = guard.blocked
            watch = PageWatch(session.page)
            steps = BrowserSteps(run, watch, guard, self.policy, self.llm, self._extract_step)
            session.page.on("response", steps.on_response)
            succeeded = False
            try:
                await steps.run_all()
                if not run.extracted:
                    run.data = await self._page_data(watch.page, run)
                    _refuse_an_unrendered_page(run)
                run.final_url = watch.page.url
                run.title = run.data.get("title") or await _title(watch.page)
                if request.capture_auth:
                    run.auth_state = dict(await session.context.storage_state())
                succeeded = True
            except Exception:
                run.final_url = watch.page.url
                if request.screenshot_on_failure:
                    with contextlib.suppress(Exception):
                        run.screenshot = await watch.page.screenshot(type="png", timeout=5000)
                raise
            finally:
                if guard.dialogs:
                    run.data["dialogs"] = list(guard.dialogs)
                if guard.popups:
                    run.data["popups"] = list(guard.popups)
                run.blocked = list(guard.blocked)
                watch.detach()
                session.page.remove_listener("response", steps.on_response)
                done: BrowserSession | None = session
                # A click or a choice changes what no route says: the page is kept only
                # when no step acted on it (page 1 of a "Load more" list presses nothing).
                if (
                    keeper is not None
                    and opening
                    and (opening[1] or not steps.acted)
                    and succeeded
                    and watch.page is session.page
                ):
                    done = keeper.keep(session, opening[0])
                elif keeper is not None:
                    keeper.forget(session)
                if done is not None:
                    self.sessions.release(done)
                self.sessions.refill()
                run.meter.charge_browser(time.perf_counter() - opened)

    async def _page_data(self, page: Page, run: RunState) -> dict[str, Any]:
        html, url = await _reading_document(page, run.tool)
        data = await extract_async(html, url, run.tool.results)
        if run.include_html:
            data["html"] = html
        return data

    async def _extract_step(
        self, page: Page, run: RunState, step: ExtractPageContentStep
    ) -> dict[str, Any]:
        data = await self._page_data(page, run)
        if step.goal and self.llm is not None:
            from walt.engine.agent import llm_extract

            goal = render_text(step.goal, run.values, run.system)
            data["llm_extraction"] = await llm_extract(self.llm, run.meter, goal, data)
        return data


async def _ready_for_reuse(session: BrowserSession, step_timeout: float) -> None:
    """A kept session as a fresh one would be for this run: the guard's records empty, the
    run's own timeouts, and the page's quiet counted from now (its route is drawn after a
    navigation that loads nothing, so no load event starts the count)."""
    session.guard.clear_records()
    session.context.set_default_timeout(step_timeout * 1000)
    session.context.set_default_navigation_timeout(step_timeout * 1000)
    await session.page.evaluate(RESTART_QUIET_SCRIPT)


def _route_opening(run: RunState) -> tuple[str, bool] | None:
    """The URL the run's first step opens when it is a route in the fragment, and whether
    the page may be kept afterwards (:func:`walt.engine.keeper.route_opening`)."""
    opening = route_opening(run.tool)
    if opening is None:
        return None
    try:
        url = render_url(opening.template, run.values, run.system, encoding=run.tool.encoding)
    except Exception:  # the run itself reports a template it cannot fill
        return None
    return url, opening.keepable


async def _reading_document(page: Page, tool: Tool) -> tuple[str, str]:
    """The HTML and URL to read results from: the frame the tool's last element step
    acted in, while the page still has it (a form in a frame shows its results there),
    else the page."""
    selector = next((s.frame for s in reversed(tool.steps) if isinstance(s, ElementStep)), None)
    if selector:
        with contextlib.suppress(Exception):
            handle = await page.locator(selector).first.element_handle(timeout=500)
            frame = await handle.content_frame() if handle is not None else None
            if frame is not None:
                return await document_html(frame), frame.url
    return await document_html(page), page.url


def _refuse_an_unrendered_page(run: RunState) -> None:
    """A page whose results region is missing and that shows almost no text is a script's
    page that did not render: its rows are not the rows of a result."""
    region = run.data.get("region")
    if not isinstance(region, dict) or region.get("found"):
        return
    if len(str(run.data.get("main_text") or "")) >= UNRENDERED_TEXT:
        return
    raise ExecutionError(
        "the page showed neither its results nor any content (a page a script builds that "
        "did not render within the step timeout)",
        details={"url": redact_url(str(run.data.get("url") or ""))},
        retryable=True,
    )


async def _title(page: Page) -> str | None:
    with contextlib.suppress(Exception):
        return await page.title()
    return None
