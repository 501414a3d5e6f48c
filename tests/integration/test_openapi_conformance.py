"""The OpenAPI document says what the service sends: every status a response comes with is
listed for its operation, and every body validates against the schema listed there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

import walt
from tests.services import start_service
from walt.core import errors as e
from walt.core.models import NavigationStep
from walt.server.app import create_app
from walt.server.errors import ERROR_STATUSES, status_for
from walt.server.openapi import openapi_document

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}


def check(spec: dict[str, Any], template: str, method: str, response: httpx.Response) -> None:
    """``response`` is one the document describes for ``method template``."""
    operation = spec["paths"][template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template}: {status} is not documented"
    documented = operation["responses"][status]
    if "$ref" in documented:
        documented = spec["components"]["responses"][documented["$ref"].rsplit("/", 1)[-1]]
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({"components": spec["components"], **schema})
    problems = [p.message for p in validator.iter_errors(response.json())]
    assert not problems, f"{method} {template} {status}: {problems}"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tools = tmp_path_factory.mktemp("tools")
    walt.DirectoryStore(tools).save_sync(
        walt.Tool(name="example_tool", steps=(NavigationStep(url="https://example.com/"),))
    )
    process, url = start_service("--tools", str(tools), "--max-body", "10000")
    yield url
    process.kill()
    process.wait(10)


def test_the_running_service_sends_what_its_document_says(service: str) -> None:
    spec = httpx.get(f"{service}/openapi.json").json()
    seen: set[int] = set()

    def sent(template: str, method: str, path: str, **kwargs: Any) -> None:
        response = httpx.request(method, f"{service}{path}", timeout=30, **kwargs)
        check(spec, template, method, response)
        seen.add(response.status_code)

    sent("/healthz", "GET", "/healthz")
    sent("/v1/health", "GET", "/v1/health", headers=AUTH)
    sent("/v1/tools", "GET", "/v1/tools", headers=AUTH)
    sent("/v1/tools/{name}", "GET", "/v1/tools/example_tool", headers=AUTH)
    sent("/v1/health", "GET", "/v1/health")  # no token: 401
    sent("/v1/health", "GET", "/v1/health", headers={**AUTH, "Host": "attacker.example"})  # 421
    sent("/v1/tools/{name}", "GET", "/v1/tools/no_such_tool", headers=AUTH)  # 404
    sent("/v1/tools/{name}", "GET", "/v1/tools/..%2Fetc", headers=AUTH)  # 400
    sent("/v1/jobs/{job_id}", "GET", "/v1/jobs/nope", headers=AUTH)  # 404
    sent("/v1/jobs/{job_id}", "DELETE", "/v1/jobs/nope", headers=AUTH)  # 404
    sent("/openapi.json", "GET", "/openapi.json")
    sent("/v1/execute", "POST", "/v1/execute", content=b"{}", headers=AUTH)  # 415: no JSON type
    sent("/v1/execute", "POST", "/v1/execute", content=b"[[[", headers=JSON)  # 400
    sent("/v1/execute", "POST", "/v1/execute", json={"tool": {"name": 3}}, headers=AUTH)  # 400
    sent("/v1/execute", "POST", "/v1/execute", content=b"[" * 20_000, headers=JSON)  # 413
    blocked = {"tool": {"name": "t", "steps": [{"type": "navigate", "url": "http://10.0.0.1/"}]}}
    sent("/v1/execute", "POST", "/v1/execute", json=blocked, headers=AUTH)
    assert {200, 400, 401, 404, 413, 415, 421} <= seen


class Failing:
    """A client whose health check fails with a given error: every route answers through
    the same ``error_response``, so this reaches each status of the table."""

    store = None

    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def health(self) -> Any:
        raise self.error


FAILURES: list[BaseException] = [
    e.ValidationError("bad input"),
    e.AuthError("no"),
    e.BudgetExceededError("spent"),
    e.ToolNotFoundError("none"),
    e.DiscoveryError("nothing found"),
    e.WaltTimeoutError("slow"),
    e.BackendUnavailableError("down"),
    e.QueueError("queue"),
    e.RemoteError("remote"),
    RuntimeError("a bug"),
]


def _status(error: BaseException) -> int:
    return status_for(error) if isinstance(error, e.WaltError) else 500


def test_the_failures_cover_every_status_of_the_table() -> None:
    statuses = {_status(error) for error in FAILURES} | {408, 413, 415, 421}
    assert statuses == set(ERROR_STATUSES)


@pytest.mark.parametrize("error", FAILURES, ids=lambda x: type(x).__name__)
def test_every_error_status_is_documented_with_its_body(error: BaseException) -> None:
    spec = openapi_document()
    try:
        raise error from ValueError("the cause")
    except BaseException as raised:
        error = raised
    app = create_app(Failing(error), token=TOKEN)  # type: ignore[arg-type]

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return await c.get("/v1/health", headers=AUTH)

    response = asyncio.run(call())
    assert response.status_code == _status(error)
    check(spec, "/v1/health", "GET", response)


def test_a_body_that_stops_arriving_is_408() -> None:
    spec = openapi_document()
    app = create_app(Failing(RuntimeError()), token=TOKEN, body_timeout=0.3)

    async def slow() -> AsyncIterator[bytes]:
        yield b'{"tool": '
        await asyncio.sleep(5)
        yield b"{}}"

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return await c.post("/v1/execute", content=slow(), headers=JSON)

    response = asyncio.run(asyncio.wait_for(call(), 4))
    assert response.status_code == 408
    assert response.json()["error"]["code"] == "request_timeout"
    check(spec, "/v1/execute", "POST", response)


def test_the_document_lists_every_error_status_on_every_operation() -> None:
    spec = openapi_document()
    for template, operations in spec["paths"].items():
        if template.startswith("/v1/"):
            for method, operation in operations.items():
                missing = {str(s) for s in ERROR_STATUSES} - set(operation["responses"])
                assert not missing, f"{method} {template} lacks {sorted(missing)}"


def test_path_free_messages(tmp_path: Path) -> None:
    """Error bodies name no file of the service's machine."""
    app = create_app(Failing(OSError(f"cannot open {tmp_path}/x")), token=TOKEN)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return await c.get("/v1/health", headers=AUTH)

    response = asyncio.run(call())
    assert response.status_code == 500
    assert str(tmp_path) not in response.text


def test_the_app_serves_exactly_the_documented_routes() -> None:
    import re

    from starlette.routing import Route

    app = create_app(Failing(RuntimeError()), token=TOKEN)  # type: ignore[arg-type]
    served = {
        (method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path))
        for route in app.routes
        if isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}
    }
    spec = openapi_document()
    documented = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}
    assert served == documented
