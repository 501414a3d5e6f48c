"""UnifiedClient and AsyncClient over MockBackend and an entry-point plugin."""

from __future__ import annotations

import asyncio
import logging
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest

import walt
from walt.core.costs import Cost
from walt.core.errors import (
    BackendUnavailableError,
    ExecutionError,
    ToolNotFoundError,
    UrlBlockedError,
    ValidationError,
    WaltTimeoutError,
)
from walt.core.messages import (
    DiscoverRequest,
    DiscoverResult,
    ExecuteRequest,
    ExecuteResult,
    GenerateRequest,
    GenerateResult,
    Health,
    ProgressEvent,
)
from walt.core.models import NavigationStep, Tool, ToolInput

PUBLIC = ["93.184.215.14"]
TOOL = Tool(
    name="search",
    kind="search",
    inputs=(ToolInput("q"), ToolInput("page", type="integer", required=False)),
    steps=(NavigationStep(url="https://shop.example/s?q={q}&page={page}"),),
)
POLICY = walt.UrlPolicy(resolver=lambda h, p: PUBLIC)


def handler(operation: str, request: Any) -> Any:
    if operation == "health":
        return None
    if operation == "discover":
        return DiscoverResult(url=request.url, tools=(TOOL,), pages_visited=3, cost=Cost(http=0.5))
    if operation == "generate":
        return GenerateResult(url=request.url, goal=request.goal, tool=TOOL, score=1.0)
    if operation == "execute":
        return ExecuteResult(
            ok=True,
            tool=request.tool.name,
            path="http",
            data={"inputs": request.inputs},
            cost=Cost(http=0.25),
        )
    raise AssertionError(operation)


def make(**kwargs: Any) -> walt.UnifiedClient:
    kwargs.setdefault("policy", POLICY)
    return walt.UnifiedClient(backend=walt.MockBackend(handler), **kwargs)


def test_sync_client_over_mock_backend() -> None:
    with make() as client:
        found = client.discover("https://shop.example/", goal="find kettles")
        assert found.tools == (TOOL,)
        generated = client.generate("https://shop.example/", "search")
        assert generated.tool == TOOL
        result = client.execute(TOOL, {"q": "kettle", "page": "2"})
        assert result.ok and result.data == {"inputs": {"q": "kettle", "page": 2}}
        assert client.health().ok
        assert client.costs.summary("method")["execute"].total == pytest.approx(0.25)
        assert client.costs.summary("tool")["search"].total == pytest.approx(0.25)


async def test_async_client_over_mock_backend() -> None:
    async def ahandler(operation: str, request: Any) -> Any:
        await asyncio.sleep(0)
        return handler(operation, request)

    backend = walt.MockBackend(ahandler)
    async with walt.AsyncClient(backend, policy=POLICY) as client:
        result = await client.execute(TOOL, {"q": "tea"})
        assert result.ok
        found = await client.discover("https://shop.example/")
        assert found.pages_visited == 3
    assert backend.closed


def test_sync_client_works_inside_a_running_event_loop() -> None:
    async def notebook_cell() -> ExecuteResult:
        with make() as client:  # a sync call while this loop is running, as in Jupyter
            return client.execute(TOOL, {"q": "x"})

    assert asyncio.run(notebook_cell()).ok


def test_validation_happens_before_dispatch() -> None:
    backend = walt.MockBackend(handler)
    with walt.UnifiedClient(backend=backend, policy=POLICY) as client:
        with pytest.raises(UrlBlockedError):
            client.discover("http://127.0.0.1/")
        with pytest.raises(ValidationError):
            client.discover("https://shop.example/", max_tools=0)
        with pytest.raises(ValidationError):
            client.discover("https://shop.example/", goal="x" * 5000)
        with pytest.raises(ValidationError):
            client.execute(TOOL, {"page": 1})  # q missing
        with pytest.raises(ValidationError):
            client.generate("https://shop.example/", "   ")
    assert backend.calls == []


def test_discovery_is_cached_under_a_normalized_key() -> None:
    backend = walt.MockBackend(handler)
    events: list[ProgressEvent] = []
    with walt.UnifiedClient(backend=backend, policy=POLICY) as client:
        client.discover("https://SHOP.example:443/", goal="Find  Kettles")
        client.discover("https://shop.example/", goal="find kettles", progress=events.append)
        assert len([c for c in backend.calls if c[0] == "discover"]) == 1
        assert events and events[-1].phase == "done"
        client.discover("https://shop.example/", goal="find kettles", refresh=True)
        client.discover("https://shop.example/", goal="other")
        assert len([c for c in backend.calls if c[0] == "discover"]) == 3
        stats = client.cache_stats()
        assert stats is not None and stats.hits >= 1
    with walt.UnifiedClient(backend=walt.MockBackend(handler), policy=POLICY, cache=False) as c2:
        c2.discover("https://shop.example/")
        c2.discover("https://shop.example/")


def test_execute_by_path_and_by_store_name(tmp_path: Path) -> None:
    path = TOOL.save(tmp_path / "one" / "search.tool.json")
    store = walt.DirectoryStore(tmp_path / "store")
    store.save_sync(TOOL)
    with make(store=store) as client:
        assert client.execute(str(path), {"q": "a"}).ok
        assert client.execute(path, {"q": "a"}).ok
        assert client.execute("search", {"q": "a"}).ok
        stats = store.stats_sync("search")
        assert stats.runs == 1 and stats.successes == 1
        with pytest.raises(ToolNotFoundError):
            client.execute("nope", {})
        with pytest.raises(ValidationError):
            client.execute("bad name!", {})
    with make() as client, pytest.raises(ToolNotFoundError):
        client.execute("search", {"q": "a"})


def test_retryable_errors_are_retried_for_idempotent_tools_only() -> None:
    attempts = {"n": 0}

    def flaky(operation: str, request: Any) -> Any:
        if operation == "execute":
            attempts["n"] += 1
            if attempts["n"] < 3:
                raise ExecutionError("flaky", retryable=True)
        return handler(operation, request)

    with walt.UnifiedClient(backend=walt.MockBackend(flaky), policy=POLICY, retries=3) as client:
        assert client.execute(TOOL, {"q": "a"}).ok
    assert attempts["n"] == 3

    writes = {"n": 0}
    write_tool = Tool(
        name="delete_it", kind="delete", steps=(NavigationStep(url="https://x.example/"),)
    )

    def failing(operation: str, request: Any) -> Any:
        writes["n"] += 1
        raise ExecutionError("maybe ran", retryable=True)

    with walt.UnifiedClient(backend=walt.MockBackend(failing), policy=POLICY, retries=3) as client:
        with pytest.raises(ExecutionError):
            client.execute(write_tool)
    assert writes["n"] == 1  # never run twice a tool that is not idempotent


def test_timeouts_are_not_retried() -> None:
    calls = {"n": 0}

    def slow(operation: str, request: Any) -> Any:
        calls["n"] += 1
        raise WaltTimeoutError("took too long")

    with walt.UnifiedClient(backend=walt.MockBackend(slow), policy=POLICY, retries=3) as client:
        with pytest.raises(WaltTimeoutError):
            client.execute(TOOL, {"q": "a"})
    assert calls["n"] == 1


# ----------------------------------------------------------------------------- routing


class Named(walt.MockBackend):
    pass


def plugin_factory(name: str, behaviour: str, log: list[str]) -> Any:
    def make_backend(config: walt.BackendConfig) -> walt.MockBackend:
        def h(operation: str, request: Any) -> Any:
            log.append(f"{name}:{operation}")
            if behaviour == "down":
                if operation == "health":
                    raise BackendUnavailableError("connection refused")
                raise BackendUnavailableError("connection refused")
            if behaviour == "accept-then-fail" and operation != "health":
                raise BackendUnavailableError("refused at enqueue")
            if behaviour == "timeout" and operation != "health":
                raise WaltTimeoutError("job still running")
            if behaviour == "invalid" and operation != "health":
                raise ValidationError("bad request")
            return handler(operation, request)

        return walt.MockBackend(h, name=name)

    return make_backend


@pytest.fixture
def fake_backends(monkeypatch: pytest.MonkeyPatch) -> Any:
    from walt.backends import registry

    log: list[str] = []
    behaviours: dict[str, str] = {"remote": "ok", "redis": "ok", "inprocess": "ok"}

    def load(name: str) -> Any:
        if name not in behaviours:
            raise ValidationError(f"unknown backend {name!r}")
        return plugin_factory(name, behaviours[name], log)

    monkeypatch.setattr(registry, "load_backend_factory", load)
    return log, behaviours


def test_auto_prefers_remote_then_redis_then_inprocess(fake_backends: Any) -> None:
    log, behaviours = fake_backends
    env = {"WALT_REDIS_URL": "redis://localhost:1", "WALT_REMOTE_URL": "https://walt.example"}
    with make_auto(env) as client:
        client.execute(TOOL, {"q": "a"})
    assert "remote:execute" in log
    log.clear()
    behaviours["remote"] = "down"
    with make_auto(env) as client:
        client.execute(TOOL, {"q": "a"})
        client.execute(TOOL, {"q": "b"})
    assert "redis:execute" in log and "remote:execute" not in log
    assert log.count("remote:health") == 1  # the answer is remembered


def make_auto(env: dict[str, str], **kwargs: Any) -> walt.UnifiedClient:
    return walt.UnifiedClient("auto", policy=POLICY, environ=env, **kwargs)


def test_auto_falls_back_on_unavailable_and_logs_it(
    fake_backends: Any, caplog: pytest.LogCaptureFixture
) -> None:
    log, behaviours = fake_backends
    behaviours["redis"] = "accept-then-fail"
    with (
        caplog.at_level(logging.WARNING, logger="walt"),
        make_auto({"WALT_REDIS_URL": "redis://localhost:1"}) as client,
    ):
        assert client.execute(TOOL, {"q": "a"}).ok
    assert log[-1] == "inprocess:execute"
    assert any("falling back to inprocess" in r.getMessage() for r in caplog.records)


def test_auto_never_falls_back_on_validation_or_timeout(fake_backends: Any) -> None:
    log, behaviours = fake_backends
    env = {"WALT_REDIS_URL": "redis://localhost:1"}
    behaviours["redis"] = "timeout"
    with make_auto(env) as client, pytest.raises(WaltTimeoutError):
        client.execute(TOOL, {"q": "a"})
    assert "inprocess:execute" not in log
    behaviours["redis"] = "invalid"
    with make_auto(env) as client, pytest.raises(ValidationError):
        client.execute(TOOL, {"q": "a"})
    assert "inprocess:execute" not in log


def test_explicit_backend_does_not_fall_back(fake_backends: Any) -> None:
    log, behaviours = fake_backends
    behaviours["redis"] = "down"
    with walt.UnifiedClient(
        "redis", policy=POLICY, retries=1, environ={"WALT_REDIS_URL": "redis://x:1"}
    ) as client:
        with pytest.raises(BackendUnavailableError):
            client.execute(TOOL, {"q": "a"})
    assert log.count("redis:execute") == 2  # one retry, then the error
    assert "inprocess:execute" not in log


def test_unknown_backend_name_suggests() -> None:
    with pytest.raises(ValidationError) as info:
        walt.UnifiedClient("rediss", policy=POLICY).execute(TOOL, {"q": "a"})
    assert "did you mean 'redis'" in str(info.value)


def test_settings_come_from_arguments_then_environment() -> None:
    env = {
        "WALT_BACKEND": "redis",
        "WALT_ALLOW_PRIVATE": "yes",
        "WALT_ALLOW_HOSTS": "a.example, 10.0.0.0/8",
    }
    client = walt.AsyncClient(environ=env)
    assert client.mode == "redis"
    assert client.policy.allow_private is True
    assert client.policy.allow_hosts == ("a.example", "10.0.0.0/8")
    assert walt.AsyncClient("inprocess", environ=env).mode == "inprocess"
    with pytest.raises(ValidationError):
        walt.AsyncClient(environ={"WALT_ALLOW_PRIVATE": "perhaps"})


def test_mock_backend_type_checks_handler_results() -> None:
    with walt.UnifiedClient(backend=walt.MockBackend(lambda op, req: "oops"), policy=POLICY) as c:
        with pytest.raises(ValidationError, match="MockBackend handler returned str"):
            c.execute(TOOL, {"q": "a"})
        assert c.health().ok is True  # a truthy answer is healthy


def test_injected_logger_receives_client_lines(caplog: pytest.LogCaptureFixture) -> None:
    host = logging.getLogger("host.app")
    with caplog.at_level(logging.DEBUG, logger="host.app"), make(logger=host) as client:
        client.execute(TOOL, {"q": "a"})
    assert any(
        r.name == "host.app" and "execute via backend" in r.getMessage() for r in caplog.records
    )
    record = next(r for r in caplog.records if "execute via backend" in r.getMessage())
    assert record.walt_tool == "search"  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- plugins


@pytest.fixture
def plugin_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A third-party package installed the way pip would: a module plus its dist-info."""
    pkg = tmp_path / "walt_echo_backend"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            from walt import ExecuteResult, Health

            class EchoBackend:
                name = "echo"

                def __init__(self, config):
                    self.config = config

                @classmethod
                def from_config(cls, config):
                    return cls(config)

                async def discover(self, request, *, progress=None):
                    raise NotImplementedError

                async def generate(self, request, *, progress=None):
                    raise NotImplementedError

                async def execute(self, request):
                    return ExecuteResult(ok=True, tool=request.tool.name, path="http",
                                         data={"echo": request.inputs, "queue": self.config.queue})

                async def health(self):
                    return Health(ok=True, backend=self.name)

                async def aclose(self):
                    pass
            """
        )
    )
    dist = tmp_path / "walt_echo_backend-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: walt-echo-backend\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[walt.backends]\necho = walt_echo_backend:EchoBackend\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_entry_point_plugin_sync_and_async(plugin_package: Path) -> None:
    from walt.backends.registry import available_backends

    assert "echo" in available_backends()
    with walt.UnifiedClient("echo", policy=POLICY, queue="jobs") as client:
        result = client.execute(TOOL, {"q": "hi"})
    assert result.data == {"echo": {"q": "hi"}, "queue": "jobs"}

    async def run() -> ExecuteResult:
        async with walt.AsyncClient("echo", policy=POLICY) as client:
            return await client.execute(TOOL, {"q": "yo"})

    assert asyncio.run(run()).data["echo"] == {"q": "yo"}


def test_request_objects_cross_the_wire_unchanged() -> None:
    from walt.core.converter import converter

    request = ExecuteRequest(tool=TOOL, inputs={"q": "x"}, auth={"cookies": [], "origins": []})
    assert converter.structure(converter.unstructure(request), ExecuteRequest) == request
    result = ExecuteResult(
        ok=False,
        tool="t",
        path="browser",
        error=ExecutionError("no", step=1),
        screenshot=b"\x89PNG",
        cost=Cost(http=1.0),
    )
    back = converter.structure(converter.unstructure(result), ExecuteResult)
    assert back == result
    assert isinstance(back.error, ExecutionError) and back.error.step == 1
    assert back.screenshot == b"\x89PNG"
    discover = DiscoverRequest(url="https://x.example/")
    assert converter.structure(converter.unstructure(discover), DiscoverRequest) == discover
    health = Health(ok=True, backend="x", info={"a": 1})
    assert converter.structure(converter.unstructure(health), Health) == health


def test_a_generate_request_converts_to_a_discover_request_field_for_field() -> None:
    # generate() runs discovery with the generate request's own fields; a field
    # added to one request and not the other would be dropped or refused there.
    generate_fields = {f.name for f in attrs.fields(GenerateRequest)}
    assert generate_fields <= {f.name for f in attrs.fields(DiscoverRequest)}
    request = GenerateRequest(
        url="https://shop.example/",
        goal="search",
        max_pages=3,
        respect_robots=False,
        auth={"cookies": []},
        request_id="r1",
    )
    converted = DiscoverRequest(max_tools=100, **attrs.asdict(request, recurse=False))
    for name in generate_fields:
        assert getattr(converted, name) == getattr(request, name)
