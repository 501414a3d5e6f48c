"""Discovery on real third-party web apps: ``python -m bench.realapps [APP ...]``.

Uses the kit in ``../shared/realapps`` (or ``$WALT_REALAPPS_KIT``): set the apps
up, start them, run ``walt discover START --allow-host HOST --json`` on each,
score the output with the kit's ``score.py``, stop them. For an app whose
inventory has an ``auth`` entry it also logs in with walt's own login support
(``walt login LOGIN_URL``) and discovers again with ``--auth``; the inventory
items marked ``login: true`` count from that run, the others from the first.

Prints a table (app, read found/total, write found/total, seconds) and writes it
to ``bench/results/realapps.json`` and ``bench/results/realapps.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KIT = Path(os.environ.get("WALT_REALAPPS_KIT", ROOT.parent / "shared" / "realapps"))
RESULTS = ROOT / "bench" / "results"
_LINE = re.compile(r"^\s+(\S+?)\.(\S+)(?: \[login\])?: (FOUND|missing)")


def _kit(script: str, *apps: str) -> None:
    done = subprocess.run(
        ["bash", str(KIT / script), *apps], text=True, capture_output=True, check=False
    )
    print(done.stdout.rstrip(), file=sys.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{script} failed:\n{done.stderr[-2000:]}")


def _walt(*args: str, timeout: float = 300) -> tuple[int, str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "walt", *args],
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
    return done.returncode, done.stdout, elapsed


def _score(app: str, output: Path) -> dict[str, bool]:
    """Item id -> found, from score.py's per-item lines."""
    done = subprocess.run(
        [sys.executable, str(KIT / "score.py"), str(KIT / "inventory.json"), app, str(output)],
        text=True,
        capture_output=True,
        check=False,
    )
    found: dict[str, bool] = {}
    for line in done.stdout.splitlines():
        match = _LINE.match(line)
        if match and match.group(1) == app:
            found[match.group(2)] = match.group(3) == "FOUND"
    return found


def _discover(app: str, spec: dict[str, Any], work: Path, auth: Path | None) -> tuple[Path, float]:
    out = work / f"{app}{'-auth' if auth else ''}.json"
    args = ["discover", spec["start"], "--allow-host", spec["host"], "--json"]
    if auth is not None:
        args += ["--auth", str(auth)]
    code, stdout, elapsed = _walt(*args)
    out.write_text(stdout if code == 0 else '{"tools": []}')
    return out, elapsed


def _login(app: str, spec: dict[str, Any], work: Path) -> Path | None:
    auth = spec["auth"]
    state = work / f"{app}-state.json"
    code, _, _ = _walt(
        "login",
        auth["login_url"],
        "-i",
        f"{auth['user_field']}={auth['user']}",
        "-i",
        f"{auth['password_field']}={auth['password']}",
        "--save",
        str(state),
        "--allow-host",
        spec["host"],
    )
    return state if code == 0 else None


def measure(app: str, spec: dict[str, Any], work: Path) -> dict[str, Any]:
    items = {item["id"]: item for item in spec["items"]}
    output, seconds = _discover(app, spec, work, None)
    found = _score(app, output)
    row: dict[str, Any] = {"app": app, "seconds": round(seconds, 1)}
    if "auth" in spec:
        state = _login(app, spec, work)
        row["login"] = state is not None
        if state is not None:
            auth_output, auth_seconds = _discover(app, spec, work, state)
            row["seconds_auth"] = round(auth_seconds, 1)
            with_login = _score(app, auth_output)
            for item_id, item in items.items():
                if item.get("login"):
                    found[item_id] = with_login.get(item_id, False)
    for side, read in (("read", True), ("write", False)):
        ids = [i for i, item in items.items() if bool(item["read"]) is read]
        row[side] = [sum(1 for i in ids if found.get(i)), len(ids)]
    row["missing"] = sorted(i for i in items if not found.get(i))
    return row


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| app | read found/total | write found/total | seconds | seconds with login |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['app']} | {r['read'][0]}/{r['read'][1]} | {r['write'][0]}/{r['write'][1]} "
            f"| {r['seconds']} | {r.get('seconds_auth', '')} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realapps")
    parser.add_argument("apps", nargs="*", help="apps of the kit's inventory (default: all)")
    parser.add_argument("--no-setup", action="store_true", help="the apps are set up already")
    args = parser.parse_args()
    if not (KIT / "inventory.json").is_file():
        print(f"no realapps kit at {KIT} (set WALT_REALAPPS_KIT)", file=sys.stderr)
        return 2
    inventory = json.loads((KIT / "inventory.json").read_text())
    apps = args.apps or [a for a in inventory if not a.startswith("_")]
    if not args.no_setup:
        _kit("stop.sh", *apps)
        _kit("setup.sh", *apps)
    _kit("start.sh", *apps)
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="walt-realapps-") as tmp:
            for app in apps:
                rows.append(measure(app, inventory[app], Path(tmp)))
                print(json.dumps(rows[-1]), file=sys.stderr)
    finally:
        _kit("stop.sh", *apps)
    text = table(rows)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "realapps.json").write_text(json.dumps(rows, indent=2))
    (RESULTS / "realapps.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
