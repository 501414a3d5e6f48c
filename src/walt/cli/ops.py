"""``walt worker``, ``walt status`` and ``walt requeue-dead``."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from typing import Any

from walt.cli.common import add_policy_options, print_json, unstructured
from walt.core.errors import ValidationError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="run jobs from a Redis queue")
    _redis_options(p)
    p.add_argument("--concurrency", type=int, default=4, help="jobs at once (one browser)")
    p.add_argument("--max-jobs", type=int, default=None, help="exit after this many jobs")
    p.add_argument(
        "--lease",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="lease on a running job; a dead worker's jobs are reclaimed after it",
    )
    p.add_argument("--max-deliveries", type=int, default=3)
    p.add_argument("--browser-path", default=None)
    p.add_argument(
        "--save-discovered",
        action="store_true",
        help="put discovered tools in the Redis tool store",
    )
    add_policy_options(p)
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser("serve", help="the walt service: an HTTP API over a backend")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--token", default=None, help="bearer token (env WALT_SERVE_TOKEN; generated if absent)"
    )
    p.add_argument("--no-auth", action="store_true", help="no token (loopback addresses only)")
    p.add_argument("--backend", default=None, help="inprocess (default), redis, or a plugin")
    p.add_argument("--redis", default=None, metavar="URL")
    p.add_argument("--queue", default=None)
    p.add_argument("--tools", default=None, metavar="DIR", help="tool store directory (or 'redis')")
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN")
    p.add_argument(
        "--host-name",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host name the service answers besides its address (repeatable)",
    )
    p.add_argument("--max-body", type=int, default=None, metavar="BYTES")
    add_policy_options(p)
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("mcp", help="serve a directory of tools (or the store) over MCP")
    p.add_argument(
        "directory", nargs="?", default=None, help="tools directory (default: the store)"
    )
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8766)
    p.add_argument("--backend", default=None)
    p.add_argument("--redis", default=None, metavar="URL")
    p.add_argument("--remote", default=None, metavar="URL")
    p.add_argument("--remote-token", default=None, help="bearer token of the --remote service")
    p.add_argument(
        "--token",
        default=None,
        help="bearer token MCP clients must send over HTTP (or WALT_MCP_TOKEN); "
        "required off loopback",
    )
    p.add_argument("--host-name", action="append", default=[], metavar="NAME")
    p.add_argument("--tools", default=None, metavar="DIR|redis", help="tool store (without DIR)")
    add_policy_options(p)
    p.set_defaults(handler=cmd_mcp)

    p = sub.add_parser("status", help="queue depth, jobs in flight, dead letters, workers")
    _redis_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("requeue-dead", help="put dead-lettered jobs back in line")
    _redis_options(p)
    p.add_argument("ids", nargs="*", help="job ids (default: every dead letter)")
    p.set_defaults(handler=cmd_requeue)


def _redis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--redis", default=None, metavar="URL", help="Redis URL (env WALT_REDIS_URL)")
    p.add_argument("--queue", default=None, help="queue name (env WALT_QUEUE, default walt)")


def _redis_url(args: argparse.Namespace) -> str:
    url = args.redis or os.environ.get("WALT_REDIS_URL")
    if not url:
        raise ValidationError("give --redis URL or set WALT_REDIS_URL")
    return url


def _queue(args: argparse.Namespace) -> str:
    return str(args.queue or os.environ.get("WALT_QUEUE") or "walt")


def cmd_worker(args: argparse.Namespace) -> int:
    from walt.backends.redis.worker import Worker, WorkerConfig
    from walt.core.urls import UrlPolicy
    from walt.settings import Settings

    settings = Settings.resolve(
        allow_private=args.allow_private, allow_hosts=args.allow_host or None
    )
    config = WorkerConfig(
        redis_url=_redis_url(args),
        queue=_queue(args),
        concurrency=args.concurrency,
        max_jobs=args.max_jobs,
        lease_ttl=args.lease,
        max_deliveries=args.max_deliveries,
        policy=UrlPolicy(allow_private=settings.allow_private, allow_hosts=settings.allow_hosts),
        browser_path=args.browser_path or settings.browser_path,
        save_discovered=args.save_discovered,
    )
    store = None
    if args.save_discovered:
        from walt.backends.redis.store import RedisToolStore

        store = RedisToolStore(config.redis_url, namespace=config.queue)
    worker = Worker(config, store=store)
    processed = asyncio.run(worker.run(install_signal_handlers=True))
    print(f"worker {worker.id} stopped after {processed} jobs")
    return 0


async def _stats(url: str, queue: str) -> Any:
    from walt.backends.redis.queue import RedisQueueBackend

    backend = RedisQueueBackend(redis_url=url, queue=queue)
    try:
        return await backend.stats()
    finally:
        await backend.aclose()


def cmd_serve(args: argparse.Namespace) -> int:
    from walt.server import serve

    token = args.token or os.environ.get("WALT_SERVE_TOKEN")
    if not token and not args.no_auth:
        token = secrets.token_urlsafe(24)
        print(f"walt serve: generated bearer token: {token}", file=sys.stderr)
    print(
        f"walt serve: http://{args.host}:{args.port}/ (openapi at /openapi.json)", file=sys.stderr
    )
    options: dict[str, Any] = {
        "backend": args.backend or os.environ.get("WALT_BACKEND") or "inprocess",
        "redis_url": args.redis,
        "queue": args.queue,
        "allow_private": args.allow_private,
        "allow_hosts": args.allow_host or None,
        "store": args.tools,
    }
    serve(
        host=args.host,
        port=args.port,
        token=token,
        no_auth=args.no_auth,
        client_options=options,
        cors_origins=tuple(args.cors_origin),
        max_body=args.max_body,
        host_names=tuple(args.host_name),
    )
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    from walt.client import AsyncClient
    from walt.core.toolfile import load_tools
    from walt.mcp_server import run

    async def main() -> None:
        client = AsyncClient(
            args.backend,
            redis_url=args.redis,
            remote_url=args.remote,
            remote_token=args.remote_token or os.environ.get("WALT_REMOTE_TOKEN"),
            allow_private=args.allow_private,
            allow_hosts=args.allow_host or None,
            store=args.tools,
        )
        if args.directory:
            tools = load_tools(args.directory)
        elif client.store is not None:
            tools = await client.store.list()
        else:
            raise ValidationError("give a tools directory, or --tools DIR|redis for the store")
        await run(
            tools,
            client,
            transport=args.transport,
            host=args.host,
            port=args.port,
            token=args.token or os.environ.get("WALT_MCP_TOKEN"),
            host_names=tuple(args.host_name),
        )

    asyncio.run(main())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    stats = asyncio.run(_stats(_redis_url(args), _queue(args)))
    if args.json:
        data = unstructured(stats)
        data["depth"] = stats.depth
        print_json(data)
        return 0
    print(
        f"queue {stats.queue}: {stats.queued} queued, {stats.in_flight} in flight, "
        f"{stats.dead} dead letters"
    )
    counters = ", ".join(f"{k} {v}" for k, v in sorted(stats.counters.items())) or "none yet"
    print(f"counters: {counters}")
    print(f"workers: {stats.live_workers} live")
    for worker in stats.workers:
        if not worker.alive:
            print(f"  {worker.id}: gone (no heartbeat)")
            continue
        age = f"{worker.heartbeat_age:.1f} s ago" if worker.heartbeat_age is not None else "?"
        up = f"{time.time() - worker.started_at:.0f} s" if worker.started_at else "?"
        print(
            f"  {worker.id}: {len(worker.jobs)}/{worker.concurrency} jobs, {worker.processed} done,"
            f" heartbeat {age}, up {up}" + (f" [{', '.join(worker.jobs)}]" if worker.jobs else "")
        )
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    from walt.backends.redis.queue import RedisQueueBackend

    async def run() -> int:
        backend = RedisQueueBackend(redis_url=_redis_url(args), queue=_queue(args))
        try:
            return await backend.requeue_dead(args.ids or None)
        finally:
            await backend.aclose()

    moved = asyncio.run(run())
    print(f"requeued {moved} dead letters")
    return 0
