"""A real redis-server on a free loopback port, for the queue's tests, chaos test and benchmark."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSTALL_HINT = "redis-server is not installed: on Debian/Ubuntu run ./scripts/dev.sh setup (apt-get install redis-server)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(
        self,
        port: int | None = None,
        directory: str | None = None,
        *,
        aof: bool = True,
        password: str | None = None,
    ) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(INSTALL_HINT)
        self.binary = binary
        self.port = port or free_port()
        self.dir = directory or tempfile.mkdtemp(prefix="walt-redis-")
        os.makedirs(self.dir, exist_ok=True)
        self.aof = aof
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.dir,
                "--appendonly",
                "yes" if self.aof else "no",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
                *(("--requirepass", self.password) if self.password else ()),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self, *, graceful: bool = True) -> None:
        if self.process is None:
            return
        if graceful:
            self.process.send_signal(signal.SIGTERM)  # redis saves its AOF and exits
        else:
            self.process.kill()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None

    def restart(self) -> None:
        self.stop(graceful=True)
        self.start()


def start_worker(
    url: str,
    *,
    queue: str = "walt",
    concurrency: int = 2,
    lease: float = 3.0,
    max_deliveries: int = 3,
    extra: tuple[str, ...] = (),
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """A ``walt worker`` process (the real CLI) allowed to reach 127.0.0.1 only."""
    out = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "walt",
            "worker",
            "--redis",
            url,
            "--queue",
            queue,
            "--concurrency",
            str(concurrency),
            "--lease",
            str(lease),
            "--max-deliveries",
            str(max_deliveries),
            "--allow-host",
            "127.0.0.1/32",
            *extra,
        ],
        stdout=out,
        stderr=out,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def start_service(
    *args: str,
    port: int | None = None,
    log: Path | None = None,
    token: str | None = "test-token",
    cwd: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """A ``walt serve`` process; returns it and its base URL once it answers /healthz."""
    import urllib.request

    port = port or free_port()
    auth = ("--token", token) if token else ("--no-auth",)
    out = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "walt", "serve", "--port", str(port), *auth, *args],
        stdout=out,
        stderr=out,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"walt serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("walt serve did not come up")
