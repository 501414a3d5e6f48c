"""A context that served one job is reset before it serves the next (walt.engine.session):
nothing the first job's pages stored is seen by the second, as with a new context."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.core.models import ClickStep, Locator, NavigationStep, Tool
from walt.engine.browser import BrowserPool

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


@pytest.mark.parametrize("reuse", [True, False], ids=["reset-context", "new-context"])
def test_the_next_job_sees_nothing_the_last_job_stored(state_site: Site, reuse: bool) -> None:
    pool = BrowserPool()
    options: dict[str, Any] = {"pool": pool, "reuse_contexts": reuse}
    write, read = _tools(state_site)
    try:
        with walt.UnifiedClient(
            "inprocess", allow_hosts=[state_site.netloc], cache=False, backend_options=options
        ) as client:
            client.execute(write, prefer_http=False).raise_for_error()
            first = _seen(client.execute(read, prefer_http=False))
            second = _seen(client.execute(read, prefer_http=False))
            contexts = pool.stats.contexts
    finally:
        asyncio.run(pool.close())
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

    pool = BrowserPool()
    options: dict[str, Any] = {"pool": pool, "reuse_contexts": reuse}
    with serve({"/": lambda _: html(SHARED_PAGE), "/shared.js": shared_script}) as site:
        tool = Tool(name="page", steps=(NavigationStep(url=site.url),))
        try:
            with walt.UnifiedClient(
                "inprocess", allow_hosts=[site.netloc], cache=False, backend_options=options
            ) as client:
                runs = [_seen(client.execute(tool, prefer_http=False)) for _ in range(3)]
        finally:
            asyncio.run(pool.close())
    # A reset context answers from its cache (the origin said anyone may get the file);
    # a new context asks again.
    assert [run["served"] for run in runs] == (["1", "1", "1"] if reuse else ["1", "2", "3"])


# Leaving the page runs its pagehide handler, which never ends (within the test).
HUNG = """<p id="ready">ready</p>
<script>addEventListener("pagehide", () => { const end = Date.now() + 30000; while (Date.now() < end) {} });</script>"""


def test_a_page_left_hanging_does_not_hold_up_the_next_job() -> None:
    pool = BrowserPool()
    options: dict[str, Any] = {"pool": pool}
    with serve({"/hung": lambda _: html(HUNG), "/read": lambda _: html(READER)}) as site:
        hung = Tool(name="hung", steps=(NavigationStep(url=f"{site.url}hung"),))
        read = Tool(name="read_state", steps=(NavigationStep(url=f"{site.url}read"),))
        try:
            with walt.UnifiedClient(
                "inprocess", allow_hosts=[site.netloc], cache=False, backend_options=options
            ) as client:
                client.execute(hung, prefer_http=False).raise_for_error()
                seen = _seen(client.execute(read, prefer_http=False))
                contexts = pool.stats.contexts
        finally:
            asyncio.run(pool.close())
    # The next job ran in a context of its own, not the one whose script still runs.
    assert seen["local"] == "none" and contexts == 2
