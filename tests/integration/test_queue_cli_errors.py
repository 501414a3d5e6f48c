"""``walt status`` and ``walt requeue-dead`` against a Redis they cannot use: one line on
stderr naming the typed error, a non-zero exit, and no password in it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.services import RedisServer, free_port

SECRET = "s3cret-pass"


@pytest.fixture(scope="module")
def locked_redis() -> Iterator[RedisServer]:
    server = RedisServer(aof=False, password=SECRET).start()
    yield server
    server.stop(graceful=False)


def _walt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walt", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr  # was a 59-line traceback
    assert "Traceback" not in done.stderr
    assert SECRET not in done.stderr and SECRET not in done.stdout
    return lines[0]


@pytest.mark.parametrize("command", ["status", "requeue-dead"])
def test_a_wrong_password_is_one_typed_line(locked_redis: RedisServer, command: str) -> None:
    url = f"redis://:wrong-{SECRET}@127.0.0.1:{locked_redis.port}/0"
    line = _one_line_error(_walt(command, "--redis", url))
    assert line.startswith("error (auth_error): "), line
    assert "password" in line, line  # says what is wrong


def test_the_right_password_works(locked_redis: RedisServer) -> None:
    url = f"redis://:{SECRET}@127.0.0.1:{locked_redis.port}/0"
    done = _walt("status", "--redis", url, "--json")
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout


@pytest.mark.parametrize("command", ["status", "requeue-dead"])
def test_no_redis_at_all_is_one_typed_line(command: str) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    line = _one_line_error(_walt(command, "--redis", url))
    assert line.startswith("error (") and "redis" in line.lower(), line
