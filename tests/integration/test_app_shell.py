"""An application shell read as a browser shows it: the page's code arrives in chunks
after the load event, draws a skeleton, then fetches its rows; a worker whose script
never arrives must not hold the run. A run reads the rows, never the skeleton."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Literal

import pytest

import walt
from tests.sites import Request, Response, Site, html, serve
from walt.engine.executor import browser_gate

pytestmark = pytest.mark.browser

SHIPS = ["Aurora", "Borealis", "Cormorant", "Dunlin", "Eider", "Fulmar"]
PORTS = ["Bergen", "Tromsø", "Aberdeen", "Reykjavik", "Tórshavn", "Lerwick"]

SHELL = """<!doctype html><html><head><title>Fleet</title></head><body>
<div id="root"><div class="spinner"></div></div>
<script>
// The app boots a moment after load: a worker (whose script never comes), then a code
// chunk, which draws a skeleton, works a while, then fetches the rows.
window.addEventListener('load', () => setTimeout(() => {
  try { new Worker('/telemetry.worker.js'); } catch (e) {}
  const chunk = document.createElement('script');
  chunk.src = '/chunk.js';
  document.head.appendChild(chunk);
}, 60));
</script></body></html>"""

CHUNK = """
document.getElementById('root').innerHTML = '<h1>Fleet</h1><p>Loading ships</p>';
const until = performance.now() + 80; while (performance.now() < until) {}  // parsing, booting
fetch('/api/ships' + location.hash.replace('#/', '?')).then(r => r.json()).then(rows => {
  document.getElementById('root').innerHTML = '<h1>Fleet</h1><ul class="ships">' +
    rows.map(r => '<li class="ship"><h3><a href="#/ship/' + r.name + '">' + r.name +
      '</a></h3><span class="port">' + r.port + '</span> <span class="built">' + r.built +
      '</span></li>').join('') + '</ul>';
});
"""


def ships(request: Request) -> Response:
    time.sleep(0.15)
    words = request.arg("q").lower()
    rows = [
        {"name": s, "port": p, "built": 1990 + 3 * i}
        for i, (s, p) in enumerate(zip(SHIPS, PORTS, strict=True))
        if words in s.lower()
    ]
    return 200, {"Content-Type": "application/json"}, json.dumps(rows)


def chunk(request: Request) -> Response:
    time.sleep(0.1)
    return 200, {"Content-Type": "text/javascript"}, CHUNK


def worker(request: Request) -> Response:
    time.sleep(30)  # a script that never comes (the client gives up first)
    return 200, {"Content-Type": "text/javascript"}, ""


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes = {
        "/": lambda r: html(SHELL),
        "/chunk.js": chunk,
        "/api/ships": ships,
        "/telemetry.worker.js": worker,
    }
    with serve(routes) as served:
        yield served


def test_a_shell_is_read_after_its_code_and_data_arrive(site: Site) -> None:
    with walt.UnifiedClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
        for query, wanted in (("", SHIPS), ("q=l", ["Borealis", "Dunlin", "Fulmar"])):
            tool = walt.Tool(name="fleet", url_template=site.url + "#/" + query)
            result = client.execute(tool, timeout=30)
            assert result.ok and result.path == "browser", result.error
            titles = sorted(str(r.get("title")) for r in result.records)
            assert titles == wanted, result.data.get("main_text")


class _CountingGate(asyncio.Semaphore):
    """A semaphore that counts how often it was taken."""

    def __init__(self) -> None:
        super().__init__(1)
        self.taken = 0

    async def acquire(self) -> Literal[True]:
        self.taken += 1
        return await super().acquire()


def test_a_url_tool_drawn_by_the_browser_holds_its_callers_gate(site: Site) -> None:
    """Validation bounds how many pages are drawn at once; a URL tool whose HTTP answer is
    a script's shell is drawn too, so it takes the caller's gate (and an HTTP answer
    does not)."""

    async def main() -> tuple[walt.ExecuteResult, walt.ExecuteResult, int, int]:
        async with walt.AsyncClient("inprocess", allow_hosts=[site.netloc], cache=False) as client:
            gate = _CountingGate()
            browser_gate.set(gate)
            shell = await client.execute(walt.Tool(name="fleet", url_template=site.url + "?all=1"))
            after_shell = gate.taken
            plain = await client.execute(
                walt.Tool(name="ships", url_template=site.url + "api/ships?q=")
            )
            return shell, plain, after_shell, gate.taken

    shell, plain, after_shell, after_plain = asyncio.run(main())
    assert shell.ok and shell.path == "browser", shell.error
    assert sorted(str(r.get("title")) for r in shell.records) == SHIPS
    assert after_shell == 1
    assert plain.ok and plain.path == "http", plain.error
    assert after_plain == 1
