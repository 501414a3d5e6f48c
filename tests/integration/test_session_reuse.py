"""A context that served one job is reset before it serves the next (walt.engine.session):
nothing the first job's pages stored is seen by the second, as with a new context."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.models import ClickStep, Locator, NavigationStep, Tool
from walt.core.urls import UrlPolicy
from walt.engine.browser import BrowserPool
from walt.engine.session import BrowserSession, SessionPool

_SCRIPT = "<script src='/private.js'></script>"

# Stores something in every place a page can (and leaves a tab, a name and history
# behind); shows a button once every write is done, which the tool waits for.
WRITER = (
    _SCRIPT
    + """
<script>
window.name = "job-a";
document.cookie = "script_cookie=A; path=/";
localStorage.setItem("k", "A");
sessionStorage.setItem("k", "A");
history.pushState({}, "", "/write?step=2");
history.pushState({}, "", "/write?step=3");
const idb = new Promise(resolve => {
  const open = indexedDB.open("db", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("s");
  open.onsuccess = () => {
    const tx = open.result.transaction("s", "readwrite");
    tx.objectStore("s").put("A", "k");
    tx.oncomplete = () => { open.result.close(); resolve(); };
  };
});
const cache = caches.open("c").then(c => c.put("/x", new Response("A")));
Promise.all([idb, cache]).then(() => {
  const done = document.createElement("button");
  done.id = "done";
  done.textContent = "Done";
  document.body.append(done);
});
</script>"""
)

# Lists what it finds, one line each.
READER = (
    _SCRIPT
    + """
<ul id="seen"></ul>
<script>
const idb = () => new Promise(resolve => {
  const open = indexedDB.open("db", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("s");
  open.onsuccess = () => {
    const get = open.result.transaction("s").objectStore("s").get("k");
    get.onsuccess = () => { open.result.close(); resolve(String(get.result ?? "none")); };
  };
});
(async () => {
  const seen = {
    cookie: document.cookie || "none",
    local: localStorage.getItem("k") ?? "none",
    session: sessionStorage.getItem("k") ?? "none",
    name: window.name || "none",
    history: String(history.length),
    indexeddb: await idb(),
    cache_storage: String(await caches.has("c")),
    served: String(window.served),
  };
  for (const [key, value] of Object.entries(seen)) {
    const item = document.createElement("li");
    item.textContent = `${key}: ${value}`;
    document.getElementById("seen").append(item);
  }
})();
</script>"""
)


@pytest.fixture
def state_site() -> Iterator[Site]:
    served = itertools.count(1)

    def private_script(_: Request) -> Response:
        # A browser may keep this for ten minutes and show it to this user only.
        headers = {"Content-Type": "text/javascript", "Cache-Control": "private, max-age=600"}
        return 200, headers, f"window.served = {next(served)};"

    def writer(_: Request) -> Response:
        status, headers, body = html(WRITER)
        return status, {**headers, "Set-Cookie": "server_cookie=A; Path=/"}, body

    with serve(
        {"/write": writer, "/read": lambda _: html(READER), "/private.js": private_script}
    ) as site:
        yield site


def _tools(site: Site) -> tuple[Tool, Tool]:
    write = Tool(
        name="write_state",
        steps=(
            NavigationStep(url=f"{site.url}write"),
            ClickStep(locators=(Locator("id", "done"),)),
        ),
    )
    read = Tool(name="read_state", steps=(NavigationStep(url=f"{site.url}read"),))
    return write, read


def _seen(result: walt.ExecuteResult) -> dict[str, str]:
    result.raise_for_error()
    return dict(re.findall(r"(\w+): (\S+)", str(result.data.get("main_text", ""))))


@contextlib.contextmanager
def _client(site: Site, *, reuse: bool = True) -> Iterator[tuple[walt.UnifiedClient, BrowserPool]]:
    """A client of the in-process backend on a browser pool of the test's own."""
    pool = BrowserPool()
    options: dict[str, Any] = {"pool": pool, "reuse_contexts": reuse}
    try:
        with walt.UnifiedClient(
            "inprocess", allow_hosts=[site.netloc], cache=False, backend_options=options
        ) as client:
            yield client, pool
    finally:
        asyncio.run(pool.close())


@pytest.mark.parametrize("reuse", [True, False], ids=["reset-context", "new-context"])
def test_the_next_job_sees_nothing_the_last_job_stored(state_site: Site, reuse: bool) -> None:
    write, read = _tools(state_site)
    with _client(state_site, reuse=reuse) as (client, pool):
        client.execute(write, prefer_http=False).raise_for_error()
        first = _seen(client.execute(read, prefer_http=False))
        second = _seen(client.execute(read, prefer_http=False))
        contexts = pool.stats.contexts
    nothing = {
        "cookie": "none",
        "local": "none",
        "session": "none",
        "name": "none",
        "indexeddb": "none",
        "cache_storage": "false",
    }
    assert {k: first[k] for k in nothing} == nothing
    # A new tab's history: the blank page it opened with and the page itself.
    assert first["history"] == second["history"] == "2"
    # The private script was asked for again: no cache entry of the last job was used.
    assert (first["served"], second["served"]) == ("2", "3")
    # The point of the reset: one context served all three jobs.
    assert contexts == 1 if reuse else contexts >= 3


SHARED_PAGE = "<script src='/shared.js'></script><p id='seen'>served: <span></span></p>" + (
    "<script>document.querySelector('#seen span').textContent = String(window.served);</script>"
)


@pytest.mark.parametrize("reuse", [True, False], ids=["reset-context", "new-context"])
def test_files_marked_for_every_user_stay_cached_for_the_next_job(reuse: bool) -> None:
    served = itertools.count(1)

    def shared_script(_: Request) -> Response:
        headers = {"Content-Type": "text/javascript", "Cache-Control": "public, max-age=600"}
        return 200, headers, f"window.served = {next(served)};"

    with serve({"/": lambda _: html(SHARED_PAGE), "/shared.js": shared_script}) as site:
        tool = Tool(name="page", steps=(NavigationStep(url=site.url),))
        with _client(site, reuse=reuse) as (client, _):
            runs = [_seen(client.execute(tool, prefer_http=False)) for _ in range(3)]
    # A reset context answers from its cache (the origin said anyone may get the file);
    # a new context asks again.
    assert [run["served"] for run in runs] == (["1", "1", "1"] if reuse else ["1", "2", "3"])


# Leaving the page runs its pagehide handler, which never ends (within the test).
HUNG = """<p id="ready">ready</p>
<script>addEventListener("pagehide", () => { const end = Date.now() + 30000; while (Date.now() < end) {} });</script>"""


def test_a_page_left_hanging_does_not_hold_up_the_next_job() -> None:
    with serve({"/hung": lambda _: html(HUNG), "/read": lambda _: html(READER)}) as site:
        hung = Tool(name="hung", steps=(NavigationStep(url=f"{site.url}hung"),))
        read = Tool(name="read_state", steps=(NavigationStep(url=f"{site.url}read"),))
        with _client(site) as (client, pool):
            client.execute(hung, prefer_http=False).raise_for_error()
            seen = _seen(client.execute(read, prefer_http=False))
            # The hung context is still being reset (5 s at most) when the next job is
            # done: that job did not wait for it, and ran in a context of its own.
            open_then = pool.open_contexts()
            contexts = pool.stats.contexts
    assert seen["local"] == "none"
    assert contexts == 2 and open_then == 2


# --------------------------------------------------------------------------- the reset


@contextlib.asynccontextmanager
async def _sessions(site: Site, **policy: Any) -> AsyncIterator[SessionPool]:
    """walt's session pool on a browser of its own, for the site (and its user info)."""
    browser = BrowserPool()
    sessions = SessionPool(browser, UrlPolicy(allow_hosts=[site.netloc], **policy))
    try:
        yield sessions
    finally:
        await sessions.aclose()
        await browser.close()


async def _next_job(sessions: SessionPool, used: BrowserSession) -> BrowserSession:
    """Give ``used`` back as a job's end does, and take the next job's session."""
    sessions.release(used)
    sessions.refill()
    return await sessions.take(None, timeout=10)


KEEPS_OPENING = """<p>opening</p><script>
setInterval(() => window.open("/tab"), 20);
addEventListener("pagehide", () => window.open("/tab"));
</script>"""
TAB = "<script>document.cookie = 'from_tab=A; path=/'; window.open('/tab');</script>"


async def test_tabs_a_page_keeps_opening_are_closed_before_the_next_job() -> None:
    with serve({"/": lambda _: html(KEEPS_OPENING), "/tab": lambda _: html(TAB)}) as site:
        async with _sessions(site) as sessions:
            first = await sessions.take(None, timeout=10)
            first.guard.follow_popups = True  # as a job's run sets it
            await first.page.goto(site.url)
            await first.page.wait_for_timeout(200)
            assert len(first.context.pages) > 1
            second = await _next_job(sessions, first)
            assert second is first
            await second.page.wait_for_timeout(300)  # a tab that still opened would show
            assert [p.url for p in second.context.pages] == ["about:blank"]
            assert await second.context.cookies() == []


LEAVES_LATE = """<p>leaving</p><script>
addEventListener("pagehide", () => {
  navigator.sendBeacon("/late?by=beacon");
  fetch("/late?by=keepalive", {method: "POST", keepalive: true});
});
</script>"""


async def test_what_a_page_sends_as_it_leaves_sets_nothing_for_the_next_job() -> None:
    def late(request: Request) -> Response:
        time.sleep(0.5)  # answered after the reset began
        cookie = f"late_{request.arg('by')}=A; Path=/"
        return 200, {"Content-Type": "text/plain", "Set-Cookie": cookie}, "ok"

    with serve({"/": lambda _: html(LEAVES_LATE), "/late": late}) as site:
        async with _sessions(site) as sessions:
            first = await sessions.take(None, timeout=10)
            await first.page.goto(site.url)
            second = await _next_job(sessions, first)
            assert second is first
            await asyncio.sleep(1.0)
            assert await second.context.cookies() == []


async def test_a_context_that_sent_credentials_is_never_handed_to_another_job() -> None:
    def secret(request: Request) -> Response:
        if request.headers.get("Authorization") != "Basic " + base64.b64encode(b"alice:pw").decode(
            "ascii"
        ):
            return 401, {"WWW-Authenticate": 'Basic realm="r"'}, "denied"
        return html("<p>hello alice</p>")

    with serve({"/secret": secret, "/other": secret}) as site:
        async with _sessions(site, allow_credentials=True) as sessions:
            first = await sessions.take(None, timeout=10)
            await first.page.goto(f"http://alice:pw@{site.netloc}/secret")
            assert await first.page.text_content("p") == "hello alice"
            second = await _next_job(sessions, first)
            assert second is not first
            await second.page.goto(f"{site.url}other")
            assert "denied" in await second.page.content()


async def test_a_watch_lets_go_of_the_tabs_it_followed() -> None:
    from walt.engine.effects import PageWatch

    opener = "<a id='go' href='/tab' target='_blank'>open</a>"
    with serve({"/": lambda _: html(opener), "/tab": lambda _: html("<p>tab</p>")}) as site:
        async with _sessions(site) as sessions:
            session = await sessions.take(None, timeout=10)
            # Playwright's page keeps its listeners in a pyee emitter (no public count).
            listening = session.page._impl_obj.listeners  # type: ignore[attr-defined]
            before = len(listening("request"))
            watch = PageWatch(session.page)
            await session.page.goto(site.url)
            watch.before_action()
            await session.page.click("#go")
            tab = await watch.follow_popup(5, expected=True)
            assert tab is not None and watch.page is tab
            watch.detach()
            # Each job's watch would otherwise stay on the session's page for good.
            assert len(listening("request")) == before
            assert len(tab._impl_obj.listeners("request")) == 0  # type: ignore[attr-defined]


# A single-page app keeps its token in storage and sends it in a header of its own; the
# server also hands a first visitor a session. Neither answer is the next job's.
TOKEN_APP = """<p id="who"></p><script>
const token = new URLSearchParams(location.search).get("token");
fetch("/me", token ? {headers: {"X-Auth-Token": token}} : {})
  .then(r => r.text()).then(t => { document.getElementById("who").textContent = t; });
</script>"""


async def test_an_answer_to_a_scripts_token_is_not_kept_for_the_next_job() -> None:
    counter = itertools.count(1)

    def me(request: Request) -> Response:
        headers = {"Content-Type": "text/plain", "Cache-Control": "max-age=600"}
        token = request.headers.get("X-Auth-Token")
        return 200, headers, f"profile of {token or 'nobody'} #{next(counter)}"

    async def who(page: Any) -> str | None:
        await page.wait_for_function("document.getElementById('who').textContent")
        return await page.text_content("#who")  # type: ignore[no-any-return]

    with serve({"/": lambda _: html(TOKEN_APP), "/me": me}) as site:
        async with _sessions(site) as sessions:
            first = await sessions.take(None, timeout=10)
            await first.page.goto(f"{site.url}?token=alice-secret")
            assert await who(first.page) == "profile of alice-secret #1"
            second = await _next_job(sessions, first)
            assert second is first
            await second.page.goto(site.url)
            assert await who(second.page) == "profile of nobody #2"


async def test_a_page_that_gave_its_visitor_a_session_is_not_kept_for_the_next_job() -> None:
    counter = itertools.count(1)

    def visit(_: Request) -> Response:
        number = next(counter)
        status, headers, body = html(f"<p id='sid'>session S{number}</p>")
        cookie = f"sid=S{number}; Path=/"
        return status, {**headers, "Cache-Control": "max-age=600", "Set-Cookie": cookie}, body

    with serve({"/visit": visit}) as site:
        async with _sessions(site) as sessions:
            first = await sessions.take(None, timeout=10)
            await first.page.goto(f"{site.url}visit")
            second = await _next_job(sessions, first)
            assert second is first
            await second.page.goto(f"{site.url}visit")
            assert await second.page.text_content("#sid") == "session S2"
