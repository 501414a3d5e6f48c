"""Options and output shared by the commands that do work through a client."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from walt.core.converter import converter
from walt.core.errors import ValidationError

BACKENDS = ("auto", "inprocess", "redis", "remote")


def add_policy_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("URL policy")
    g.add_argument(
        "--allow-private",
        action="store_true",
        default=None,
        help="allow private and loopback addresses (local development, intranets)",
    )
    g.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="H",
        help="allow a host, host:port, *.domain or CIDR (repeatable)",
    )


def add_backend_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("backend")
    g.add_argument(
        "--backend",
        default=None,
        help="auto (default), inprocess, redis, remote or a plugin name (env WALT_BACKEND)",
    )
    g.add_argument("--redis", default=None, metavar="URL", help="Redis URL (env WALT_REDIS_URL)")
    g.add_argument("--queue", default=None, help="queue name (env WALT_QUEUE, default walt)")
    g.add_argument(
        "--remote", default=None, metavar="URL", help="walt service URL (env WALT_REMOTE_URL)"
    )
    g.add_argument("--token", default=None, help="service token (env WALT_REMOTE_TOKEN)")
    g.add_argument(
        "--browser-path", default=None, help="Chromium executable (env WALT_BROWSER_PATH)"
    )


def make_client(args: argparse.Namespace, **extra: Any) -> Any:
    from walt.client import UnifiedClient

    return UnifiedClient(
        args.backend,
        redis_url=args.redis,
        remote_url=args.remote,
        remote_token=args.token,
        queue=args.queue,
        allow_private=args.allow_private,
        allow_hosts=args.allow_host or None,
        browser_path=args.browser_path,
        **extra,
    )


def parse_inputs(pairs: list[str], json_text: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if json_text:
        try:
            loaded = json.loads(json_text)
        except ValueError as exc:
            raise ValidationError(f"--inputs-json is not valid JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise ValidationError("--inputs-json must be a JSON object")
        values.update(loaded)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValidationError(f"--input takes NAME=VALUE, got {pair!r}")
        values[name] = value
    return values


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def unstructured(obj: Any) -> Any:
    return converter.unstructure(obj)


def progress_printer(enabled: bool) -> Any:
    """A progress callback drawing a one-line bar on stderr (when it is a terminal)."""
    if not enabled:
        return None

    def show(event: Any) -> None:
        total = max(event.pages_total, event.pages_seen, 1)
        done = min(event.pages_seen, total)
        width = 24
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        line = (
            f"\r[{bar}] {event.phase:<8} pages {event.pages_seen}/{total} "
            f"candidates {event.candidates} tools {event.tools}"
        )
        sys.stderr.write(line[:120].ljust(100))
        if event.phase == "done":
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show
