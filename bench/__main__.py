"""Run walt's benchmarks: ``python -m bench [name ...] [--rounds N] [--json PATH]``.

Every number is a ratio against a baseline measured in the same run, because
these machines are shared and noisy; absolute times are printed for context.
Names: url, form, seed, memory, discovery, parse, promotion (default: all of them, then the
queue benchmark when a redis-server is installed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from walt.demo import DemoSite

NAMES = ("url", "form", "seed", "memory", "discovery", "parse", "promotion", "queue")


async def run(names: list[str], rounds: int) -> list[dict[str, Any]]:
    from bench import discovery, engine

    rows: list[dict[str, Any]] = []
    with DemoSite() as site:
        if "url" in names:
            rows.append(await engine.bench_url_tool(site, rounds))
        if "form" in names:
            rows.extend(await engine.bench_form_tool(site, rounds))
        if "seed" in names:
            rows.append(await engine.bench_seed_pattern(site, rounds))
        if "memory" in names:
            rows.extend(await engine.bench_pool_memory(site))
        if "discovery" in names:
            rows.extend(await discovery.bench_discovery(site, max(3, rounds // 6)))
    if "parse" in names:
        from bench import parsing

        rows.extend(parsing.bench_parse(rounds))
        rows.extend(parsing.bench_hostile_scaling(rounds))
    if "promotion" in names:
        from bench import promotion

        rows.extend(await promotion.bench_promotion(rounds))
    if "queue" in names:
        from bench import queue

        rows.extend(await queue.bench_queue(rounds))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(NAMES)}")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args()
    names = args.names or list(NAMES)
    started = time.perf_counter()
    rows = asyncio.run(run(names, args.rounds))
    for r in rows:
        print(json.dumps(r))
    print(
        f"# {len(rows)} rows in {time.perf_counter() - started:.0f} s on {platform.node()} "
        f"({platform.machine()}, python {platform.python_version()})",
        file=sys.stderr,
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"rows": rows, "machine": platform.node()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
