"""The service's job routes over the Redis queue: the service reaches the queue only
through the JobBackend protocol (submit, state, result, events, cancel), with a real
redis-server and a real ``walt worker``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

import walt
from tests import demo_tools as t
from tests.services import RedisServer
from walt.backends.base import JobBackend
from walt.core.converter import converter
from walt.core.messages import DiscoverRequest, ExecuteRequest, ExecuteResult
from walt.demo import DemoSite
from walt.server.app import create_app

TOKEN = "t"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_jobs_through_the_queue_behind_the_protocol(
    redis_server: RedisServer, queue: str, worker: Any, demo_site: DemoSite
) -> None:
    async def scenario() -> None:
        client = walt.AsyncClient(
            "redis", redis_url=redis_server.url, queue=queue, allow_hosts=["127.0.0.1/32"]
        )
        assert isinstance(client.get_backend(), JobBackend)
        transport = httpx.ASGITransport(app=create_app(client, token=TOKEN))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1", headers=AUTH, timeout=90
        ) as http:
            run = ExecuteRequest(tool=t.search_url_tool(demo_site.url), inputs={"q": "kettle"})
            sent = await http.post(
                "/v1/jobs", json={"kind": "execute", "request": converter.unstructure(run)}
            )
            assert sent.status_code == 202 and sent.json()["state"] == "queued"
            job = sent.json()["id"]
            result = await http.get(f"/v1/jobs/{job}/result", params={"timeout": 60})
            assert result.status_code == 200 and result.json()["ok"] is True
            records = converter.structure(result.json(), ExecuteResult).records
            assert [r["title"] for r in records] == ["Classic Kettle"]
            state = (await http.get(f"/v1/jobs/{job}")).json()
            assert state["state"] == "done" and state["kind"] == "execute"
            assert (await http.delete(f"/v1/jobs/{job}")).json() == {"id": job, "cancelled": False}

            look = DiscoverRequest(url=demo_site.url, max_pages=10, time_budget=30)
            sent = await http.post(
                "/v1/jobs", json={"kind": "discover", "request": converter.unstructure(look)}
            )
            job = sent.json()["id"]
            found = await http.get(f"/v1/jobs/{job}/result", params={"timeout": 80})
            assert found.status_code == 200 and found.json()["tools"]
            events = (await http.get(f"/v1/jobs/{job}/events", params={"after": 0})).json()
            phases = [e["phase"] for e in events["events"]]
            assert phases[0] == "start" and phases[-1] == "done"
            assert events["next"] == len(events["events"])

            unknown = await http.get("/v1/jobs/nope")
            assert unknown.status_code == 404
            wrong = await http.post("/v1/jobs", json={"kind": "delete", "request": {}})
            assert wrong.status_code == 400
        await client.aclose()

    asyncio.run(scenario())
